// The AST: readonly node interfaces with a `kind` discriminant and a half-open `span`
// of offsets into the SourceFile text. Built once by the parser (src/parser/to-ast.ts),
// never mutated; later phases that rewrite (desugaring) build new nodes that carry the
// span of the sugar they replace. Types are NOT stored here (see src/types, side table).

export interface Span {
  readonly start: number;
  readonly end: number;
}

// ---------------------------------------------------------------- top level

export interface Program {
  readonly kind: 'Program';
  readonly span: Span;
  /** `#include <x.h>` / `#include "x.h"` lines, verbatim (without the newline). */
  readonly includes: readonly Include[];
  /** `#define NAME value` lines: simple object-like macros, expanded by the parser. */
  readonly defines: readonly Define[];
  /** `struct X { ... };` and `union X { ... };` definitions written in the script. */
  readonly structs: readonly StructDef[];
  /** `config = { key = value; ... }` (newer bpftrace). */
  readonly config: readonly ConfigEntry[];
  /** `macro name($a, @b, c) { ... }` (newer bpftrace). */
  readonly macros: readonly MacroDef[];
  readonly probes: readonly Probe[];
}

export interface Include {
  readonly kind: 'Include';
  readonly span: Span;
  readonly text: string; // e.g. '<linux/sched.h>' or '"foo.h"'
}

export interface Define {
  readonly kind: 'Define';
  readonly span: Span;
  readonly name: string;
  readonly value: string;
}

export interface StructDef {
  readonly kind: 'StructDef';
  readonly span: Span;
  readonly union: boolean;
  readonly name: string; // without the `struct ` prefix
  readonly fields: readonly StructField[];
}

export interface StructField {
  readonly kind: 'StructField';
  readonly span: Span;
  readonly name: string;
  readonly type: TypeName;
}

export interface ConfigEntry {
  readonly kind: 'ConfigEntry';
  readonly span: Span;
  readonly key: string;
  readonly value: IntLit | StrLit | Ident | BoolLit;
}

export interface MacroDef {
  readonly kind: 'MacroDef';
  readonly span: Span;
  readonly name: string;
  /** Parameter names as written: '$x', '@m' or a bare identifier. */
  readonly params: readonly string[];
  readonly body: Block;
}

export interface Probe {
  readonly kind: 'Probe';
  readonly span: Span;
  readonly attachPoints: readonly AttachPoint[];
  readonly predicate: Expr | null;
  readonly body: Block;
}

/**
 * One attach point as written, e.g. `uprobe:/bin/bash:readline`, `t:syscalls:sys_enter_*`,
 * `interval:s:1`, `BEGIN`, `kprobe:do_sys_open+10`, `uprobe:"/a b/c":f`.
 * The parser only splits it: `provider` is the text before the first `:` (or the whole
 * text for BEGIN/END), `parts` the `:`-separated rest with surrounding quotes removed.
 * Positional parameters (`$1`) are left in the text; analyze substitutes and resolves
 * aliases (`t` -> tracepoint), wildcards and targets.
 */
export interface AttachPoint {
  readonly kind: 'AttachPoint';
  readonly span: Span;
  readonly text: string;
  readonly provider: string;
  readonly parts: readonly string[];
}

// ---------------------------------------------------------------- statements

export type Stmt =
  | ExprStmt
  | AssignStmt
  | IfStmt
  | WhileStmt
  | UnrollStmt
  | ForStmt
  | ReturnStmt
  | BreakStmt
  | ContinueStmt
  | LetStmt
  | Block;

export interface Block {
  readonly kind: 'Block';
  readonly span: Span;
  readonly stmts: readonly Stmt[];
}

export interface ExprStmt {
  readonly kind: 'ExprStmt';
  readonly span: Span;
  readonly expr: Expr;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

/** `@m[k] = v`, `$x = v`, `$x += v`, `@m = count()`, and `$s.field = v` is NOT allowed. */
export interface AssignStmt {
  readonly kind: 'AssignStmt';
  readonly span: Span;
  readonly op: AssignOp;
  readonly target: MapRef | VarRef;
  readonly value: Expr;
}

export interface IfStmt {
  readonly kind: 'IfStmt';
  readonly span: Span;
  readonly cond: Expr;
  readonly then: Block;
  /** `else if` is an IfStmt here; plain `else` a Block. */
  readonly else: Block | IfStmt | null;
}

export interface WhileStmt {
  readonly kind: 'WhileStmt';
  readonly span: Span;
  readonly cond: Expr;
  readonly body: Block;
}

export interface UnrollStmt {
  readonly kind: 'UnrollStmt';
  readonly span: Span;
  readonly count: Expr; // an integer literal or positional parameter
  readonly body: Block;
}

/** `for ($kv : @map) { }` or `for ($i : 0..10) { }`. */
export interface ForStmt {
  readonly kind: 'ForStmt';
  readonly span: Span;
  readonly variable: VarRef;
  readonly iterable: MapRef | RangeExpr;
  readonly body: Block;
}

export interface RangeExpr {
  readonly kind: 'Range';
  readonly span: Span;
  readonly from: Expr;
  readonly to: Expr;
}

export interface ReturnStmt {
  readonly kind: 'ReturnStmt';
  readonly span: Span;
  readonly value: Expr | null;
}

export interface BreakStmt {
  readonly kind: 'BreakStmt';
  readonly span: Span;
}

export interface ContinueStmt {
  readonly kind: 'ContinueStmt';
  readonly span: Span;
}

/** `let $x;`, `let $x = 1;`, `let $x: uint8 = 1;` (newer bpftrace). */
export interface LetStmt {
  readonly kind: 'LetStmt';
  readonly span: Span;
  readonly variable: VarRef;
  readonly type: TypeName | null;
  readonly value: Expr | null;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | IntLit
  | StrLit
  | BoolLit
  | PositionalParam
  | PositionalCount
  | Ident
  | VarRef
  | MapRef
  | Call
  | Binary
  | Unary
  | Update
  | Ternary
  | Cast
  | FieldAccess
  | Index
  | TupleLit
  | TupleIndex
  | SizeofExpr
  | OffsetofExpr;

export interface IntLit {
  readonly kind: 'IntLit';
  readonly span: Span;
  readonly value: bigint; // decimal, hex (0x), octal (0o/leading 0), binary (0b), `1_000`, `1e6`
  readonly suffix: string; // '' or a C-like suffix as written ('u', 'ul', 'll' ...), for diagnostics
}

export interface StrLit {
  readonly kind: 'StrLit';
  readonly span: Span;
  readonly value: string; // escapes already decoded (\n \t \\ \" \xNN \NNN)
}

export interface BoolLit {
  readonly kind: 'BoolLit';
  readonly span: Span;
  readonly value: boolean;
}

/** `$1`, `$2` ... (index >= 1). */
export interface PositionalParam {
  readonly kind: 'PositionalParam';
  readonly span: Span;
  readonly index: number;
}

/** `$#`. */
export interface PositionalCount {
  readonly kind: 'PositionalCount';
  readonly span: Span;
}

/**
 * A bare identifier: builtins (pid, comm, args, arg0, retval, curtask ...), enum
 * constants, and call-less names. `pid()` is a Call with no args; analyze treats both.
 */
export interface Ident {
  readonly kind: 'Ident';
  readonly span: Span;
  readonly name: string;
}

/** `$x` (name includes the `$`). */
export interface VarRef {
  readonly kind: 'VarRef';
  readonly span: Span;
  readonly name: string;
}

/**
 * `@m`, `@`, `@m[k]`, `@m[a, b]`. `name` includes the `@` (`@` alone for the anonymous
 * map). `keys` is empty for a scalar map; `@m[(a, b)]` is written as one TupleLit key
 * and analyze treats it the same as `@m[a, b]`.
 */
export interface MapRef {
  readonly kind: 'MapRef';
  readonly span: Span;
  readonly name: string;
  readonly keys: readonly Expr[];
  /** true when written with brackets (so `@m[]` is distinguishable; rarely needed). */
  readonly bracketed: boolean;
}

export interface Call {
  readonly kind: 'Call';
  readonly span: Span;
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly Expr[];
}

export type BinaryOp =
  | '||' | '&&'
  | '|' | '^' | '&'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '<<' | '>>'
  | '+' | '-'
  | '*' | '/' | '%';

export interface Binary {
  readonly kind: 'Binary';
  readonly span: Span;
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

/** `-x`, `!x`, `~x`, `*p` (deref), `&x` (address-of; rarely valid). */
export interface Unary {
  readonly kind: 'Unary';
  readonly span: Span;
  readonly op: '-' | '!' | '~' | '*' | '&';
  readonly operand: Expr;
}

/** `x++`, `++x`, `x--`, `--x` on a VarRef or MapRef. */
export interface Update {
  readonly kind: 'Update';
  readonly span: Span;
  readonly op: '++' | '--';
  readonly prefix: boolean;
  readonly target: VarRef | MapRef;
}

export interface Ternary {
  readonly kind: 'Ternary';
  readonly span: Span;
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
}

/**
 * A type as written in casts, struct fields, `let` and sizeof:
 * `uint8`, `int64`, `unsigned int`, `struct task_struct *`, `char[16]`, `string`.
 * `name` is normalized to single spaces ('struct task_struct', 'unsigned int').
 */
export interface TypeName {
  readonly kind: 'TypeName';
  readonly span: Span;
  readonly name: string;
  readonly pointerDepth: number;
  readonly arrayLen: number | null;
}

export interface Cast {
  readonly kind: 'Cast';
  readonly span: Span;
  readonly type: TypeName;
  readonly expr: Expr;
}

/** `e->f` (arrow: true) or `e.f` (arrow: false). `args.f` and `args->f` both appear. */
export interface FieldAccess {
  readonly kind: 'FieldAccess';
  readonly span: Span;
  readonly expr: Expr;
  readonly field: string;
  readonly fieldSpan: Span;
  readonly arrow: boolean;
}

/** `e[i]` where e is not a map (arrays, pointers, `args->args[1]`). */
export interface Index {
  readonly kind: 'Index';
  readonly span: Span;
  readonly expr: Expr;
  readonly index: Expr;
}

/** `(a, b, ...)` with at least two elements. */
export interface TupleLit {
  readonly kind: 'TupleLit';
  readonly span: Span;
  readonly elems: readonly Expr[];
}

/** `t.0`, `$t.1`. */
export interface TupleIndex {
  readonly kind: 'TupleIndex';
  readonly span: Span;
  readonly expr: Expr;
  readonly index: number;
}

export interface SizeofExpr {
  readonly kind: 'Sizeof';
  readonly span: Span;
  readonly arg: TypeName | Expr;
}

export interface OffsetofExpr {
  readonly kind: 'Offsetof';
  readonly span: Span;
  readonly type: TypeName;
  readonly field: readonly string[]; // offsetof(struct x, a.b) -> ['a', 'b']
}

export type Node =
  | Program
  | Include
  | Define
  | StructDef
  | StructField
  | ConfigEntry
  | MacroDef
  | Probe
  | AttachPoint
  | Stmt
  | Expr
  | RangeExpr
  | TypeName;

export function assertNever(x: never, what = 'node'): never {
  throw new Error(`internal error: unhandled ${what}: ${JSON.stringify((x as { kind?: string }).kind ?? x)}`);
}
