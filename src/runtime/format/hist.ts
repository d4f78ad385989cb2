// Histogram buckets for printing: which buckets of a hist()/lhist() value are shown, their
// bounds and labels, and the text rows with their '@' bars. Input: a hist or lhist Value
// (every bucket, in the layout of src/types/ty.ts and native/bpf/rt.bpf.h). Output: rows
// that text.ts prints and json.ts turns into {min, max, count} objects.
// Must not: know map names or keys (text.ts/json.ts wrap the rows).
//
// hist layout: index 0 holds negative values, 1 holds 0, and 2 + e * 2^bits + sub holds
// 2^e <= v < 2^(e+1), where sub is the top `bits` bits below the leading one (for e <
// bits the sub-buckets are wider than one integer, so some can never be hit: those are
// never printed). lhist layout: index 0 below min, 1 + (v - min) / step, last >= max.

import type { ValueOf } from '../value.js';

export interface HistRow {
  readonly index: number;
  /** Inclusive lower bound; null for the bucket of everything below (negative / < min). */
  readonly lo: bigint | null;
  /** Exclusive upper bound; null for lhist's last bucket (>= max). */
  readonly hi: bigint | null;
  readonly label: string;
  /** The raw count of the bucket (not divided by print()'s div). */
  readonly count: bigint;
}

/** Width of the bar between the '|' characters, and of the label and count columns. */
const BAR_WIDTH = 52;
const LABEL_WIDTH = 16;
const COUNT_WIDTH = 8;

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/**
 * A log2-histogram bound as bpftrace labels it: x = (2^bits + j) * 2^p is printed as
 * (2^bits + j) * 2^(p mod 10) with the suffix of 1024^(p div 10): 1024 -> 1K, 1280 -> 1280
 * with bits = 2 (p = 8), 5120 -> 5K.
 */
export function histBoundLabel(x: bigint, bits: number): string {
  if (x <= 0n) return x.toString();
  const p = x.toString(2).length - 1 - bits;
  if (p <= 0) return x.toString();
  const mant = x >> BigInt(p);
  if (mant << BigInt(p) !== x) return x.toString();
  const decade = Math.min(Math.floor(p / 10), SUFFIXES.length - 1);
  return `${(mant << BigInt(p - 10 * decade)).toString()}${SUFFIXES[decade]}`;
}

/** A linear-histogram bound as bpftrace 0.17 labels it: multiples of 1M/1K get M/K. */
export function lhistBoundLabel(n: number): string {
  if (n === 0) return '0';
  if (n % 1048576 === 0) return `${n / 1048576}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

/** Bounds [lo, hi) of hist bucket `index` (>= 2) with `bits` sub-bucket bits. */
function histBounds(index: number, bits: number): { lo: bigint; hi: bigint } {
  const per = 1 << bits;
  const e = Math.floor((index - 2) / per);
  const sub = (index - 2) % per;
  const base = 1n << BigInt(e);
  // Sub-bucket s holds v - 2^e in [s * 2^e / 2^bits, (s+1) * 2^e / 2^bits): round up.
  const ceilDiv = (a: bigint, d: bigint): bigint => (a + d - 1n) / d;
  const d = BigInt(per);
  return { lo: base + ceilDiv(BigInt(sub) * base, d), hi: base + ceilDiv(BigInt(sub + 1) * base, d) };
}

function histRow(index: number, bits: number, count: bigint): HistRow | null {
  if (index === 0) return { index, lo: null, hi: 0n, label: '(..., 0)', count };
  if (index === 1) return { index, lo: 0n, hi: 1n, label: '[0]', count };
  const { lo, hi } = histBounds(index, bits);
  if (lo >= hi) return null; // a sub-bucket no integer falls into
  const label = hi - lo === 1n ? `[${lo}]` : `[${histBoundLabel(lo, bits)}, ${histBoundLabel(hi, bits)})`;
  return { index, lo, hi, label, count };
}

function lhistRow(index: number, v: ValueOf<'lhist'>, count: bigint): HistRow {
  const last = v.buckets.length - 1;
  if (index === 0) return { index, lo: null, hi: BigInt(v.min), label: `(..., ${lhistBoundLabel(v.min)})`, count };
  if (index === last) return { index, lo: BigInt(v.max), hi: null, label: `[${lhistBoundLabel(v.max)}, ...)`, count };
  const lo = v.min + (index - 1) * v.step;
  const hi = v.min + index * v.step;
  return { index, lo: BigInt(lo), hi: BigInt(hi), label: `[${lhistBoundLabel(lo)}, ${lhistBoundLabel(hi)})`, count };
}

/**
 * The rows bpftrace prints: from the first to the last non-empty bucket, empty buckets
 * in between included. No rows when every bucket is empty.
 */
export function histRows(v: ValueOf<'hist' | 'lhist'>): HistRow[] {
  let first = -1;
  let last = -1;
  v.buckets.forEach((c, i) => {
    if (c > 0n) {
      if (first < 0) first = i;
      last = i;
    }
  });
  const rows: HistRow[] = [];
  if (first < 0) return rows;
  for (let i = first; i <= last; i++) {
    const count = v.buckets[i]!;
    const row = v.t === 'hist' ? histRow(i, v.bits, count) : lhistRow(i, v, count);
    if (row) rows.push(row);
  }
  return rows;
}

/**
 * Bar length of `count` against the largest bucket, computed in single precision like
 * bpftrace (`count / (float)max * 52`, truncated).
 */
export function barWidth(count: bigint, max: bigint): number {
  if (max <= 0n) return 0;
  const ratio = Math.fround(Math.fround(Number(count)) / Math.fround(Number(max)));
  return Math.max(0, Math.min(BAR_WIDTH, Math.trunc(Math.fround(ratio * BAR_WIDTH))));
}

/**
 * The text rows of a histogram value, each ending in '\n': label (16 columns, left),
 * count (8 columns, right; divided by `div`), and the bar. Bars are scaled on the raw
 * counts, as bpftrace does, so `div` does not change their shape.
 */
export function formatHistRows(v: ValueOf<'hist' | 'lhist'>, div = 1n): string {
  let max = 0n;
  for (const c of v.buckets) if (c > max) max = c;
  let out = '';
  for (const r of histRows(v)) {
    const bar = '@'.repeat(barWidth(r.count, max));
    out += `${r.label.padEnd(LABEL_WIDTH)}${(r.count / div).toString().padStart(COUNT_WIDTH)} |${bar.padEnd(BAR_WIDTH)}|\n`;
  }
  return out;
}

/** JSON array of {min, max, count} objects (no min below, no max above; count / div). */
export function histJson(v: ValueOf<'hist' | 'lhist'>, div = 1n): string {
  const parts = histRows(v).map((r) => {
    const count = (r.count / div).toString();
    if (r.lo === null) return `{"max": ${(r.hi ?? 0n) - 1n}, "count": ${count}}`;
    if (r.hi === null) return `{"min": ${r.lo}, "count": ${count}}`;
    return `{"min": ${r.lo}, "max": ${r.hi - 1n}, "count": ${count}}`;
  });
  return `[${parts.join(', ')}]`;
}
