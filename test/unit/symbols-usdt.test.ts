// USDT notes: probes read from .note.stapsdt checked against `readelf -n`, argument
// specs, semaphores, prelink adjustment, grouping and the `-l usdt:` listing (against
// bpftrace 0.17 where installed).

import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ElfFile,
  SymbolError,
  findUsdt,
  listUsdt,
  matchUsdt,
  parseUsdtArg,
  parseUsdtArgs,
  usdtProbes,
} from '../../src/runtime/symbols/index.js';
import { type Fixtures, HAVE_BPFTRACE, HAVE_GCC, buildFixtures, removeFixtures, run } from './fixtures/symbols/build.js';

describe('parseUsdtArg', () => {
  it.each([
    ['-4@%edi', { size: 4, signed: true, float: false, kind: 'reg', reg: 'edi', operand: '%edi' }],
    ['8@%rax', { size: 8, signed: false, float: false, kind: 'reg', reg: 'rax', operand: '%rax' }],
    ['8@-8(%rbp)', { size: 8, signed: false, float: false, kind: 'mem', reg: 'rbp', value: -8, operand: '-8(%rbp)' }],
    ['-1@31(%rsp)', { size: 1, signed: true, float: false, kind: 'mem', reg: 'rsp', value: 31, operand: '31(%rsp)' }],
    ['2@(%rax)', { size: 2, signed: false, float: false, kind: 'mem', reg: 'rax', value: 0, operand: '(%rax)' }],
    ['-4@$-5', { size: 4, signed: true, float: false, kind: 'const', value: -5, operand: '$-5' }],
    ['4@$0x10', { size: 4, signed: false, float: false, kind: 'const', value: 16, operand: '$0x10' }],
    ['8f@%xmm0', { size: 8, signed: false, float: true, kind: 'reg', reg: 'xmm0', operand: '%xmm0' }],
    ['8@foo+8(%rip)', { size: 8, signed: false, float: false, kind: 'other', operand: 'foo+8(%rip)' }],
    ['%rdi', { size: 8, signed: false, float: false, kind: 'reg', reg: 'rdi', operand: '%rdi' }],
  ])('%s', (text, expected) => {
    expect(parseUsdtArg(text)).toEqual(expected);
  });

  it('splits a spec on whitespace; an empty spec has no arguments', () => {
    expect(parseUsdtArgs('-4@%edi  8@-8(%rbp)').map((a) => a.operand)).toEqual(['%edi', '-8(%rbp)']);
    expect(parseUsdtArgs('')).toEqual([]);
    expect(parseUsdtArgs('  ')).toEqual([]);
  });
});

interface ReadelfNote {
  provider: string;
  name: string;
  pc: number;
  base: number;
  semaphore: number;
  args: string;
}

function readelfNotes(path: string): ReadelfNote[] {
  const text = run('readelf', ['-n', path]);
  const out: ReadelfNote[] = [];
  const re =
    /Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: 0x([0-9a-f]+), Base: 0x([0-9a-f]+), Semaphore: 0x([0-9a-f]+)\n\s+Arguments: ?(.*)/g;
  for (const m of text.matchAll(re)) {
    out.push({
      provider: m[1]!,
      name: m[2]!,
      pc: parseInt(m[3]!, 16),
      base: parseInt(m[4]!, 16),
      semaphore: parseInt(m[5]!, 16),
      args: m[6]!.trim(),
    });
  }
  return out;
}

describe.skipIf(!HAVE_GCC)('USDT probes of a test program', () => {
  let fx: Fixtures;
  beforeAll(() => {
    fx = buildFixtures();
  });
  afterAll(removeFixtures);

  it('reads every note readelf -n shows, in order, with the same fields', () => {
    const expected = readelfNotes(fx.usdt);
    expect(expected.length).toBe(7);
    const ours = usdtProbes(fx.usdt).map((p) => ({
      provider: p.provider,
      name: p.name,
      pc: p.pc,
      base: p.base,
      semaphore: p.semaphore,
      args: p.argsText,
    }));
    expect(ours).toEqual(expected);
  });

  it('each probe file offset holds the nop sys/sdt.h puts at the probe site', () => {
    const bytes = readFileSync(fx.usdt);
    for (const p of usdtProbes(fx.usdt)) expect(bytes[p.fileOffset], `${p.provider}:${p.name}`).toBe(0x90);
  });

  it.each([
    ['noargs', []],
    ['types', [[1, true], [2, false], [8, true]]],
    ['start', [[4, true], [4, true]]],
    ['withsema', [[4, true]]],
  ] as const)('myprov:%s argument sizes and signs', (name, sizes) => {
    const g = findUsdt(fx.usdt, 'myprov', name);
    expect(g.args.map((a) => [a.size, a.signed])).toEqual(sizes);
    expect(g.argCount).toBe(sizes.length);
  });

  it('a probe with a semaphore reports its address and file offset (.probes section)', () => {
    const g = findUsdt(fx.usdt, 'myprov', 'withsema');
    const probes = run('readelf', ['-SW', fx.usdt]).split('\n').find((l) => /\s\.probes\s/.test(l))!;
    const m = /\.probes\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(probes)!;
    const [addr, off] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
    const p = g.locations[0]!;
    expect(p.semaphore).toBe(addr);
    expect(p.semaphoreOffset).toBe(p.semaphore - addr + off);
    const plain = findUsdt(fx.usdt, 'myprov', 'start').locations[0]!;
    expect([plain.semaphore, plain.semaphoreOffset]).toEqual([0, null]);
  });

  it('groups a probe used at two sites', () => {
    const g = findUsdt(fx.usdt, 'myprov', 'twice');
    expect(g.locations.map((l) => l.argsText)).toEqual(['-4@$1', '-4@%edi']);
    expect(g.argsDiffer).toBe(false);
    expect(g.locations[0]!.pc).not.toBe(g.locations[1]!.pc);
  });

  it.each([
    [null, 'start', ['myprov:start', 'other:start']],
    ['myprov', '*', ['myprov:noargs', 'myprov:start', 'myprov:twice', 'myprov:types', 'myprov:withsema']],
    ['oth*', '*', ['other:start']],
    [null, 't*', ['myprov:twice', 'myprov:types']],
    ['myprov', 'nosuch', []],
  ] as const)('matchUsdt(%s, %s)', (provider, name, expected) => {
    expect(matchUsdt(fx.usdt, provider, name).map((g) => `${g.provider}:${g.name}`)).toEqual(expected);
  });

  it('findUsdt of a missing probe throws no-usdt', () => {
    try {
      findUsdt(fx.usdt, 'myprov', 'nosuch');
      expect.unreachable();
    } catch (err) {
      expect((err as SymbolError).reason).toBe('no-usdt');
    }
  });

  it('listUsdt prints usdt:PATH:PROVIDER:NAME lines', () => {
    expect(listUsdt(fx.usdt, 'other:*', { display: './usdt' })).toEqual(['usdt:./usdt:other:start']);
    expect(listUsdt(fx.usdt, 'start')).toEqual([`usdt:${fx.usdt}:myprov:start`, `usdt:${fx.usdt}:other:start`]);
  });

  it.skipIf(!HAVE_BPFTRACE)('listUsdt matches `bpftrace -l usdt:./usdt:*` exactly', () => {
    const expected = run('bpftrace', ['-l', 'usdt:./usdt:*'], fx.dir).trimEnd().split('\n');
    expect(listUsdt(fx.usdt, '*', { display: './usdt' })).toEqual(expected);
  });

  it('shifts pc and semaphore when .stapsdt.base moved (prelink)', () => {
    // Simulate prelink: move the .stapsdt.base section address down by 0x10 in a copy
    // (pc and semaphore stay inside their segments).
    const copy = join(fx.dir, 'usdt-prelinked');
    copyFileSync(fx.usdt, copy);
    const elf = ElfFile.open(copy);
    const sec = elf.section('.stapsdt.base')!;
    const hdr = readFileSync(copy);
    const shoff = Number(hdr.readBigUInt64LE(40));
    const shentsize = hdr.readUInt16LE(58);
    elf.close();
    hdr.writeBigUInt64LE(BigInt(sec.addr - 0x10), shoff + sec.index * shentsize + 16);
    writeFileSync(copy, hdr);
    const before = findUsdt(fx.usdt, 'myprov', 'withsema').locations[0]!;
    const after = findUsdt(copy, 'myprov', 'withsema').locations[0]!;
    expect(after.pc).toBe(before.pc - 0x10);
    expect(after.semaphore).toBe(before.semaphore - 0x10);
    expect(after.base).toBe(before.base);
  });
});

describe('USDT in system binaries', () => {
  const PY = '/usr/bin/python3';
  it.skipIf(!HAVE_BPFTRACE)('python3 probes match `bpftrace -l usdt:/usr/bin/python3:*`', () => {
    const expected = run('bpftrace', ['-l', `usdt:${PY}:*`]).trimEnd().split('\n').filter((l) => l !== '');
    expect(listUsdt(PY, '*')).toEqual(expected);
  });
});
