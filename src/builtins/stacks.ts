// Stack builtins: kstack and ustack, as variables or called with a mode (bpftrace,
// perf, raw) and/or a depth: kstack(perf), ustack(5), kstack(perf, 10).
// The kernel records stacks in the rt_kstacks/rt_ustacks stack maps and the value is the
// stack id (ustack: with the pid); user space reads the maps to print them.

import type { BuiltinFn, BuiltinVar, GenCtx, InferCtx } from './spec.js';
import type { Call } from '../ast/nodes.js';
import type { StackMode, Ty } from '../types/ty.js';

export const MAX_STACK_DEPTH = 127;
const MODES = ['bpftrace', 'perf', 'raw'];

function stackTy(kind: 'kstack' | 'ustack', depth: number, mode: StackMode): Ty {
  return kind === 'kstack' ? { k: 'kstack', depth, mode } : { k: 'ustack', depth, mode };
}

function parseArgs(ctx: InferCtx, call: Call, kind: string): { depth: number; mode: StackMode } {
  let depth = MAX_STACK_DEPTH;
  let mode: StackMode = 'bpftrace';
  for (const a of call.args) {
    if (a.kind === 'Ident' && MODES.includes(a.name)) {
      mode = a.name as StackMode;
      continue;
    }
    const n = ctx.constInt(a);
    if (n === null || n < 1n || n > BigInt(MAX_STACK_DEPTH)) {
      ctx.error('T003', a.span, { fn: kind, index: call.args.indexOf(a) + 1, expected: `a mode (bpftrace, perf, raw) or a depth from 1 to ${MAX_STACK_DEPTH}`, actual: 'that' });
      continue;
    }
    depth = Number(n);
  }
  return { depth, mode };
}

function emitStack(kind: 'kstack' | 'ustack', g: GenCtx, dst?: string): string {
  if (kind === 'kstack') return `rt_kstack(${g.ctxName})`;
  g.w.ln(`rt_ustack(${g.ctxName}, (struct rt_ustack *)&${dst});`);
  return '';
}

function stackVar(kind: 'kstack' | 'ustack'): BuiltinVar {
  return {
    kind: 'var',
    name: kind,
    doc: kind === 'kstack' ? 'Kernel stack trace' : 'User stack trace',
    type: (ctx) => stackTy(kind, MAX_STACK_DEPTH, ctx.stackMode),
    ...(kind === 'kstack' ? { emit: (g: GenCtx) => emitStack(kind, g) } : { emitInto: (g: GenCtx, dst: string) => void emitStack(kind, g, dst) }),
  };
}

function stackFn(kind: 'kstack' | 'ustack'): BuiltinFn {
  return {
    kind: 'fn',
    name: kind,
    doc: `${kind === 'kstack' ? 'Kernel' : 'User'} stack trace with a mode and/or depth: ${kind}(perf, 10)`,
    signature: `${kind}([mode][, depth])`,
    minArgs: 1,
    maxArgs: 2,
    infer(ctx, call) {
      const { depth, mode } = parseArgs(ctx, call, kind);
      return stackTy(kind, depth, mode);
    },
    ...(kind === 'kstack' ? { emit: (g: GenCtx) => emitStack(kind, g) } : { emitInto: (g: GenCtx, _c: Call, dst: string) => void emitStack(kind, g, dst) }),
  };
}

export const STACK_VARS: readonly BuiltinVar[] = [stackVar('kstack'), stackVar('ustack')];
export const STACK_FNS: readonly BuiltinFn[] = [stackFn('kstack'), stackFn('ustack')];
