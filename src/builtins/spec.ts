// The shape of a builtin: one small object per builtin variable (pid, comm ...) or
// function (printf, count, str ...), holding its documentation, where it is allowed,
// how its type is inferred and how its C is emitted. The family files (process.ts,
// time.ts, aggregations.ts, output.ts, strings.ts, ...) define them; index.ts lists
// them all in BUILTINS. Analyze calls `infer`; codegen calls `emit`/`emitInto`.

import type { Call, Expr, Span } from '../ast/nodes.js';
import type { DiagCode } from '../diagnostics/catalogue.js';
import type { EventKind, ProviderKind } from '../codegen/manifest.js';
import type { Provider } from '../providers/providers.js';
import type { Ty } from '../types/ty.js';
import type { CWriter } from '../codegen/c-writer.js';

/** What a builtin's type inference may ask of the analyzer. */
export interface InferCtx {
  readonly provider: Provider;
  /** Type of an argument expression (inferred on demand). */
  typeOf(e: Expr): Ty;
  /** Report a problem at a span. Returns the fallback type for convenience. */
  error(code: DiagCode, span: Span, args?: Record<string, string | number>, hints?: readonly string[]): void;
  /** The value of a constant integer expression (literals, $1, arithmetic), or null. */
  constInt(e: Expr): bigint | null;
  /** The value of a constant string expression (literals, string $1), or null. */
  constStr(e: Expr): string | null;
  /** Configured string length (BPFTRACE_STRLEN / config max_strlen), default 64. */
  readonly strlen: number;
  /** Address of a symbol in the binary the probe traces (uprobe/usdt), or null. */
  userSymbolAddress(name: string): bigint | null;
  /** Default stack mode (BPFTRACE_STACK_MODE / config stack_mode). */
  readonly stackMode: import('../types/ty.js').StackMode;
  /** True when --unsafe was given. */
  readonly unsafe: boolean;
  /** True while inferring the value of `@m = <call>` (aggregations are allowed only there). */
  readonly inMapAssign: boolean;
}

/** What a builtin's C emission may ask of codegen, per generated program. */
export interface GenCtx {
  readonly w: CWriter;
  readonly provider: Provider;
  /** Index of the program (probe_<n>), for lost-event counters. */
  readonly progIndex: number;
  ty(e: Expr): Ty;
  /** A fresh C local name. */
  tmp(prefix?: string): string;
  /** C declaration of a local of type t: `__u64 x`, `char x[64]`, `struct tup_1 x`. */
  decl(t: Ty, name: string): string;
  /** C expression of a scalar (int, pointer-as-u64) value; may emit statements first. */
  scalar(e: Expr): string;
  /** Store the value of e into the C lvalue `dst` (any type). */
  into(e: Expr, dst: string, dstTy: Ty): void;
  /** A C lvalue holding e's value (a temp when e is not already one). */
  lvalue(e: Expr): string;
  /** Register a ring-buffer event; returns its id. */
  event(kind: EventKind, span: Span, args: Ty, extra?: { format?: string; map?: number; top?: number; div?: number }): number;
  /**
   * `call` (a C expression calling a BPF helper) wrapped to report a failure under -k
   * (helpers other than memory reads) or -kk (all): `rt_check(call, <event>, <prog>)`,
   * where the event is a helper_error naming `helper` (bpftrace 0.17's name for it:
   * probe_read, probe_read_str, map_update_elem, map_delete_elem) at `span`.
   */
  checked(call: string, helper: string, span: Span): string;
  /**
   * The helper_error event for a check that happens inside an rt.bpf.h function (the
   * aggregations' map update: `rt_count_at(..., id, prog)`), or null when not checked.
   */
  helperSite(helper: string, span: Span): { id: number; prog: number } | null;
  /** Name of the C struct of an event's payload (`ev_<id>`), defined at file scope. */
  eventStruct(id: number): string;
  /** Map info by script name. */
  map(name: string): { cname: string; index: number; key: Ty | null; value: Ty; keyCType: string };
  /** Emit code computing the key of `@m[...]` into a fresh local; returns its name (pointer-able). */
  mapKey(name: string, keys: readonly Expr[]): string;
  /** The C type of a Ty (for casts and declarations without a name). */
  ctype(t: Ty): string;
  /** Constant integer value of an expression (analyze already checked it). */
  constInt(e: Expr): bigint;
  constStr(e: Expr): string;
  constIntOrNull(e: Expr): bigint | null;
  /** Emit `return 0;` semantics that leave the probe (exit()). */
  leaveProbe(): void;
  /** Number of function arguments (kretfunc: retval is the slot after them). */
  funcArgCount(): number;
  /** The attach cookie expression (for func/probe when a program has several attach points). */
  cookie(): string;
  /** C expression of the context pointer (`ctx`). */
  readonly ctxName: string;
}

export interface BuiltinVar {
  readonly kind: 'var';
  readonly name: string;
  readonly doc: string;
  /** Provider kinds where it may be used; undefined = everywhere. */
  readonly providers?: readonly ProviderKind[];
  /** Extra availability test (e.g. `retval` needs provider.hasRetval). */
  available?(p: Provider): boolean;
  type(ctx: InferCtx): Ty;
  /** Scalar C expression, for scalar types. */
  emit?(g: GenCtx): string;
  /** For non-scalar types (strings): write into dst. */
  emitInto?(g: GenCtx, dst: string): void;
}

export interface BuiltinFn {
  readonly kind: 'fn';
  readonly name: string;
  readonly doc: string;
  /** e.g. 'printf(fmt, ...)'. */
  readonly signature: string;
  readonly minArgs: number;
  readonly maxArgs: number; // Infinity for variadic
  readonly providers?: readonly ProviderKind[];
  /** Only valid as a statement (printf, exit, delete ...). */
  readonly statement?: boolean;
  /** An aggregation: only valid as `@m[...] = f(...)`. */
  readonly aggregation?: boolean;
  /** Needs --unsafe. */
  readonly unsafe?: boolean;
  /** Which arguments are maps (@m, not read as values). */
  readonly mapArgs?: readonly number[];
  infer(ctx: InferCtx, call: Call): Ty;
  /** Scalar result (or void statement): emit statements, return the C expression ('' for void). */
  emit?(g: GenCtx, call: Call): string;
  /** Non-scalar result: write into dst. */
  emitInto?(g: GenCtx, call: Call, dst: string): void;
  /** Aggregations: emit the update of map `m` at key local `key` (null = scalar map). */
  emitAgg?(g: GenCtx, call: Call, m: { cname: string; index: number; value: Ty }, keyPtr: string): void;
}

export type Builtin = BuiltinVar | BuiltinFn;
