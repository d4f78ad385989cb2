// User-space symbolization (usym, ustack) that keeps working after the traced process
// has exited, which bpftrace 0.17 cannot do (it prints raw addresses then).
// - rememberPid(pid) snapshots /proc/PID/maps (file-backed executable mappings: start,
//   end, file offset, path, device, inode, and the file's GNU build-id). The runtime
//   calls it as soon as it sees a pid, and for -c/-p at start. A lookup that misses in
//   the snapshot re-reads the maps while the process lives (dlopen, exec), at most once
//   per 50 ms, and never for addresses in known anonymous executable memory (JIT code).
//   A pid reused by a new process keeps the old snapshot (its start time differs, so a
//   miss does not read the newcomer's maps; forgetPid when the runtime sees it exit).
// - An address maps to (file, file offset); the file's ELF symbols (elf-functions.ts,
//   cached) give `fib` / `fib+42`. A file replaced on disk since the snapshot is
//   detected by its build-id and read through /proc/PID/map_files while the process lives.
// - Stacks the kernel hands over as (build-id, file offset) pairs (BPF_F_USER_BUILD_ID)
//   resolve through an index build-id -> path of every file seen: uprobe targets and the
//   -c command (noteFile) and the mapped files of remembered pids.
// Unknown addresses print as `0x<hex>`. Must not: print, or block on anything but local
// file reads.

import { type ElfSymbolTable, elfSymbols } from './elf-functions.js';
import { ElfFile } from './elf.js';
import { hexAddr } from './kernel-symbols.js';
import { readMaps } from './proc-maps.js';
import { procStatFields } from '../proc-stat.js';

export interface MappedFile {
  readonly start: number;
  readonly end: number;
  /** File offset of `start`. */
  readonly offset: number;
  readonly path: string;
  readonly dev: string;
  readonly inode: number;
  readonly buildId: string | null;
}

export interface UserSymbol {
  /** The function, or null when the address is in a mapped file but in no known function. */
  readonly name: string | null;
  /** Offset from the function's start (0 when name is null). */
  readonly offset: number;
  /** The mapped file (as /proc/PID/maps names it). */
  readonly path: string;
  readonly fileOffset: number;
}

interface Snapshot {
  readonly starttime: string | null;
  mappings: MappedFile[];
  /** Executable mappings with no file (JIT code, [vdso]): known misses, no re-read. */
  anon: { start: number; end: number }[];
  /** performance.now() of the last re-read caused by a miss (-Infinity: none yet). */
  missReadAt: number;
}

/**
 * After a miss re-read the maps, further misses wait this long before reading them
 * again: a JIT runtime's stacks keep landing in fresh anonymous code, and each re-read
 * costs a /proc read. The first miss after a snapshot always re-reads (the -c case:
 * the snapshot was taken before exec).
 */
const REFRESH_INTERVAL_MS = 50;

/** Build-ids are compared as 20 bytes: the kernel zero-pads shorter ones in stack traces. */
const BUILD_ID_HEX = 40;

export function normalizeBuildId(id: string | Uint8Array): string {
  const hex = typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');
  return hex.length >= BUILD_ID_HEX ? hex.slice(0, BUILD_ID_HEX) : hex.padEnd(BUILD_ID_HEX, '0');
}

export class UserSymbols {
  private readonly pids = new Map<number, Snapshot>();
  private readonly byBuildId = new Map<string, string>();
  /** dev:inode:path -> build-id, so each mapped file is opened once. */
  private readonly fileIds = new Map<string, string | null>();
  private readonly procRoot: string;

  constructor(opts: { readonly procRoot?: string } = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
  }

  /** Snapshot a process's mappings unless already known. False when it cannot be read. */
  rememberPid(pid: number): boolean {
    if (this.pids.has(pid)) return true;
    return this.refreshPid(pid);
  }

  /** Re-read a live process's mappings. False (keeping any old snapshot) when it is gone. */
  refreshPid(pid: number): boolean {
    if (!Number.isInteger(pid) || pid <= 0) return false;
    const maps = readMaps(pid, this.procRoot);
    if (!maps) return false;
    const mappings: MappedFile[] = [];
    const anon: { start: number; end: number }[] = [];
    for (const m of maps) {
      if (!m.perms.includes('x')) continue;
      if (!m.path.startsWith('/')) {
        anon.push({ start: m.start, end: m.end });
        continue;
      }
      mappings.push({
        start: m.start,
        end: m.end,
        offset: m.offset,
        path: m.path,
        dev: m.dev,
        inode: m.inode,
        buildId: this.buildIdOf(`${m.dev}:${m.inode}:${m.path}`, m.path, pid, m.start, m.end),
      });
    }
    this.pids.set(pid, { starttime: this.starttime(pid), mappings, anon, missReadAt: -Infinity });
    return true;
  }

  forgetPid(pid: number): void {
    this.pids.delete(pid);
  }

  /** The snapshot of a pid (for tests and `-v` diagnostics). */
  mappings(pid: number): readonly MappedFile[] | undefined {
    return this.pids.get(pid)?.mappings;
  }

  /** Index a file's build-id (uprobe targets, the -c command). Returns the build-id. */
  noteFile(path: string): string | null {
    let id: string | null;
    try {
      id = readBuildId(path);
    } catch {
      return null;
    }
    if (id) this.byBuildId.set(normalizeBuildId(id), path);
    return id;
  }

  /** Address in a process -> function, offset and file; null when in no mapped file. */
  resolve(addr: number | bigint, pid: number): UserSymbol | null {
    const a = typeof addr === 'bigint' ? Number(BigInt.asUintN(64, addr)) : addr;
    if (!this.pids.has(pid)) this.rememberPid(pid);
    let snap = this.pids.get(pid);
    let m = snap ? findMapping(snap.mappings, a) : undefined;
    const knownMiss = snap !== undefined && snap.anon.some((r) => a >= r.start && a < r.end);
    if (!m && snap && !knownMiss && performance.now() - snap.missReadAt >= REFRESH_INTERVAL_MS && this.alive(pid, snap)) {
      this.refreshPid(pid);
      snap = this.pids.get(pid)!;
      snap.missReadAt = performance.now();
      m = findMapping(snap.mappings, a);
    }
    if (!m) return null;
    const fileOffset = a - m.start + m.offset;
    const table = this.tableFor(m, pid);
    const hit = table ? table.lookupFileOffset(fileOffset) : null;
    return { name: hit ? hit.fn.name : null, offset: hit ? hit.offset : 0, path: m.path, fileOffset };
  }

  /** usym(): the function name, or `0x<hex>`. */
  usym(addr: number | bigint, pid: number): string {
    const s = this.resolve(addr, pid);
    return s && s.name !== null ? s.name : hexAddr(addr);
  }

  /** A ustack frame: `name+offset`, or `0x<hex>`. */
  uframe(addr: number | bigint, pid: number): string {
    const s = this.resolve(addr, pid);
    return s && s.name !== null ? `${s.name}+${s.offset}` : hexAddr(addr);
  }

  /** A (build-id, file offset) stack entry -> function; null when the build-id is unknown. */
  resolveBuildId(buildId: string | Uint8Array, fileOffset: number | bigint): UserSymbol | null {
    const path = this.byBuildId.get(normalizeBuildId(buildId));
    if (!path) return null;
    const off = typeof fileOffset === 'bigint' ? Number(fileOffset) : fileOffset;
    let table: ElfSymbolTable;
    try {
      table = elfSymbols(path);
    } catch {
      return null;
    }
    const hit = table.lookupFileOffset(off);
    return { name: hit ? hit.fn.name : null, offset: hit ? hit.offset : 0, path, fileOffset: off };
  }

  /** A build-id frame: `name+offset`, or `<build-id>+0x<offset>` when unknown. */
  buildIdFrame(buildId: string | Uint8Array, fileOffset: number | bigint): string {
    const s = this.resolveBuildId(buildId, fileOffset);
    if (s && s.name !== null) return `${s.name}+${s.offset}`;
    const hex = typeof buildId === 'string' ? buildId.toLowerCase() : Buffer.from(buildId).toString('hex');
    return `${hex}+${hexAddr(fileOffset)}`;
  }

  // ---------------------------------------------------------------- internals

  private buildIdOf(key: string, path: string, pid: number, start: number, end: number): string | null {
    if (this.fileIds.has(key)) return this.fileIds.get(key)!;
    let id: string | null = null;
    for (const p of [path, this.mapFile(pid, start, end)]) {
      try {
        id = readBuildId(p);
        break;
      } catch {
        // Not readable through this name; try the next.
      }
    }
    this.fileIds.set(key, id);
    if (id && !this.byBuildId.has(normalizeBuildId(id))) this.byBuildId.set(normalizeBuildId(id), path);
    return id;
  }

  /** The ELF table for a mapping: its path if it still holds the same file, else map_files or the process root. */
  private tableFor(m: MappedFile, pid: number): ElfSymbolTable | null {
    const candidates = [m.path, `${this.procRoot}/${pid}/root${m.path}`, this.mapFile(pid, m.start, m.end)];
    for (const c of candidates) {
      let t: ElfSymbolTable;
      try {
        t = elfSymbols(c);
      } catch {
        continue;
      }
      if (m.buildId !== null && t.buildId !== null && t.buildId !== m.buildId) continue;
      return t;
    }
    // Last resort after exit: any file we know with the same build-id.
    if (m.buildId) {
      const p = this.byBuildId.get(normalizeBuildId(m.buildId));
      if (p && p !== m.path) {
        try {
          return elfSymbols(p);
        } catch {
          return null;
        }
      }
    }
    return null;
  }

  private mapFile(pid: number, start: number, end: number): string {
    return `${this.procRoot}/${pid}/map_files/${start.toString(16)}-${end.toString(16)}`;
  }

  private starttime(pid: number): string | null {
    return procStatFields(pid, this.procRoot)?.[22 - 3] ?? null;
  }

  /** Is the process that we snapshotted still running (same pid, same start time)? */
  private alive(pid: number, snap: Snapshot): boolean {
    const now = this.starttime(pid);
    return now !== null && (snap.starttime === null || now === snap.starttime);
  }
}

function findMapping(list: readonly MappedFile[], addr: number): MappedFile | undefined {
  return list.find((m) => addr >= m.start && addr < m.end);
}

/** The GNU build-id of an ELF file (hex), or null when it has none. Throws SymbolError. */
export function readBuildId(path: string): string | null {
  const f = ElfFile.open(path);
  try {
    return f.buildId();
  } finally {
    f.close();
  }
}
