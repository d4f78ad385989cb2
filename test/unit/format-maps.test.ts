// Map and value output, text and JSON, pinned byte for byte to bpftrace 0.17.
// Every REC(...) below is the complete stdout of `bpftrace -e '<script>'` (text) and
// `bpftrace -f json -e '<script>'` (json), recorded on the reference machine (0.17.0,
// run as root). Each row rebuilds that run from Values: the attach line, what the
// probe printed (printf/print events) and the at-exit map dump. Where 0.17 is plainly
// wrong, the row says so in its name and asserts the right output instead (`text` or
// `json` override), keeping 0.17's bytes in the recorded object for reference.

import { describe, expect, it } from 'vitest';
import { formatPrintf } from '../../src/runtime/format/printf.js';
import {
  formatAttached,
  formatBuffer,
  formatJoin,
  formatLost,
  formatMap,
  formatMapsAtExit,
  formatPrintValue,
  formatValue,
  type PrintMapOptions,
} from '../../src/runtime/format/text.js';
import {
  jsonAttached,
  jsonCat,
  jsonJoin,
  jsonLost,
  jsonMap,
  jsonMapsAtExit,
  jsonPrintValue,
  jsonPrintf,
  jsonString,
  jsonSystem,
  jsonTime,
  jsonValue,
} from '../../src/runtime/format/json.js';
import {
  intValue,
  strValue,
  symValue,
  tupleValue,
  type MapData,
  type StackFrame,
  type Value,
} from '../../src/runtime/value.js';
import { histBuckets, lhistBuckets, strTy, type StackMode, type Ty } from '../../src/types/ty.js';

// ---------------------------------------------------------------- builders

const I64: Ty = { k: 'int', bits: 64, signed: true };
const U64: Ty = { k: 'int', bits: 64, signed: false };
const STR: Ty = strTy(64);
const COUNT: Ty = { k: 'count' };
const tup = (...elems: Ty[]): Ty => ({ k: 'tuple', elems });

const i = (v: number | bigint): Value => intValue(v);
const u = (v: number | bigint): Value => intValue(v, 64, false);
const s = (v: string): Value => strValue(v);
const t = (...elems: Value[]): Value => tupleValue(elems);
const cnt = (v: number): Value => ({ t: 'count', v: BigInt(v) });
const sum = (v: number): Value => ({ t: 'sum', v: BigInt(v), signed: true });
const min = (v: number): Value => ({ t: 'min', v: BigInt(v), seen: true, signed: true });
const max = (v: number): Value => ({ t: 'max', v: BigInt(v), seen: true, signed: true });
const agg = (k: 'avg' | 'stats', ...xs: number[]): Value => ({
  t: k,
  sum: BigInt(xs.reduce((a, b) => a + b, 0)),
  count: BigInt(xs.length),
  signed: true,
});
const avg = (...xs: number[]): Value => agg('avg', ...xs);
const stats = (...xs: number[]): Value => agg('stats', ...xs);

/** The bucket of x, as native/bpf/rt.bpf.h computes it (rt_hist_index). */
function histIndex(x: bigint, bits: number): number {
  if (x < 0n) return 0;
  if (x === 0n) return 1;
  const k = x.toString(2).length - 1;
  const base = 1n << BigInt(k);
  const sub = k >= bits ? (x - base) >> BigInt(k - bits) : (x - base) << BigInt(bits - k);
  return 2 + (k << bits) + Number(sub);
}

function hist(samples: (number | bigint)[], bits = 0): Value {
  const buckets = new Array<bigint>(histBuckets(bits)).fill(0n);
  for (const x of samples) buckets[histIndex(BigInt(x), bits)]! += 1n;
  return { t: 'hist', bits, buckets };
}

/** A hist value from bucket index -> count (for values 0.17 bucketed oddly). */
function histAt(counts: Record<number, number>): Value {
  const buckets = new Array<bigint>(histBuckets(0)).fill(0n);
  for (const [k, v] of Object.entries(counts)) buckets[Number(k)] = BigInt(v);
  return { t: 'hist', bits: 0, buckets };
}

function lhist(samples: number[], lo: number, hi: number, step: number): Value {
  const n = lhistBuckets(lo, hi, step);
  const buckets = new Array<bigint>(n).fill(0n);
  for (const x of samples) {
    const idx = x < lo ? 0 : x >= hi ? n - 1 : Math.min(n - 1, 1 + Math.floor((x - lo) / step));
    buckets[idx]! += 1n;
  }
  return { t: 'lhist', min: lo, max: hi, step, buckets };
}

const HIST: Ty = { k: 'hist', bits: 0 };
const lhistTy = (lo: number, hi: number, step: number): Ty => ({ k: 'lhist', min: lo, max: hi, step });

function m(name: string, key: Ty | null, value: Ty, entries: [Value | null, Value][]): MapData {
  return { name, key, value, entries: entries.map(([k, v]) => ({ key: k, value: v })) };
}

/** One thing printed while the probes ran, in both formats. */
interface Ev {
  readonly text: string;
  readonly json: string;
}

const printf = (fmt: string, ...args: Value[]): Ev => {
  const out = formatPrintf(fmt, args);
  return { text: out, json: jsonPrintf(out) };
};
const print = (map: MapData, opts: PrintMapOptions = {}): Ev => ({ text: formatMap(map, opts), json: jsonMap(map, opts) });
const printValue = (v: Value): Ev => ({ text: formatPrintValue(v), json: jsonPrintValue(v) });

interface Row {
  readonly name: string;
  readonly rec: { readonly script: string; readonly text: string; readonly json: string };
  readonly probes?: number;
  readonly events?: readonly Ev[];
  readonly maps: readonly MapData[];
  /** The right output where 0.17's is wrong (the row name says why). */
  readonly text?: string;
  readonly json?: string;
}

function runText(r: Row): string {
  return formatAttached(r.probes ?? 1) + (r.events ?? []).map((e) => e.text).join('') + formatMapsAtExit(r.maps);
}

function runJson(r: Row): string {
  return jsonAttached(r.probes ?? 1) + (r.events ?? []).map((e) => e.json).join('') + jsonMapsAtExit(r.maps);
}

// ---------------------------------------------------------------- stacks (recorded from tracepoints)

const frame = (addr: bigint, sym: string | null, offset = 0, module: string | null = null): StackFrame => ({
  addr,
  sym,
  offset,
  module,
});
const KFRAMES = [
  frame(0xffffffff814b0b2dn, 'perf_syscall_enter', 397),
  frame(0xffffffff81415d70n, 'syscall_trace_enter', 384),
  frame(0xffffffff821ed69an, 'do_syscall_64', 506),
  frame(0xffffffff81000130n, 'entry_SYSCALL_64_after_hwframe', 118),
];
const kstack = (mode: StackMode, n = 4): Value => ({ t: 'stack', user: false, mode, frames: KFRAMES.slice(0, n) });
const ustack = (mode: StackMode, ...addrs: bigint[]): Value => ({
  t: 'stack',
  user: true,
  mode,
  frames: addrs.map((a) => frame(a, null)),
});
const KSTACK: Ty = { k: 'kstack', depth: 127, mode: 'bpftrace' };

// ---------------------------------------------------------------- the rows

const ROWS: Row[] = [
  {
    name: 'no maps: the two newlines after the run only',
    rec: {
    script: "BEGIN { exit(); }",
    text: "Attaching 1 probe...\n\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n",
  },
    maps: [],
  },
  {
    name: 'printf output, then the two newlines',
    rec: {
    script: "BEGIN { printf(\"hi\\n\"); exit(); }",
    text: "Attaching 1 probe...\nhi\n\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"printf\", \"data\": \"hi\\n\"}\n\n\n",
  },
    events: [printf('hi\n')],
    maps: [],
  },
  {
    name: 'maps print sorted by name, byte order (@ < @A < @_x < @a)',
    rec: {
    script: "BEGIN { @b = 1; @a = count(); @c = stats(1); @ = 1; @A = 1; @_x = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@: 1\n@A: 1\n@_x: 1\n@a: 1\n@b: 1\n@c: count 1, average 1, total 1\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": 1}}\n{\"type\": \"map\", \"data\": {\"@A\": 1}}\n{\"type\": \"map\", \"data\": {\"@_x\": 1}}\n{\"type\": \"map\", \"data\": {\"@a\": 1}}\n{\"type\": \"map\", \"data\": {\"@b\": 1}}\n{\"type\": \"stats\", \"data\": {\"@c\": {\"count\": 1, \"average\": 1, \"total\": 1}}}\n",
  },
    maps: [
      m('@b', null, I64, [[null, i(1)]]),
      m('@a', null, COUNT, [[null, cnt(1)]]),
      m('@c', null, { k: 'stats', signed: true }, [[null, stats(1)]]),
      m('@', null, I64, [[null, i(1)]]),
      m('@A', null, I64, [[null, i(1)]]),
      m('@_x', null, I64, [[null, i(1)]]),
    ],
  },
  {
    name: 'a cleared keyed map prints one empty line (json: nothing)',
    rec: {
    script: "BEGIN { @b[1] = 1; @a = 2; @c = count(); clear(@b); exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 2\n\n@c: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 2}}\n{\"type\": \"map\", \"data\": {\"@c\": 1}}\n",
  },
    maps: [m('@b', I64, I64, []), m('@a', null, I64, [[null, i(2)]]), m('@c', null, COUNT, [[null, cnt(1)]])],
  },
  {
    name: 'a deleted scalar map prints one empty line',
    rec: {
    script: "BEGIN { @x = 1; delete(@x); exit(); }",
    text: "Attaching 1 probe...\n\n\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n",
  },
    maps: [m('@x', null, I64, [])],
  },
  {
    name: 'hist and lhist maps end with a blank line, plain maps do not',
    rec: {
    script: "BEGIN { @h = hist(1); @a=1; @l = lhist(5,0,10,1); @z = 3; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 1\n@h: \n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@l: \n[5, 6)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@z: 3\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 1}}\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1, \"max\": 1, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 5, \"max\": 5, \"count\": 1}]}}\n{\"type\": \"map\", \"data\": {\"@z\": 3}}\n",
  },
    maps: [
      m('@h', null, HIST, [[null, hist([1])]]),
      m('@a', null, I64, [[null, i(1)]]),
      m('@l', null, lhistTy(0, 10, 1), [[null, lhist([5], 0, 10, 1)]]),
      m('@z', null, I64, [[null, i(3)]]),
    ],
  },
  {
    name: 'count map and hist; equal counts by key (0.17: hash order, printed @[2] first)',
    rec: {
    script: "BEGIN { @[1] = count(); @[2] = count(); @h = hist(5); exit(); }",
    text: "Attaching 1 probe...\n\n\n@[1]: 1\n@[2]: 1\n@h: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"2\": 1, \"1\": 1}}}\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 4, \"max\": 7, \"count\": 1}]}}\n",
  },
    maps: [
      m('@', I64, COUNT, [
        [i(2), cnt(1)],
        [i(1), cnt(1)],
      ]),
      m('@h', null, HIST, [[null, hist([5])]]),
    ],
    text:
      'Attaching 1 probe...\n\n\n@[1]: 1\n@[2]: 1\n@h: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n',
    json:
      '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "map", "data": {"@": {"1": 1, "2": 1}}}\n{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}\n',
  },
  {
    name: 'keyed hist maps sort by total count, a blank line after each',
    rec: {
    script: "BEGIN { @h[1] = hist(5); @h[2] = hist(100); @h[2] = hist(1); exit(); }",
    text: "Attaching 1 probe...\n\n\n@h[1]: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@h[2]: \n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[2, 4)                 0 |                                                    |\n[4, 8)                 0 |                                                    |\n[8, 16)                0 |                                                    |\n[16, 32)               0 |                                                    |\n[32, 64)               0 |                                                    |\n[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": {\"1\": [{\"min\": 4, \"max\": 7, \"count\": 1}], \"2\": [{\"min\": 1, \"max\": 1, \"count\": 1}, {\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 1}]}}}\n",
  },
    maps: [
      m('@h', I64, HIST, [
        [i(2), hist([100, 1])],
        [i(1), hist([5])],
      ]),
    ],
  },
  {
    name: 'avg/stats/min/sum of negative values (0.17 bug: max(-5) printed as an empty map)',
    rec: {
    script: "BEGIN { @s = stats(5); @s = stats(-20); @a = avg(-7); @a = avg(2); @mn = min(-5); @mx = max(-5); @su = sum(-10); exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: -2\n\n@mn: -5\n\n@s: count 2, average -7, total -15\n\n@su: -10\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": -2}}\n{\"type\": \"map\", \"data\": {\"@mn\": -5}}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 2, \"average\": -7, \"total\": -15}}}\n{\"type\": \"map\", \"data\": {\"@su\": -10}}\n",
  },
    maps: [
      m('@s', null, { k: 'stats', signed: true }, [[null, stats(5, -20)]]),
      m('@a', null, { k: 'avg', signed: true }, [[null, avg(-7, 2)]]),
      m('@mn', null, { k: 'min', signed: true }, [[null, min(-5)]]),
      m('@mx', null, { k: 'max', signed: true }, [[null, max(-5)]]),
      m('@su', null, { k: 'sum', signed: true }, [[null, sum(-10)]]),
    ],
    text: 'Attaching 1 probe...\n\n\n@a: -2\n\n@mn: -5\n@mx: -5\n@s: count 2, average -7, total -15\n\n@su: -10\n',
    json:
      '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "stats", "data": {"@a": -2}}\n{"type": "map", "data": {"@mn": -5}}\n{"type": "map", "data": {"@mx": -5}}\n{"type": "stats", "data": {"@s": {"count": 2, "average": -7, "total": -15}}}\n{"type": "map", "data": {"@su": -10}}\n',
  },
  {
    name: 'keyed avg and stats sort by average; string keys',
    rec: {
    script: "BEGIN { @s[1] = stats(5); @s[2] = stats(-20); @a[\"x\"] = avg(-7); @a[\"y\"] = avg(2); exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[x]: -7\n@a[y]: 2\n\n@s[2]: count 1, average -20, total -20\n@s[1]: count 1, average 5, total 5\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": {\"x\": -7, \"y\": 2}}}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"2\": {\"count\": 1, \"average\": -20, \"total\": -20}, \"1\": {\"count\": 1, \"average\": 5, \"total\": 5}}}}\n",
  },
    maps: [
      m('@s', I64, { k: 'stats', signed: true }, [
        [i(1), stats(5)],
        [i(2), stats(-20)],
      ]),
      m('@a', STR, { k: 'avg', signed: true }, [
        [s('y'), avg(2)],
        [s('x'), avg(-7)],
      ]),
    ],
  },
  {
    name: 'stats sort by average, not by total or count',
    rec: {
    script: "BEGIN { @s[1] = stats(10); @s[1] = stats(10); @s[1] = stats(10);  @s[2] = stats(5); @s[3] = stats(20); exit(); }",
    text: "Attaching 1 probe...\n\n\n@s[2]: count 1, average 5, total 5\n@s[1]: count 3, average 10, total 30\n@s[3]: count 1, average 20, total 20\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@s\": {\"2\": {\"count\": 1, \"average\": 5, \"total\": 5}, \"1\": {\"count\": 3, \"average\": 10, \"total\": 30}, \"3\": {\"count\": 1, \"average\": 20, \"total\": 20}}}}\n",
  },
    maps: [
      m('@s', I64, { k: 'stats', signed: true }, [
        [i(1), stats(10, 10, 10)],
        [i(3), stats(20)],
        [i(2), stats(5)],
      ]),
    ],
  },
  {
    name: 'avg truncates toward zero and sorts by average',
    rec: {
    script: "BEGIN { @a[1] = avg(10); @a[1] = avg(11);  @a[2] = avg(5); @a[3] = avg(-3); @a[3] = avg(-4); exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[3]: -3\n@a[2]: 5\n@a[1]: 10\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": {\"3\": -3, \"2\": 5, \"1\": 10}}}\n",
  },
    maps: [
      m('@a', I64, { k: 'avg', signed: true }, [
        [i(1), avg(10, 11)],
        [i(2), avg(5)],
        [i(3), avg(-3, -4)],
      ]),
    ],
  },
  {
    name: 'multi-key maps: ", " in text, "," in json keys; signed value order',
    rec: {
    script: "BEGIN { @[1,\"a\"] = 1; @[2,\"b\"] = -2; @[-3, \"c\"] = 3; exit(); }",
    text: "Attaching 1 probe...\n\n\n@[2, b]: -2\n@[1, a]: 1\n@[-3, c]: 3\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"2,b\": -2, \"1,a\": 1, \"-3,c\": 3}}}\n",
  },
    maps: [
      m('@', tup(I64, STR), I64, [
        [t(i(1), s('a')), i(1)],
        [t(i(-3), s('c')), i(3)],
        [t(i(2), s('b')), i(-2)],
      ]),
    ],
  },
  {
    name: 'string keys print raw in text and escaped in json',
    rec: {
    script: "BEGIN { @[\"a\\tb\"] = 1; @[\"x\\001y\"] = 2; @[\"q\\\"w\\\\e\"] = 3; exit(); }",
    text: "Attaching 1 probe...\n\n\n@[a\tb]: 1\n@[x\x01y]: 2\n@[q\"w\\e]: 3\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"a\\tb\": 1, \"x\\u0001y\": 2, \"q\\\"w\\\\e\": 3}}}\n",
  },
    maps: [
      m('@', STR, I64, [
        [s('q"w\\e'), i(3)],
        [s('a\tb'), i(1)],
        [s('x\x01y'), i(2)],
      ]),
    ],
  },
  {
    name: 'tuple values: "(a, b)" in text, [a,b] in json',
    rec: {
    script: "BEGIN { @ = (1, \"two\", -3); @t[1] = (2, \"x\"); exit(); }",
    text: "Attaching 1 probe...\n\n\n@: (1, two, -3)\n@t[1]: (2, x)\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": [1,\"two\",-3]}}\n{\"type\": \"map\", \"data\": {\"@t\": {\"1\": [2,\"x\"]}}}\n",
  },
    maps: [
      m('@', null, tup(I64, STR, I64), [[null, t(i(1), s('two'), i(-3))]]),
      m('@t', I64, tup(I64, STR), [[i(1), t(i(2), s('x'))]]),
    ],
  },
  {
    name: 'hist: (..., 0), [0], [1], suffixes up to G (0.17 put 1<<40 in [2G, 4G); json bounds exact)',
    rec: {
    script: "BEGIN { @h = hist(0); @h = hist(-1); @h = hist(1); @h = hist(1024); @h = hist(1 << 40); exit(); }",
    text: "Attaching 1 probe...\n\n\n@h: \n(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[2, 4)                 0 |                                                    |\n[4, 8)                 0 |                                                    |\n[8, 16)                0 |                                                    |\n[16, 32)               0 |                                                    |\n[32, 64)               0 |                                                    |\n[64, 128)              0 |                                                    |\n[128, 256)             0 |                                                    |\n[256, 512)             0 |                                                    |\n[512, 1K)              0 |                                                    |\n[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[2K, 4K)               0 |                                                    |\n[4K, 8K)               0 |                                                    |\n[8K, 16K)              0 |                                                    |\n[16K, 32K)             0 |                                                    |\n[32K, 64K)             0 |                                                    |\n[64K, 128K)            0 |                                                    |\n[128K, 256K)           0 |                                                    |\n[256K, 512K)           0 |                                                    |\n[512K, 1M)             0 |                                                    |\n[1M, 2M)               0 |                                                    |\n[2M, 4M)               0 |                                                    |\n[4M, 8M)               0 |                                                    |\n[8M, 16M)              0 |                                                    |\n[16M, 32M)             0 |                                                    |\n[32M, 64M)             0 |                                                    |\n[64M, 128M)            0 |                                                    |\n[128M, 256M)           0 |                                                    |\n[256M, 512M)           0 |                                                    |\n[512M, 1G)             0 |                                                    |\n[1G, 2G)               0 |                                                    |\n[2G, 4G)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, \"max\": 1, \"count\": 1}, {\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 0}, {\"min\": 128, \"max\": 255, \"count\": 0}, {\"min\": 256, \"max\": 511, \"count\": 0}, {\"min\": 512, \"max\": 1023, \"count\": 0}, {\"min\": 1024, \"max\": 2047, \"count\": 1}, {\"min\": 2048, \"max\": 4095, \"count\": 0}, {\"min\": 4096, \"max\": 8191, \"count\": 0}, {\"min\": 8192, \"max\": 16383, \"count\": 0}, {\"min\": 16384, \"max\": 32767, \"count\": 0}, {\"min\": 32768, \"max\": 65535, \"count\": 0}, {\"min\": 65536, \"max\": 131071, \"count\": 0}, {\"min\": 131072, \"max\": 262143, \"count\": 0}, {\"min\": 262144, \"max\": 524287, \"count\": 0}, {\"min\": 524288, \"max\": 1048575, \"count\": 0}, {\"min\": 1048576, \"max\": 2097151, \"count\": 0}, {\"min\": 2097152, \"max\": 4194303, \"count\": 0}, {\"min\": 4194304, \"max\": 8388607, \"count\": 0}, {\"min\": 8388608, \"max\": 16777215, \"count\": 0}, {\"min\": 16777216, \"max\": 33554431, \"count\": 0}, {\"min\": 33554432, \"max\": 67108863, \"count\": 0}, {\"min\": 67108864, \"max\": 134217727, \"count\": 0}, {\"min\": 134217728, \"max\": 268435455, \"count\": 0}, {\"min\": 268435456, \"max\": 536870911, \"count\": 0}, {\"min\": 536870912, \"max\": 1073741823, \"count\": 0}, {\"min\": 1073741824, \"max\": 2147483647, \"count\": 0}, {\"min\": -2147483648, \"max\": 0, \"count\": 1}]}}\n",
  },
    maps: [m('@h', null, HIST, [[null, histAt({ 0: 1, 1: 1, 2: 1, 12: 1, 33: 1 })]])],
    // 0.17 printed the [2G, 4G) bucket as {"min": -2147483648, "max": 0} (32-bit overflow).
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "hist", "data": {"@h": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 1}, {"min": 1, "max": 1, "count": 1}, {"min": 2, "max": 3, "count": 0}, {"min": 4, "max": 7, "count": 0}, {"min": 8, "max": 15, "count": 0}, {"min": 16, "max": 31, "count": 0}, {"min": 32, "max": 63, "count": 0}, {"min": 64, "max": 127, "count": 0}, {"min": 128, "max": 255, "count": 0}, {"min": 256, "max": 511, "count": 0}, {"min": 512, "max": 1023, "count": 0}, {"min": 1024, "max": 2047, "count": 1}, {"min": 2048, "max": 4095, "count": 0}, {"min": 4096, "max": 8191, "count": 0}, {"min": 8192, "max": 16383, "count": 0}, {"min": 16384, "max": 32767, "count": 0}, {"min": 32768, "max": 65535, "count": 0}, {"min": 65536, "max": 131071, "count": 0}, {"min": 131072, "max": 262143, "count": 0}, {"min": 262144, "max": 524287, "count": 0}, {"min": 524288, "max": 1048575, "count": 0}, {"min": 1048576, "max": 2097151, "count": 0}, {"min": 2097152, "max": 4194303, "count": 0}, {"min": 4194304, "max": 8388607, "count": 0}, {"min": 8388608, "max": 16777215, "count": 0}, {"min": 16777216, "max": 33554431, "count": 0}, {"min": 33554432, "max": 67108863, "count": 0}, {"min": 67108864, "max": 134217727, "count": 0}, {"min": 134217728, "max": 268435455, "count": 0}, {"min": 268435456, "max": 536870911, "count": 0}, {"min": 536870912, "max": 1073741823, "count": 0}, {"min": 1073741824, "max": 2147483647, "count": 0}, {"min": 2147483648, "max": 4294967295, "count": 1}]}}\n',
  },
  {
    name: 'hist bars scale to the largest bucket (2/3 of 52 = 34)',
    rec: {
    script: "BEGIN { @h = hist(0); @h = hist(0); @h = hist(2); @h = hist(2); @h = hist(2); @h = hist(64);  exit(); }",
    text: "Attaching 1 probe...\n\n\n@h: \n[0]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n[1]                    0 |                                                    |\n[2, 4)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[4, 8)                 0 |                                                    |\n[8, 16)                0 |                                                    |\n[16, 32)               0 |                                                    |\n[32, 64)               0 |                                                    |\n[64, 128)              1 |@@@@@@@@@@@@@@@@@                                   |\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 0, \"max\": 0, \"count\": 2}, {\"min\": 1, \"max\": 1, \"count\": 0}, {\"min\": 2, \"max\": 3, \"count\": 3}, {\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 1}]}}\n",
  },
    maps: [m('@h', null, HIST, [[null, hist([0, 0, 2, 2, 2, 64])]])],
  },
  {
    name: 'hist bars: 2/7 -> 14, 1/7 -> 7; lhist 2/3 -> 34, 1/3 -> 17',
    rec: {
    script: "BEGIN { @h = hist(3); @h = hist(3); @h = hist(3); @h = hist(3); @h = hist(3); @h = hist(3); @h = hist(3); @h = hist(40);  @h = hist(40); @h = hist(900); @l = lhist(1, 0, 5, 1); @l = lhist(1, 0, 5, 1); @l = lhist(1, 0, 5, 1); @l = lhist(3, 0, 5, 1); @l = lhist(3, 0, 5, 1); @l = lhist(4, 0, 5, 1); exit(); }",
    text: "Attaching 1 probe...\n\n\n@h: \n[2, 4)                 7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[4, 8)                 0 |                                                    |\n[8, 16)                0 |                                                    |\n[16, 32)               0 |                                                    |\n[32, 64)               2 |@@@@@@@@@@@@@@                                      |\n[64, 128)              0 |                                                    |\n[128, 256)             0 |                                                    |\n[256, 512)             0 |                                                    |\n[512, 1K)              1 |@@@@@@@                                             |\n\n@l: \n[1, 2)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[2, 3)                 0 |                                                    |\n[3, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n[4, 5)                 1 |@@@@@@@@@@@@@@@@@                                   |\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 2, \"max\": 3, \"count\": 7}, {\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 2}, {\"min\": 64, \"max\": 127, \"count\": 0}, {\"min\": 128, \"max\": 255, \"count\": 0}, {\"min\": 256, \"max\": 511, \"count\": 0}, {\"min\": 512, \"max\": 1023, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 1, \"max\": 1, \"count\": 3}, {\"min\": 2, \"max\": 2, \"count\": 0}, {\"min\": 3, \"max\": 3, \"count\": 2}, {\"min\": 4, \"max\": 4, \"count\": 1}]}}\n",
  },
    maps: [
      m('@h', null, HIST, [[null, hist([3, 3, 3, 3, 3, 3, 3, 40, 40, 900])]]),
      m('@l', null, lhistTy(0, 5, 1), [[null, lhist([1, 1, 1, 3, 3, 4], 0, 5, 1)]]),
    ],
  },
  {
    name: 'hist from [2, 4) to [512M, 1G) with K and M suffixes',
    rec: {
    script: "BEGIN { @s = hist(2); @s = hist(3); @s = hist(4); @s = hist(5); @s = hist(6); @s = hist(7); @s = hist(8); @s = hist(1000000); @s = hist(1000000000); exit(); }",
    text: "Attaching 1 probe...\n\n\n@s: \n[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[4, 8)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[8, 16)                1 |@@@@@@@@@@@@@                                       |\n[16, 32)               0 |                                                    |\n[32, 64)               0 |                                                    |\n[64, 128)              0 |                                                    |\n[128, 256)             0 |                                                    |\n[256, 512)             0 |                                                    |\n[512, 1K)              0 |                                                    |\n[1K, 2K)               0 |                                                    |\n[2K, 4K)               0 |                                                    |\n[4K, 8K)               0 |                                                    |\n[8K, 16K)              0 |                                                    |\n[16K, 32K)             0 |                                                    |\n[32K, 64K)             0 |                                                    |\n[64K, 128K)            0 |                                                    |\n[128K, 256K)           0 |                                                    |\n[256K, 512K)           0 |                                                    |\n[512K, 1M)             1 |@@@@@@@@@@@@@                                       |\n[1M, 2M)               0 |                                                    |\n[2M, 4M)               0 |                                                    |\n[4M, 8M)               0 |                                                    |\n[8M, 16M)              0 |                                                    |\n[16M, 32M)             0 |                                                    |\n[32M, 64M)             0 |                                                    |\n[64M, 128M)            0 |                                                    |\n[128M, 256M)           0 |                                                    |\n[256M, 512M)           0 |                                                    |\n[512M, 1G)             1 |@@@@@@@@@@@@@                                       |\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@s\": [{\"min\": 2, \"max\": 3, \"count\": 2}, {\"min\": 4, \"max\": 7, \"count\": 4}, {\"min\": 8, \"max\": 15, \"count\": 1}, {\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 0}, {\"min\": 128, \"max\": 255, \"count\": 0}, {\"min\": 256, \"max\": 511, \"count\": 0}, {\"min\": 512, \"max\": 1023, \"count\": 0}, {\"min\": 1024, \"max\": 2047, \"count\": 0}, {\"min\": 2048, \"max\": 4095, \"count\": 0}, {\"min\": 4096, \"max\": 8191, \"count\": 0}, {\"min\": 8192, \"max\": 16383, \"count\": 0}, {\"min\": 16384, \"max\": 32767, \"count\": 0}, {\"min\": 32768, \"max\": 65535, \"count\": 0}, {\"min\": 65536, \"max\": 131071, \"count\": 0}, {\"min\": 131072, \"max\": 262143, \"count\": 0}, {\"min\": 262144, \"max\": 524287, \"count\": 0}, {\"min\": 524288, \"max\": 1048575, \"count\": 1}, {\"min\": 1048576, \"max\": 2097151, \"count\": 0}, {\"min\": 2097152, \"max\": 4194303, \"count\": 0}, {\"min\": 4194304, \"max\": 8388607, \"count\": 0}, {\"min\": 8388608, \"max\": 16777215, \"count\": 0}, {\"min\": 16777216, \"max\": 33554431, \"count\": 0}, {\"min\": 33554432, \"max\": 67108863, \"count\": 0}, {\"min\": 67108864, \"max\": 134217727, \"count\": 0}, {\"min\": 134217728, \"max\": 268435455, \"count\": 0}, {\"min\": 268435456, \"max\": 536870911, \"count\": 0}, {\"min\": 536870912, \"max\": 1073741823, \"count\": 1}]}}\n",
  },
    maps: [m('@s', null, HIST, [[null, hist([2, 3, 4, 5, 6, 7, 8, 1000000, 1000000000])]])],
  },
  {
    name: 'lhist below and above the range, and the buckets between',
    rec: {
    script: "BEGIN { @l = lhist(-5, 0, 100, 10); @l = lhist(5, 0, 100, 10); @l = lhist(5, 0, 100, 10); @l = lhist(100, 0, 100, 10); @l = lhist(1000, 0, 100, 10); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[0, 10)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[10, 20)               0 |                                                    |\n[20, 30)               0 |                                                    |\n[30, 40)               0 |                                                    |\n[40, 50)               0 |                                                    |\n[50, 60)               0 |                                                    |\n[60, 70)               0 |                                                    |\n[70, 80)               0 |                                                    |\n[80, 90)               0 |                                                    |\n[90, 100)              0 |                                                    |\n[100, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 9, \"count\": 2}, {\"min\": 10, \"max\": 19, \"count\": 0}, {\"min\": 20, \"max\": 29, \"count\": 0}, {\"min\": 30, \"max\": 39, \"count\": 0}, {\"min\": 40, \"max\": 49, \"count\": 0}, {\"min\": 50, \"max\": 59, \"count\": 0}, {\"min\": 60, \"max\": 69, \"count\": 0}, {\"min\": 70, \"max\": 79, \"count\": 0}, {\"min\": 80, \"max\": 89, \"count\": 0}, {\"min\": 90, \"max\": 99, \"count\": 0}, {\"min\": 100, \"count\": 2}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 100, 10), [[null, lhist([-5, 5, 5, 100, 1000], 0, 100, 10)]])],
  },
  {
    name: 'lhist: one bucket in the middle',
    rec: {
    script: "BEGIN { @l = lhist(55, 0, 100, 10); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 50, \"max\": 59, \"count\": 1}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 100, 10), [[null, lhist([55], 0, 100, 10)]])],
  },
  {
    name: 'lhist: only the bucket above max',
    rec: {
    script: "BEGIN { @l = lhist(155, 0, 100, 10); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 100, \"count\": 1}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 100, 10), [[null, lhist([155], 0, 100, 10)]])],
  },
  {
    name: 'lhist: only the bucket below min',
    rec: {
    script: "BEGIN { @l = lhist(-1, 0, 100, 10); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 100, 10), [[null, lhist([-1], 0, 100, 10)]])],
  },
  {
    name: 'lhist: empty buckets between two values, wide labels',
    rec: {
    script: "BEGIN { @l = lhist(3000, 0, 10000, 1000); @l = lhist(5, 0, 10000, 1000); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n[0, 1000)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[1000, 2000)           0 |                                                    |\n[2000, 3000)           0 |                                                    |\n[3000, 4000)           1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 0, \"max\": 999, \"count\": 1}, {\"min\": 1000, \"max\": 1999, \"count\": 0}, {\"min\": 2000, \"max\": 2999, \"count\": 0}, {\"min\": 3000, \"max\": 3999, \"count\": 1}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 10000, 1000), [[null, lhist([3000, 5], 0, 10000, 1000)]])],
  },
  {
    name: 'lhist: labels longer than the 16-column label field',
    rec: {
    script: "BEGIN { @l = lhist(1500000, 0, 10000000, 1000000); @l = lhist(2, 0, 10000000, 1000000);  exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n[0, 1000000)           1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[1000000, 2000000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 0, \"max\": 999999, \"count\": 1}, {\"min\": 1000000, \"max\": 1999999, \"count\": 1}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 10000000, 1000000), [[null, lhist([1500000, 2], 0, 10000000, 1000000)]])],
  },
  {
    name: 'lhist: step 2, values at and above max',
    rec: {
    script: "BEGIN { @h = hist(3); @l = lhist(3, 0, 10, 2); @l = lhist(9, 0, 10, 2); @l = lhist(10, 0, 10, 2); @l = lhist(11, 0, 10, 2); exit(); }",
    text: "Attaching 1 probe...\n\n\n@h: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@l: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[4, 6)                 0 |                                                    |\n[6, 8)                 0 |                                                    |\n[8, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[10, ...)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 2, \"max\": 3, \"count\": 1}, {\"min\": 4, \"max\": 5, \"count\": 0}, {\"min\": 6, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 9, \"count\": 1}, {\"min\": 10, \"count\": 2}]}}\n",
  },
    maps: [
      m('@h', null, HIST, [[null, hist([3])]]),
      m('@l', null, lhistTy(0, 10, 2), [[null, lhist([3, 9, 10, 11], 0, 10, 2)]]),
    ],
  },
  {
    name: 'lhist: a range that is not a multiple of the step (9 of 0..10 step 3 is above)',
    rec: {
    script: "BEGIN { @l = lhist(7, 0, 10, 3); @l = lhist(9, 0, 10, 3); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n[6, 9)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 6, \"max\": 8, \"count\": 1}, {\"min\": 10, \"count\": 1}]}}\n",
  },
    maps: [m('@l', null, lhistTy(0, 10, 3), [[null, lhist([7, 9], 0, 10, 3)]])],
  },
  {
    name: 'lhist: K and M labels for multiples of 1024 and 1048576',
    rec: {
    script: "BEGIN { @l = lhist(1024, 0, 4096, 1024); @l = lhist(5000, 0, 4096, 1024); @m = lhist(600, 0, 2048, 512); @n = lhist(2097152, 0, 4194304, 1048576); exit(); }",
    text: "Attaching 1 probe...\n\n\n@l: \n[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[2K, 3K)               0 |                                                    |\n[3K, 4K)               0 |                                                    |\n[4K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@m: \n[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@n: \n[2M, 3M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 1024, \"max\": 2047, \"count\": 1}, {\"min\": 2048, \"max\": 3071, \"count\": 0}, {\"min\": 3072, \"max\": 4095, \"count\": 0}, {\"min\": 4096, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@m\": [{\"min\": 512, \"max\": 1023, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@n\": [{\"min\": 2097152, \"max\": 3145727, \"count\": 1}]}}\n",
  },
    maps: [
      m('@l', null, lhistTy(0, 4096, 1024), [[null, lhist([1024, 5000], 0, 4096, 1024)]]),
      m('@m', null, lhistTy(0, 2048, 512), [[null, lhist([600], 0, 2048, 512)]]),
      m('@n', null, lhistTy(0, 4194304, 1048576), [[null, lhist([2097152], 0, 4194304, 1048576)]]),
    ],
  },
  {
    name: 'int64 extremes',
    rec: {
    script: "BEGIN { @x = 18446744073709551615; @y = -9223372036854775807 - 1; @z = 9223372036854775807; exit(); }",
    text: "Attaching 1 probe...\n\n\n@x: -1\n@y: -9223372036854775808\n@z: 9223372036854775807\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@x\": -1}}\n{\"type\": \"map\", \"data\": {\"@y\": -9223372036854775808}}\n{\"type\": \"map\", \"data\": {\"@z\": 9223372036854775807}}\n",
  },
    maps: [
      m('@x', null, I64, [[null, i(-1)]]),
      m('@y', null, I64, [[null, i(-9223372036854775808n)]]),
      m('@z', null, I64, [[null, i(9223372036854775807n)]]),
    ],
  },
  {
    name: 'ints of every width print with their own sign',
    rec: {
    script: "BEGIN { @a = (int8)-5; @b = (uint16)65535; @c = (int32)-1; @d = (uint32)4294967295; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: -5\n@b: 65535\n@c: -1\n@d: 4294967295\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": -5}}\n{\"type\": \"map\", \"data\": {\"@b\": 65535}}\n{\"type\": \"map\", \"data\": {\"@c\": -1}}\n{\"type\": \"map\", \"data\": {\"@d\": 4294967295}}\n",
  },
    maps: [
      m('@a', null, { k: 'int', bits: 8, signed: true }, [[null, intValue(-5, 8, true)]]),
      m('@b', null, { k: 'int', bits: 16, signed: false }, [[null, intValue(65535, 16, false)]]),
      m('@c', null, { k: 'int', bits: 32, signed: true }, [[null, intValue(-1, 32, true)]]),
      m('@d', null, { k: 'int', bits: 32, signed: false }, [[null, intValue(4294967295, 32, false)]]),
    ],
  },
  {
    name: 'count, int, min, max, sum maps sort by value',
    rec: {
    script: "BEGIN { @mx[1] = max(5); @mx[2] = max(3); @mn[1] = min(5); @mn[2] = min(-5);  @su[1] = sum(3); @c[1] = count(); @i[1] = 5; @i[2] = 3; exit(); }",
    text: "Attaching 1 probe...\n\n\n@c[1]: 1\n@i[2]: 3\n@i[1]: 5\n@mn[2]: -5\n@mn[1]: 5\n@mx[2]: 3\n@mx[1]: 5\n@su[1]: 3\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@c\": {\"1\": 1}}}\n{\"type\": \"map\", \"data\": {\"@i\": {\"2\": 3, \"1\": 5}}}\n{\"type\": \"map\", \"data\": {\"@mn\": {\"2\": -5, \"1\": 5}}}\n{\"type\": \"map\", \"data\": {\"@mx\": {\"2\": 3, \"1\": 5}}}\n{\"type\": \"map\", \"data\": {\"@su\": {\"1\": 3}}}\n",
  },
    maps: [
      m('@mx', I64, { k: 'max', signed: true }, [
        [i(1), max(5)],
        [i(2), max(3)],
      ]),
      m('@mn', I64, { k: 'min', signed: true }, [
        [i(1), min(5)],
        [i(2), min(-5)],
      ]),
      m('@su', I64, { k: 'sum', signed: true }, [[i(1), sum(3)]]),
      m('@c', I64, COUNT, [[i(1), cnt(1)]]),
      m('@i', I64, I64, [
        [i(1), i(5)],
        [i(2), i(3)],
      ]),
    ],
  },
  {
    name: 'string values sort by key',
    rec: {
    script: "BEGIN { @s = \"hello\"; @t[\"k\"] = \"v\"; @u[\"a\"] = \"zz\"; @u[\"b\"] = \"aa\"; exit(); }",
    text: "Attaching 1 probe...\n\n\n@s: hello\n@t[k]: v\n@u[a]: zz\n@u[b]: aa\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@s\": \"hello\"}}\n{\"type\": \"map\", \"data\": {\"@t\": {\"k\": \"v\"}}}\n{\"type\": \"map\", \"data\": {\"@u\": {\"a\": \"zz\", \"b\": \"aa\"}}}\n",
  },
    maps: [
      m('@s', null, STR, [[null, s('hello')]]),
      m('@t', STR, STR, [[s('k'), s('v')]]),
      m('@u', STR, STR, [
        [s('b'), s('aa')],
        [s('a'), s('zz')],
      ]),
    ],
  },
  {
    name: 'equal values by key, ints unsigned (0.17: hash order, printed 10, -1, 3, 4, 5)',
    rec: {
    script: "BEGIN { @i[5] = 1; @i[3] = 1; @i[4] = 1; @i[-1] = 1; @i[10] = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@i[4]: 1\n@i[5]: 1\n@i[3]: 1\n@i[-1]: 1\n@i[10]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@i\": {\"3\": 1, \"4\": 1, \"10\": 1, \"5\": 1, \"-1\": 1}}}\n",
  },
    maps: [m('@i', I64, I64, [5, 3, 4, -1, 10].map((k) => [i(k), i(1)] as [Value, Value]))],
    text: 'Attaching 1 probe...\n\n\n@i[3]: 1\n@i[4]: 1\n@i[5]: 1\n@i[10]: 1\n@i[-1]: 1\n',
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "map", "data": {"@i": {"3": 1, "4": 1, "5": 1, "10": 1, "-1": 1}}}\n',
  },
  {
    name: 'equal values by key, strings by bytes (0.17: hash order)',
    rec: {
    script: "BEGIN { @i[\"b\"] = 1; @i[\"a\"] = 1; @i[\"c\"] = 1; @i[\"ab\"] = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@i[b]: 1\n@i[ab]: 1\n@i[a]: 1\n@i[c]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@i\": {\"ab\": 1, \"a\": 1, \"c\": 1, \"b\": 1}}}\n",
  },
    maps: [m('@i', STR, I64, ['b', 'a', 'c', 'ab'].map((k) => [s(k), i(1)] as [Value, Value]))],
    text: 'Attaching 1 probe...\n\n\n@i[a]: 1\n@i[ab]: 1\n@i[b]: 1\n@i[c]: 1\n',
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "map", "data": {"@i": {"a": 1, "ab": 1, "b": 1, "c": 1}}}\n',
  },
  {
    name: 'the empty string key sorts first (0.17: hash order)',
    rec: {
    script: "BEGIN { @[\"ab\"] = 1; @[\"a\"] = 1; @[\"\"] = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@[]: 1\n@[a]: 1\n@[ab]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"ab\": 1, \"a\": 1, \"\": 1}}}\n",
  },
    maps: [m('@', STR, I64, ['ab', 'a', ''].map((k) => [s(k), i(1)] as [Value, Value]))],
    text: 'Attaching 1 probe...\n\n\n@[]: 1\n@[a]: 1\n@[ab]: 1\n',
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "map", "data": {"@": {"": 1, "a": 1, "ab": 1}}}\n',
  },
  {
    name: 'string-valued maps sort int keys as unsigned (0, 5, -1), like 0.17',
    rec: {
    script: "BEGIN { @s[-1] = \"a\"; @s[5] = \"b\"; @s[0] = \"c\"; exit(); }",
    text: "Attaching 1 probe...\n\n\n@s[0]: c\n@s[5]: b\n@s[-1]: a\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@s\": {\"0\": \"c\", \"5\": \"b\", \"-1\": \"a\"}}}\n",
  },
    maps: [
      m('@s', I64, STR, [
        [i(-1), s('a')],
        [i(5), s('b')],
        [i(0), s('c')],
      ]),
    ],
  },
  {
    name: 'string-valued multi-key maps sort by the first key, then the second',
    rec: {
    script: "BEGIN { @s[\"b\", 2] = \"x\"; @s[\"a\", 3] = \"y\"; @s[\"b\", 1] = \"z\"; @s[\"a\", -1] = \"w\"; exit(); }",
    text: "Attaching 1 probe...\n\n\n@s[a, 3]: y\n@s[a, -1]: w\n@s[b, 1]: z\n@s[b, 2]: x\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@s\": {\"a,3\": \"y\", \"a,-1\": \"w\", \"b,1\": \"z\", \"b,2\": \"x\"}}}\n",
  },
    maps: [
      m('@s', tup(STR, I64), STR, [
        [t(s('b'), i(2)), s('x')],
        [t(s('a'), i(3)), s('y')],
        [t(s('b'), i(1)), s('z')],
        [t(s('a'), i(-1)), s('w')],
      ]),
    ],
  },
  {
    name: 'small int keys (0.17 widened them to 64 bits)',
    rec: {
    script: "BEGIN { @s[(int8)-1] = \"a\"; @s[(int8)1] = \"b\"; @t[(uint16)65535, (int16)-1] = \"z\"; exit(); }",
    text: "Attaching 1 probe...\n\n\n@s[1]: b\n@s[-1]: a\n@t[65535, -1]: z\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@s\": {\"1\": \"b\", \"-1\": \"a\"}}}\n{\"type\": \"map\", \"data\": {\"@t\": {\"65535,-1\": \"z\"}}}\n",
  },
    maps: [
      m('@s', I64, STR, [
        [i(-1), s('a')],
        [i(1), s('b')],
      ]),
      m('@t', tup(U64, I64), STR, [[t(u(65535), i(-1)), s('z')]]),
    ],
  },
  {
    name: 'uint64 keys print unsigned (0.17 bug: printed @u[-1])',
    rec: {
    script: "BEGIN { @[(uint8)1] = 1; @[(uint8)255] = 2; @u[(uint64)-1] = (uint64)-1; @v[(int32)-1] = (uint32)-1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@[1]: 1\n@[255]: 2\n@u[-1]: 18446744073709551615\n@v[-1]: 4294967295\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"1\": 1, \"255\": 2}}}\n{\"type\": \"map\", \"data\": {\"@u\": {\"-1\": 18446744073709551615}}}\n{\"type\": \"map\", \"data\": {\"@v\": {\"-1\": 4294967295}}}\n",
  },
    maps: [
      m('@', U64, I64, [
        [u(255), i(2)],
        [u(1), i(1)],
      ]),
      m('@u', U64, U64, [[u(18446744073709551615n), u(18446744073709551615n)]]),
      m('@v', I64, { k: 'int', bits: 32, signed: false }, [[i(-1), intValue(4294967295, 32, false)]]),
    ],
    text: 'Attaching 1 probe...\n\n\n@[1]: 1\n@[255]: 2\n@u[18446744073709551615]: 18446744073709551615\n@v[-1]: 4294967295\n',
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "map", "data": {"@": {"1": 1, "255": 2}}}\n{"type": "map", "data": {"@u": {"18446744073709551615": 18446744073709551615}}}\n{"type": "map", "data": {"@v": {"-1": 4294967295}}}\n',
  },
  {
    name: 'cleared avg/stats maps print two empty lines, hist/lhist one (json: nothing)',
    rec: {
    script: "BEGIN { @a = avg(3); clear(@a); @b = stats(3); clear(@b); @c = hist(3); clear(@c); @d = lhist(3,0,10,1); clear(@d); @e[1]=hist(3); clear(@e); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n\n\n\n\n\n\n\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  },
    maps: [
      m('@a', null, { k: 'avg', signed: true }, []),
      m('@b', null, { k: 'stats', signed: true }, []),
      m('@c', null, HIST, []),
      m('@d', null, lhistTy(0, 10, 1), []),
      m('@e', I64, HIST, []),
      m('@z', null, I64, [[null, i(1)]]),
    ],
  },
  {
    name: 'zeroed maps keep their keys: 0, empty stats, hist with no rows',
    rec: {
    script: "BEGIN { @a = avg(3); zero(@a); @b = stats(3); zero(@b); @c = hist(3); zero(@c); @d = lhist(3,0,10,1); zero(@d); @e[1]=count(); zero(@e); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 0\n\n@b: count 0, average 0, total 0\n\n@c: \n\n@d: \n\n@e[1]: 0\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": 0}}\n{\"type\": \"stats\", \"data\": {\"@b\": {\"count\": 0, \"average\": 0, \"total\": 0}}}\n{\"type\": \"hist\", \"data\": {\"@c\": []}}\n{\"type\": \"hist\", \"data\": {\"@d\": []}}\n{\"type\": \"map\", \"data\": {\"@e\": {\"1\": 0}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  },
    maps: [
      m('@a', null, { k: 'avg', signed: true }, [[null, avg()]]),
      m('@b', null, { k: 'stats', signed: true }, [[null, stats()]]),
      m('@c', null, HIST, [[null, hist([])]]),
      m('@d', null, lhistTy(0, 10, 1), [[null, lhist([], 0, 10, 1)]]),
      m('@e', I64, COUNT, [[i(1), cnt(0)]]),
      m('@z', null, I64, [[null, i(1)]]),
    ],
  },
  {
    name: 'print(@m) during the run prints what the exit dump prints',
    rec: {
    script: "BEGIN { @a[1] = 1; @a[2] = 2; print(@a); printf(\"--\\n\"); @h = hist(3); print(@h); printf(\"--\\n\"); @s = stats(3); print(@s); printf(\"--\\n\"); clear(@a); print(@a); printf(\"--\\n\"); exit(); }",
    text: "Attaching 1 probe...\n@a[1]: 1\n@a[2]: 2\n--\n@h: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n--\n@s: count 1, average 3, total 3\n\n--\n\n--\n\n\n\n@h: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@s: count 1, average 3, total 3\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"map\", \"data\": {\"@a\": {\"1\": 1, \"2\": 2}}}\n{\"type\": \"printf\", \"data\": \"--\\n\"}\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}\n{\"type\": \"printf\", \"data\": \"--\\n\"}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 3, \"total\": 3}}}\n{\"type\": \"printf\", \"data\": \"--\\n\"}\n{\"type\": \"printf\", \"data\": \"--\\n\"}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 3, \"total\": 3}}}\n",
  },
    events: [
      print(
        m('@a', I64, I64, [
          [i(2), i(2)],
          [i(1), i(1)],
        ]),
      ),
      printf('--\n'),
      print(m('@h', null, HIST, [[null, hist([3])]])),
      printf('--\n'),
      print(m('@s', null, { k: 'stats', signed: true }, [[null, stats(3)]])),
      printf('--\n'),
      print(m('@a', I64, I64, [])),
      printf('--\n'),
    ],
    maps: [
      m('@a', I64, I64, []),
      m('@h', null, HIST, [[null, hist([3])]]),
      m('@s', null, { k: 'stats', signed: true }, [[null, stats(3)]]),
    ],
  },
  {
    name: 'print(@m, top, div): top keeps the largest, div divides',
    rec: {
    script: "BEGIN { @a[1] = 1; @a[2] = 2; @a[3] = 3; @a[4] = 4; print(@a, 2); print(@a, 2, 2); print(@a, 0, 3); print(@a, 10); exit(); }",
    text: "Attaching 1 probe...\n@a[3]: 3\n@a[4]: 4\n@a[3]: 1\n@a[4]: 2\n@a[1]: 0\n@a[2]: 0\n@a[3]: 1\n@a[4]: 1\n@a[1]: 1\n@a[2]: 2\n@a[3]: 3\n@a[4]: 4\n\n\n@a[1]: 1\n@a[2]: 2\n@a[3]: 3\n@a[4]: 4\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"map\", \"data\": {\"@a\": {\"3\": 3, \"4\": 4}}}\n{\"type\": \"map\", \"data\": {\"@a\": {\"3\": 1, \"4\": 2}}}\n{\"type\": \"map\", \"data\": {\"@a\": {\"1\": 0, \"2\": 0, \"3\": 1, \"4\": 1}}}\n{\"type\": \"map\", \"data\": {\"@a\": {\"1\": 1, \"2\": 2, \"3\": 3, \"4\": 4}}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": {\"1\": 1, \"2\": 2, \"3\": 3, \"4\": 4}}}\n",
  },
    events: [
      { top: 2 },
      { top: 2, div: 2 },
      { top: 0, div: 3 },
      { top: 10 },
    ].map((o) => print(m('@a', I64, I64, [1, 2, 3, 4].map((k) => [i(k), i(k)] as [Value, Value])), o)),
    maps: [m('@a', I64, I64, [1, 2, 3, 4].map((k) => [i(k), i(k)] as [Value, Value]))],
  },
  {
    name: 'print(@m, top) with top above the entry count, div 0',
    rec: {
    script: "BEGIN { @m[1] = 1; @m[2] = 2; print(@m, 1); print(@m, 5, 0); exit(); }",
    text: "Attaching 1 probe...\n@m[2]: 2\n@m[1]: 1\n@m[2]: 2\n\n\n@m[1]: 1\n@m[2]: 2\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"map\", \"data\": {\"@m\": {\"2\": 2}}}\n{\"type\": \"map\", \"data\": {\"@m\": {\"1\": 1, \"2\": 2}}}\n\n\n{\"type\": \"map\", \"data\": {\"@m\": {\"1\": 1, \"2\": 2}}}\n",
  },
    events: [{ top: 1 }, { top: 5, div: 0 }].map((o) =>
      print(
        m('@m', I64, I64, [
          [i(1), i(1)],
          [i(2), i(2)],
        ]),
        o,
      ),
    ),
    maps: [
      m('@m', I64, I64, [
        [i(1), i(1)],
        [i(2), i(2)],
      ]),
    ],
  },
  {
    name: 'print(@h, top, div) on hist maps: by total count; bars from undivided counts',
    rec: {
    script: "BEGIN { @h[1] = hist(1); @h[2] = hist(10); @h[2] = hist(10); @h[3] = hist(100);  print(@h, 2); print(@h, 1, 2); exit(); }",
    text: "Attaching 1 probe...\n@h[3]: \n[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@h[2]: \n[8, 16)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@h[2]: \n[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n\n\n@h[1]: \n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@h[3]: \n[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@h[2]: \n[8, 16)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"hist\", \"data\": {\"@h\": {\"3\": [{\"min\": 64, \"max\": 127, \"count\": 1}], \"2\": [{\"min\": 8, \"max\": 15, \"count\": 2}]}}}\n{\"type\": \"hist\", \"data\": {\"@h\": {\"2\": [{\"min\": 8, \"max\": 15, \"count\": 1}]}}}\n\n\n{\"type\": \"hist\", \"data\": {\"@h\": {\"1\": [{\"min\": 1, \"max\": 1, \"count\": 1}], \"3\": [{\"min\": 64, \"max\": 127, \"count\": 1}], \"2\": [{\"min\": 8, \"max\": 15, \"count\": 2}]}}}\n",
  },
    events: [{ top: 2 }, { top: 1, div: 2 }].map((o) =>
      print(
        m('@h', I64, HIST, [
          [i(1), hist([1])],
          [i(2), hist([10, 10])],
          [i(3), hist([100])],
        ]),
        o,
      ),
    ),
    maps: [
      m('@h', I64, HIST, [
        [i(1), hist([1])],
        [i(2), hist([10, 10])],
        [i(3), hist([100])],
      ]),
    ],
  },
  {
    name: 'print(@s, top, div) on stats maps ignores top and div (as 0.17; analyze warns)',
    rec: {
    script: "BEGIN { @s[1] = stats(1); @s[2] = stats(10); @s[3] = stats(100);  print(@s, 2); print(@s, 1, 2); exit(); }",
    text: "Attaching 1 probe...\n@s[1]: count 1, average 1, total 1\n@s[2]: count 1, average 10, total 10\n@s[3]: count 1, average 100, total 100\n\n@s[1]: count 1, average 1, total 1\n@s[2]: count 1, average 10, total 10\n@s[3]: count 1, average 100, total 100\n\n\n\n@s[1]: count 1, average 1, total 1\n@s[2]: count 1, average 10, total 10\n@s[3]: count 1, average 100, total 100\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"1\": {\"count\": 1, \"average\": 1, \"total\": 1}, \"2\": {\"count\": 1, \"average\": 10, \"total\": 10}, \"3\": {\"count\": 1, \"average\": 100, \"total\": 100}}}}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"1\": {\"count\": 1, \"average\": 1, \"total\": 1}, \"2\": {\"count\": 1, \"average\": 10, \"total\": 10}, \"3\": {\"count\": 1, \"average\": 100, \"total\": 100}}}}\n\n\n{\"type\": \"stats\", \"data\": {\"@s\": {\"1\": {\"count\": 1, \"average\": 1, \"total\": 1}, \"2\": {\"count\": 1, \"average\": 10, \"total\": 10}, \"3\": {\"count\": 1, \"average\": 100, \"total\": 100}}}}\n",
  },
    events: [{ top: 2 }, { top: 1, div: 2 }].map((o) =>
      print(m('@s', I64, { k: 'stats', signed: true }, [1, 2, 3].map((k) => [i(k), stats(10 ** (k - 1))] as [Value, Value])), o),
    ),
    maps: [m('@s', I64, { k: 'stats', signed: true }, [1, 2, 3].map((k) => [i(k), stats(10 ** (k - 1))] as [Value, Value]))],
  },
  {
    name: 'print(@m, 0, div) on hist, avg; lhist counts divided too (0.17 bug: lhist ignored div)',
    rec: {
    script: "BEGIN { @l = lhist(5, 0, 10, 1); @l = lhist(5, 0, 10, 1); @l = lhist(5, 0, 10, 1); @l = lhist(6, 0, 10, 1);  print(@l, 0, 2); @h = hist(5); @h = hist(5); @h = hist(5); @h = hist(9); print(@h, 0, 2); @a = avg(10); print(@a, 0, 3); exit(); }",
    text: "Attaching 1 probe...\n@l: \n[5, 6)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[6, 7)                 1 |@@@@@@@@@@@@@@@@@                                   |\n\n@h: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[8, 16)                0 |@@@@@@@@@@@@@@@@@                                   |\n\n@a: 3\n\n\n\n@a: 10\n\n@h: \n[4, 8)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[8, 16)                1 |@@@@@@@@@@@@@@@@@                                   |\n\n@l: \n[5, 6)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[6, 7)                 1 |@@@@@@@@@@@@@@@@@                                   |\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 5, \"max\": 5, \"count\": 3}, {\"min\": 6, \"max\": 6, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 4, \"max\": 7, \"count\": 1}, {\"min\": 8, \"max\": 15, \"count\": 0}]}}\n{\"type\": \"stats\", \"data\": {\"@a\": 3}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": 10}}\n{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 4, \"max\": 7, \"count\": 3}, {\"min\": 8, \"max\": 15, \"count\": 1}]}}\n{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 5, \"max\": 5, \"count\": 3}, {\"min\": 6, \"max\": 6, \"count\": 1}]}}\n",
  },
    events: [
      print(m('@l', null, lhistTy(0, 10, 1), [[null, lhist([5, 5, 5, 6], 0, 10, 1)]]), { div: 2 }),
      print(m('@h', null, HIST, [[null, hist([5, 5, 5, 9])]]), { div: 2 }),
      print(m('@a', null, { k: 'avg', signed: true }, [[null, avg(10)]]), { div: 3 }),
    ],
    maps: [
      m('@l', null, lhistTy(0, 10, 1), [[null, lhist([5, 5, 5, 6], 0, 10, 1)]]),
      m('@h', null, HIST, [[null, hist([5, 5, 5, 9])]]),
      m('@a', null, { k: 'avg', signed: true }, [[null, avg(10)]]),
    ],
    text: 'Attaching 1 probe...\n@l: \n[5, 6)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[6, 7)                 0 |@@@@@@@@@@@@@@@@@                                   |\n\n@h: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[8, 16)                0 |@@@@@@@@@@@@@@@@@                                   |\n\n@a: 3\n\n\n\n@a: 10\n\n@h: \n[4, 8)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[8, 16)                1 |@@@@@@@@@@@@@@@@@                                   |\n\n@l: \n[5, 6)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[6, 7)                 1 |@@@@@@@@@@@@@@@@@                                   |\n\n',
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n{"type": "hist", "data": {"@l": [{"min": 5, "max": 5, "count": 1}, {"min": 6, "max": 6, "count": 0}]}}\n{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}, {"min": 8, "max": 15, "count": 0}]}}\n{"type": "stats", "data": {"@a": 3}}\n\n\n{"type": "stats", "data": {"@a": 10}}\n{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 3}, {"min": 8, "max": 15, "count": 1}]}}\n{"type": "hist", "data": {"@l": [{"min": 5, "max": 5, "count": 3}, {"min": 6, "max": 6, "count": 1}]}}\n',
  },
  {
    name: 'print(@x) of a scalar map',
    rec: {
    script: "BEGIN { @x = 5; print(@x); exit(); }",
    text: "Attaching 1 probe...\n@x: 5\n\n\n@x: 5\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"map\", \"data\": {\"@x\": 5}}\n\n\n{\"type\": \"map\", \"data\": {\"@x\": 5}}\n",
  },
    events: [print(m('@x', null, I64, [[null, i(5)]]))],
    maps: [m('@x', null, I64, [[null, i(5)]])],
  },
  {
    name: 'print(value): ints, strings, nested tuples',
    rec: {
    script: "BEGIN { print(1); print(-1); print(\"str\"); print((1, \"a\", (2, \"b\"))); print(comm); exit(); }",
    text: "Attaching 1 probe...\n1\n-1\nstr\n(1, a, (2, b))\nbpftrace\n\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"value\", \"data\": 1}\n{\"type\": \"value\", \"data\": -1}\n{\"type\": \"value\", \"data\": \"str\"}\n{\"type\": \"value\", \"data\": [1,\"a\",[2,\"b\"]]}\n{\"type\": \"value\", \"data\": \"bpftrace\"}\n\n\n",
  },
    events: [i(1), i(-1), s('str'), t(i(1), s('a'), t(i(2), s('b'))), s('bpftrace')].map(printValue),
    maps: [],
  },
  {
    name: 'print(value) of small ints, and such maps',
    rec: {
    script: "BEGIN { @ = (uint8)200; @b = (int8)-3; print((uint8)200); print((int16)-3); print((uint32)4000000000); exit(); }",
    text: "Attaching 1 probe...\n200\n-3\n4000000000\n\n\n@: 200\n@b: -3\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"value\", \"data\": 200}\n{\"type\": \"value\", \"data\": -3}\n{\"type\": \"value\", \"data\": 4000000000}\n\n\n{\"type\": \"map\", \"data\": {\"@\": 200}}\n{\"type\": \"map\", \"data\": {\"@b\": -3}}\n",
  },
    events: [intValue(200, 8, false), intValue(-3, 16, true), intValue(4000000000, 32, false)].map(printValue),
    maps: [
      m('@', null, { k: 'int', bits: 8, signed: false }, [[null, intValue(200, 8, false)]]),
      m('@b', null, { k: 'int', bits: 8, signed: true }, [[null, intValue(-3, 8, true)]]),
    ],
  },
  {
    name: 'tuple-valued maps sort by key',
    rec: {
    script: "BEGIN { @[1] = (1, \"a\"); @[2] = (0, \"b\"); exit(); }",
    text: "Attaching 1 probe...\n\n\n@[1]: (1, a)\n@[2]: (0, b)\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"1\": [1,\"a\"], \"2\": [0,\"b\"]}}}\n",
  },
    maps: [
      m('@', I64, tup(I64, STR), [
        [i(2), t(i(0), s('b'))],
        [i(1), t(i(1), s('a'))],
      ]),
    ],
  },
  {
    name: 'multi-key count and multi-key hist',
    rec: {
    script: "BEGIN { @x[1,2] = 1; @x[1,3] = 2; @y[\"a\", 1] = hist(3); exit(); }",
    text: "Attaching 1 probe...\n\n\n@x[1, 2]: 1\n@x[1, 3]: 2\n@y[a, 1]: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@x\": {\"1,2\": 1, \"1,3\": 2}}}\n{\"type\": \"hist\", \"data\": {\"@y\": {\"a,1\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}}\n",
  },
    maps: [
      m('@x', tup(I64, I64), I64, [
        [t(i(1), i(3)), i(2)],
        [t(i(1), i(2)), i(1)],
      ]),
      m('@y', tup(STR, I64), HIST, [[t(s('a'), i(1)), hist([3])]]),
    ],
  },
  {
    name: 'string-keyed stats after count maps',
    rec: {
    script: "BEGIN { @s[\"a\"] = stats(3); @s[\"b\"]= stats(4); @c = count(); @cc[1] = count(); exit(); }",
    text: "Attaching 1 probe...\n\n\n@c: 1\n@cc[1]: 1\n@s[a]: count 1, average 3, total 3\n@s[b]: count 1, average 4, total 4\n\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@c\": 1}}\n{\"type\": \"map\", \"data\": {\"@cc\": {\"1\": 1}}}\n{\"type\": \"stats\", \"data\": {\"@s\": {\"a\": {\"count\": 1, \"average\": 3, \"total\": 3}, \"b\": {\"count\": 1, \"average\": 4, \"total\": 4}}}}\n",
  },
    maps: [
      m('@s', STR, { k: 'stats', signed: true }, [
        [s('b'), stats(4)],
        [s('a'), stats(3)],
      ]),
      m('@c', null, COUNT, [[null, cnt(1)]]),
      m('@cc', I64, COUNT, [[i(1), cnt(1)]]),
    ],
  },
  {
    name: 'printf and print of strings with quotes, backslashes and control bytes',
    rec: {
    script: "BEGIN { printf(\"%s\\n\", \"a\\\"b\\\\c\\td\\001e\"); @[\"a\\tb\"] = 1; print(\"x\\ty\\001\"); exit(); }",
    text: "Attaching 1 probe...\na\"b\\c\td\x01e\nx\ty\x01\n\n\n@[a\tb]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"printf\", \"data\": \"a\\\"b\\\\c\\td\\u0001e\\n\"}\n{\"type\": \"value\", \"data\": \"x\\ty\\u0001\"}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"a\\tb\": 1}}}\n",
  },
    events: [printf('%s\n', s('a"b\\c\td\x01e')), printValue(s('x\ty\x01'))],
    maps: [m('@', STR, I64, [[s('a\tb'), i(1)]])],
  },
  {
    name: 'bytes >= 0x80 are copied to json (0.17 bug: wrote \\uffffffc3)',
    rec: {
    script: "BEGIN { printf(\"\\r|\\x7f|\u00e9|/|\\x1f|\\x80\\n\"); @[\"\\r\\x7f/\u00e9\"] = 1; exit(); }",
    text: "Attaching 1 probe...\n\x0d|\x7f|\u00e9|/|\x1f|\udc80\n\n\n@[\x0d\x7f/\u00e9]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"printf\", \"data\": \"\\r|\x7f|\\uffffffc3\\uffffffa9|/|\\u001f|\\uffffff80\\n\"}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"\\r\x7f/\\uffffffc3\\uffffffa9\": 1}}}\n",
  },
    events: [printf('\r|\x7f|\u00e9|/|\x1f|\udc80\n')],
    maps: [m('@', STR, I64, [[s('\r\x7f/\u00e9'), i(1)]])],
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n{"type": "printf", "data": "\\r|\x7f|\u00e9|/|\\u001f|\udc80\\n"}\n\n\n{"type": "map", "data": {"@": {"\\r\x7f/\u00e9": 1}}}\n',
  },
  {
    name: 'strerror values (0.17 bug: json left the text unquoted)',
    rec: {
    script: "BEGIN { printf(\"%s|%s\\n\", strerror(2), strerror(1000)); @e = strerror(2); exit(); }",
    text: "Attaching 1 probe...\nNo such file or directory|Unknown error 1000\n\n\n@e: No such file or directory\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"printf\", \"data\": \"No such file or directory|Unknown error 1000\\n\"}\n\n\n{\"type\": \"map\", \"data\": {\"@e\": No such file or directory}}\n",
  },
    events: [printf('%s|%s\n', symValue('strerror', 'No such file or directory'), symValue('strerror', 'Unknown error 1000'))],
    maps: [m('@e', null, { k: 'strerror' }, [[null, symValue('strerror', 'No such file or directory')]])],
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n{"type": "printf", "data": "No such file or directory|Unknown error 1000\\n"}\n\n\n{"type": "map", "data": {"@e": "No such file or directory"}}\n',
  },
  {
    name: 'ntop values and keys',
    rec: {
    script: "BEGIN { printf(\"%s|%s|%s\\n\", ntop(0x0100007f), ntop(2, 0x0100007f), ntop(10, pton(\"fe80::1\"))); @n[ntop(0x0100007f)] = 1; print(ntop(0x0100007f)); exit(); }",
    text: "Attaching 1 probe...\n127.0.0.1|127.0.0.1|fe80::1\n127.0.0.1\n\n\n@n[127.0.0.1]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"printf\", \"data\": \"127.0.0.1|127.0.0.1|fe80::1\\n\"}\n{\"type\": \"value\", \"data\": \"127.0.0.1\"}\n\n\n{\"type\": \"map\", \"data\": {\"@n\": {\"127.0.0.1\": 1}}}\n",
  },
    events: [
      printf('%s|%s|%s\n', symValue('inet', '127.0.0.1'), symValue('inet', '127.0.0.1'), symValue('inet', 'fe80::1')),
      printValue(symValue('inet', '127.0.0.1')),
    ],
    maps: [m('@n', { k: 'inet', size: 16 }, I64, [[symValue('inet', '127.0.0.1'), i(1)]])],
  },
  {
    name: 'a map of ntop values puts each on its own line (0.17 bug: ran them together)',
    rec: {
    script: "BEGIN { @[1] = ntop(0x0100007f); @[2] = ntop(0x0200007f); exit(); }",
    text: "Attaching 1 probe...\n\n\n@[1]: 127.0.0.1@[2]: 127.0.0.2\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@\": {\"1\": \"127.0.0.1\", \"2\": \"127.0.0.2\"}}}\n",
  },
    maps: [
      m('@', I64, { k: 'inet', size: 16 }, [
        [i(2), symValue('inet', '127.0.0.2')],
        [i(1), symValue('inet', '127.0.0.1')],
      ]),
    ],
    text: 'Attaching 1 probe...\n\n\n@[1]: 127.0.0.1\n@[2]: 127.0.0.2\n',
  },
  {
    name: 'username values',
    rec: {
    script: "BEGIN { @u = username; print(username); printf(\"%s\\n\", username); exit(); }",
    text: "Attaching 1 probe...\nroot\nroot\n\n\n@u: root\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"value\", \"data\": \"root\"}\n{\"type\": \"printf\", \"data\": \"root\\n\"}\n\n\n{\"type\": \"map\", \"data\": {\"@u\": \"root\"}}\n",
  },
    events: [printValue(symValue('username', 'root')), printf('%s\n', symValue('username', 'root'))],
    maps: [m('@u', null, { k: 'username' }, [[null, symValue('username', 'root')]])],
  },
  {
    name: 'buffer values and keys: non-printable bytes as \\xNN',
    rec: {
    script: "BEGIN { @b = buf(\"ab\\x01 \\\\z\", 6); @c[buf(\"x\\x00y\", 3)] = 1; print(buf(\"hi\", 2)); exit(); }",
    text: "Attaching 1 probe...\nhi\n\n\n@b: ab\\x01 \\z\n@c[x\\x00y]: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n{\"type\": \"value\", \"data\": \"hi\"}\n\n\n{\"type\": \"map\", \"data\": {\"@b\": \"ab\\\\x01 \\\\z\"}}\n{\"type\": \"map\", \"data\": {\"@c\": {\"x\\\\x00y\": 1}}}\n",
  },
    events: [printValue({ t: 'buf', bytes: Buffer.from('hi') })],
    maps: [
      m('@b', null, { k: 'buf', size: 6 }, [[null, { t: 'buf', bytes: Buffer.from('ab\x01 \\z', 'latin1') }]]),
      m('@c', { k: 'buf', size: 3 }, I64, [[{ t: 'buf', bytes: Buffer.from('x\x00y', 'latin1') }, i(1)]]),
    ],
  },
  {
    name: 'attaching line for several probes; END output before the exit dump',
    rec: {
    script: "BEGIN { @x = 1; printf(\"x\\n\"); exit(); } END { printf(\"end\\n\"); }",
    text: "Attaching 2 probes...\nx\nend\n\n\n@x: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 2}}\n{\"type\": \"printf\", \"data\": \"x\\n\"}\n{\"type\": \"printf\", \"data\": \"end\\n\"}\n\n\n{\"type\": \"map\", \"data\": {\"@x\": 1}}\n",
  },
    probes: 2,
    events: [printf('x\n'), printf('end\n')],
    maps: [m('@x', null, I64, [[null, i(1)]])],
  },
];

// The at-exit separator rule, map kind by kind: a blank line follows avg, stats and
// hist maps only. Each script is `@a = <kind>; @z = 1`.
const KIND_ROWS: Row[] = [
  { name: 'sum', rec: {
    script: "BEGIN { @a = sum(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 3}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'sum', signed: true }, [[null, sum(3)]])] },
  { name: 'sum < 0', rec: {
    script: "BEGIN { @a = sum(-3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: -3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": -3}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'sum', signed: true }, [[null, sum(-3)]])] },
  { name: 'min', rec: {
    script: "BEGIN { @a = min(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 3}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'min', signed: true }, [[null, min(3)]])] },
  { name: 'min < 0', rec: {
    script: "BEGIN { @a = min(-3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: -3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": -3}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'min', signed: true }, [[null, min(-3)]])] },
  { name: 'min 0', rec: {
    script: "BEGIN { @a = min(0); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 0\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 0}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'min', signed: true }, [[null, min(0)]])] },
  { name: 'max', rec: {
    script: "BEGIN { @a = max(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 3}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'max', signed: true }, [[null, max(3)]])] },
  { name: 'max 0', rec: {
    script: "BEGIN { @a = max(0); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 0\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 0}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'max', signed: true }, [[null, max(0)]])] },
  { name: 'avg', rec: {
    script: "BEGIN { @a = avg(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 3\n\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": 3}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'avg', signed: true }, [[null, avg(3)]])] },
  { name: 'stats', rec: {
    script: "BEGIN { @a = stats(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: count 1, average 3, total 3\n\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": {\"count\": 1, \"average\": 3, \"total\": 3}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, { k: 'stats', signed: true }, [[null, stats(3)]])] },
  { name: 'count', rec: {
    script: "BEGIN { @a = count(); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 1\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 1}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, COUNT, [[null, cnt(1)]])] },
  { name: 'int', rec: {
    script: "BEGIN { @a = 5; @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: 5\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": 5}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, I64, [[null, i(5)]])] },
  { name: 'int < 0', rec: {
    script: "BEGIN { @a = -5; @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: -5\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": -5}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, I64, [[null, i(-5)]])] },
  { name: 'string', rec: {
    script: "BEGIN { @a = \"s\"; @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: s\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": \"s\"}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, STR, [[null, s('s')]])] },
  { name: 'tuple', rec: {
    script: "BEGIN { @a = (1,2); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a: (1, 2)\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": [1,2]}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', null, tup(I64, I64), [[null, t(i(1), i(2))]])] },
  { name: 'keyed avg', rec: {
    script: "BEGIN { @a[1] = avg(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[1]: 3\n\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": {\"1\": 3}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', I64, { k: 'avg', signed: true }, [[i(1), avg(3)]])] },
  { name: 'keyed stats', rec: {
    script: "BEGIN { @a[1] = stats(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[1]: count 1, average 3, total 3\n\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"stats\", \"data\": {\"@a\": {\"1\": {\"count\": 1, \"average\": 3, \"total\": 3}}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', I64, { k: 'stats', signed: true }, [[i(1), stats(3)]])] },
  { name: 'keyed hist', rec: {
    script: "BEGIN { @a[1] = hist(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[1]: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"hist\", \"data\": {\"@a\": {\"1\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', I64, HIST, [[i(1), hist([3])]])] },
  { name: 'keyed min < 0', rec: {
    script: "BEGIN { @a[1] = min(-3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[1]: -3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": {\"1\": -3}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  }, maps: [m('@a', I64, { k: 'min', signed: true }, [[i(1), min(-3)]])] },
  {
    name: 'keyed max < 0 (0.17 bug: dropped the entry)',
    rec: {
    script: "BEGIN { @a[1] = max(-3); @a[2] = max(3); @z = 1; exit(); }",
    text: "Attaching 1 probe...\n\n\n@a[2]: 3\n@z: 1\n",
    json: "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@a\": {\"2\": 3}}}\n{\"type\": \"map\", \"data\": {\"@z\": 1}}\n",
  },
    maps: [
      m('@a', I64, { k: 'max', signed: true }, [
        [i(2), max(3)],
        [i(1), max(-3)],
      ]),
    ],
    text: 'Attaching 1 probe...\n\n\n@a[1]: -3\n@a[2]: 3\n@z: 1\n',
    json: '{"type": "attached_probes", "data": {"probes": 1}}\n\n\n{"type": "map", "data": {"@a": {"1": -3, "2": 3}}}\n{"type": "map", "data": {"@z": 1}}\n',
  },
].map((r) => ({ ...r, maps: [...r.maps, m('@z', null, I64, [[null, i(1)]])] }));

const ALL = [...ROWS, ...KIND_ROWS];

describe('text output, as bpftrace 0.17 prints it', () => {
  it.each(ALL.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    expect(runText(r)).toBe(r.text ?? r.rec.text);
  });
});

describe('json output, as bpftrace -f json 0.17 prints it', () => {
  it.each(ALL.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    expect(runJson(r)).toBe(r.json ?? r.rec.json);
  });
});

describe('every row that overrides 0.17 really differs from it', () => {
  // An override equal to the recording would hide a wrong claim of a 0.17 bug.
  it.each(ALL.filter((r) => r.text !== undefined || r.json !== undefined).map((r) => [r.name, r] as const))(
    '%s',
    (_name, r) => {
      const differs = (r.text !== undefined && r.text !== r.rec.text) || (r.json !== undefined && r.json !== r.rec.json);
      expect(differs).toBe(true);
    },
  );
});

// ---------------------------------------------------------------- stacks

// Recorded with tracepoint:syscalls:sys_enter_getpid (a shell calling getpid):
//   @[kstack] = count(); @k[kstack(perf)] = count(); @k3[kstack(3)] = count();
//   @u[ustack] = count(); @up[ustack(perf,3)] = count();
//   @[comm, kstack(2)] = count(); @x[kstack(1), 5] = count();
//   print(kstack); print(ustack(perf, 2)); printf("%s|%s\n", kstack(2), ustack(2));
//   @k[1] = kstack(1); @k[2] = kstack(1);
const STACK_CASES: [string, string, string][] = [
  [
    'kstack key, bpftrace mode: indented by 4',
    formatMap(m('@', KSTACK, COUNT, [[kstack('bpftrace'), cnt(2)]])),
    '@[\n    perf_syscall_enter+397\n    syscall_trace_enter+384\n    do_syscall_64+506\n    entry_SYSCALL_64_after_hwframe+118\n]: 2\n',
  ],
  [
    'kstack key, perf mode: tab, hex address, symbol',
    formatMap(m('@k', { k: 'kstack', depth: 127, mode: 'perf' }, COUNT, [[kstack('perf'), cnt(2)]])),
    '@k[\n\tffffffff814b0b2d perf_syscall_enter+397\n\tffffffff81415d70 syscall_trace_enter+384\n\tffffffff821ed69a do_syscall_64+506\n\tffffffff81000130 entry_SYSCALL_64_after_hwframe+118\n]: 2\n',
  ],
  [
    'kstack(3) key',
    formatMap(m('@k3', { k: 'kstack', depth: 3, mode: 'bpftrace' }, COUNT, [[kstack('bpftrace', 3), cnt(2)]])),
    '@k3[\n    perf_syscall_enter+397\n    syscall_trace_enter+384\n    do_syscall_64+506\n]: 2\n',
  ],
  [
    'ustack keys without symbols; equal counts by stack addresses (0.17: hash order)',
    formatMap(
      m('@u', { k: 'ustack', depth: 127, mode: 'bpftrace' }, COUNT, [
        [ustack('bpftrace', 0x7fef7ee834e7n), cnt(1)],
        [ustack('bpftrace', 0x7f32bd9894e7n, 0x6968732f766e6579n), cnt(1)],
      ]),
    ),
    '@u[\n    0x7f32bd9894e7\n    0x6968732f766e6579\n]: 1\n@u[\n    0x7fef7ee834e7\n]: 1\n',
  ],
  [
    'ustack(perf) keys: unknown module (0.17: hash order)',
    formatMap(
      m('@up', { k: 'ustack', depth: 3, mode: 'perf' }, COUNT, [
        [ustack('perf', 0x7fef7ee834e7n), cnt(1)],
        [ustack('perf', 0x7f32bd9894e7n, 0x6968732f766e6579n), cnt(1)],
      ]),
    ),
    '@up[\n\t7f32bd9894e7 0x7f32bd9894e7 ([unknown])\n\t6968732f766e6579 0x6968732f766e6579 ([unknown])\n]: 1\n@up[\n\t7fef7ee834e7 0x7fef7ee834e7 ([unknown])\n]: 1\n',
  ],
  [
    'ustack(perf) frame with a symbol and module',
    formatValue({ t: 'stack', user: true, mode: 'perf', frames: [frame(0x401136n, 'main', 16, '/tmp/target')] }),
    '\n\t401136 main+16 (/tmp/target)\n',
  ],
  [
    'multi-key with a stack last',
    formatMap(m('@', tup(STR, KSTACK), COUNT, [[t(s('bash'), kstack('bpftrace', 2)), cnt(59)]])),
    '@[bash, \n    perf_syscall_enter+397\n    syscall_trace_enter+384\n]: 59\n',
  ],
  [
    'multi-key with a stack first',
    formatMap(m('@x', tup(KSTACK, I64), COUNT, [[t(kstack('bpftrace', 1), i(5)), cnt(59)]])),
    '@x[\n    perf_syscall_enter+397\n, 5]: 59\n',
  ],
  [
    'print(kstack): indented by 8',
    formatPrintValue(kstack('bpftrace')),
    '\n        perf_syscall_enter+397\n        syscall_trace_enter+384\n        do_syscall_64+506\n        entry_SYSCALL_64_after_hwframe+118\n\n',
  ],
  ['print(ustack(perf, 2))', formatPrintValue(ustack('perf', 0x7fed957fb4e7n)), '\n\t7fed957fb4e7 0x7fed957fb4e7 ([unknown])\n\n'],
  [
    'printf %s of stacks',
    formatPrintf('%s|%s\n', [kstack('bpftrace', 2), ustack('bpftrace', 0x7fed957fb4e7n)]),
    '\n        perf_syscall_enter+397\n        syscall_trace_enter+384\n|\n        0x7fed957fb4e7\n\n',
  ],
  [
    'kstack-valued map: no separator, stacks end in newline',
    formatMap(
      m('@k', I64, KSTACK, [
        [i(2), kstack('bpftrace', 1)],
        [i(1), kstack('bpftrace', 1)],
      ]),
    ),
    '@k[1]: \n        perf_syscall_enter+397\n@k[2]: \n        perf_syscall_enter+397\n\n',
  ],
  [
    'raw mode: hex addresses only (newer bpftrace)',
    formatValue(kstack('raw', 2)),
    '\nffffffff814b0b2d\nffffffff81415d70\n',
  ],
  ['a stack that could not be read prints nothing', formatValue({ t: 'stack', user: false, mode: 'bpftrace', frames: [] }), ''],
  [
    'print((1, kstack)): a stack inside a tuple',
    formatPrintValue(t(i(1), { t: 'stack', user: false, mode: 'bpftrace', frames: [frame(1n, 'do_syscall_64', 113)] })),
    '(1, \n        do_syscall_64+113\n)\n',
  ],
  [
    'ksym values each on a line (0.17 bug: "@[1]: 0@[2]: 0x1")',
    formatMap(
      m('@', I64, { k: 'ksym' }, [
        [i(1), symValue('ksym', '0')],
        [i(2), symValue('ksym', '0x1')],
      ]),
    ),
    '@[1]: 0\n@[2]: 0x1\n',
  ],
];

const STACK_JSON_CASES: [string, string, string][] = [
  [
    'kstack key',
    jsonMap(m('@', KSTACK, COUNT, [[kstack('bpftrace'), cnt(1)]])),
    '{"type": "map", "data": {"@": {"\\n    perf_syscall_enter+397\\n    syscall_trace_enter+384\\n    do_syscall_64+506\\n    entry_SYSCALL_64_after_hwframe+118\\n": 1}}}\n',
  ],
  [
    'kstack(perf) key',
    jsonMap(m('@k', { k: 'kstack', depth: 127, mode: 'perf' }, COUNT, [[kstack('perf'), cnt(1)]])),
    '{"type": "map", "data": {"@k": {"\\n\\tffffffff814b0b2d perf_syscall_enter+397\\n\\tffffffff81415d70 syscall_trace_enter+384\\n\\tffffffff821ed69a do_syscall_64+506\\n\\tffffffff81000130 entry_SYSCALL_64_after_hwframe+118\\n": 1}}}\n',
  ],
  [
    'multi-key with a stack: keys joined by ","',
    jsonMap(m('@x', tup(KSTACK, I64), COUNT, [[t(kstack('bpftrace', 1), i(5)), cnt(38)]])),
    '{"type": "map", "data": {"@x": {"\\n    perf_syscall_enter+397\\n,5": 38}}}\n',
  ],
  [
    'print(kstack)',
    jsonPrintValue(kstack('bpftrace')),
    '{"type": "value", "data": "\\n        perf_syscall_enter+397\\n        syscall_trace_enter+384\\n        do_syscall_64+506\\n        entry_SYSCALL_64_after_hwframe+118\\n"}\n',
  ],
  [
    'print((1, kstack))',
    jsonPrintValue(t(i(1), { t: 'stack', user: false, mode: 'bpftrace', frames: [frame(1n, '__x64_sys_bpf', 29)] })),
    '{"type": "value", "data": [1,"\\n        __x64_sys_bpf+29\\n"]}\n',
  ],
  [
    'kstack-valued map',
    jsonMap(
      m('@k', I64, KSTACK, [
        [i(1), kstack('bpftrace', 1)],
        [i(2), kstack('bpftrace', 1)],
      ]),
    ),
    '{"type": "map", "data": {"@k": {"1": "\\n        perf_syscall_enter+397\\n", "2": "\\n        perf_syscall_enter+397\\n"}}}\n',
  ],
  [
    'ksym values are quoted strings',
    jsonMap(
      m('@', I64, { k: 'ksym' }, [
        [i(1), symValue('ksym', '0')],
        [i(2), symValue('ksym', '0x1')],
      ]),
    ),
    '{"type": "map", "data": {"@": {"1": "0", "2": "0x1"}}}\n',
  ],
];

describe('stacks and symbols (recorded from tracepoints)', () => {
  it.each(STACK_CASES)('text: %s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
  it.each(STACK_JSON_CASES)('json: %s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});

// ---------------------------------------------------------------- messages and values

describe('messages', () => {
  it.each([
    ['attaching 1 probe', formatAttached(1), 'Attaching 1 probe...\n'],
    ['attaching 3 probes (BEGIN, END, interval)', formatAttached(3), 'Attaching 3 probes...\n'],
    ['lost events', formatLost(12), 'Lost 12 events\n'],
    ['join: the joined text and a newline', formatJoin('sleep,0.2'), 'sleep,0.2\n'],
    ['json attached', jsonAttached(3), '{"type": "attached_probes", "data": {"probes": 3}}\n'],
    ['json lost', jsonLost(7n, 'tracepoint:syscalls:sys_enter_getppid'), '{"type": "lost_events", "data": {"events": 7, "probe": "tracepoint:syscalls:sys_enter_getppid"}}\n'],
    ['json join (tracepoint:syscalls:sys_enter_execve { join(args->argv) })', jsonJoin('/bin/echo a b'), '{"type": "join", "data": "/bin/echo a b"}\n'],
    // bpftrace --unsafe -f json -e 'BEGIN { system("echo sys"); exit(); }'
    ['json system() output', jsonSystem('sys\n'), '{"type": "syscall", "data": "sys\\n"}\n'],
    // BEGIN { cat("/tmp/fmt/cat.txt"); exit(); } with "hello\nworld\n" in the file
    ['json cat', jsonCat('hello\nworld\n'), '{"type": "cat", "data": "hello\\nworld\\n"}\n'],
    // BEGIN { time(); time("%H:%M\n"); ... }
    ['json time', jsonTime('03:03:47\n'), '{"type": "time", "data": "03:03:47\\n"}\n'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('values', () => {
  it.each([
    ['bool true (newer bpftrace)', formatValue({ t: 'bool', v: true }), 'true'],
    ['bool json', jsonValue({ t: 'bool', v: false }), 'false'],
    ['pointer as 0x hex', formatValue({ t: 'ptr', addr: 0xffff888004a1c000n }), '0xffff888004a1c000'],
    ['array', formatValue({ t: 'array', elems: [i(1), i(2), i(3)] }), '[1,2,3]'],
    ['array json', jsonValue({ t: 'array', elems: [i(1), s('a')] }), '[1,"a"]'],
    ['stats value', formatValue(stats(1, 2, 6)), 'count 3, average 3, total 9'],
    ['stats json', jsonValue(stats(1, 2, 6)), '{"count": 3, "average": 3, "total": 9}'],
    ['unsigned avg of huge values', formatValue({ t: 'avg', sum: 18446744073709551614n, count: 2n, signed: false }), '9223372036854775807'],
    ['macaddr json is a quoted string (0.17 bug: unquoted)', jsonValue(symValue('macaddr', '01:02:03:04:05:06')), '"01:02:03:04:05:06"'],
    ['timestamp via strftime (%s.%f do not depend on TZ)', formatValue({ t: 'timestamp', ns: 1700000000123456789n, fmt: '%s.%f' }), '1700000000.123456'],
    ['%r buffer', formatBuffer(Buffer.from('ab\x00c', 'latin1'), 'r'), 'ab\\x00c'],
    ['%rx buffer (BEGIN { printf("%rx", buf("ab\\x00c", 4)) })', formatBuffer(Buffer.from('ab\x00c', 'latin1'), 'rx'), '\\x61\\x62\\x00\\x63'],
    ['%rh buffer', formatBuffer(Buffer.from('ab\x00c', 'latin1'), 'rh'), '61 62 00 63'],
    ['json escapes of control characters', jsonString('\x00\x08\x0c\x1b"\\'), '"\\u0000\\u0008\\u000c\\u001b\\"\\\\"'],
    ['json copies 0x7f and non-ASCII unchanged', jsonString('\x7f\u00e9\u4e2d'), '"\x7f\u00e9\u4e2d"'],
  ] as [string, unknown, unknown][])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});
