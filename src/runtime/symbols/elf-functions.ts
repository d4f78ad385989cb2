// The functions of an ELF file, for uprobe attach points, `-l uprobe:` listings and user
// symbolization. Input: a path. Output: an ElfSymbolTable (cached by path, inode, size
// and mtime) holding every STT_FUNC / STT_GNU_IFUNC symbol defined in .symtab and
// .dynsym (plus PLT stubs, below), and the .symtab of a separate debug file
// (/usr/lib/debug/.build-id/xx/y.debug or .gnu_debuglink) when the file itself is
// stripped, as bpftrace (through bcc) does: `-l 'uprobe:libc:*'` lists the same 7264
// lines as bpftrace 0.17 on this machine (libc6-dbg installed).
// Each function carries the FILE OFFSET libbpf's uprobe attach wants (vaddr - p_vaddr +
// p_offset of the PT_LOAD segment holding it). Names are not demangled.
//
// Rules (bpftrace 0.17 behaviour where it has one, checked on this machine):
// - one attach point per distinct NAME, listed and matched in byte order; aliases (other
//   names at the same address) are separate names, so `uprobe:libc:*malloc` attaches to
//   malloc, __malloc, __libc_malloc ... each firing once per call, as in bpftrace;
// - a name defined at several addresses (symbol versions: memcpy@GLIBC_2.2.5 and
//   memcpy@@GLIBC_2.14, or two static functions of one name) resolves to ONE address:
//   a definition rather than a PLT stub, the default version (not `@VER`-hidden), then
//   global > weak > local, then the lowest address; every candidate stays in `functions`;
// - a non-PIE executable's PLT stubs of imported functions (undefined dynamic symbols
//   with a value) are listed and attachable, as in bpftrace, but never name an address;
// - wildcard patterns skip GCC's `.part.N` fragments (bpftrace does too): they are pieces
//   of a function body that do not follow the calling convention; an exact name still
//   resolves them;
// - symbolizing an address picks, among aliases at one address, a name without `@VER`,
//   then global > weak > local, then the default version, then the fewest leading
//   underscores, then the shortest (`malloc` rather than `__libc_malloc`).
// Must not: attach, spawn tools (except the disassembler for `func+N`), or print.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import {
  ET_DYN,
  ET_EXEC,
  ElfFile,
  type ElfSegment,
  PF_X,
  PT_LOAD,
  SHN_UNDEF,
  SHT_NOBITS,
  STB_GLOBAL,
  STB_WEAK,
  STT_GNU_IFUNC,
  type SymbolColumns,
  offsetToVaddr,
  vaddrToOffset,
} from './elf.js';
import { SymbolError, fsError } from './errors.js';
import { hasWildcard, matchGlob } from './glob.js';
import { instructionStarts } from './instruction-boundary.js';

/** Roots searched for separate debug files (like gdb's debug-file-directory). */
export const DEBUG_ROOTS: readonly string[] = ['/usr/lib/debug'];

export type SymbolBind = 'local' | 'global' | 'weak';

export interface ElfFunction {
  readonly name: string;
  readonly vaddr: number;
  /** st_size; 0 for hand-written assembly without `.size`. */
  readonly size: number;
  /** Offset in the file of the first byte (what a uprobe attaches to). */
  readonly fileOffset: number;
  /**
   * `plt`: an imported function's PLT stub in a non-PIE executable (an undefined dynamic
   * symbol with a value). Listed and attachable like bpftrace; never used to name an
   * address (the stub is not the function).
   */
  readonly kind: 'func' | 'ifunc' | 'plt';
  readonly bind: SymbolBind;
  /** Where the symbol was read: the file's .symtab, its .dynsym, or a separate debug file. */
  readonly origin: 'symtab' | 'dynsym' | 'debug';
  /** A non-default symbol version of a dynamic symbol (`name@VER`). */
  readonly versionHidden: boolean;
}

/** An address resolved to the function holding it. */
export interface FunctionHit {
  readonly fn: ElfFunction;
  readonly offset: number;
}

/** A symbol table read from one section, and where it came from. */
interface Source {
  readonly cols: SymbolColumns;
  readonly origin: ElfFunction['origin'];
}

// Row flags (one byte per function).
const F_IFUNC = 1;
const F_HIDDEN = 2;
const BIND_SHIFT = 2; // 2 bits: 0 local, 1 global, 2 weak
const F_PLT = 16;

/**
 * Every function of one ELF file, kept as columns (typed arrays) with an index sorted by
 * address: a cold CLI run that resolves `uprobe:libc:malloc` or symbolizes a few
 * addresses touches only the rows it needs and decodes only their names. The full,
 * name-sorted list of objects is built on first use (listings, wildcards).
 */
export class ElfSymbolTable {
  private readonly n: number;
  private readonly vaddr: Float64Array;
  private readonly size: Float64Array;
  private readonly fileOff: Float64Array;
  private readonly nameOff: Uint32Array;
  private readonly src: Uint8Array;
  private readonly flags: Uint8Array;
  /** Row numbers sorted by address. */
  private readonly order: Uint32Array;
  private full: { sorted: ElfFunction[]; byName: Map<string, ElfFunction[]> } | null = null;

  /** Built by elfSymbols(); not meant to be constructed elsewhere. */
  constructor(
    readonly path: string,
    /** ET_EXEC, ET_DYN ... */
    readonly elfType: number,
    readonly buildId: string | null,
    /** A .symtab was read (from the file or its debug file). */
    readonly hasSymtab: boolean,
    /** The separate debug file whose .symtab was merged, if any. */
    readonly debugFile: string | null,
    readonly segments: readonly ElfSegment[],
    private readonly sources: readonly Source[],
    /** Fallback file offset for a row outside every PT_LOAD (section-relative), or null. */
    sectionOffset: (source: number, row: number) => number | null,
  ) {
    let total = 0;
    for (const s of sources) total += s.cols.count;
    this.vaddr = new Float64Array(total);
    this.size = new Float64Array(total);
    this.fileOff = new Float64Array(total);
    this.nameOff = new Uint32Array(total);
    this.src = new Uint8Array(total);
    this.flags = new Uint8Array(total);
    // PT_LOAD ranges as plain arrays: this loop runs once per symbol in a cold process,
    // where a function call per row (vaddrToOffset) is what costs.
    const loads = segments.filter((p) => p.type === PT_LOAD);
    const segStart = loads.map((p) => p.vaddr);
    const segEnd = loads.map((p) => p.vaddr + p.filesz);
    const segDelta = loads.map((p) => p.offset - p.vaddr);
    let n = 0;
    for (let si = 0; si < sources.length; si++) {
      const c = sources[si]!.cols;
      const { value, nameOff, info, hidden, shndx } = c;
      for (let r = 0; r < c.count; r++) {
        const v = value[r]!;
        if (nameOff[r] === 0) continue; // unnamed
        let off = -1;
        for (let k = 0; k < segStart.length; k++) {
          if (v >= segStart[k]! && v < segEnd[k]!) {
            off = v + segDelta[k]!;
            break;
          }
        }
        if (off < 0) {
          const alt = sectionOffset(si, r);
          if (alt === null) continue; // not in the file: cannot be probed or symbolized
          off = alt;
        }
        const inf = info[r]!;
        const bind = inf >> 4 === STB_GLOBAL ? 1 : inf >> 4 === STB_WEAK ? 2 : 0;
        this.vaddr[n] = v;
        this.size[n] = c.size[r]!;
        this.fileOff[n] = off;
        this.nameOff[n] = nameOff[r]!;
        this.src[n] = si;
        this.flags[n] =
          ((inf & 0xf) === STT_GNU_IFUNC ? F_IFUNC : 0) |
          (hidden[r] ? F_HIDDEN : 0) |
          (bind << BIND_SHIFT) |
          (shndx[r] === SHN_UNDEF ? F_PLT : 0);
        n++;
      }
    }
    this.n = n;
    this.order = sortByKey(this.vaddr, n);
  }

  /** No .symtab anywhere and no defined function in .dynsym. */
  get stripped(): boolean {
    return !this.hasSymtab && this.n === 0;
  }

  /** Every function, sorted by name (byte order), then address; one per (name, address). */
  get functions(): readonly ElfFunction[] {
    return this.materialize().sorted;
  }

  /** Every function with exactly this name (usually one), in address order. */
  candidates(name: string): readonly ElfFunction[] {
    if (this.full) return this.full.byName.get(name) ?? [];
    // Targeted: find the string-table offsets holding `name`, then the rows using them.
    const wanted = this.sources.map((s) => s.cols.offsetsOf(name));
    const out: ElfFunction[] = [];
    for (let k = 0; k < this.n; k++) {
      const r = this.order[k]!;
      if (!wanted[this.src[r]!]!.has(this.nameOff[r]!)) continue;
      const f = this.row(r, name);
      const prev = out[out.length - 1];
      if (prev && prev.vaddr === f.vaddr) out[out.length - 1] = mergeDuplicate(prev, f);
      else out.push(f);
    }
    return out;
  }

  /** The one address a name resolves to (see the rules above), or undefined. */
  find(name: string): ElfFunction | undefined {
    const list = this.candidates(name);
    if (list.length <= 1) return list[0];
    return [...list].sort(nameRank)[0];
  }

  /** One function per distinct name matching a wildcard pattern, sorted by name. */
  match(pattern: string): ElfFunction[] {
    if (!hasWildcard(pattern)) {
      const f = this.find(pattern);
      return f ? [f] : [];
    }
    const index = this.materialize().byName;
    const names: string[] = [];
    for (const name of index.keys()) {
      if (!name.includes('.part.') && matchGlob(pattern, name)) names.push(name);
    }
    // The default sort compares UTF-16 code units natively: byte order for symbol names.
    return names.sort().map((name) => {
      const list = index.get(name)!;
      return list.length === 1 ? list[0]! : [...list].sort(nameRank)[0]!;
    });
  }

  /**
   * The function containing a virtual address: [vaddr, vaddr + size), or the nearest
   * zero-size symbol before it when no sized function contains it. null otherwise. The
   * name is the preferred alias at that address; the size is the largest of the aliases.
   */
  lookupVaddr(vaddr: number): FunctionHit | null {
    const { order } = this;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vaddr[order[mid]!]! <= vaddr) lo = mid + 1;
      else hi = mid;
    }
    const nearest = lo - 1;
    if (nearest < 0) return null;
    // Nested or overlapping symbols are rare; look back a little for one that contains it.
    let nearestReal = -1;
    for (let k = nearest, steps = 0; k >= 0 && steps < 64; k--, steps++) {
      const r = order[k]!;
      if (this.flags[r]! & F_PLT) continue;
      if (nearestReal < 0) nearestReal = k;
      if (vaddr < this.vaddr[r]! + this.size[r]!) {
        const fn = this.aliasAt(k);
        return { fn, offset: vaddr - fn.vaddr };
      }
    }
    if (nearestReal < 0) return null;
    const fn = this.aliasAt(nearestReal);
    // A zero-size symbol names what follows it only up to the next symbol (PLT stubs
    // included: they end the code the label covers).
    if (fn.size === 0 && nearestReal === nearest && this.isExecutable(vaddr)) return { fn, offset: vaddr - fn.vaddr };
    return null;
  }

  /** As lookupVaddr, for an offset into the file (mapped executable code, build-id stacks). */
  lookupFileOffset(offset: number): FunctionHit | null {
    const v = offsetToVaddr(this.segments, offset);
    return v === null ? null : this.lookupVaddr(v);
  }

  vaddrToOffset(vaddr: number): number | null {
    return vaddrToOffset(this.segments, vaddr);
  }

  offsetToVaddr(offset: number): number | null {
    return offsetToVaddr(this.segments, offset);
  }

  /** Is the address inside the file-backed part of an executable PT_LOAD segment? */
  isExecutable(vaddr: number): boolean {
    return this.segments.some(
      (p) => p.type === PT_LOAD && (p.flags & PF_X) !== 0 && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz,
    );
  }

  // ---------------------------------------------------------------- internals

  private row(r: number, name?: string): ElfFunction {
    const fl = this.flags[r]!;
    const bind = (fl >> BIND_SHIFT) & 3;
    const source = this.sources[this.src[r]!]!;
    return {
      name: name ?? source.cols.nameAt(this.nameOff[r]!),
      vaddr: this.vaddr[r]!,
      size: this.size[r]!,
      fileOffset: this.fileOff[r]!,
      kind: fl & F_PLT ? 'plt' : fl & F_IFUNC ? 'ifunc' : 'func',
      bind: bind === 1 ? 'global' : bind === 2 ? 'weak' : 'local',
      origin: source.origin,
      versionHidden: (fl & F_HIDDEN) !== 0,
    };
  }

  /**
   * The rows at the address of order[k], one per name (duplicates merged); PLT stubs
   * only for listings.
   */
  private group(k: number, forListing = false): ElfFunction[] {
    const v = this.vaddr[this.order[k]!]!;
    let a = k;
    while (a > 0 && this.vaddr[this.order[a - 1]!] === v) a--;
    const out: ElfFunction[] = [];
    for (let i = a; i < this.n && this.vaddr[this.order[i]!] === v; i++) {
      const f = this.row(this.order[i]!);
      if (f.kind === 'plt' && !forListing) continue;
      const j = out.findIndex((g) => g.name === f.name);
      if (j >= 0) out[j] = mergeDuplicate(out[j]!, f);
      else out.push(f);
    }
    return out;
  }

  /** The preferred alias at the address of order[k], carrying the largest alias size. */
  private aliasAt(k: number): ElfFunction {
    const g = this.group(k);
    let best = g[0]!;
    let size = best.size;
    for (const f of g) {
      if (aliasRank(f, best) < 0) best = f;
      if (f.size > size) size = f.size;
    }
    return best.size === size ? best : { ...best, size };
  }

  private materialize(): { sorted: ElfFunction[]; byName: Map<string, ElfFunction[]> } {
    if (this.full) return this.full;
    const byName = new Map<string, ElfFunction[]>();
    for (let k = 0; k < this.n; ) {
      const count = countAt(this.vaddr, this.order, k, this.n);
      const g = count === 1 ? [this.row(this.order[k]!)] : this.group(k, true);
      k += count;
      for (const f of g) {
        const list = byName.get(f.name);
        if (list) list.push(f);
        else byName.set(f.name, [f]);
      }
    }
    const sorted: ElfFunction[] = [];
    // The default sort compares UTF-16 code units natively: byte order for symbol names.
    for (const name of [...byName.keys()].sort()) for (const f of byName.get(name)!) sorted.push(f);
    this.full = { sorted, byName };
    return this.full;
  }
}

/** How many rows from order[k] on share its address. */
function countAt(vaddr: Float64Array, order: Uint32Array, k: number, n: number): number {
  const v = vaddr[order[k]!];
  let j = k + 1;
  while (j < n && vaddr[order[j]!] === v) j++;
  return j - k;
}

/**
 * Row numbers [0, n) sorted by key. When keys are small enough, key * 2^20 + row packs
 * into an exact double and a native Float64Array sort does the work (ELF addresses
 * below 2^33 and fewer than 2^20 rows: every real binary); otherwise a comparator sort.
 */
function sortByKey(keys: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) if (keys[i]! > max) max = keys[i]!;
  if (n < 0x10_0000 && max < 2 ** 33) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = keys[i]! * 0x10_0000 + i;
    packed.sort();
    for (let i = 0; i < n; i++) order[i] = packed[i]! % 0x10_0000;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => keys[a]! - keys[b]! || a - b);
}

// ------------------------------------------------------------------ loading and caching

interface CacheEntry {
  readonly stamp: string;
  readonly table: ElfSymbolTable;
}

const CACHE = new Map<string, CacheEntry>();

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SymbolError('not-regular', path, 'not a regular file');
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    if (err instanceof SymbolError) throw err;
    throw fsError(path, err);
  }
}

/**
 * The symbol table of an ELF file, cached by path + inode + size + mtime. Throws
 * SymbolError (missing, not-regular, io, not-elf, unsupported-elf, truncated) but NOT
 * for a stripped file: check `.stripped` (elfFunctions does).
 */
export function elfSymbols(path: string): ElfSymbolTable {
  const key = resolvePath(path);
  const stamp = stampOf(key);
  const hit = CACHE.get(key);
  if (hit && hit.stamp === stamp) return hit.table;
  const table = loadTable(path, key);
  CACHE.set(key, { stamp, table });
  return table;
}

/** Forget cached tables (tests; a long-running session that rebuilt a binary is handled by the stamp). */
export function clearElfCache(): void {
  CACHE.clear();
}

function loadTable(displayPath: string, absPath: string): ElfSymbolTable {
  const elf = ElfFile.open(absPath);
  try {
    const segments = elf.loadSegments();
    const buildId = elf.buildId();
    const sources: Source[] = [];
    const symtab = elf.symbolColumns('symtab', true);
    if (symtab) sources.push({ cols: symtab, origin: 'symtab' });
    const dynsym = elf.symbolColumns('dynsym', true);
    if (dynsym) sources.push({ cols: dynsym, origin: 'dynsym' });
    const own = sources.length;
    let hasSymtab = elf.hasSymtab();
    let debugFile: string | null = null;
    if (!hasSymtab) {
      const dbg = findDebugFile(elf, absPath, buildId);
      if (dbg) {
        const d = ElfFile.open(dbg);
        try {
          const cols = d.symbolColumns('symtab', true);
          if (cols && d.hasSymtab()) {
            // Debug files share the original's addresses; offsets come from the ORIGINAL
            // file's PT_LOAD headers (the debug file's sections are NOBITS).
            sources.push({ cols, origin: 'debug' });
            hasSymtab = true;
            debugFile = dbg;
          }
        } finally {
          d.close();
        }
      }
    }
    // Section-relative offsets only for the file's own symbols (ET_REL objects have no
    // PT_LOAD); a debug file's section headers say nothing about the original's bytes.
    const sectionOffset = (si: number, r: number): number | null => {
      if (si >= own) return null;
      const c = sources[si]!.cols;
      const sec = elf.sections[c.shndx[r]!];
      const v = c.value[r]!;
      return sec && sec.type !== SHT_NOBITS && sec.addr <= v ? v - sec.addr + sec.offset : null;
    };
    return new ElfSymbolTable(displayPath, elf.type, buildId, hasSymtab, debugFile, segments, sources, sectionOffset);
  } finally {
    elf.close();
  }
}

/** One entry per (name, address): .symtab and .dynsym list exported functions twice. */
function mergeDuplicate(prev: ElfFunction, f: ElfFunction): ElfFunction {
  // Keep the dynsym entry (it knows the version), the strongest binding and a size.
  const base = f.origin === 'dynsym' ? f : prev;
  return {
    ...base,
    size: Math.max(prev.size, f.size),
    bind: bindRank(prev.bind) <= bindRank(f.bind) ? prev.bind : f.bind,
    versionHidden: prev.versionHidden && f.versionHidden,
  };
}

// ------------------------------------------------------------------ separate debug files

/**
 * The separate debug file of a stripped ELF: by build-id under each DEBUG_ROOT, then by
 * .gnu_debuglink next to the file, in its .debug/ directory, and under each root. A
 * candidate must carry the same build-id (or, lacking build-ids, the debuglink CRC32).
 */
export function findDebugFile(elf: ElfFile, absPath: string, buildId: string | null): string | null {
  if (buildId && buildId.length > 2) {
    for (const root of DEBUG_ROOTS) {
      const p = join(root, '.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
      if (sameBuildId(p, buildId)) return p;
    }
  }
  const link = elf.debugLink();
  if (!link) return null;
  let dir: string;
  try {
    dir = dirname(realpathSync(absPath));
  } catch {
    dir = dirname(absPath);
  }
  const candidates = [join(dir, link.file), join(dir, '.debug', link.file), ...DEBUG_ROOTS.map((r) => join(r, dir, link.file))];
  for (const c of candidates) {
    if (c === absPath) continue;
    try {
      if (!statSync(c).isFile()) continue;
    } catch {
      continue;
    }
    if (buildId) {
      if (sameBuildId(c, buildId)) return c;
    } else if (crc32(readFileSync(c)) === link.crc) {
      return c;
    }
  }
  return null;
}

function sameBuildId(path: string, buildId: string): boolean {
  let f: ElfFile;
  try {
    f = ElfFile.open(path);
  } catch {
    return false;
  }
  try {
    return f.buildId() === buildId;
  } catch {
    return false;
  } finally {
    f.close();
  }
}

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3), as .gnu_debuglink records it. */
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ------------------------------------------------------------------ the public helpers

/**
 * Every function of an ELF file (sorted by name, then address). Throws SymbolError:
 * missing, not-elf, ... and `stripped` when the file has no .symtab (not even in a debug
 * file) and no function in .dynsym.
 */
export function elfFunctions(path: string): readonly ElfFunction[] {
  const t = elfSymbols(path);
  if (t.stripped) throw strippedError(path);
  return t.functions;
}

/** One function per distinct name matching `pattern` (`*`, `?`, `{a,b}`), sorted by name. */
export function matchFunctions(path: string, pattern: string): ElfFunction[] {
  const t = elfSymbols(path);
  if (t.stripped) throw strippedError(path);
  return t.match(pattern);
}

export interface ResolvedUprobe {
  readonly path: string;
  /** What libbpf's uprobe attach takes (func_offset with no func_name). */
  readonly fileOffset: number;
  readonly vaddr: number;
  /** The function holding the address; null for a raw address in no known function. */
  readonly function: ElfFunction | null;
  /** Offset of the address inside `function` (0 at its entry). */
  readonly offset: number;
}

export interface ResolveOptions {
  /**
   * Check that `func+N` (and a raw address inside a function) is an instruction start,
   * with llvm-objdump/objdump (default true). Without a disassembler the check throws
   * `unchecked-offset`, like bpftrace built without one.
   */
  readonly checkInstruction?: boolean;
}

const ADDRESS = /^(0x[0-9a-f]+|[0-9]+)$/i;

/**
 * Resolve `uprobe:PATH:NAME+OFF` or `uprobe:PATH:0xADDR` to a file offset.
 * `nameOrAddr` is a function name or a virtual address (hex `0x...` or decimal, as
 * `nm` prints it). Throws SymbolError: file-level reasons, `not-found` (with a note when
 * the file is stripped), `bad-offset`, `bad-address`, `unchecked-offset`.
 */
export function resolveOffset(path: string, nameOrAddr: string, plusOffset = 0, opts: ResolveOptions = {}): ResolvedUprobe {
  const t = elfSymbols(path);
  const check = opts.checkInstruction ?? true;
  if (ADDRESS.test(nameOrAddr)) {
    const vaddr = Number(BigInt(nameOrAddr)) + plusOffset;
    const hit = t.lookupVaddr(vaddr);
    const fileOffset = t.vaddrToOffset(vaddr);
    if (fileOffset === null || (!hit && !t.isExecutable(vaddr))) {
      throw new SymbolError('bad-address', path, `address 0x${vaddr.toString(16)} is not in the code of ${path}`);
    }
    if (hit && hit.offset > 0 && check) checkBoundary(path, hit.fn, hit.offset, `0x${vaddr.toString(16)}`);
    return { path, fileOffset, vaddr, function: hit ? hit.fn : null, offset: hit ? hit.offset : 0 };
  }
  const fn = t.find(nameOrAddr);
  if (!fn) {
    const why = t.stripped
      ? `function ${nameOrAddr} not found: the file is stripped (no symbol table)`
      : !t.hasSymtab
        ? `function ${nameOrAddr} not found (the file has no .symtab, only exported functions are known)`
        : `function ${nameOrAddr} not found`;
    throw new SymbolError('not-found', path, why);
  }
  if (plusOffset < 0 || !Number.isInteger(plusOffset)) {
    throw new SymbolError('bad-offset', path, `invalid offset ${plusOffset}`);
  }
  if (plusOffset > 0) {
    if (fn.size > 0 && plusOffset >= fn.size) {
      throw new SymbolError('bad-offset', path, `offset ${plusOffset} is outside ${fn.name} (size ${fn.size})`);
    }
    if (check) checkBoundary(path, fn, plusOffset, `${fn.name}+${plusOffset}`);
  }
  const vaddr = fn.vaddr + plusOffset;
  const fileOffset = t.vaddrToOffset(vaddr) ?? fn.fileOffset + plusOffset;
  return { path, fileOffset, vaddr, function: fn, offset: plusOffset };
}

function checkBoundary(path: string, fn: ElfFunction, offset: number, what: string): void {
  const end = fn.vaddr + (fn.size > 0 ? fn.size : offset + 16);
  const starts = instructionStarts(path, fn.vaddr, end);
  if (!starts) {
    const why = `cannot check that ${what} is an instruction boundary (no llvm-objdump or objdump)`;
    throw new SymbolError('unchecked-offset', path, why);
  }
  if (!starts.includes(fn.vaddr + offset)) {
    throw new SymbolError('bad-offset', path, `${what} is not at an instruction boundary`);
  }
}

/**
 * `bpftrace -l 'uprobe:PATH:PATTERN'` lines: `uprobe:<display>:<name>`, one per distinct
 * name, in byte order. `display` is the target as the user wrote it (bpftrace prints
 * `./a.out` as given, but a resolved library or PATH program as its absolute path).
 */
export function listUprobes(
  path: string,
  pattern: string,
  opts: { readonly display?: string; readonly probe?: 'uprobe' | 'uretprobe' } = {},
): string[] {
  const probe = opts.probe ?? 'uprobe';
  const display = opts.display ?? path;
  return matchFunctions(path, pattern).map((f) => `${probe}:${display}:${f.name}`);
}

function strippedError(path: string): SymbolError {
  return new SymbolError('stripped', path, 'the file is stripped: it has no symbol table');
}

// ------------------------------------------------------------------ ordering helpers

function bindRank(b: SymbolBind): number {
  return b === 'global' ? 0 : b === 'weak' ? 1 : 2;
}

function leadingUnderscores(s: string): number {
  let n = 0;
  while (n < s.length && s.charCodeAt(n) === 95) n++;
  return n;
}

/** Among aliases at one address: which name to print. */
function aliasRank(a: ElfFunction, b: ElfFunction): number {
  return (
    Number(a.name.includes('@')) - Number(b.name.includes('@')) ||
    bindRank(a.bind) - bindRank(b.bind) ||
    Number(a.versionHidden) - Number(b.versionHidden) ||
    leadingUnderscores(a.name) - leadingUnderscores(b.name) ||
    a.name.length - b.name.length ||
    byteCompare(a.name, b.name)
  );
}

/** Among addresses of one name: which one to attach to. */
function nameRank(a: ElfFunction, b: ElfFunction): number {
  return (
    Number(a.kind === 'plt') - Number(b.kind === 'plt') ||
    Number(a.versionHidden) - Number(b.versionHidden) ||
    bindRank(a.bind) - bindRank(b.bind) ||
    a.vaddr - b.vaddr
  );
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Is this an executable or shared object (what uprobes can attach to)? */
export function isLoadable(t: ElfSymbolTable): boolean {
  return t.elfType === ET_EXEC || t.elfType === ET_DYN;
}
