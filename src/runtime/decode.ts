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
  let nul = b.indexOf(0, off);
  if (nul < 0 || nul > end) nul = end;
  return decodeBytes(b, off, nul);
}

/** The strftime format of a timestamp type. ty.ts does not (yet) carry one: see docs. */
function timestampFormat(ty: Extract<Ty, { k: 'timestamp' }>): string {
  const fmt = (ty as { readonly fmt?: unknown }).fmt;
  return typeof fmt === 'string' ? fmt : FALLBACK_STRFTIME;
}

/** Decode one value of type `ty` stored at `offset` (aggregations: ONE CPU's slot). */
export function decodeValue(ty: Ty, buf: Buffer | Uint8Array, offset: number, sym: Symbolizer): Value {
  const b = view(buf);
  switch (ty.k) {
    case 'void':
      return NONE;
    case 'int':
      return { t: 'int', v: readInt(b, offset, ty.bits, ty.signed), bits: ty.bits, signed: ty.signed };
    case 'bool':
      return { t: 'bool', v: b[offset] !== 0 };
    case 'str':
      return { t: 'str', s: readCString(b, offset, ty.size) };
    case 'buf': {
      const len = Math.min(b.readUInt32LE(offset), ty.size);
      return { t: 'buf', bytes: copyBytes(b, offset + 4, offset + 4 + len) };
    }
    case 'tuple': {
      const layout = tupleLayout(ty.elems);
      return { t: 'tuple', elems: ty.elems.map((e, i) => decodeValue(e, b, offset + layout.offsets[i]!, sym)) };
    }
    case 'array': {
      const step = sizeOf(ty.elem);
      const elems: Value[] = [];
      for (let i = 0; i < ty.len; i++) elems.push(decodeValue(ty.elem, b, offset + i * step, sym));
      return { t: 'array', elems };
    }
    case 'ptr':
      return { t: 'ptr', addr: u64(b, offset) };
    case 'record':
      return { t: 'record', name: ty.name, bytes: copyBytes(b, offset, offset + ty.size) };
    case 'ksym': {
      const addr = u64(b, offset);
      return symValue('ksym', sym.ksym(addr) ?? hexAddr(addr));
    }
    case 'usym': {
      const addr = u64(b, offset);
      return symValue('usym', sym.usym(addr, Number(u64(b, offset + 8))) ?? hexAddr(addr));
    }
    case 'kaddr':
      return { t: 'int', v: u64(b, offset), bits: 64, signed: false };
    case 'func':
      return symValue('func', sym.func(Number(u64(b, offset))));
    case 'probe':
      return symValue('probe', sym.probe(Number(u64(b, offset))));
    case 'username':
      return symValue('username', sym.username(Number(u64(b, offset))));
    case 'kstack': {
      const id = s64(b, offset);
      const frames = id < 0n ? [] : sym.kstack(Number(id), ty.depth, ty.mode);
      return { t: 'stack', user: false, mode: ty.mode, frames };
    }
    case 'ustack': {
      const id = s64(b, offset);
      const pid = Number(u64(b, offset + 8));
      const frames = id < 0n ? [] : sym.ustack(Number(id), pid, ty.depth, ty.mode);
      return { t: 'stack', user: true, mode: ty.mode, frames };
    }
    case 'inet':
      return symValue('inet', ntop(b.readUInt32LE(offset), b.subarray(offset + 4, offset + 20)));
    case 'macaddr':
      return symValue('macaddr', macAddress(b.subarray(offset, offset + 6)));
    case 'timestamp': {
      const ns = u64(b, offset) + (sym.epochOffsetNs?.() ?? 0n);
      return { t: 'timestamp', ns, fmt: timestampFormat(ty) };
    }
    case 'cgroup_path':
      return symValue('cgroup_path', sym.cgroupPath(u64(b, offset)));
    case 'strerror':
      return symValue('strerror', sym.strerror(Number(s64(b, offset))));
    case 'joined': {
      // join(): fixed-size string slots; the first empty one ends the list.
      const parts: string[] = [];
      for (let i = 0; i < ty.args; i++) {
        const at = offset + i * ty.argLen;
        if (b[at] === 0) break;
        parts.push(readCString(b, at, ty.argLen));
      }
      return { t: 'str', s: parts.join(ty.sep) };
    }
    case 'count':
      return { t: 'count', v: u64(b, offset) };
    case 'sum':
      return { t: 'sum', v: ty.signed ? s64(b, offset) : u64(b, offset), signed: ty.signed };
    case 'min':
    case 'max':
      return {
        t: ty.k,
        v: ty.signed ? s64(b, offset) : u64(b, offset),
        seen: u64(b, offset + 8) !== 0n,
        signed: ty.signed,
      };
    case 'avg':
    case 'stats':
      return {
        t: ty.k,
        sum: ty.signed ? s64(b, offset) : u64(b, offset),
        count: u64(b, offset + 8),
        signed: ty.signed,
      };
    case 'hist':
      return { t: 'hist', bits: ty.bits, buckets: readBuckets(b, offset, histBuckets(ty.bits)) };
    case 'lhist':
      return {
        t: 'lhist',
        min: ty.min,
        max: ty.max,
        step: ty.step,
        buckets: readBuckets(b, offset, lhistBuckets(ty.min, ty.max, ty.step)),
      };
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
  return v.t === 'tuple' && ty.k === 'tuple' ? [...v.elems] : [v];
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
