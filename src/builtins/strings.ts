// String functions: str, strncmp, strcontains, buf. Strings are fixed-size NUL-padded
// char arrays (bpftrace's string[N]); reads from kernel or user memory use the
// bpf_probe_read_{kernel,user}_str helpers chosen by the pointer's address space.

import type { BuiltinFn, GenCtx } from './spec.js';
import type { Call } from '../ast/nodes.js';
import { S64, isInt, tyToString, type Ty } from '../types/ty.js';

/** Is memory behind a pointer-ish value of type t (in probe kind k) user memory? */
export function isUserPtr(t: Ty, provider: string): boolean {
  if (t.k === 'ptr') return t.user;
  return ['uprobe', 'uretprobe', 'usdt'].includes(provider);
}

function strSize(ctx: { constInt(e: import('../ast/nodes.js').Expr): bigint | null; strlen: number }, call: Call): number {
  const lenArg = call.args[1];
  if (!lenArg) return ctx.strlen;
  const n = ctx.constInt(lenArg);
  if (n === null) return ctx.strlen;
  return Math.max(1, Math.min(Number(n) + 1, ctx.strlen));
}

export const STRING_FNS: readonly BuiltinFn[] = [
  {
    kind: 'fn',
    name: 'str',
    doc: 'Read a NUL-terminated string from a pointer (optionally at most len bytes)',
    signature: 'str(ptr[, len])',
    minArgs: 1,
    maxArgs: 2,
    infer(ctx, call) {
      const a = call.args[0]!;
      // str($1) of a string parameter is that string.
      if (a.kind === 'PositionalParam') {
        const s = ctx.constStr(a) ?? '';
        return { k: 'str', size: Math.min(Math.max(s.length + 1, 1), 1024) };
      }
      const t = ctx.typeOf(a);
      if (call.args[1]) {
        const lt = ctx.typeOf(call.args[1]);
        if (!isInt(lt)) ctx.error('T003', call.args[1].span, { fn: 'str', index: 2, expected: 'an integer', actual: tyToString(lt) });
      }
      if (t.k === 'str') return t;
      if (t.k === 'array' || isInt(t) || t.k === 'ptr' || t.k === 'void') return { k: 'str', size: strSize(ctx, call) };
      ctx.error('T003', a.span, { fn: 'str', index: 1, expected: 'a pointer or integer address', actual: tyToString(t) });
      return { k: 'str', size: ctx.strlen };
    },
    emitInto(g: GenCtx, call: Call, dst: string) {
      const a = call.args[0]!;
      const t = a.kind === 'PositionalParam' ? ({ k: 'str', size: 0 } as Ty) : g.ty(a);
      const out = g.ty(call) as Extract<Ty, { k: 'str' }>;
      if (a.kind === 'PositionalParam' || t.k === 'str') {
        g.into(a, dst, out);
        return;
      }
      const read = isUserPtr(t, g.provider.kind) ? 'bpf_probe_read_user_str' : 'bpf_probe_read_kernel_str';
      let src: string;
      if (t.k === 'array') {
        src = `(const void *)&${g.lvalue(a)}`;
      } else {
        src = `(const void *)(${g.scalar(a)})`;
      }
      if (call.args[1] && g.constIntOrNull(call.args[1]) === null) {
        const n = g.tmp('n');
        g.w.ln(`__u64 ${n} = (__u64)(${g.scalar(call.args[1])}) + 1;`);
        g.w.ln(`if (${n} > ${out.size})`);
        g.w.ln(`\t${n} = ${out.size};`);
        g.w.ln(`${dst}[0] = 0;`);
        g.w.ln(`${g.checked(`${read}(${dst}, ${n}, ${src})`, 'probe_read_str', call.span)};`);
      } else {
        g.w.ln(`${g.checked(`${read}(${dst}, ${out.size}, ${src})`, 'probe_read_str', call.span)};`);
      }
    },
  },
  {
    kind: 'fn',
    name: 'strncmp',
    doc: 'Compare the first n bytes of two strings; 0 when equal',
    signature: 'strncmp(s1, s2, n)',
    minArgs: 3,
    maxArgs: 3,
    infer(ctx, call) {
      for (const i of [0, 1]) {
        const t = ctx.typeOf(call.args[i]!);
        if (t.k !== 'str') ctx.error('T003', call.args[i]!.span, { fn: 'strncmp', index: i + 1, expected: 'a string', actual: tyToString(t) });
      }
      if (ctx.constInt(call.args[2]!) === null) ctx.error('T007', call.args[2]!.span, { what: 'strncmp() length' });
      return S64;
    },
    emit(g, call) {
      const n = Number(g.constInt(call.args[2]!));
      const a = g.lvalue(call.args[0]!);
      const b = g.lvalue(call.args[1]!);
      const sa = (g.ty(call.args[0]!) as { size: number }).size;
      const sb = (g.ty(call.args[1]!) as { size: number }).size;
      return `rt_strncmp(${a}, ${b}, ${Math.min(n, sa, sb)})`;
    },
  },
  {
    kind: 'fn',
    name: 'strcontains',
    doc: 'True (1) when the first string contains the second',
    signature: 'strcontains(haystack, needle)',
    minArgs: 2,
    maxArgs: 2,
    infer(ctx, call) {
      for (const i of [0, 1]) {
        const t = ctx.typeOf(call.args[i]!);
        if (t.k !== 'str') ctx.error('T003', call.args[i]!.span, { fn: 'strcontains', index: i + 1, expected: 'a string', actual: tyToString(t) });
      }
      return S64;
    },
    emit(g, call) {
      const a = g.lvalue(call.args[0]!);
      const b = g.lvalue(call.args[1]!);
      const sa = (g.ty(call.args[0]!) as { size: number }).size;
      const sb = (g.ty(call.args[1]!) as { size: number }).size;
      return `rt_strcontains(${a}, ${sa}, ${b}, ${sb})`;
    },
  },
];
