// Kernel symbolization: lookups of real /proc/kallsyms addresses (when readable), the
// lazy load, bpftrace's output forms (name, name+off, 0x hex), and the alias and
// filtering rules on synthetic kallsyms text.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelSymbols, hexAddr, parseKallsyms } from '../../src/runtime/symbols/index.js';

function kallsymsReadable(): boolean {
  try {
    const head = readFileSync('/proc/kallsyms', 'latin1').slice(0, 200);
    return /^[0-9a-f]{16} /.test(head) && !head.startsWith('0000000000000000');
  } catch {
    return false;
  }
}

/** A few text symbols whose address no other symbol shares and whose successor is > 16 bytes away. */
function sampleSymbols(): { name: string; addr: bigint }[] {
  const lines = readFileSync('/proc/kallsyms', 'latin1').split('\n');
  const rows = lines
    .map((l) => /^([0-9a-f]{16}) ([Tt]) (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ addr: BigInt(`0x${m[1]}`), name: m[3]! }));
  const all = lines.map((l) => l.slice(0, 16)).filter((h) => /^[0-9a-f]{16}$/.test(h)).map((h) => BigInt(`0x${h}`));
  const sorted = [...new Set(all)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const count = new Map<bigint, number>();
  for (const a of all) count.set(a, (count.get(a) ?? 0) + 1);
  const picks: { name: string; addr: bigint }[] = [];
  for (const frac of [0.1, 0.3, 0.5, 0.7, 0.9]) {
    for (let i = Math.floor(rows.length * frac); i < rows.length; i++) {
      const r = rows[i]!;
      const idx = sorted.indexOf(r.addr);
      const next = sorted[idx + 1];
      if (count.get(r.addr) === 1 && next !== undefined && next - r.addr > 16n) {
        picks.push(r);
        break;
      }
    }
  }
  return picks;
}

describe.skipIf(!kallsymsReadable())('KernelSymbols on /proc/kallsyms', () => {
  const ks = new KernelSymbols();
  const picks = kallsymsReadable() ? sampleSymbols() : [];

  it('does not read kallsyms before the first lookup', () => {
    const fresh = new KernelSymbols();
    expect(fresh.loaded).toBe(false);
    fresh.ksym(0xffffffff81000000n);
    expect(fresh.loaded).toBe(true);
  });

  it('found five sample symbols to check', () => {
    expect(picks).toHaveLength(5);
  });

  it.each([0, 1, 2, 3, 4])('sample %i: ksym(addr) = name, kframe(addr + 7) = name+7', (i) => {
    const p = picks[i]!;
    expect(ks.ksym(p.addr)).toBe(p.name);
    expect(ks.kframe(p.addr)).toBe(`${p.name}+0`);
    expect(ks.ksym(p.addr + 7n)).toBe(p.name);
    expect(ks.kframe(p.addr + 7n)).toBe(`${p.name}+7`);
    expect(ks.resolve(p.addr + 7n)).toMatchObject({ name: p.name, offset: 7 });
  });

  it.each([
    [0x55946a63c8e1n, '0x55946a63c8e1'],
    [0n, '0x0'],
    [0x7fffffffe000n, '0x7fffffffe000'],
  ])('a user-space address %s stays hex', (addr, text) => {
    expect(ks.ksym(addr)).toBe(text);
    expect(ks.kframe(addr)).toBe(text);
  });

  it('loads one row per distinct upper-half address of kallsyms', () => {
    // bpf programs come and go while other tests run: compare without them.
    const text = readFileSync('/proc/kallsyms', 'latin1');
    const lines = text.split('\n').filter((l) => /^ffff[0-9a-f]{12} [^AaU] /.test(l) && !l.endsWith('[bpf]'));
    const distinct = new Set(lines.map((l) => l.slice(0, 16)));
    const table = parseKallsyms(text);
    const ours = table.modules.filter((m) => m !== 'bpf').length;
    expect(Math.abs(ours - distinct.size)).toBeLessThanOrEqual(2);
    expect(ours).toBeGreaterThan(1000);
  });
});

describe('parseKallsyms rules (synthetic)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscript-kallsyms-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const TEXT = [
    '0000000000000000 A fixed_percpu_data',
    '0000000000001000 D __per_cpu_thing',
    'ffffffff81000000 T srso_alias_untrain_ret',
    'ffffffff81000000 T _stext',
    'ffffffff81000000 t _text_local',
    'ffffffff81000100 t local_fn',
    'ffffffff81000100 T global_fn',
    'ffffffff81000200 W weak_fn',
    'ffffffffc0201000 t mod_fn\t[mymod]',
    'ffffffff81000300 T late_sorted_fn',
    'ffffffffa0000000 t bpf_prog_1234_probe_0\t[bpf]',
    '',
  ].join('\n');

  it('keeps one entry per address, sorted, dropping the lower half', () => {
    const t = parseKallsyms(TEXT);
    expect(t.names).toEqual(['srso_alias_untrain_ret', 'global_fn', 'weak_fn', 'late_sorted_fn', 'bpf_prog_1234_probe_0', 'mod_fn']);
    expect(t.modules).toEqual([null, null, null, null, 'bpf', 'mymod']);
  });

  it.each([
    [0xffffffff81000000n, 'srso_alias_untrain_ret', 'srso_alias_untrain_ret+0'], // first T alias wins
    [0xffffffff81000105n, 'global_fn', 'global_fn+5'], // T beats t at one address
    [0xffffffff81000250n, 'weak_fn', 'weak_fn+80'],
    [0xffffffffc0201010n, 'mod_fn', 'mod_fn+16'],
    [0xffffffffa0000008n, 'bpf_prog_1234_probe_0', 'bpf_prog_1234_probe_0+8'],
    [0xffffffff80000000n, '0xffffffff80000000', '0xffffffff80000000'], // below the first symbol
    [0x1000n, '0x1000', '0x1000'], // the per-CPU symbol is not used
  ])('lookup %s -> %s / %s', (addr, ksym, kframe) => {
    const file = join(dir, 'kallsyms');
    writeFileSync(file, TEXT);
    const ks = new KernelSymbols(file);
    expect(ks.ksym(addr)).toBe(ksym);
    expect(ks.kframe(addr)).toBe(kframe);
  });

  it('an unreadable or all-zero kallsyms resolves nothing', () => {
    expect(new KernelSymbols(join(dir, 'missing')).ksym(0xffffffff81000000n)).toBe('0xffffffff81000000');
    const zero = join(dir, 'zero');
    writeFileSync(zero, '0000000000000000 T _stext\n0000000000000000 T foo\n');
    expect(new KernelSymbols(zero).ksym(0xffffffff81000000n)).toBe('0xffffffff81000000');
  });

  it.each([
    [0xffffffff81000000n, '0xffffffff81000000'],
    [-1n, '0xffffffffffffffff'],
    [255, '0xff'],
  ])('hexAddr(%s) = %s', (addr, text) => {
    expect(hexAddr(addr)).toBe(text);
  });
});
