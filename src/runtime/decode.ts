// Decoding kernel bytes into Values. Input: a Ty (the layout, from src/types/ty.ts, which
// is THE layout shared with codegen), little-endian bytes at an offset, and a Symbolizer
// for everything that needs the running system (symbols, stacks, user names). Output:
// Values (./value.ts). Per-CPU aggregation slots are merged here (mergePerCpu), and a
// loader MAP frame body becomes MapData (decodeMapDump).
// Must not: format output, or hold on to the caller's buffer (bytes are copied).

import type { MapManifest } from '../codegen/manifest.js';
import { alignUp, histBuckets, lhistBuckets, sizeOf, tupleLayout, type Ty } from '../types/ty.js';
import {
  NONE,
  decodeBytes,
  hexAddr,
  symValue,
  type MapData,
  type MapEntry,
  type Symbolizer,
  type Value,
} from './value.js';

const AF_INET = 2;
const AF_INET6 = 10;

/** strftime() format used when the type carries none (it always should). */
const FALLBACK_STRFTIME = '%H:%M:%S';

function view(b: Buffer | Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function u64(b: Buffer, off: number): bigint {
  return b.readBigUInt64LE(off);
}

function s64(b: Buffer, off: number): bigint {
  return b.readBigInt64LE(off);
}

/** A plain Uint8Array copy, so a Value never pins the (large) frame buffer. */
function copyBytes(b: Buffer, start: number, end: number): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}

function readInt(b: Buffer, off: number, bits: 8 | 16 | 32 | 64, signed: boolean): bigint {
  switch (bits) {
    case 8:
      return BigInt(signed ? b.readInt8(off) : b.readUInt8(off));
    case 16:
      return BigInt(signed ? b.readInt16LE(off) : b.readUInt16LE(off));
    case 32:
      return BigInt(signed ? b.readInt32LE(off) : b.readUInt32LE(off));
    case 64:
      return signed ? s64(b, off) : u64(b, off);
  }
}

/** A NUL-terminated string within `size` bytes. */
function readCString(b: Buffer, off: number, size: number): string {
  const end = Math.min(off + size, b.length);
  // Search only this field: a full string has no NUL and the buffer may be a large dump.
  let nul = off;
  let high = 0;
  while (nul < end) {
    const c = b[nul]!;
    if (c === 0) break;
    high |= c;
    nul++;
  }
  return high < 0x80 ? b.toString('latin1', off, nul) : decodeBytes(b, off, nul);
}

/** The strftime format of a timestamp type (analyze sets it from strftime's argument). */
function timestampFormat(ty: Extract<Ty, { k: 'timestamp' }>): string {
  return ty.fmt ?? FALLBACK_STRFTIME;
}

/** Decode one value of type `ty` stored at `offset` (aggregations: ONE CPU's slot). */
export function decodeValue(ty: Ty, buf: Buffer | Uint8Array, offset: number, sym: Symbolizer): Value {
  return decoderFor(ty)(view(buf), offset, sym);
}

type Decoder = (b: Buffer, off: number, sym: Symbolizer) => Value;

// Events are decoded by the hundred thousand per second with the same few types (the
// manifest's objects), so each type is compiled once into a closure that knows its
// layout: no tuple layout or bucket count is recomputed per event.
const DECODERS = new WeakMap<Ty, Decoder>();

function decoderFor(ty: Ty): Decoder {
  let d = DECODERS.get(ty);
  if (!d) {
    d = compile(ty);
    DECODERS.set(ty, d);
  }
  return d;
}

function compile(ty: Ty): Decoder {
  switch (ty.k) {
    case 'void':
      return () => NONE;
    case 'int': {
      const { bits, signed } = ty;
      return (b, o) => ({ t: 'int', v: readInt(b, o, bits, signed), bits, signed });
    }
    case 'bool':
      return (b, o) => ({ t: 'bool', v: b[o] !== 0 });
    case 'str': {
      const size = ty.size;
      return (b, o) => ({ t: 'str', s: readCString(b, o, size) });
    }
    case 'buf': {
      const size = ty.size;
      return (b, o) => {
        const len = Math.min(b.readUInt32LE(o), size);
        return { t: 'buf', bytes: copyBytes(b, o + 4, o + 4 + len) };
      };
    }
    case 'tuple': {
      const offsets = tupleLayout(ty.elems).offsets;
      const elems = ty.elems.map(decoderFor);
      return (b, o, sym) => {
        const out = new Array<Value>(elems.length);
        for (let i = 0; i < elems.length; i++) out[i] = elems[i]!(b, o + offsets[i]!, sym);
        return { t: 'tuple', elems: out };
      };
    }
    case 'array': {
      const step = sizeOf(ty.elem);
      const elem = decoderFor(ty.elem);
      const len = ty.len;
      return (b, o, sym) => {
        const out = new Array<Value>(len);
        for (let i = 0; i < len; i++) out[i] = elem(b, o + i * step, sym);
        return { t: 'array', elems: out };
      };
    }
    case 'ptr':
      return (b, o) => ({ t: 'ptr', addr: u64(b, o) });
    case 'record': {
      const { name, size } = ty;
      return (b, o) => ({ t: 'record', name, bytes: copyBytes(b, o, o + size) });
    }
    case 'ksym':
      return (b, o, sym) => {
        const addr = u64(b, o);
        return symValue('ksym', sym.ksym(addr) ?? hexAddr(addr));
      };
    case 'usym':
      return (b, o, sym) => {
        const addr = u64(b, o);
        return symValue('usym', sym.usym(addr, Number(u64(b, o + 8))) ?? hexAddr(addr));
      };
    case 'kaddr':
      return (b, o) => ({ t: 'int', v: u64(b, o), bits: 64, signed: false });
    case 'func':
      return (b, o, sym) => symValue('func', sym.func(Number(u64(b, o))));
    case 'probe':
      return (b, o, sym) => symValue('probe', sym.probe(Number(u64(b, o))));
    case 'username':
      return (b, o, sym) => symValue('username', sym.username(Number(u64(b, o))));
    case 'kstack': {
      const { depth, mode } = ty;
      return (b, o, sym) => {
        const id = s64(b, o);
        const frames = id < 0n ? [] : sym.kstack(Number(id), depth, mode);
        return { t: 'stack', user: false, mode, frames };
      };
    }
    case 'ustack': {
      const { depth, mode } = ty;
      return (b, o, sym) => {
        const id = s64(b, o);
        const pid = Number(u64(b, o + 8));
        const frames = id < 0n ? [] : sym.ustack(Number(id), pid, depth, mode);
        return { t: 'stack', user: true, mode, frames };
      };
    }
    case 'inet':
      return (b, o) => symValue('inet', ntop(b.readUInt32LE(o), b.subarray(o + 4, o + 20)));
    case 'macaddr':
      return (b, o) => symValue('macaddr', macAddress(b.subarray(o, o + 6)));
    case 'timestamp': {
      const fmt = timestampFormat(ty);
      return (b, o, sym) => ({ t: 'timestamp', ns: u64(b, o) + (sym.epochOffsetNs?.() ?? 0n), fmt });
    }
    case 'cgroup_path':
      return (b, o, sym) => symValue('cgroup_path', sym.cgroupPath(u64(b, o)));
    case 'strerror':
      return (b, o, sym) => symValue('strerror', sym.strerror(Number(s64(b, o))));
    case 'joined': {
      // join(): fixed-size string slots; the first empty one ends the list.
      const { args, argLen, sep } = ty;
      return (b, o) => {
        const parts: string[] = [];
        for (let i = 0; i < args; i++) {
          const at = o + i * argLen;
          if (b[at] === 0) break;
          parts.push(readCString(b, at, argLen));
        }
        return { t: 'str', s: parts.join(sep) };
      };
    }
    case 'count':
      return (b, o) => ({ t: 'count', v: u64(b, o) });
    case 'sum': {
      const signed = ty.signed;
      return (b, o) => ({ t: 'sum', v: signed ? s64(b, o) : u64(b, o), signed });
    }
    case 'min':
    case 'max': {
      const { k, signed } = ty;
      return (b, o) => ({ t: k, v: signed ? s64(b, o) : u64(b, o), seen: u64(b, o + 8) !== 0n, signed });
    }
    case 'avg':
    case 'stats': {
      const { k, signed } = ty;
      return (b, o) => ({ t: k, sum: signed ? s64(b, o) : u64(b, o), count: u64(b, o + 8), signed });
    }
    case 'hist': {
      const { bits } = ty;
      const n = histBuckets(bits);
      return (b, o) => ({ t: 'hist', bits, buckets: readBuckets(b, o, n) });
    }
    case 'lhist': {
      const { min, max, step } = ty;
      const n = lhistBuckets(min, max, step);
      return (b, o) => ({ t: 'lhist', min, max, step, buckets: readBuckets(b, o, n) });
    }
  }
}

function readBuckets(b: Buffer, offset: number, n: number): bigint[] {
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = u64(b, offset + 8 * i);
  return out;
}

/** The 64-bit wrap-around the kernel's arithmetic has. */
function wrap(v: bigint, signed: boolean): bigint {
  return signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v);
}

/**
 * Merge the per-CPU slots of one aggregation value (each CPU's slot is
 * round_up(sizeOf(ty), 8) bytes, CPU 0 first): count/sum add, min/max take the min/max of
 * the CPUs that saw a value, avg/stats add sums and counts, hist/lhist add bucket-wise,
 * plain integers add (like bpftrace). Anything else is taken from CPU 0.
 */
export function mergePerCpu(
  ty: Ty,
  buf: Buffer | Uint8Array,
  offset: number,
  ncpus: number,
  sym: Symbolizer,
): Value {
  const b = view(buf);
  const slot = alignUp(sizeOf(ty), 8);
  const at = (cpu: number): number => offset + cpu * slot;
  switch (ty.k) {
    case 'count': {
      let v = 0n;
      for (let c = 0; c < ncpus; c++) v += u64(b, at(c));
      return { t: 'count', v: wrap(v, false) };
    }
    case 'sum': {
      let v = 0n;
      for (let c = 0; c < ncpus; c++) v += ty.signed ? s64(b, at(c)) : u64(b, at(c));
      return { t: 'sum', v: wrap(v, ty.signed), signed: ty.signed };
    }
    case 'int': {
      let v = 0n;
      for (let c = 0; c < ncpus; c++) v += readInt(b, at(c), ty.bits, ty.signed);
      const w = ty.signed ? BigInt.asIntN(ty.bits, v) : BigInt.asUintN(ty.bits, v);
      return { t: 'int', v: w, bits: ty.bits, signed: ty.signed };
    }
    case 'min':
    case 'max': {
      let best: bigint | null = null;
      for (let c = 0; c < ncpus; c++) {
        if (u64(b, at(c) + 8) === 0n) continue;
        const v = ty.signed ? s64(b, at(c)) : u64(b, at(c));
        if (best === null || (ty.k === 'min' ? v < best : v > best)) best = v;
      }
      return { t: ty.k, v: best ?? 0n, seen: best !== null, signed: ty.signed };
    }
    case 'avg':
    case 'stats': {
      let sum = 0n;
      let count = 0n;
      for (let c = 0; c < ncpus; c++) {
        sum += ty.signed ? s64(b, at(c)) : u64(b, at(c));
        count += u64(b, at(c) + 8);
      }
      return { t: ty.k, sum: wrap(sum, ty.signed), count: wrap(count, false), signed: ty.signed };
    }
    case 'hist':
    case 'lhist': {
      const n = ty.k === 'hist' ? histBuckets(ty.bits) : lhistBuckets(ty.min, ty.max, ty.step);
      const buckets = new Array<bigint>(n).fill(0n);
      for (let c = 0; c < ncpus; c++) {
        for (let i = 0; i < n; i++) buckets[i]! += u64(b, at(c) + 8 * i);
      }
      for (let i = 0; i < n; i++) buckets[i] = wrap(buckets[i]!, false);
      return ty.k === 'hist'
        ? { t: 'hist', bits: ty.bits, buckets }
        : { t: 'lhist', min: ty.min, max: ty.max, step: ty.step, buckets };
    }
    default:
      return decodeValue(ty, b, offset, sym);
  }
}

/** Arguments of an event payload laid out as `ty` (a tuple: one Value per element). */
export function decodeArgs(ty: Ty, buf: Buffer | Uint8Array, offset: number, sym: Symbolizer): Value[] {
  if (ty.k === 'void') return [];
  const v = decodeValue(ty, buf, offset, sym);
  return v.t === 'tuple' && ty.k === 'tuple' ? (v.elems as Value[]) : [v];
}

/** The body of a loader MAP frame (docs/loader-protocol.md), after its 20-byte header. */
export interface MapDump {
  readonly keySize: number;
  /** Bytes per entry: for per-CPU maps ncpus * round_up(value size, 8). */
  readonly valueSize: number;
  readonly ncpus: number;
  readonly count: number;
  /** `count` times: keySize key bytes, then valueSize value bytes. */
  readonly body: Buffer | Uint8Array;
}

/** Every entry of a dumped map, decoded (and merged over CPUs for per-CPU maps). */
export function decodeMapDump(
  map: Pick<MapManifest, 'name' | 'key' | 'value' | 'percpu'>,
  dump: MapDump,
  sym: Symbolizer,
): MapData {
  const b = view(dump.body);
  const entries: MapEntry[] = [];
  const stride = dump.keySize + dump.valueSize;
  for (let i = 0; i < dump.count; i++) {
    const at = i * stride;
    const key = map.key === null ? null : decodeValue(map.key, b, at, sym);
    const value = map.percpu
      ? mergePerCpu(map.value, b, at + dump.keySize, dump.ncpus, sym)
      : decodeValue(map.value, b, at + dump.keySize, sym);
    entries.push({ key, value });
  }
  return { name: map.name, key: map.key, value: map.value, entries };
}

// ---------------------------------------------------------------- pure resolvers

/** inet_ntop(3) of an address family and up to 16 address bytes ('' for other families). */
export function ntop(af: number, addr: Uint8Array): string {
  if (af === AF_INET) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (af !== AF_INET6) return '';
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((addr[2 * i]! << 8) | addr[2 * i + 1]!);
  // The longest run (first on ties) of two or more zero words becomes '::' (glibc rules).
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses, as glibc.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
      break;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** macaddr(): six bytes as upper-case hex pairs, like bpftrace. */
export function macAddress(bytes: Uint8Array): string {
  const hex: string[] = [];
  for (let i = 0; i < 6; i++) hex.push((bytes[i] ?? 0).toString(16).toUpperCase().padStart(2, '0'));
  return hex.join(':');
}
