// The functions of an ELF file, for uprobe attach points, `-l uprobe:` listings and user
// symbolization. Input: a path. Output: an ElfSymbolTable (cached by path, inode, size
// and mtime) holding every defined STT_FUNC / STT_GNU_IFUNC symbol of .symtab and
// .dynsym, plus the .symtab of a separate debug file (/usr/lib/debug/.build-id/xx/y.debug
// or .gnu_debuglink) when the file itself is stripped, as bpftrace (through bcc) does.
// Each function carries the FILE OFFSET libbpf's uprobe attach wants (vaddr - p_vaddr +
// p_offset of the PT_LOAD segment holding it). Names are not demangled.
//
// Rules (bpftrace 0.17 behaviour where it has one, checked on this machine):
// - one attach point per distinct NAME, listed and matched in byte order; aliases (other
//   names at the same address) are separate names, so `uprobe:libc:*malloc` attaches to
//   malloc, __malloc, __libc_malloc ... each firing once per call, as in bpftrace;
// - a name defined at several addresses (symbol versions: memcpy@GLIBC_2.2.5 and
//   memcpy@@GLIBC_2.14, or two static functions of one name) resolves to ONE address:
//   the default version (not `@VER`-hidden), then global > weak > local, then the lowest
//   address; every candidate stays visible in `functions`;
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
  type ElfSymbol,
  PF_X,
  PT_LOAD,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  STB_GLOBAL,
  STB_WEAK,
  STT_FUNC,
  STT_GNU_IFUNC,
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
  readonly kind: 'func' | 'ifunc';
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

export class ElfSymbolTable {
  private sortedByName: ElfFunction[] | null = null;
  private nameIndex: Map<string, ElfFunction[]> | null = null;
  /** Every (name, address) once, sorted by address then name. */
  private readonly all: ElfFunction[];
  /** One function per distinct address (the preferred alias), sorted by address. */
  private readonly byAddr: ElfFunction[];

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
    collected: ElfFunction[],
  ) {
    // One sort by address serves deduplication, the alias choice and lookups; the
    // by-name view is built lazily (symbolization alone never needs it). Sorting an index
    // typed array by a Float64Array key is several times faster than sorting objects,
    // which matters in a cold process (this runs once per CLI invocation).
    const n = collected.length;
    const keys = new Float64Array(n);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = collected[i]!.vaddr;
      order[i] = i;
    }
    order.sort((x, y) => keys[x]! - keys[y]!);
    const all: ElfFunction[] = [];
    const byAddr: ElfFunction[] = [];
    for (let i = 0, j = 0; i < n; i = j) {
      const groupStart = all.length;
      const vaddr = keys[order[i]!]!;
      for (j = i; j < n && keys[order[j]!] === vaddr; j++) {
        const f = collected[order[j]!]!;
        let k = groupStart;
        while (k < all.length && all[k]!.name !== f.name) k++;
        if (k < all.length) all[k] = mergeDuplicate(all[k]!, f);
        else all.push(f);
      }
      let best = all[groupStart]!;
      let size = best.size;
      for (let k = groupStart + 1; k < all.length; k++) {
        const f = all[k]!;
        if (aliasRank(f, best) < 0) best = f;
        if (f.size > size) size = f.size;
      }
      // Aliases may disagree on size (a zero-size label on a sized function): keep the
      // preferred name with the largest size, so containment checks see the whole body.
      byAddr.push(best.size === size ? best : { ...best, size });
    }
    this.all = all;
    this.byAddr = byAddr;
  }

  /** Every function, sorted by name (byte order), then address. */
  get functions(): readonly ElfFunction[] {
    if (!this.sortedByName) {
      const index = this.byName;
      // The default sort compares UTF-16 code units natively: byte order for symbol names.
      const names = [...index.keys()].sort();
      const out: ElfFunction[] = [];
      for (const name of names) for (const f of index.get(name)!) out.push(f);
      this.sortedByName = out;
    }
    return this.sortedByName;
  }

  /** name -> every function of that name, in address order. */
  private get byName(): Map<string, ElfFunction[]> {
    if (this.nameIndex) return this.nameIndex;
    const m = new Map<string, ElfFunction[]>();
    for (const f of this.all) {
      const list = m.get(f.name);
      if (list) list.push(f);
      else m.set(f.name, [f]);
    }
    this.nameIndex = m;
    return m;
  }

  /** No .symtab anywhere and no defined function in .dynsym. */
  get stripped(): boolean {
    return !this.hasSymtab && this.all.length === 0;
  }

  /** Every function with exactly this name (usually one). */
  candidates(name: string): readonly ElfFunction[] {
    return this.byName.get(name) ?? [];
  }

  /** The one address a name resolves to (see the rules above), or undefined. */
  find(name: string): ElfFunction | undefined {
    const list = this.byName.get(name);
    if (!list) return undefined;
    return list.length === 1 ? list[0] : [...list].sort(nameRank)[0];
  }

  /** One function per distinct name matching a wildcard pattern, sorted by name. */
  match(pattern: string): ElfFunction[] {
    if (!hasWildcard(pattern)) {
      const f = this.find(pattern);
      return f ? [f] : [];
    }
    const index = this.byName;
    const names: string[] = [];
    for (const name of index.keys()) {
      if (!name.includes('.part.') && matchGlob(pattern, name)) names.push(name);
    }
    return names.sort().map((name) => {
      const list = index.get(name)!;
      return list.length === 1 ? list[0]! : [...list].sort(nameRank)[0]!;
    });
  }

  /**
   * The function containing a virtual address: [vaddr, vaddr + size), or the nearest
   * zero-size symbol before it when no sized function contains it. null otherwise.
   */
  lookupVaddr(vaddr: number): FunctionHit | null {
    const a = this.byAddr;
    let i = upperBound(a, vaddr) - 1;
    if (i < 0) return null;
    const nearest = a[i]!;
    // Nested or overlapping symbols are rare; look back a little for one that contains it.
    for (let k = 0; k < 64 && i >= 0; k++, i--) {
      const f = a[i]!;
      if (vaddr < f.vaddr + f.size) return { fn: f, offset: vaddr - f.vaddr };
    }
    if (nearest.size === 0 && this.isExecutable(vaddr)) return { fn: nearest, offset: vaddr - nearest.vaddr };
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
    return this.segments.some((p) => p.type === PT_LOAD && (p.flags & PF_X) !== 0 && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz);
  }
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
    const collected: ElfFunction[] = [];
    const symtab = elf.symbols('symtab', isDefinedFunction);
    const dynsym = elf.symbols('dynsym', isDefinedFunction);
    const sectionOffset = (s: ElfSymbol): number | null => {
      const sec = elf.sections[s.shndx];
      if (!sec || sec.addr > s.value) return null;
      return s.value - sec.addr + sec.offset;
    };
    if (symtab) addFunctions(collected, symtab, 'symtab', segments, sectionOffset);
    if (dynsym) addFunctions(collected, dynsym, 'dynsym', segments, sectionOffset);
    let hasSymtab = elf.hasSymtab();
    let debugFile: string | null = null;
    if (!hasSymtab) {
      const dbg = findDebugFile(elf, absPath, buildId);
      if (dbg) {
        const d = ElfFile.open(dbg);
        try {
          const syms = d.symbols('symtab', isDefinedFunction);
          if (syms && d.hasSymtab()) {
            // Debug files share the original's addresses; offsets come from the ORIGINAL
            // file's PT_LOAD headers (the debug file's sections are NOBITS).
            addFunctions(collected, syms, 'debug', segments, () => null);
            hasSymtab = true;
            debugFile = dbg;
          }
        } finally {
          d.close();
        }
      }
    }
    return new ElfSymbolTable(displayPath, elf.type, buildId, hasSymtab, debugFile, segments, collected);
  } finally {
    elf.close();
  }
}

function isDefinedFunction(type: number, shndx: number): boolean {
  return (type === STT_FUNC || type === STT_GNU_IFUNC) && shndx !== SHN_UNDEF && (shndx < SHN_LORESERVE || shndx === SHN_XINDEX);
}

const BIND: Record<number, SymbolBind> = { [STB_GLOBAL]: 'global', [STB_WEAK]: 'weak' };

function addFunctions(
  out: ElfFunction[],
  syms: readonly ElfSymbol[],
  origin: ElfFunction['origin'],
  segments: readonly ElfSegment[],
  sectionOffset: (s: ElfSymbol) => number | null,
): void {
  for (const s of syms) {
    if (!isDefinedFunction(s.type, s.shndx) || s.name === '') continue;
    const fileOffset = vaddrToOffset(segments, s.value) ?? sectionOffset(s);
    if (fileOffset === null) continue; // not in the file: cannot be probed or symbolized
    out.push({
      name: s.name,
      vaddr: s.value,
      size: s.size,
      fileOffset,
      kind: s.type === STT_GNU_IFUNC ? 'ifunc' : 'func',
      bind: BIND[s.bind] ?? 'local',
      origin,
      versionHidden: s.versionHidden,
    });
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
    throw new SymbolError('unchecked-offset', path, `cannot check that ${what} is an instruction boundary (no llvm-objdump or objdump)`);
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
  return Number(a.versionHidden) - Number(b.versionHidden) || bindRank(a.bind) - bindRank(b.bind) || a.vaddr - b.vaddr;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function upperBound(a: readonly ElfFunction[], vaddr: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]!.vaddr <= vaddr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Is this an executable or shared object (what uprobes can attach to)? */
export function isLoadable(t: ElfSymbolTable): boolean {
  return t.elfType === ET_EXEC || t.elfType === ET_DYN;
}
