// USDT (SystemTap SDT) probes of an ELF file, from its `.note.stapsdt` notes. Each note
// holds the probe's pc, the link-time address of `.stapsdt.base`, the semaphore address
// (0 when none), then provider, name and the argument spec (`-4@%edi 8@-8(%rbp)`).
// A file whose .stapsdt.base moved since the notes were written (prelink) needs its pc
// and semaphore shifted by the difference. Input: a path; output: probes with their
// file offsets and per-argument size and signedness, so the compiler can type
// arg0..argN. libbpf does the attaching and the argument fetching (usdt.bpf.h).
// Must not: attach, or evaluate argument operands (only classify them).

import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { ElfFile, vaddrToOffset } from './elf.js';
import { SymbolError, fsError } from './errors.js';
import { matchGlob } from './glob.js';

const NT_STAPSDT = 3;

export interface UsdtArg {
  /** Bytes: 1, 2, 4 or 8. */
  readonly size: number;
  readonly signed: boolean;
  /** A floating-point argument (`8f@%xmm0`, newer sdt.h). */
  readonly float: boolean;
  /** The operand as written: `%edi`, `-8(%rbp)`, `$5`. */
  readonly operand: string;
  readonly kind: 'reg' | 'const' | 'mem' | 'other';
  /** Register name without `%` (reg), or the base register (mem). */
  readonly reg?: string;
  /** Displacement (mem) or value (const), when numeric. */
  readonly value?: number;
}

export interface UsdtProbe {
  readonly provider: string;
  readonly name: string;
  /** Virtual address of the probe site, prelink-adjusted. */
  readonly pc: number;
  /** File offset of the probe site. */
  readonly fileOffset: number;
  /** The `.stapsdt.base` address recorded in the note. */
  readonly base: number;
  /** Virtual address of the semaphore (prelink-adjusted), 0 when the probe has none. */
  readonly semaphore: number;
  /** File offset of the semaphore (what the kernel's ref_ctr_offset wants), or null. */
  readonly semaphoreOffset: number | null;
  readonly args: readonly UsdtArg[];
  readonly argCount: number;
  /** The argument spec string as stored. */
  readonly argsText: string;
}

/** A probe (provider + name) with every location it has (inlined probes have several). */
export interface UsdtProbeGroup {
  readonly provider: string;
  readonly name: string;
  readonly locations: readonly UsdtProbe[];
  /** Arguments of the first location (sizes agree across locations unless `argsDiffer`). */
  readonly args: readonly UsdtArg[];
  readonly argCount: number;
  /** Locations disagree on argument count, size or sign; `args` holds the widest. */
  readonly argsDiffer: boolean;
}

/** Parse one argument spec: `-4@%edi`, `8@-8(%rbp)`, `4@$5`, `8f@%xmm0`. */
export function parseUsdtArg(text: string): UsdtArg {
  const m = /^(-?)(\d+)(f?)@(.*)$/.exec(text);
  // Specs without a size (very old sdt.h) are taken as 8-byte unsigned, as libbpf's peers do.
  const signed = m ? m[1] === '-' : false;
  const size = m ? Number(m[2]) : 8;
  const float = m ? m[3] === 'f' : false;
  const operand = m ? m[4]! : text;
  let r: RegExpExecArray | null;
  if ((r = /^%([a-z0-9]+)$/i.exec(operand))) return { size, signed, float, operand, kind: 'reg', reg: r[1]! };
  if ((r = /^\$(-?(?:0x[0-9a-f]+|\d+))$/i.exec(operand))) {
    const v = r[1]!;
    const value = v.startsWith('-') ? -Number(BigInt(v.slice(1))) : Number(BigInt(v));
    return { size, signed, float, operand, kind: 'const', value };
  }
  if ((r = /^(-?(?:0x[0-9a-f]+|\d+))?\(%([a-z0-9]+)\)$/i.exec(operand))) {
    const d = r[1];
    const value = d === undefined ? 0 : d.startsWith('-') ? -Number(BigInt(d.slice(1))) : Number(BigInt(d));
    return { size, signed, float, operand, kind: 'mem', reg: r[2]!, value };
  }
  return { size, signed, float, operand, kind: 'other' };
}

export function parseUsdtArgs(text: string): UsdtArg[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/).map(parseUsdtArg);
}

interface CacheEntry {
  readonly stamp: string;
  readonly probes: readonly UsdtProbe[];
}
const CACHE = new Map<string, CacheEntry>();

/** Every USDT probe location of a file, in note order (cached by path + inode + mtime). */
export function usdtProbes(path: string): readonly UsdtProbe[] {
  const key = resolvePath(path);
  let stamp: string;
  try {
    const st = statSync(key);
    if (!st.isFile()) throw new SymbolError('not-regular', path, 'not a regular file');
    stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    if (err instanceof SymbolError) throw err;
    throw fsError(path, err);
  }
  const hit = CACHE.get(key);
  if (hit && hit.stamp === stamp) return hit.probes;
  const probes = readProbes(key);
  CACHE.set(key, { stamp, probes });
  return probes;
}

function readProbes(path: string): UsdtProbe[] {
  const elf = ElfFile.open(path);
  try {
    const segments = elf.loadSegments();
    const baseSec = elf.section('.stapsdt.base');
    const out: UsdtProbe[] = [];
    for (const n of elf.notes('.note.stapsdt')) {
      if (n.name !== 'stapsdt' || n.type !== NT_STAPSDT || n.desc.length < 24) continue;
      const d = n.desc;
      const rd = (o: number) => d.readUInt32LE(o) + d.readUInt32LE(o + 4) * 0x1_0000_0000;
      let pc = rd(0);
      const base = rd(8);
      let semaphore = rd(16);
      if (baseSec && base !== 0 && baseSec.addr !== base) {
        const delta = baseSec.addr - base;
        pc += delta;
        if (semaphore !== 0) semaphore += delta;
      }
      const strs: string[] = [];
      let o = 24;
      for (let k = 0; k < 3; k++) {
        let end = d.indexOf(0, o);
        if (end < 0) end = d.length;
        strs.push(d.toString('utf8', o, end));
        o = end + 1;
      }
      const [provider, name, argsText] = strs as [string, string, string];
      const fileOffset = vaddrToOffset(segments, pc);
      if (fileOffset === null) continue; // not in the file: cannot be attached
      const args = parseUsdtArgs(argsText);
      out.push({
        provider,
        name,
        pc,
        fileOffset,
        base,
        semaphore,
        semaphoreOffset: semaphore !== 0 ? vaddrToOffset(segments, semaphore) : null,
        args,
        argCount: args.length,
        argsText,
      });
    }
    return out;
  } finally {
    elf.close();
  }
}

/**
 * Probes matching `provider:name` patterns (provider null = any provider, as in
 * `usdt:PATH:NAME`), grouped by provider and name, in byte order of `provider:name`.
 */
export function matchUsdt(path: string, provider: string | null, name: string): UsdtProbeGroup[] {
  const groups = new Map<string, UsdtProbe[]>();
  for (const p of usdtProbes(path)) {
    if (provider !== null && !matchGlob(provider, p.provider)) continue;
    if (!matchGlob(name, p.name)) continue;
    const k = `${p.provider}:${p.name}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  return [...groups.keys()].sort(byteCompare).map((k) => makeGroup(groups.get(k)!));
}

function makeGroup(locations: UsdtProbe[]): UsdtProbeGroup {
  const first = locations[0]!;
  let differ = false;
  const args: UsdtArg[] = [...first.args];
  for (const l of locations.slice(1)) {
    if (l.args.length !== args.length) differ = true;
    for (let i = 0; i < l.args.length; i++) {
      const a = l.args[i]!;
      const cur = args[i];
      if (!cur) {
        args.push(a);
        continue;
      }
      if (a.size !== cur.size || a.signed !== cur.signed) {
        differ = true;
        if (a.size > cur.size) args[i] = a;
      }
    }
  }
  return { provider: first.provider, name: first.name, locations, args, argCount: args.length, argsDiffer: differ };
}

/**
 * Resolve one probe for attaching: `provider` may be null (`usdt:PATH:NAME`); throws
 * SymbolError('no-usdt') when nothing matches. With wildcards use matchUsdt.
 */
export function findUsdt(path: string, provider: string | null, name: string): UsdtProbeGroup {
  const found = matchUsdt(path, provider, name);
  if (found.length === 0) {
    const what = provider === null ? name : `${provider}:${name}`;
    throw new SymbolError('no-usdt', path, `usdt probe ${what} not found`);
  }
  return found[0]!;
}

/**
 * `bpftrace -l 'usdt:PATH:PATTERN'` lines: `usdt:<display>:<provider>:<name>`, one per
 * distinct probe, in byte order. PATTERN is `provider:name`, or `name` (any provider).
 */
export function listUsdt(path: string, pattern: string, opts: { readonly display?: string } = {}): string[] {
  const display = opts.display ?? path;
  const i = pattern.indexOf(':');
  const provider = i >= 0 ? pattern.slice(0, i) : null;
  const name = i >= 0 ? pattern.slice(i + 1) : pattern;
  return matchUsdt(path, provider, name === '' ? '*' : name).map((g) => `usdt:${display}:${g.provider}:${g.name}`);
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
