// Where a uprobe/usdt target or a `-c` command lives, resolved like the system does it.
// - Programs without a '/' go through PATH like a shell (first executable match wins;
//   an empty PATH entry is the cwd).
// - Libraries (`libc`, `c`, `libc.so`, `libc.so.6`) like the dynamic loader: for a pid,
//   the library that process has mapped (/proc/PID/maps); then LD_LIBRARY_PATH; then
//   /etc/ld.so.cache (glibc's "glibc-ld.so.cache1.1" format, read here, never by
//   spawning ldconfig); then the standard directories.
// - resolveUprobeTarget combines them with bpftrace's display rule: a target that names
//   an existing file (with or without '/') is shown as written, a resolved one as its
//   absolute path (`uprobe:libc:*` lists as /lib/x86_64-linux-gnu/libc.so.6).
// Must not: read ELF symbols or cache anything that can change under a live process.

import { accessSync, constants, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { SymbolError } from './errors.js';
import { readMaps } from './proc-maps.js';

export const LD_CACHE_PATH = '/etc/ld.so.cache';

/** Searched after the cache, in order (Debian multiarch first). */
export const STANDARD_LIB_DIRS: readonly string[] = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
  '/usr/local/lib',
];

export interface LdCacheEntry {
  /** The soname key, e.g. "libc.so.6". */
  readonly name: string;
  readonly path: string;
  /** FLAG_* bits: type in the low byte (3 = libc6 ELF), architecture in the high byte. */
  readonly flags: number;
  readonly hwcap: bigint;
}

const NEW_MAGIC = 'glibc-ld.so.cache';
const NEW_VERSION = '1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_TYPE_MASK = 0x00ff;
const FLAG_REQUIRED_MASK = 0xff00;

/** The architecture bits this process wants (x86-64: FLAG_X8664_LIB64, arm64: FLAG_AARCH64_LIB64). */
function wantedArch(): number | null {
  if (process.arch === 'x64') return 0x0300;
  if (process.arch === 'arm64') return 0x0a00;
  return null;
}

/**
 * Parse an ld.so.cache image. The new format may follow an old-format table (glibc
 * < 2.32 wrote both); string offsets of new entries are relative to the new header.
 */
export function parseLdCache(buf: Buffer): LdCacheEntry[] {
  let base = 0;
  if (buf.toString('latin1', 0, OLD_MAGIC.length) === OLD_MAGIC) {
    const nlibs = buf.readUInt32LE(12);
    base = 16 + nlibs * 12;
    base = (base + 7) & ~7; // the new header is aligned like its 8-byte fields
    if (buf.toString('latin1', base, base + NEW_MAGIC.length) !== NEW_MAGIC) return [];
  }
  if (buf.length < base + 48) return [];
  if (buf.toString('latin1', base, base + NEW_MAGIC.length) !== NEW_MAGIC) return [];
  if (buf.toString('latin1', base + NEW_MAGIC.length, base + NEW_MAGIC.length + 3) !== NEW_VERSION) return [];
  const nlibs = buf.readUInt32LE(base + 20);
  const out: LdCacheEntry[] = [];
  const str = (off: number) => {
    const a = base + off;
    if (a >= buf.length) return '';
    let e = buf.indexOf(0, a);
    if (e < 0) e = buf.length;
    return buf.toString('utf8', a, e);
  };
  for (let i = 0; i < nlibs; i++) {
    const o = base + 48 + i * 24;
    if (o + 24 > buf.length) break;
    out.push({
      flags: buf.readInt32LE(o),
      name: str(buf.readUInt32LE(o + 4)),
      path: str(buf.readUInt32LE(o + 8)),
      hwcap: buf.readBigUInt64LE(o + 16),
    });
  }
  return out;
}

let cacheMemo: { stamp: string; entries: LdCacheEntry[] } | null = null;

/** /etc/ld.so.cache entries (re-read when the file changes); [] when it is missing. */
export function readLdCache(path = LD_CACHE_PATH): LdCacheEntry[] {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${path}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return [];
  }
  if (cacheMemo && cacheMemo.stamp === stamp) return cacheMemo.entries;
  const entries = parseLdCache(readFileSync(path));
  cacheMemo = { stamp, entries };
  return entries;
}

/**
 * How a library name is matched against sonames:
 * `c`, `libc` -> any soname starting with `libc.so` (libc.so, libc.so.6);
 * `libc.so.6`, `libfoo.so` -> that soname, or a versioned one after it (libfoo.so.1).
 */
export function sonameMatcher(name: string): (soname: string) => boolean {
  const stem = name.includes('.so') ? name : `${name.startsWith('lib') ? name : `lib${name}`}.so`;
  return (soname) => soname === stem || soname.startsWith(`${stem}.`);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isExecutableFile(p: string): boolean {
  if (!isFile(p)) return false;
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchDirs(dirs: readonly string[], matches: (soname: string) => boolean, exact: string): string | null {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const hits = names.filter(matches).sort((a, b) => Number(b === exact) - Number(a === exact) || (a < b ? -1 : a > b ? 1 : 0));
    for (const h of hits) {
      const p = join(dir, h);
      if (isFile(p)) return p;
    }
  }
  return null;
}

export interface LibraryOptions {
  readonly pid?: number;
  readonly ldCachePath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly procRoot?: string;
}

/** A bare pid (-1 or 0 for none) or full options. */
function libraryOptions(pidOrOpts: number | LibraryOptions): LibraryOptions {
  if (typeof pidOrOpts !== 'number') return pidOrOpts;
  return pidOrOpts > 0 ? { pid: pidOrOpts } : {};
}

/**
 * A library name as the dynamic loader would find it -> an absolute path. A name with a
 * '/' is a path (relative to the cwd). Throws SymbolError('no-library').
 */
export function resolveLibrary(name: string, pidOrOpts: number | LibraryOptions = {}): string {
  const opts = libraryOptions(pidOrOpts);
  if (name.includes('/')) {
    const p = resolvePath(name);
    if (!isFile(p)) throw new SymbolError('no-library', name, `library ${name} does not exist`);
    return p;
  }
  const matches = sonameMatcher(name);
  const procRoot = opts.procRoot ?? '/proc';
  if (opts.pid !== undefined && opts.pid > 0) {
    const maps = readMaps(opts.pid, procRoot);
    for (const m of maps ?? []) {
      if (!m.path.startsWith('/') || !matches(basename(m.path))) continue;
      // A process in another mount namespace maps files we reach through its root.
      if (isFile(m.path)) return m.path;
      const viaRoot = `${procRoot}/${opts.pid}/root${m.path}`;
      if (isFile(viaRoot)) return viaRoot;
    }
  }
  const env = opts.env ?? process.env;
  const exact = name.includes('.so') ? name : '';
  const ldPath = (env['LD_LIBRARY_PATH'] ?? '').split(':').filter((d) => d !== '');
  const fromEnv = searchDirs(ldPath, matches, exact);
  if (fromEnv) return resolvePath(fromEnv);
  const arch = wantedArch();
  const entries = readLdCache(opts.ldCachePath ?? LD_CACHE_PATH).filter(
    (e) => (e.flags & FLAG_TYPE_MASK) === FLAG_ELF_LIBC6 && (arch === null || (e.flags & FLAG_REQUIRED_MASK) === arch),
  );
  // Plain entries before glibc-hwcaps variants; the exact soname before prefix matches.
  const ranked = entries
    .filter((e) => matches(e.name))
    .sort((a, b) => Number(b.name === exact) - Number(a.name === exact) || Number(a.hwcap !== 0n) - Number(b.hwcap !== 0n));
  for (const e of ranked) if (isFile(e.path)) return e.path;
  const fromDirs = searchDirs(STANDARD_LIB_DIRS, matches, exact);
  if (fromDirs) return fromDirs;
  throw new SymbolError('no-library', name, `cannot find library ${name}`);
}

/**
 * A program name as a shell finds it: a name with a '/' is a path (relative to the cwd);
 * otherwise the first executable regular file in PATH. Throws SymbolError('no-program').
 */
export function resolveProgram(name: string, env: NodeJS.ProcessEnv = process.env): string {
  if (name.includes('/')) {
    const p = resolvePath(name);
    if (!isExecutableFile(p)) throw new SymbolError('no-program', name, `${name} does not exist or is not executable`);
    return p;
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir === '' ? process.cwd() : dir, name);
    if (isExecutableFile(p)) return isAbsolute(p) ? p : resolvePath(p);
  }
  throw new SymbolError('no-program', name, `${name} not found in PATH`);
}

export interface UprobeTarget {
  /** Absolute path of the file (what the loader attaches to). */
  readonly path: string;
  /** What listings and `probe` print: the target as written when it named a file, else `path`. */
  readonly display: string;
}

/**
 * The file a `uprobe:TARGET:`/`usdt:TARGET:` names. In order: an existing file (as
 * written, relative to the cwd); a library name (`lib*`, `*.so*`) through resolveLibrary;
 * a program through PATH; finally `lib<TARGET>.so` (so `uprobe:c:malloc` works).
 * Throws SymbolError: missing (a path that does not exist), no-library.
 */
export function resolveUprobeTarget(target: string, pidOrOpts: number | LibraryOptions = {}): UprobeTarget {
  const opts = libraryOptions(pidOrOpts);
  if (isFile(target)) return { path: resolvePath(target), display: target };
  if (target.includes('/')) throw new SymbolError('missing', target, 'no such file');
  const libraryLike = target.startsWith('lib') || target.includes('.so');
  if (libraryLike) {
    const p = resolveLibrary(target, opts);
    return { path: p, display: p };
  }
  try {
    const p = resolveProgram(target, opts.env);
    return { path: p, display: p };
  } catch (err) {
    if (!(err instanceof SymbolError)) throw err;
  }
  const p = resolveLibrary(target, opts);
  return { path: p, display: p };
}
