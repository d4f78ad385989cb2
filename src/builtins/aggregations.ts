// Aggregation functions: count, sum, avg, min, max, stats, hist, lhist. They are only
// valid as `@m[k] = f(...)`; the value lives in a per-CPU map slot updated in place
// (no atomics on the hot path) by the rt_* helpers of native/bpf/rt.bpf.h, and user
// space merges the CPUs (src/runtime/decode.ts).

import type { BuiltinFn, GenCtx, InferCtx } from './spec.js';
import type { Call } from '../ast/nodes.js';
import { histBuckets, isInt, lhistBuckets, type Ty } from '../types/ty.js';

function intArg(ctx: InferCtx, call: Call, i: number, fn: string): boolean {
  const a = call.args[i];
  if (!a) return false;
  const t = ctx.typeOf(a);
  if (t.k === 'void') return false; // already reported
  if (!isInt(t) && t.k !== 'bool') {
    ctx.error('T003', a.span, { fn, index: i + 1, expected: 'an integer', actual: tyName(t) });
    return false;
  }
  return true;
}

function tyName(t: Ty): string {
  return t.k === 'int' ? `${t.signed ? 'int' : 'uint'}${t.bits}` : t.k === 'str' ? 'a string' : t.k;
}

function signedOf(ctx: InferCtx, call: Call): boolean {
  const a = call.args[0];
  if (!a) return true;
  const t = ctx.typeOf(a);
  return t.k === 'int' ? t.signed : true;
}

/**
 * One aggregation update, `rt_count(args);`, or under -k `rt_count_at(args, site, prog);`:
 * the slot's creation then reports a failure at the call, as bpftrace does.
 */
function aggCall(g: GenCtx, call: Call, helper: string, args: string): string {
  const site = g.helperSite('map_update_elem', call.span);
  return site ? `${helper}_at(${args}, ${site.id}, ${site.prog});` : `${helper}(${args});`;
}

function simpleAgg(name: 'sum' | 'min' | 'max' | 'avg' | 'stats', doc: string): BuiltinFn {
  return {
    kind: 'fn',
    name,
    doc,
    signature: `@m = ${name}(value)`,
    minArgs: 1,
    maxArgs: 1,
    aggregation: true,
    infer(ctx, call) {
      intArg(ctx, call, 0, name);
      return { k: name, signed: signedOf(ctx, call) };
    },
    emitAgg(g: GenCtx, call: Call, m, key) {
      const helper = name === 'stats' ? 'rt_avg' : `rt_${name}`;
      g.w.ln(aggCall(g, call, helper, `&${m.cname}, ${key}, (__s64)(${g.scalar(call.args[0]!)}), ${m.index}`));
    },
  };
}

export const AGGREGATIONS: readonly BuiltinFn[] = [
  {
    kind: 'fn',
    name: 'count',
    doc: 'Count the number of times it is called',
    signature: '@m = count()',
    minArgs: 0,
    maxArgs: 0,
    aggregation: true,
    infer: () => ({ k: 'count' }),
    emitAgg(g, call, m, key) {
      g.w.ln(aggCall(g, call, 'rt_count', `&${m.cname}, ${key}, ${m.index}`));
    },
  },
  simpleAgg('sum', 'Sum of the values'),
  simpleAgg('min', 'Minimum of the values'),
  simpleAgg('max', 'Maximum of the values'),
  simpleAgg('avg', 'Average of the values (integer)'),
  simpleAgg('stats', 'Count, average and total of the values'),
  {
    kind: 'fn',
    name: 'hist',
    doc: 'Power-of-two histogram of the values; optional bits (0-5) for finer buckets',
    signature: '@m = hist(value[, bits])',
    minArgs: 1,
    maxArgs: 2,
    aggregation: true,
    infer(ctx, call) {
      intArg(ctx, call, 0, 'hist');
      let bits = 0;
      if (call.args[1]) {
        const b = ctx.constInt(call.args[1]);
        if (b === null || b < 0n || b > 5n) ctx.error('T007', call.args[1].span, { what: 'hist() bits (0 to 5)' });
        else bits = Number(b);
      }
      return { k: 'hist', bits };
    },
    emitAgg(g, call, m, key) {
      const t = m.value as Extract<Ty, { k: 'hist' }>;
      g.w.ln(aggCall(g, call, 'rt_hist', `&${m.cname}, ${key}, (__s64)(${g.scalar(call.args[0]!)}), ${t.bits}, ${histBuckets(t.bits)}, ${m.index}`));
    },
  },
  {
    kind: 'fn',
    name: 'lhist',
    doc: 'Linear histogram of the values from min to max in steps',
    signature: '@m = lhist(value, min, max, step)',
    minArgs: 4,
    maxArgs: 4,
    aggregation: true,
    infer(ctx, call) {
      intArg(ctx, call, 0, 'lhist');
      const [min, max, step] = [1, 2, 3].map((i) => ctx.constInt(call.args[i]!));
      const names = ['min', 'max', 'step'];
      [min, max, step].forEach((v, i) => {
        if (v === null) ctx.error('T007', call.args[i + 1]!.span, { what: `lhist() ${names[i]}` });
      });
      if (min === null || max === null || step === null) return { k: 'lhist', min: 0, max: 1, step: 1 };
      if (step <= 0n) ctx.error('T007', call.args[3]!.span, { what: 'lhist() step (a positive integer)' });
      else if (max <= min) ctx.error('T007', call.args[2]!.span, { what: 'lhist() max (greater than min)' });
      else if ((max - min) / step > 10000n) ctx.error('T007', call.args[3]!.span, { what: 'lhist() step (at most 10000 buckets)' });
      return { k: 'lhist', min: Number(min), max: Number(max), step: Number(step > 0n ? step : 1n) };
    },
    emitAgg(g, call, m, key) {
      const t = m.value as Extract<Ty, { k: 'lhist' }>;
      const n = lhistBuckets(t.min, t.max, t.step);
      g.w.ln(aggCall(g, call, 'rt_lhist', `&${m.cname}, ${key}, (__s64)(${g.scalar(call.args[0]!)}), ${t.min}, ${t.max}, ${t.step}, ${n}, ${m.index}`));
    },
  },
];
