// From loader frames to Values: the arguments of one ring-buffer record (after its
// 8-byte header) and the entries of a dumped map (per-CPU slots merged), using the
// layouts of src/types/ty.ts through decode.ts. Entries of a keyless per-CPU array that
// were never written (all zero) are dropped, as bpftrace never prints unset maps.

import type { EventManifest, Manifest, MapManifest } from '../codegen/manifest.js';
import { tupleLayout } from '../types/ty.js';
import { decodeValue, mergePerCpu } from './decode.js';
import type { MapDump } from './loader.js';
import { type MapData, type MapEntry, type Symbolizer, type Value } from './value.js';

export interface DecodeEnv {
  readonly manifest: Manifest;
  readonly sym: Symbolizer;
  /** Keyless maps zero()ed since their last clear(): printed even when all zero. */
  readonly zeroed: ReadonlySet<string>;
}

const HEADER = 8;

export function decodeRecordArgs(ev: EventManifest, rec: Buffer, env: DecodeEnv): Value[] {
  const elems = ev.args.k === 'tuple' ? ev.args.elems : [];
  const layout = tupleLayout(elems);
  return elems.map((t, i) => decodeValue(t, rec, HEADER + layout.offsets[i]!, env.sym));
}

function isUnset(v: Value): boolean {
  switch (v.t) {
    case 'count':
    case 'sum':
      return v.v === 0n;
    case 'min':
    case 'max':
      return !v.seen;
    case 'avg':
    case 'stats':
      return v.count === 0n;
    case 'hist':
    case 'lhist':
      return v.buckets.every((b) => b === 0n);
    default:
      return false;
  }
}

export function decodeMap(mm: MapManifest, dump: MapDump, env: DecodeEnv): MapData {
  const entries: MapEntry[] = [];
  for (const e of dump.entries) {
    const key = mm.key ? decodeValue(mm.key, e.key, 0, env.sym) : null;
    const value = mm.percpu ? mergePerCpu(mm.value, e.value, 0, dump.ncpus, env.sym) : decodeValue(mm.value, e.value, 0, env.sym);
    // A keyless aggregation lives in an array slot that always exists: print it when it
    // was written, zero()ed, or is a count (bpftrace prints `@c: 0` for a count that
    // never fired, and nothing for the other kinds).
    if (mm.mapType === 'percpu_array' && isUnset(value) && mm.value.k !== 'count' && !env.zeroed.has(mm.name)) continue;
    entries.push({ key, value });
  }
  return { name: mm.name, key: mm.key, value: mm.value, entries };
}
