// Time builtins: nsecs (and nsecs(monotonic|boot|tai|sw_tai)), elapsed, jiffies is in
// process.ts. All are u64 nanoseconds read with bpf_ktime_get_*_ns.

import type { BuiltinFn, BuiltinVar } from './spec.js';
import { U64 } from '../types/ty.js';

export const TIME_VARS: readonly BuiltinVar[] = [
  { kind: 'var', name: 'nsecs', doc: 'Nanoseconds since boot (CLOCK_MONOTONIC)', type: () => U64, emit: () => 'bpf_ktime_get_ns()' },
  { kind: 'var', name: 'elapsed', doc: 'Nanoseconds since bpfscript started tracing', type: () => U64, emit: () => 'rt_elapsed()' },
];

const CLOCKS: Record<string, string> = {
  monotonic: 'bpf_ktime_get_ns()',
  boot: 'bpf_ktime_get_boot_ns()',
  tai: 'bpf_ktime_get_tai_ns()',
  sw_tai: 'bpf_ktime_get_tai_ns()',
};

export const TIME_FNS: readonly BuiltinFn[] = [
  {
    kind: 'fn',
    name: 'nsecs',
    doc: 'Nanoseconds of a clock: nsecs(monotonic), nsecs(boot), nsecs(tai)',
    signature: 'nsecs([monotonic|boot|tai|sw_tai])',
    minArgs: 0,
    maxArgs: 1,
    infer(ctx, call) {
      const a = call.args[0];
      if (a && !(a.kind === 'Ident' && a.name in CLOCKS)) {
        ctx.error('T003', a.span, { fn: 'nsecs', index: 1, expected: 'monotonic, boot, tai or sw_tai', actual: 'that' });
      }
      return U64;
    },
    emit(_g, call) {
      const a = call.args[0];
      return a && a.kind === 'Ident' ? CLOCKS[a.name]! : 'bpf_ktime_get_ns()';
    },
  },
];
