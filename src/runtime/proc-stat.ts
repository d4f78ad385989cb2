// /proc/<pid>/stat, split into fields. comm (field 2) may hold spaces and parentheses, so
// the fields are taken after its last ')': index 0 is field 3 (the state), index N-3 is
// field N of proc(5).

import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat from field 3 on, or null when it cannot be read. */
export function procStatFields(pid: number, procRoot = '/proc'): string[] | null {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
