// The value model: what every kernel byte string becomes in user space, and what the text
// and JSON printers (./format/*) consume. Input: nothing (plain data definitions plus small
// pure helpers); decode.ts builds Values from bytes, the printers turn them into output.
// Also here: the Symbolizer interface the runtime implements (src/runtime/symbols/*), the
// MapData shape of a dumped map, the total order used to sort map entries, and the byte
// <-> string convention for text that came from the kernel.
// Must not: read bytes (decode.ts), format output (format/*), or do I/O.
//
// Strings and bytes. Kernel strings are bytes, and bpftrace writes them to stdout
// unchanged. We keep them as JS strings decoded as UTF-8, except that every byte that is
// not part of a valid UTF-8 sequence becomes the lone surrogate U+DC00+byte (Python's
// "surrogateescape"). Valid text therefore looks normal everywhere, and `encodeOutput`
// turns any formatted string back into the exact original bytes. A writer that uses plain
// `Buffer.from(s)` still works; it only turns invalid bytes into U+FFFD.

import type { IntBits, StackMode, Ty } from '../types/ty.js';

// ---------------------------------------------------------------- values

/** What a resolved-to-text value was, kept for JSON quoting and for messages. */
export type SymKind =
  | 'ksym'
  | 'usym'
  | 'func'
  | 'probe'
  | 'username'
  | 'strerror'
  | 'cgroup_path'
  | 'inet'
  | 'macaddr';

/** One frame of a kernel or user stack as the Symbolizer resolved it. */
export interface StackFrame {
  readonly addr: bigint;
  /** Symbol name without offset; null when unknown (printed as the address). */
  readonly sym: string | null;
  /** Offset of `addr` from the symbol start (printed as `sym+offset`). */
  readonly offset: number;
  /** User stacks in perf mode print `(module)`; null prints `([unknown])`. */
  readonly module: string | null;
}

export type Value =
  | { readonly t: 'none' }
  /** An integer of a C type: `v` is already sign-interpreted (int64 -1 is -1n). */
  | { readonly t: 'int'; readonly v: bigint; readonly bits: IntBits; readonly signed: boolean }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'str'; readonly s: string }
  /** buf(): the `len` valid bytes only. */
  | { readonly t: 'buf'; readonly bytes: Uint8Array }
  | { readonly t: 'tuple'; readonly elems: readonly Value[] }
  | { readonly t: 'array'; readonly elems: readonly Value[] }
  | { readonly t: 'ptr'; readonly addr: bigint }
  /** A struct by value: the layout of its fields is not in Ty, so we keep the bytes. */
  | { readonly t: 'record'; readonly name: string; readonly bytes: Uint8Array }
  /** Anything printed as text that user space resolved (ksym, usym, username, ntop ...). */
  | { readonly t: 'sym'; readonly kind: SymKind; readonly s: string }
  | {
      readonly t: 'stack';
      readonly user: boolean;
      readonly mode: StackMode;
      /** Empty when the stack could not be read (bpftrace prints nothing then). */
      readonly frames: readonly StackFrame[];
    }
  /** strftime(): nanoseconds since the Unix epoch and the format to print them with. */
  | { readonly t: 'timestamp'; readonly ns: bigint; readonly fmt: string }
  // ---- aggregations (merged over CPUs)
  | { readonly t: 'count'; readonly v: bigint }
  | { readonly t: 'sum'; readonly v: bigint; readonly signed: boolean }
  | { readonly t: 'min' | 'max'; readonly v: bigint; readonly seen: boolean; readonly signed: boolean }
  | { readonly t: 'avg' | 'stats'; readonly sum: bigint; readonly count: bigint; readonly signed: boolean }
  /** Every bucket of the layout of histBuckets(bits) (see src/types/ty.ts). */
  | { readonly t: 'hist'; readonly bits: number; readonly buckets: readonly bigint[] }
  /** Every bucket of the layout of lhistBuckets(min, max, step). */
  | {
      readonly t: 'lhist';
      readonly min: number;
      readonly max: number;
      readonly step: number;
      readonly buckets: readonly bigint[];
    };

export type ValueOf<T extends Value['t']> = Extract<Value, { readonly t: T }>;

/** One dumped map: what `print(@m)` and the at-exit printing print. */
export interface MapEntry {
  /** null for a scalar map (`@x`); a tuple Value for a multi-key map (`@x[a, b]`). */
  readonly key: Value | null;
  readonly value: Value;
}

export interface MapData {
  /** The script name with '@' ('@' alone for the anonymous map). */
  readonly name: string;
  /** null for a scalar map; a 'tuple' Ty is a multi-key map (bpftrace has no tuple keys). */
  readonly key: Ty | null;
  readonly value: Ty;
  readonly entries: readonly MapEntry[];
}

// ---------------------------------------------------------------- symbolizer

/**
 * What decode needs from the running system. Implemented by the runtime
 * (src/runtime/symbols/*); tests use a fake. Every method is synchronous and must not
 * throw for unknown input: it returns null (ksym/usym: printed as the address), an empty
 * list (stacks: printed as nothing) or a fallback text.
 */
export interface Symbolizer {
  /** Kernel symbol name containing `addr`, without offset. */
  ksym(addr: bigint): string | null;
  /** Symbol name of `addr` in process `pid`, without offset. */
  usym(addr: bigint, pid: number): string | null;
  /** Function name of an attach point (manifest attachNames[cookie].func). */
  func(cookie: number): string;
  /** Full probe name of an attach point (manifest attachNames[cookie].probe). */
  probe(cookie: number): string;
  /** User name of `uid` (bpftrace prints '' when /etc/passwd does not know it). */
  username(uid: number): string;
  /** Frames of kernel stack `id` (at most `depth`); `mode` 'raw' needs no symbols. */
  kstack(id: number, depth: number, mode: StackMode): readonly StackFrame[];
  ustack(id: number, pid: number, depth: number, mode: StackMode): readonly StackFrame[];
  /** cgroup path of cgroup id `id`, e.g. 'unified:/user.slice'. */
  cgroupPath(id: bigint): string;
  /** strerror(3) text, e.g. 'No such file or directory'. */
  strerror(errno: number): string;
  /**
   * Nanoseconds to add to a kernel timestamp (as strftime's generated code records it)
   * to get nanoseconds since the Unix epoch. Absent: the kernel value already is one.
   */
  epochOffsetNs?(): bigint;
}

// ---------------------------------------------------------------- constructors

export function intValue(v: bigint | number, bits: IntBits = 64, signed = true): ValueOf<'int'> {
  return { t: 'int', v: BigInt(v), bits, signed };
}

export function strValue(s: string): ValueOf<'str'> {
  return { t: 'str', s };
}

export function tupleValue(elems: readonly Value[]): ValueOf<'tuple'> {
  return { t: 'tuple', elems };
}

export function symValue(kind: SymKind, s: string): ValueOf<'sym'> {
  return { t: 'sym', kind, s };
}

export const NONE: Value = { t: 'none' };

// ---------------------------------------------------------------- aggregates

/** avg()/stats() average: C integer division (truncating), 0 for no samples. */
export function average(v: ValueOf<'avg' | 'stats'>): bigint {
  return v.count === 0n ? 0n : v.sum / v.count;
}

/** Sum of all buckets of a hist/lhist value (bpftrace sorts hist maps by it). */
export function totalCount(v: ValueOf<'hist' | 'lhist'>): bigint {
  let n = 0n;
  for (const b of v.buckets) n += b;
  return n;
}

// ---------------------------------------------------------------- ordering

/**
 * The number bpftrace sorts a map entry by, or null for value kinds it sorts by key:
 * ints and count/sum/min/max by value, avg/stats by average, hist/lhist by the total
 * count of their buckets.
 */
export function sortValueOf(v: Value): bigint | null {
  switch (v.t) {
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return v.v;
    case 'bool':
      return v.v ? 1n : 0n;
    case 'avg':
    case 'stats':
      return average(v);
    case 'hist':
    case 'lhist':
      return totalCount(v);
    default:
      return null;
  }
}

const KIND_RANK: Record<Value['t'], number> = {
  none: 0,
  bool: 1,
  int: 2,
  ptr: 3,
  str: 4,
  sym: 5,
  buf: 6,
  record: 7,
  tuple: 8,
  array: 9,
  stack: 10,
  timestamp: 11,
  count: 12,
  sum: 13,
  min: 14,
  max: 15,
  avg: 16,
  stats: 17,
  hist: 18,
  lhist: 19,
};

const U64_MASK = (1n << 64n) - 1n;

/** A bigint as a number when that is exact (mixed number/bigint comparisons stay correct). */
function fast(v: bigint | null): number | bigint | null {
  if (v === null) return null;
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Compare two strings by their output bytes (C strcmp on the original bytes). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Below 0x80 a code unit is its byte; beyond that UTF-16 order is not byte order.
    if (ca < 0x80 && cb < 0x80) return ca - cb;
    const from = i > 0 && isHighSurrogate(a.charCodeAt(i - 1)) ? i - 1 : i;
    return cmpBytes(encodeOutput(a.slice(from)), encodeOutput(b.slice(from)));
  }
  return a.length - b.length;
}

/**
 * A total order on key values, used to sort entries that bpftrace sorts by key and to
 * break ties (bpftrace leaves those to hash order; we want deterministic output).
 * Integers compare as unsigned 64-bit numbers, strings by bytes, tuples element by
 * element: exactly bpftrace 0.17's sort of string/tuple-valued maps (`sort_by_key`).
 */
export function compareValues(a: Value | null, b: Value | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a.t !== b.t) return KIND_RANK[a.t] - KIND_RANK[b.t];
  switch (a.t) {
    case 'none':
      return 0;
    case 'int':
      return cmpBig(a.v & U64_MASK, (b as typeof a).v & U64_MASK);
    case 'bool':
      return Number(a.v) - Number((b as typeof a).v);
    case 'str':
    case 'sym':
      return compareStrings(a.s, (b as typeof a).s);
    case 'buf':
    case 'record':
      return cmpBytes(a.bytes, (b as typeof a).bytes);
    case 'ptr':
      return cmpBig(a.addr, (b as typeof a).addr);
    case 'tuple':
    case 'array': {
      const bb = b as typeof a;
      const n = Math.min(a.elems.length, bb.elems.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(a.elems[i]!, bb.elems[i]!);
        if (c !== 0) return c;
      }
      return a.elems.length - bb.elems.length;
    }
    case 'stack': {
      const bb = b as typeof a;
      const n = Math.min(a.frames.length, bb.frames.length);
      for (let i = 0; i < n; i++) {
        const c = cmpBig(a.frames[i]!.addr, bb.frames[i]!.addr);
        if (c !== 0) return c;
      }
      return a.frames.length - bb.frames.length;
    }
    case 'timestamp':
      return cmpBig(a.ns, (b as typeof a).ns);
    default: {
      const c = cmpBig(sortValueOf(a) ?? 0n, sortValueOf(b) ?? 0n);
      return c;
    }
  }
}

/**
 * Entries of `map` in bpftrace's print order, ascending: by value for ints and
 * aggregations (ties by key), by key for everything else. `top` keeps the last N.
 */
export function orderEntries(map: MapData, top = 0): readonly MapEntry[] {
  // Sort keys computed once per entry, as plain numbers where they fit (comparing
  // BigInts in a 100k-entry sort costs hundreds of milliseconds).
  const keyed = map.entries.map((e) => ({ e, s: fast(sortValueOf(e.value)), k: e.key && e.key.t === 'int' ? fast(e.key.v & U64_MASK) : null }));
  keyed.sort((x, y) => {
    if (x.s !== null && y.s !== null) {
      if (x.s < y.s) return -1;
      if (x.s > y.s) return 1;
    }
    if (x.k !== null && y.k !== null) return x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
    return compareValues(x.e.key, y.e.key);
  });
  const out = keyed.map((k) => k.e);
  return top > 0 && out.length > top ? out.slice(out.length - top) : out;
}

// ---------------------------------------------------------------- bytes <-> strings

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** True for the code units that stand for one raw byte (see the header comment). */
function isEscapedByte(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHighSurrogate(s.charCodeAt(i - 1)));
}

const ESCAPED_BYTE = /[\udc80-\udcff]/;

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Kernel bytes [start, end) -> string (UTF-8; invalid bytes become U+DC80..U+DCFF). */
export function decodeBytes(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const b = asBuffer(bytes);
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return b.toString('latin1', start, end);
  const s = b.toString('utf8', start, end);
  // U+FFFD means Node replaced something, or the text really holds U+FFFD: decode slowly.
  return s.includes('\ufffd') ? decodeUtf8Escaping(b, start, end) : s;
}

function decodeUtf8Escaping(b: Buffer, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const c = b[i]!;
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    }
    let ok = need > 0 && i + need < end;
    for (let k = 1; ok && k <= need; k++) {
      const cc = b[i + k]!;
      if ((cc & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + c);
      i++;
    }
  }
  return out;
}

/** A formatted string -> the bytes to write (inverse of decodeBytes for kernel text). */
export function encodeOutput(s: string): Buffer {
  if (!ESCAPED_BYTE.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    if (!isEscapedByte(s, i)) continue;
    if (i > last) parts.push(Buffer.from(s.slice(last, i), 'utf8'));
    parts.push(Buffer.from([s.charCodeAt(i) - 0xdc00]));
    last = i + 1;
  }
  if (last < s.length) parts.push(Buffer.from(s.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** Number of bytes `s` is written as (C's strlen, which printf widths count). */
export function byteLength(s: string): number {
  return ESCAPED_BYTE.test(s) ? encodeOutput(s).length : Buffer.byteLength(s, 'utf8');
}

/** Address text as bpftrace prints an unresolved one: C++ `<< (void *)addr`. */
export function hexAddr(addr: bigint): string {
  return addr === 0n ? '0' : `0x${(addr & U64_MASK).toString(16)}`;
}
