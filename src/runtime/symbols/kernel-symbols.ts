// Kernel symbolization for ksym() and kstack, from /proc/kallsyms, loaded lazily on the
// first lookup (only scripts that print a kernel symbol pay for it: the kernel takes
// 50-100 ms to generate the 5 MB text, parsing ~30 ms) and kept sorted. Parsing works on the bytes and
// decodes a name only when it is printed. Output like bpftrace 0.17: ksym -> `name`, a kstack frame -> `name+off`
// (decimal offset), unknown -> `0x<hex>`.
// Rules: symbols in the lower (user) half of the address space are dropped (per-CPU
// offsets and absolute symbols would otherwise "resolve" user addresses); among aliases
// at one address the first of T, t, W, w, then any other type, in kallsyms order, wins
// (kallsyms lists `srso_alias_untrain_ret`, `_stext`, `_text` at one address; we print
// the first). Kernel addresses do not fit a JS number: pass bigints (numbers are
// accepted but are only exact below 2^53). Must not: load before a lookup is needed.

import { readFileSync } from 'node:fs';

export interface KernelSymbol {
  readonly name: string;
  /** Bytes from the symbol's start. */
  readonly offset: number;
  /** The module, from kallsyms' `[module]` column (bpf programs show `bpf`). */
  readonly module: string | null;
}

/**
 * kallsyms as columns: one row per distinct address, sorted; names and modules stay in
 * the raw bytes until asked for (122k symbols, most never printed).
 */
export class KallsymsTable {
  constructor(
    private readonly raw: Buffer,
    readonly count: number,
    readonly hi: Uint32Array,
    readonly lo: Uint32Array,
    private readonly nameStart: Uint32Array,
    private readonly nameEnd: Uint32Array,
    /** End of the line (the module column, if any, lies between nameEnd and it). */
    private readonly lineEnd: Uint32Array,
  ) {}

  name(i: number): string {
    return this.raw.toString('latin1', this.nameStart[i]!, this.nameEnd[i]!);
  }

  module(i: number): string | null {
    if (this.nameEnd[i] === this.lineEnd[i]) return null;
    const m = this.raw.toString('latin1', this.nameEnd[i]! + 1, this.lineEnd[i]!).trim();
    return m.startsWith('[') && m.endsWith(']') ? m.slice(1, -1) : m;
  }

  /** Every name, in address order (tests, debugging). */
  get names(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.name(i));
  }

  get modules(): (string | null)[] {
    return Array.from({ length: this.count }, (_, i) => this.module(i));
  }

  /** Row of the last symbol at or below hi:lo, or -1. */
  floor(hi: number, lo: number): number {
    let l = 0;
    let h = this.count;
    while (l < h) {
      const m = (l + h) >> 1;
      if (this.hi[m]! < hi || (this.hi[m] === hi && this.lo[m]! <= lo)) l = m + 1;
      else h = m;
    }
    return l - 1;
  }
}

/** Rank of a symbol type among aliases at one address: T, t, W, w, then the rest. */
function typeRank(c: number): number {
  return c === 0x54 ? 0 : c === 0x74 ? 1 : c === 0x57 ? 2 : c === 0x77 ? 3 : 4;
}

export class KernelSymbols {
  private table: KallsymsTable | null = null;

  constructor(private readonly source = '/proc/kallsyms') {}

  /** Whether /proc/kallsyms has been read (tests check that nothing loads eagerly). */
  get loaded(): boolean {
    return this.table !== null;
  }

  /** Number of distinct symbol addresses (loads the table). */
  get size(): number {
    return this.load().count;
  }

  resolve(addr: bigint | number): KernelSymbol | null {
    const a = toBig(addr);
    if (a < 0x8000_0000_0000_0000n) return null;
    const t = this.load();
    const hi = Number(a >> 32n);
    const lo = Number(a & 0xffff_ffffn);
    const i = t.floor(hi, lo);
    if (i < 0) return null;
    const offset = (hi - t.hi[i]!) * 0x1_0000_0000 + (lo - t.lo[i]!);
    return { name: t.name(i), offset, module: t.module(i) };
  }

  /** ksym(): the name, or `0x<hex>` when unknown. */
  ksym(addr: bigint | number): string {
    const s = this.resolve(addr);
    return s ? s.name : hexAddr(addr);
  }

  /** A kstack frame: `name+offset`, or `0x<hex>` when unknown. */
  kframe(addr: bigint | number): string {
    const s = this.resolve(addr);
    return s ? `${s.name}+${s.offset}` : hexAddr(addr);
  }

  private load(): KallsymsTable {
    if (this.table) return this.table;
    let raw: Buffer;
    try {
      raw = readFileSync(this.source);
    } catch {
      raw = Buffer.alloc(0);
    }
    this.table = parseKallsyms(raw);
    return this.table;
  }
}

/** Value of an ASCII hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Parse /proc/kallsyms (bytes or text) into a sorted table with one row per address. */
export function parseKallsyms(input: Buffer | string): KallsymsTable {
  const raw = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const len = raw.length;
  // Every line is at least 21 bytes ("<16 hex> T x\n"), so this bounds the row count.
  const cap = Math.floor(len / 20) + 1;
  const his = new Uint32Array(cap);
  const los = new Uint32Array(cap);
  const ns = new Uint32Array(cap);
  const ne = new Uint32Array(cap);
  const le = new Uint32Array(cap);
  const rank = new Uint8Array(cap);
  let n = 0;
  let sorted = true;
  let p = 0;
  while (p < len) {
    // "ffffffff81000000 T _stext" or "ffffffffc0201000 t name\t[module]"
    let hi = 0;
    let lo = 0;
    let digits = 0;
    let d: number;
    while (p < len && (d = hexDigit(raw[p]!)) >= 0) {
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | d) >>> 0;
      digits++;
      p++;
    }
    let eol = raw.indexOf(0x0a, p);
    if (eol < 0) eol = len;
    const type = p + 1 < len ? raw[p + 1]! : 0;
    const start = p + 3;
    // Skip malformed lines; the lower half (see the module comment); undefined and
    // absolute symbols. An all-zero table (kptr_restrict) thus yields nothing.
    const wellFormed = digits > 0 && digits <= 16 && raw[p] === 0x20 && start < eol;
    const skippedType = type === 0x55 || type === 0x41 || type === 0x61; // U, A, a
    if (wellFormed && hi >= 0x8000_0000 && !skippedType) {
      let end = start;
      while (end < eol && raw[end] !== 0x09) end++;
      if (n > 0 && (his[n - 1]! > hi || (his[n - 1] === hi && los[n - 1]! > lo))) sorted = false;
      his[n] = hi;
      los[n] = lo;
      ns[n] = start;
      ne[n] = end;
      le[n] = eol;
      rank[n] = typeRank(type);
      n++;
    }
    p = eol + 1;
  }
  let order: Uint32Array | null = null;
  if (!sorted) {
    // Modules and bpf programs may come out of order; the sort is stable, so equal
    // addresses keep file order for the alias rule.
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => his[a]! - his[b]! || los[a]! - los[b]!);
    order = Uint32Array.from(idx);
  }
  // One row per address: the best-ranked alias, the first in file order on a tie.
  const keep = new Uint32Array(n);
  let m = 0;
  for (let k = 0; k < n; ) {
    let best = order ? order[k]! : k;
    let j = k + 1;
    for (; j < n; j++) {
      const r = order ? order[j]! : j;
      if (his[r] !== his[best] || los[r] !== los[best]) break;
      if (rank[r]! < rank[best]!) best = r;
    }
    keep[m++] = best;
    k = j;
  }
  // Plain loops: Uint32Array.from(list, fn) goes through the iterator protocol and is
  // an order of magnitude slower on 100k rows.
  const pick = (src: Uint32Array) => {
    const out = new Uint32Array(m);
    for (let i = 0; i < m; i++) out[i] = src[keep[i]!]!;
    return out;
  };
  return new KallsymsTable(raw, m, pick(his), pick(los), pick(ns), pick(ne), pick(le));
}

function toBig(addr: bigint | number): bigint {
  return typeof addr === 'bigint' ? BigInt.asUintN(64, addr) : BigInt.asUintN(64, BigInt(Math.trunc(addr)));
}

/** `0x` + lowercase hex, as bpftrace prints an unresolved address. */
export function hexAddr(addr: bigint | number): string {
  return `0x${toBig(addr).toString(16)}`;
}
