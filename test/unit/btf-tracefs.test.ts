// Finding tracefs: the live directory on this machine, and the search/mount/E004 logic on
// temporary directories standing in for mount points (nothing is unmounted).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/diagnostics/diagnostic.js';
import { locateTracefs, resetTracefsCache, tracefsRoot } from '../../src/btf/tracefs.js';

const ROOT = mkdtempSync(join(tmpdir(), 'bpfscript-tracefs-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

/** A directory that looks like a mounted tracefs (or an empty mount point). */
function dir(name: string, live: boolean): string {
  const d = join(ROOT, name);
  mkdirSync(d, { recursive: true });
  if (live) writeFileSync(join(d, 'available_events'), 'sched:sched_switch\n');
  return d;
}

function errorOf(fn: () => unknown): UserError | null {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  return null;
}

describe('locateTracefs', () => {
  it.each([
    ['the first live candidate', ['a-empty', 'b-live', 'c-live'], 'b-live'],
    ['the debugfs view when that is the live one', ['d-empty', 'e-live'], 'e-live'],
  ])('returns %s without mounting', (_label, names, want) => {
    const candidates = names.map((n) => dir(n, n.endsWith('live')));
    let mounted = 0;
    const got = locateTracefs(candidates, candidates[0]!, () => {
      mounted++;
      return null;
    });
    expect(got).toBe(join(ROOT, want));
    expect(mounted).toBe(0);
  });

  it('mounts when no candidate is live, and returns the mount point', () => {
    const point = dir('f-mountpoint', false);
    const got = locateTracefs([point], point, () => {
      writeFileSync(join(point, 'available_events'), '');
      return null;
    });
    expect(got).toBe(point);
  });

  it.each([
    ['mount: /sys/kernel/tracing: permission denied.', 'mount: /sys/kernel/tracing: permission denied.'],
    [null, 'it is still not there after mounting'],
  ])('reports E004 when mounting fails (%s)', (reason, shown) => {
    const point = dir(`g-${reason ? 'denied' : 'silent'}`, false);
    const err = errorOf(() => locateTracefs([point], point, () => reason));
    expect(err?.diagnostics.map((d) => [d.code, d.message, d.hints])).toEqual([
      [
        'E004',
        `tracefs is not mounted and could not be mounted at /sys/kernel/tracing: ${shown}`,
        ['mount it: mount -t tracefs nodev /sys/kernel/tracing'],
      ],
    ]);
  });
});

describe('tracefsRoot on this machine', () => {
  it('finds (or mounts) tracefs and caches the answer', () => {
    let root: string;
    try {
      root = tracefsRoot();
    } catch (err) {
      // Without root and without a mounted tracefs, the error must be the E004 diagnostic.
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).diagnostics[0]!.code).toBe('E004');
      return;
    }
    expect(['/sys/kernel/tracing', '/sys/kernel/debug/tracing']).toContain(root);
    expect(tracefsRoot()).toBe(root);
    resetTracefsCache();
    expect(tracefsRoot()).toBe(root);
  });
});
