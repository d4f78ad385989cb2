import { it } from 'vitest';
import { decodeArgs } from '../../src/runtime/decode.js';
import { formatPrintf } from '../../src/runtime/format/printf.js';
import { intValue, strValue, type Symbolizer } from '../../src/runtime/value.js';
import type { Ty } from '../../src/types/ty.js';
it('bench', () => {
  const sym = {} as Symbolizer;
  const ty: Ty = { k: 'tuple', elems: [{ k: 'int', bits: 32, signed: false }, { k: 'str', size: 16 }, { k: 'int', bits: 64, signed: true }] };
  const buf = Buffer.alloc(32); buf.writeUInt32LE(1234, 0); buf.write('bash', 4); buf.writeBigInt64LE(-5n, 24);
  const N = 1_000_000; let total = 0;
  for (let r = 0; r < 2; r++) {
  let t0 = performance.now();
  for (let k = 0; k < N; k++) total += decodeArgs(ty, buf, 0, sym).length;
  let t1 = performance.now();
  const args = [intValue(1234, 32, false), strValue('bash'), intValue(-5)];
  for (let k = 0; k < N; k++) total += formatPrintf('pid %d comm %s ret %d\n', args).length;
  let t2 = performance.now();
  console.log(`decode ${(N / (t1 - t0) / 1e3).toFixed(2)} M/s, printf ${(N / (t2 - t1) / 1e3).toFixed(2)} M/s`, total);
  }
});
