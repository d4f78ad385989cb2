// Kernel symbolization for ksym() and kstack, from /proc/kallsyms, loaded lazily on the
// first lookup (only scripts that print a kernel symbol pay the ~50 ms it costs) and
// kept sorted. Output like bpftrace 0.17: ksym -> `name`, a kstack frame -> `name+off`
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

interface Table {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly names: string[];
  readonly modules: (string | null)[];
}

const TYPE_RANK: Record<string, number> = { T: 0, t: 1, W: 2, w: 3 };

export class KernelSymbols {
  private table: Table | null = null;

  constructor(private readonly source = '/proc/kallsyms') {}

  /** Whether /proc/kallsyms has been read (tests check that nothing loads eagerly). */
  get loaded(): boolean {
    return this.table !== null;
  }

  /** Number of distinct symbol addresses (loads the table). */
  get size(): number {
    return this.load().names.length;
  }

  resolve(addr: bigint | number): KernelSymbol | null {
    const a = toBig(addr);
    if (a < 0x8000_0000_0000_0000n || a > 0xffff_ffff_ffff_ffffn) return null;
    const t = this.load();
    const hi = Number(a >> 32n);
    const lo = Number(a & 0xffff_ffffn);
    // Last symbol with address <= a.
    let l = 0;
    let h = t.names.length;
    while (l < h) {
      const m = (l + h) >> 1;
      if (t.hi[m]! < hi || (t.hi[m] === hi && t.lo[m]! <= lo)) l = m + 1;
      else h = m;
    }
    const i = l - 1;
    if (i < 0) return null;
    const offset = (hi - t.hi[i]!) * 0x1_0000_0000 + (lo - t.lo[i]!);
    return { name: t.names[i]!, offset, module: t.modules[i]! };
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

  private load(): Table {
    if (this.table) return this.table;
    let text: string;
    try {
      text = readFileSync(this.source, 'latin1');
    } catch {
      text = '';
    }
    this.table = parseKallsyms(text);
    return this.table;
  }
}

/** Parse /proc/kallsyms text into a sorted table with one entry per address. */
export function parseKallsyms(text: string): Table {
  const his: number[] = [];
  const los: number[] = [];
  const names: string[] = [];
  const modules: (string | null)[] = [];
  const ranks: number[] = [];
  let sorted = true;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // "ffffffff81000000 T _stext" or "ffffffffc0201000 t name\t[module]"
    const sp1 = text.indexOf(' ', start);
    if (sp1 > start && sp1 < end && end - start > sp1 - start + 3) {
      const type = text[sp1 + 1]!;
      const hexLen = sp1 - start;
      const hi = hexLen > 8 ? parseInt(text.slice(start, sp1 - 8), 16) : 0;
      const lo = parseInt(text.slice(Math.max(start, sp1 - 8), sp1), 16);
      // Skip the lower half (see the module comment), undefined and absolute symbols, and
      // an all-zero table (kptr_restrict hides addresses from unprivileged readers).
      if (hi >= 0x8000_0000 && type !== 'U' && type !== 'A' && type !== 'a') {
        // Search the tab inside this line only: most lines have none, and an unbounded
        // indexOf would scan to the module lines at the end of the file every time.
        const rest = text.slice(sp1 + 3, end);
        const tab = rest.indexOf('\t');
        let module: string | null = null;
        if (tab >= 0) {
          const m = rest.slice(tab + 1).trim();
          module = m.startsWith('[') && m.endsWith(']') ? m.slice(1, -1) : m;
        }
        const n = his.length;
        if (n > 0 && (his[n - 1]! > hi || (his[n - 1] === hi && los[n - 1]! > lo))) sorted = false;
        his.push(hi);
        los.push(lo);
        names.push(tab >= 0 ? rest.slice(0, tab) : rest);
        modules.push(module);
        ranks.push(TYPE_RANK[type] ?? 4);
      }
    }
    start = end + 1;
  }
  let order = his.map((_, i) => i);
  // kallsyms is mostly sorted (modules and bpf programs are not); sort is stable, so
  // equal addresses keep file order for the alias rule.
  if (!sorted) order.sort((a, b) => his[a]! - his[b]! || los[a]! - los[b]!);
  // One entry per address: the best-ranked alias (then the first in file order).
  const keep: number[] = [];
  for (let k = 0; k < order.length; ) {
    let best = order[k]!;
    let j = k + 1;
    while (j < order.length && his[order[j]!] === his[best] && los[order[j]!] === los[best]) {
      if (ranks[order[j]!]! < ranks[best]!) best = order[j]!;
      j++;
    }
    keep.push(best);
    k = j;
  }
  order = keep;
  return {
    hi: Uint32Array.from(order, (i) => his[i]!),
    lo: Uint32Array.from(order, (i) => los[i]!),
    names: order.map((i) => names[i]!),
    modules: order.map((i) => modules[i]!),
  };
}

function toBig(addr: bigint | number): bigint {
  return typeof addr === 'bigint' ? BigInt.asUintN(64, addr) : BigInt.asUintN(64, BigInt(Math.trunc(addr)));
}

/** `0x` + lowercase hex, as bpftrace prints an unresolved address. */
export function hexAddr(addr: bigint | number): string {
  return `0x${toBig(addr).toString(16)}`;
}
