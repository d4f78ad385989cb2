// Decoding kernel bytes into Values (src/runtime/decode.ts), per-CPU merging, map dumps,
// and the byte <-> string convention of src/runtime/value.ts. Bytes are built by hand in
// the little-endian layouts of src/types/ty.ts; a fake Symbolizer records its calls.

import { describe, expect, it } from 'vitest';
import { decodeArgs, decodeMapDump, decodeValue, macAddress, mergePerCpu, ntop } from '../../src/runtime/decode.js';
import {
  byteLength,
  compareValues,
  decodeBytes,
  encodeOutput,
  intValue,
  orderEntries,
  strValue,
  type MapData,
  type StackFrame,
  type Symbolizer,
  type Value,
} from '../../src/runtime/value.js';
import type { StackMode, Ty } from '../../src/types/ty.js';

// ---------------------------------------------------------------- byte builders

const u8 = (...v: number[]): Buffer => Buffer.from(v);
function le(bits: 8 | 16 | 32 | 64, v: number | bigint): Buffer {
  const b = Buffer.alloc(bits / 8);
  if (bits === 64) b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
  else if (bits === 32) b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(v))));
  else if (bits === 16) b.writeUInt16LE(Number(BigInt.asUintN(16, BigInt(v))));
  else b.writeUInt8(Number(BigInt.asUintN(8, BigInt(v))));
  return b;
}
const q = (v: number | bigint): Buffer => le(64, v);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const pad = (n: number): Buffer => Buffer.alloc(n);

// ---------------------------------------------------------------- fake symbolizer

const calls: string[] = [];
const FRAMES: StackFrame[] = [{ addr: 0xffffffff81000000n, sym: 'do_syscall_64', offset: 5, module: null }];
const SYM: Symbolizer = {
  ksym: (addr) => (calls.push(`ksym ${addr}`), addr === 0xffffffff81000000n ? 'do_syscall_64' : null),
  usym: (addr, pid) => (calls.push(`usym ${addr} ${pid}`), addr === 0x401000n ? 'main' : null),
  func: (cookie) => `func#${cookie}`,
  probe: (cookie) => `probe#${cookie}`,
  username: (uid) => (uid === 0 ? 'root' : ''),
  kstack: (id, depth, mode: StackMode) => (calls.push(`kstack ${id} ${depth} ${mode}`), FRAMES),
  ustack: (id, pid, depth, mode: StackMode) => (calls.push(`ustack ${id} ${pid} ${depth} ${mode}`), FRAMES),
  cgroupPath: (id) => `cgroup#${id}`,
  strerror: (errno) => (errno === 2 ? 'No such file or directory' : `Unknown error ${errno}`),
};
const WITH_CLOCK: Symbolizer = { ...SYM, epochOffsetNs: () => 1_000_000_000_000n };

const I64: Ty = { k: 'int', bits: 64, signed: true };
const i = (v: number | bigint, bits: 8 | 16 | 32 | 64 = 64, signed = true): Value => intValue(v, bits, signed);

// ---------------------------------------------------------------- decodeValue

describe('decodeValue', () => {
  it.each([
    ['int8 -1', { k: 'int', bits: 8, signed: true }, u8(0xff), i(-1, 8)],
    ['uint8 255', { k: 'int', bits: 8, signed: false }, u8(0xff), i(255, 8, false)],
    ['int16 -2', { k: 'int', bits: 16, signed: true }, le(16, -2), i(-2, 16)],
    ['uint16 65535', { k: 'int', bits: 16, signed: false }, le(16, 65535), i(65535, 16, false)],
    ['int32 min', { k: 'int', bits: 32, signed: true }, le(32, -2147483648), i(-2147483648, 32)],
    ['uint32 max', { k: 'int', bits: 32, signed: false }, le(32, 4294967295), i(4294967295, 32, false)],
    ['int64 -1', I64, q(-1), i(-1)],
    ['uint64 max', { k: 'int', bits: 64, signed: false }, q(-1), i(18446744073709551615n, 64, false)],
    ['bool', { k: 'bool' }, u8(2), { t: 'bool', v: true }],
    ['void', { k: 'void' }, u8(), { t: 'none' }],
    ['string up to the NUL', { k: 'str', size: 8 }, Buffer.from('abc\0xyz\0'), strValue('abc')],
    ['string filling its size (no NUL)', { k: 'str', size: 3 }, Buffer.from('abcdef'), strValue('abc')],
    ['empty string', { k: 'str', size: 4 }, pad(4), strValue('')],
    ['string with invalid UTF-8', { k: 'str', size: 4 }, u8(0x61, 0xff, 0x62, 0), strValue('a\udcffb')],
    ['buffer: its length only', { k: 'buf', size: 4 }, cat(le(32, 2), Buffer.from('hi!!')), { t: 'buf', bytes: new Uint8Array([0x68, 0x69]) }],
    ['buffer: length clamped to its size', { k: 'buf', size: 2 }, cat(le(32, 99), Buffer.from('ab')), { t: 'buf', bytes: new Uint8Array([0x61, 0x62]) }],
    [
      'tuple with C alignment (u8, u64, str[3], u16)',
      { k: 'tuple', elems: [{ k: 'int', bits: 8, signed: false }, I64, { k: 'str', size: 3 }, { k: 'int', bits: 16, signed: false }] },
      cat(u8(7), pad(7), q(-5), Buffer.from('ab\0'), pad(1), le(16, 300), pad(4)),
      { t: 'tuple', elems: [i(7, 8, false), i(-5), strValue('ab'), i(300, 16, false)] },
    ],
    ['array', { k: 'array', elem: { k: 'int', bits: 32, signed: true }, len: 3 }, cat(le(32, 1), le(32, -2), le(32, 3)), { t: 'array', elems: [i(1, 32), i(-2, 32), i(3, 32)] }],
    ['pointer', { k: 'ptr', to: 'struct task_struct', pointee: null, user: false }, q(0xffff888000001000n), { t: 'ptr', addr: 0xffff888000001000n }],
    ['record: its bytes', { k: 'record', name: 'struct x', size: 3, align: 1 }, u8(1, 2, 3), { t: 'record', name: 'struct x', bytes: new Uint8Array([1, 2, 3]) }],
    ['kaddr is a uint64', { k: 'kaddr' }, q(0xffffffff81000000n), i(0xffffffff81000000n, 64, false)],
    ['ksym found', { k: 'ksym' }, q(0xffffffff81000000n), { t: 'sym', kind: 'ksym', s: 'do_syscall_64' }],
    ['ksym unknown: the address', { k: 'ksym' }, q(1), { t: 'sym', kind: 'ksym', s: '0x1' }],
    ['ksym 0: "0" (C++ prints a null pointer so)', { k: 'ksym' }, q(0), { t: 'sym', kind: 'ksym', s: '0' }],
    ['usym found', { k: 'usym' }, cat(q(0x401000), q(1234)), { t: 'sym', kind: 'usym', s: 'main' }],
    ['usym unknown', { k: 'usym' }, cat(q(0x7f0000001234n), q(1234)), { t: 'sym', kind: 'usym', s: '0x7f0000001234' }],
    ['func', { k: 'func' }, q(3), { t: 'sym', kind: 'func', s: 'func#3' }],
    ['probe', { k: 'probe' }, q(4), { t: 'sym', kind: 'probe', s: 'probe#4' }],
    ['username', { k: 'username' }, q(0), { t: 'sym', kind: 'username', s: 'root' }],
    ['cgroup path', { k: 'cgroup_path' }, q(77), { t: 'sym', kind: 'cgroup_path', s: 'cgroup#77' }],
    ['strerror', { k: 'strerror' }, q(2), { t: 'sym', kind: 'strerror', s: 'No such file or directory' }],
    ['inet v4', { k: 'inet', size: 16 }, cat(le(32, 2), u8(127, 0, 0, 1), pad(12)), { t: 'sym', kind: 'inet', s: '127.0.0.1' }],
    ['inet v6', { k: 'inet', size: 16 }, cat(le(32, 10), u8(0xfe, 0x80), pad(13), u8(1)), { t: 'sym', kind: 'inet', s: 'fe80::1' }],
    ['inet of another family', { k: 'inet', size: 16 }, cat(le(32, 1), pad(16)), { t: 'sym', kind: 'inet', s: '' }],
    ['macaddr', { k: 'macaddr' }, u8(0x01, 0x02, 0x0a, 0xbc, 0xde, 0xff), { t: 'sym', kind: 'macaddr', s: '01:02:0A:BC:DE:FF' }],
    [
      'join(): strings up to the first empty one, joined',
      { k: 'joined', args: 4, argLen: 4, sep: ',' },
      cat(Buffer.from('ls\0\0'), Buffer.from('-l\0\0'), pad(4), Buffer.from('xx\0\0')),
      strValue('ls,-l'),
    ],
    ['count', { k: 'count' }, q(-1), { t: 'count', v: 18446744073709551615n }],
    ['signed sum', { k: 'sum', signed: true }, q(-7), { t: 'sum', v: -7n, signed: true }],
    ['unsigned sum', { k: 'sum', signed: false }, q(-7), { t: 'sum', v: 18446744073709551609n, signed: false }],
    ['min with its seen flag', { k: 'min', signed: true }, cat(q(-3), q(1)), { t: 'min', v: -3n, seen: true, signed: true }],
    ['max never seen', { k: 'max', signed: true }, cat(q(0), q(0)), { t: 'max', v: 0n, seen: false, signed: true }],
    ['avg', { k: 'avg', signed: true }, cat(q(-9), q(2)), { t: 'avg', sum: -9n, count: 2n, signed: true }],
    ['stats', { k: 'stats', signed: false }, cat(q(30), q(3)), { t: 'stats', sum: 30n, count: 3n, signed: false }],
    ['lhist', { k: 'lhist', min: 0, max: 2, step: 1 }, cat(q(1), q(2), q(3), q(4)), { t: 'lhist', min: 0, max: 2, step: 1, buckets: [1n, 2n, 3n, 4n] }],
  ] as [string, Ty, Buffer, Value][])('%s', (_name, ty, bytes, expected) => {
    // Decode at an offset inside a larger buffer: the decoder must not assume 0.
    expect(decodeValue(ty, cat(pad(3), bytes, pad(32)), 3, SYM)).toEqual(expected);
  });

  it('hist: every bucket of the layout', () => {
    const bytes = Buffer.alloc(8 * 66);
    bytes.writeBigUInt64LE(5n, 8 * 3);
    const v = decodeValue({ k: 'hist', bits: 0 }, bytes, 0, SYM);
    expect(v.t === 'hist' && v.buckets.length).toBe(66);
    expect(v.t === 'hist' && v.buckets[3]).toBe(5n);
  });

  it('stacks: the id, pid, depth and mode reach the symbolizer; a negative id reads nothing', () => {
    calls.length = 0;
    const k = decodeValue({ k: 'kstack', depth: 3, mode: 'perf' }, q(42), 0, SYM);
    const u = decodeValue({ k: 'ustack', depth: 5, mode: 'bpftrace' }, cat(q(7), q(1234)), 0, SYM);
    const bad = decodeValue({ k: 'kstack', depth: 3, mode: 'bpftrace' }, q(-14), 0, SYM);
    expect(calls).toEqual(['kstack 42 3 perf', 'ustack 7 1234 5 bpftrace']);
    expect(k).toEqual({ t: 'stack', user: false, mode: 'perf', frames: FRAMES });
    expect(u).toEqual({ t: 'stack', user: true, mode: 'bpftrace', frames: FRAMES });
    expect(bad).toEqual({ t: 'stack', user: false, mode: 'bpftrace', frames: [] });
  });

  it('timestamps: the symbolizer clock offset is added; the format comes from the type', () => {
    const ty: Ty = { k: 'timestamp', fmt: '%H:%M' };
    expect(decodeValue(ty, q(5), 0, WITH_CLOCK)).toEqual({ t: 'timestamp', ns: 1_000_000_000_005n, fmt: '%H:%M' });
    expect(decodeValue({ k: 'timestamp' }, q(5), 0, SYM)).toEqual({ t: 'timestamp', ns: 5n, fmt: '%H:%M:%S' });
  });

  it('does not keep the caller buffer alive (bytes are copied)', () => {
    const bytes = cat(le(32, 2), Buffer.from('hi'));
    const v = decodeValue({ k: 'buf', size: 2 }, bytes, 0, SYM);
    bytes.fill(0);
    expect(v).toEqual({ t: 'buf', bytes: new Uint8Array([0x68, 0x69]) });
  });

  it('accepts a plain Uint8Array', () => {
    expect(decodeValue(I64, new Uint8Array(q(-2)), 0, SYM)).toEqual(i(-2));
  });
});

// ---------------------------------------------------------------- per-CPU merge

describe('mergePerCpu', () => {
  it.each([
    ['count: add', { k: 'count' }, [q(1), q(2), q(3)], { t: 'count', v: 6n }],
    ['count: wraps at 64 bits', { k: 'count' }, [q(-1), q(2)], { t: 'count', v: 1n }],
    ['signed sum: add', { k: 'sum', signed: true }, [q(-5), q(2)], { t: 'sum', v: -3n, signed: true }],
    ['int: add (like bpftrace reduce_value)', I64, [q(-5), q(2)], i(-3)],
    ['int32 slots are 8 bytes', { k: 'int', bits: 32, signed: true }, [cat(le(32, -1), pad(4)), cat(le(32, -1), pad(4))], i(-2, 32)],
    ['min over the CPUs that saw a value', { k: 'min', signed: true }, [cat(q(0), q(0)), cat(q(4), q(1)), cat(q(-2), q(1))], { t: 'min', v: -2n, seen: true, signed: true }],
    ['min ignores an unseen 0', { k: 'min', signed: true }, [cat(q(0), q(0)), cat(q(4), q(1))], { t: 'min', v: 4n, seen: true, signed: true }],
    ['max over the CPUs that saw a value', { k: 'max', signed: true }, [cat(q(-9), q(1)), cat(q(0), q(0)), cat(q(-3), q(1))], { t: 'max', v: -3n, seen: true, signed: true }],
    ['unsigned max', { k: 'max', signed: false }, [cat(q(-1), q(1)), cat(q(3), q(1))], { t: 'max', v: 18446744073709551615n, seen: true, signed: false }],
    ['max never seen', { k: 'max', signed: true }, [cat(q(0), q(0)), cat(q(0), q(0))], { t: 'max', v: 0n, seen: false, signed: true }],
    ['avg: sums and counts add', { k: 'avg', signed: true }, [cat(q(-7), q(1)), cat(q(2), q(1))], { t: 'avg', sum: -5n, count: 2n, signed: true }],
    ['stats', { k: 'stats', signed: true }, [cat(q(10), q(2)), cat(q(20), q(1))], { t: 'stats', sum: 30n, count: 3n, signed: true }],
    [
      'lhist: bucket-wise',
      { k: 'lhist', min: 0, max: 2, step: 1 },
      [cat(q(1), q(0), q(2), q(0)), cat(q(1), q(5), q(0), q(1))],
      { t: 'lhist', min: 0, max: 2, step: 1, buckets: [2n, 5n, 2n, 1n] },
    ],
    ['a string: CPU 0', { k: 'str', size: 8 }, [Buffer.from('cpu0\0\0\0\0'), Buffer.from('cpu1\0\0\0\0')], strValue('cpu0')],
  ] as [string, Ty, Buffer[], Value][])('%s', (_name, ty, cpus, expected) => {
    expect(mergePerCpu(ty, cat(pad(8), ...cpus), 8, cpus.length, SYM)).toEqual(expected);
  });

  it('hist: bucket-wise over 2 CPUs', () => {
    const cpu = (idx: number, n: bigint): Buffer => {
      const b = Buffer.alloc(8 * 66);
      b.writeBigUInt64LE(n, 8 * idx);
      return b;
    };
    const v = mergePerCpu({ k: 'hist', bits: 0 }, cat(cpu(3, 2n), cpu(3, 5n)), 0, 2, SYM);
    expect(v.t === 'hist' && [v.buckets[3], v.buckets.reduce((a, b) => a + b, 0n)]).toEqual([7n, 7n]);
  });
});

// ---------------------------------------------------------------- map dumps and event args

describe('decodeMapDump', () => {
  it('a per-CPU count map with int keys', () => {
    const body = cat(q(5), q(1), q(2), q(-3), q(10), q(0));
    const map = decodeMapDump(
      { name: '@c', key: I64, value: { k: 'count' }, percpu: true },
      { keySize: 8, valueSize: 16, ncpus: 2, count: 2, body },
      SYM,
    );
    expect(map).toEqual({
      name: '@c',
      key: I64,
      value: { k: 'count' },
      entries: [
        { key: i(5), value: { t: 'count', v: 3n } },
        { key: i(-3), value: { t: 'count', v: 10n } },
      ],
    });
  });

  it('a scalar map: the u32 0 key becomes null', () => {
    const map = decodeMapDump(
      { name: '@x', key: null, value: { k: 'str', size: 4 }, percpu: false },
      { keySize: 4, valueSize: 4, ncpus: 4, count: 1, body: cat(le(32, 0), Buffer.from('ok\0\0')) },
      SYM,
    );
    expect(map.entries).toEqual([{ key: null, value: strValue('ok') }]);
  });

  it('a multi-key map: the key is a tuple', () => {
    const key: Ty = { k: 'tuple', elems: [{ k: 'str', size: 4 }, I64] };
    const map = decodeMapDump(
      { name: '@m', key, value: I64, percpu: false },
      { keySize: 16, valueSize: 8, ncpus: 1, count: 1, body: cat(Buffer.from('ab\0\0'), pad(4), q(9), q(-1)) },
      SYM,
    );
    expect(map.entries).toEqual([{ key: { t: 'tuple', elems: [strValue('ab'), i(9)] }, value: i(-1) }]);
  });
});

describe('decodeArgs', () => {
  it('a tuple payload: one value per element', () => {
    const ty: Ty = { k: 'tuple', elems: [I64, { k: 'str', size: 4 }] };
    expect(decodeArgs(ty, cat(q(-1), Buffer.from('hi\0\0'), pad(4)), 0, SYM)).toEqual([i(-1), strValue('hi')]);
  });
  it('no arguments', () => {
    expect(decodeArgs({ k: 'void' }, pad(0), 0, SYM)).toEqual([]);
  });
});

// ---------------------------------------------------------------- resolvers

describe('ntop and macaddr', () => {
  // The address bytes from Python's socket.inet_pton and the text from inet_ntop, which
  // are glibc's functions.
  it.each([
    ['00000000000000000000000000000002', '::2'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00010000000000000000000000000000', '1::'],
    ['00010000000000020000000000000003', '1:0:0:2::3'],
    ['fe800000000000000000000000000001', 'fe80::1'],
    ['00010000000000000001000000000001', '1::1:0:0:1'],
    ['00000000000100000000000000000000', '0:0:1::'],
    ['20010db8000000000000ff0000428329', '2001:db8::ff00:42:8329'],
    ['0000000000000000ffff000001020304', '::ffff:0:102:304'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['00010000000300040005000600070008', '1:0:3:4:5:6:7:8'],
  ])('%s -> %s', (hex, expected) => {
    expect(ntop(10, Buffer.from(hex, 'hex'))).toBe(expected);
  });

  it('IPv4', () => {
    expect(ntop(2, u8(10, 0, 255, 1))).toBe('10.0.255.1');
  });

  it('macaddr: upper-case pairs', () => {
    expect(macAddress(u8(0, 0x1b, 0x21, 0x3a, 0x4b, 0xff))).toBe('00:1B:21:3A:4B:FF');
  });
});

// ---------------------------------------------------------------- bytes and strings

describe('kernel bytes <-> strings', () => {
  it.each([
    ['ASCII', [0x68, 0x69], 'hi'],
    ['control bytes stay', [0x01, 0x7f], '\x01\x7f'],
    ['UTF-8', [0xc3, 0xa9, 0xe4, 0xb8, 0xad], '\u00e9\u4e2d'],
    ['4-byte UTF-8', [0xf0, 0x9f, 0x98, 0x80], '\u{1f600}'],
    ['a lone continuation byte', [0x61, 0x80], 'a\udc80'],
    ['a truncated sequence', [0xe4, 0xb8], '\udce4\udcb8'],
    ['an overlong encoding', [0xc0, 0xaf], '\udcc0\udcaf'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], '\udced\udca0\udc80'],
    ['a real U+FFFD is kept', [0xef, 0xbf, 0xbd, 0xff], '\ufffd\udcff'],
  ])('%s', (_name, bytes, text) => {
    const b = Buffer.from(bytes);
    expect(decodeBytes(b)).toBe(text);
    expect([...encodeOutput(text)]).toEqual(bytes);
    expect(byteLength(text)).toBe(bytes.length);
  });

  it('a surrogate pair is not mistaken for an escaped byte', () => {
    expect([...encodeOutput('\ud83d\ude00')]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
  });
});

describe('ordering', () => {
  const m = (key: Ty, entries: [Value, Value][]): MapData => ({
    name: '@',
    key,
    value: I64,
    entries: entries.map(([k, v]) => ({ key: k, value: v })),
  });

  it('integers compare as unsigned 64-bit numbers', () => {
    expect([i(-1), i(10), i(0)].sort(compareValues)).toEqual([i(0), i(10), i(-1)]);
  });

  it('strings compare by their bytes', () => {
    const order = ['\u00e9', 'z', '\udcff', '\udc80', 'a', ''].map(strValue).sort(compareValues);
    // '' < 'a' < 'z' < 0x80 < 0xc3 0xa9 (é) < 0xff
    expect(order.map((v) => (v.t === 'str' ? [...encodeOutput(v.s)] : []))).toEqual([[], [0x61], [0x7a], [0x80], [0xc3, 0xa9], [0xff]]);
  });

  it('entries by value, ties by key, top keeps the largest', () => {
    const map = m(I64, [
      [i(3), i(5)],
      [i(1), i(5)],
      [i(2), i(-7)],
      [i(4), i(9)],
    ]);
    expect(orderEntries(map).map((e) => e.key)).toEqual([i(2), i(1), i(3), i(4)]);
    expect(orderEntries(map, 2).map((e) => e.key)).toEqual([i(3), i(4)]);
  });
});
