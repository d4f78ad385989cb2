// Where tracefs is: /sys/kernel/tracing, or the debugfs view /sys/kernel/debug/tracing.
// Input: none (the running system). Output: the directory, cached per process.
// When neither is mounted, tracefs is mounted at /sys/kernel/tracing (`mount -t tracefs
// nodev /sys/kernel/tracing`, needs root); when that fails a UserError with E004 is
// thrown. Must not: be called by code paths that do not need tracefs (it may mount).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UserError } from '../diagnostics/diagnostic.js';

export const TRACEFS_PATH = '/sys/kernel/tracing';
const DEBUGFS_TRACING_PATH = '/sys/kernel/debug/tracing';

let cachedRoot: string | null = null;

/** A directory is a live tracefs when its event list is there (an unmounted mount point is empty). */
function isTracefs(dir: string): boolean {
  return existsSync(`${dir}/available_events`);
}

/** The tracefs directory, mounting it when needed. Throws UserError (E004) when impossible. */
export function tracefsRoot(): string {
  cachedRoot ??= locateTracefs([TRACEFS_PATH, DEBUGFS_TRACING_PATH], TRACEFS_PATH, mountTracefs);
  return cachedRoot;
}

/**
 * The first of `candidates` that is a live tracefs; otherwise `mount()` (which returns
 * why it failed, or null) and `mountPoint` if that worked. Separate from tracefsRoot so
 * the failure path can be tested without unmounting anything.
 */
export function locateTracefs(candidates: readonly string[], mountPoint: string, mount: () => string | null): string {
  for (const dir of candidates) if (isTracefs(dir)) return dir;
  const reason = mount();
  // Another process may have mounted it at the same time ("already mounted"): look again.
  if (isTracefs(mountPoint)) return mountPoint;
  throw UserError.of('E004', null, { reason: reason ?? 'it is still not there after mounting' });
}

/** Run mount(8); returns why it failed, or null on success. */
function mountTracefs(): string | null {
  if (!existsSync(TRACEFS_PATH)) return `${TRACEFS_PATH} does not exist (kernel without tracefs?)`;
  const r = spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_PATH], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return r.error.message;
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout || '').trim().split('\n')[0] ?? '';
    return msg || `mount exited with status ${r.status}`;
  }
  return null;
}

/** For tests: forget the cached directory. */
export function resetTracefsCache(): void {
  cachedRoot = null;
}
