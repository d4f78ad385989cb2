// /proc/PID/maps parsing. Input: the file's text (or a pid); output: one record per
// mapping. Only file-backed mappings have a path starting with '/'; `[vdso]`, `[heap]`
// and anonymous mappings keep their pseudo-name or ''. Must not: cache (a process's
// maps change with every dlopen; callers snapshot), or resolve symbols.

import { readFileSync } from 'node:fs';

export interface MapsEntry {
  readonly start: number;
  readonly end: number;
  /** r, w, x, p/s: e.g. "r-xp". */
  readonly perms: string;
  /** Offset into the file of `start`. */
  readonly offset: number;
  /** "major:minor" in hex, as printed. */
  readonly dev: string;
  readonly inode: number;
  /** The path, without a trailing " (deleted)"; '' for anonymous mappings. */
  readonly path: string;
  /** The file was deleted (or replaced) after it was mapped. */
  readonly deleted: boolean;
}

// start-end perms offset dev inode [path]; the path may contain spaces.
const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s*(.*)$/;

export function parseMaps(text: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    let path = m[7]!;
    const deleted = path.endsWith(' (deleted)');
    if (deleted) path = path.slice(0, -' (deleted)'.length);
    out.push({
      // User-space addresses fit in 47 bits; [vsyscall] (0xffffffffff600000) loses
      // precision as a number but is never file-backed, so nothing looks it up.
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      perms: m[3]!,
      offset: parseInt(m[4]!, 16),
      dev: m[5]!,
      inode: Number(m[6]!),
      path,
      deleted,
    });
  }
  return out;
}

/** The mappings of a live process, or null when it does not exist (or cannot be read). */
export function readMaps(pid: number, procRoot = '/proc'): MapsEntry[] | null {
  try {
    return parseMaps(readFileSync(`${procRoot}/${pid}/maps`, 'utf8'));
  } catch {
    return null;
  }
}
