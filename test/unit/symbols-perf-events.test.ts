// The software/hardware perf event tables: names, aliases, PERF_TYPE_*/PERF_COUNT_*
// numbers and bpftrace 0.17's default periods (observed with strace on bpftrace's
// perf_event_open calls), and the `-l software:` / `-l hardware:` listing.

import { describe, expect, it } from 'vitest';
import {
  HARDWARE_EVENTS,
  SOFTWARE_EVENTS,
  findPerfEvent,
  listPerfEvents,
} from '../../src/providers/perf-events.js';

describe('findPerfEvent', () => {
  it.each([
    ['software', 'cpu-clock', 'cpu-clock', 1, 0, 1_000_000],
    ['software', 'cpu', 'cpu-clock', 1, 0, 1_000_000],
    ['software', 'task-clock', 'task-clock', 1, 1, 1],
    ['software', 'page-faults', 'page-faults', 1, 2, 100],
    ['software', 'faults', 'page-faults', 1, 2, 100],
    ['software', 'context-switches', 'context-switches', 1, 3, 1000],
    ['software', 'cs', 'context-switches', 1, 3, 1000],
    ['software', 'cpu-migrations', 'cpu-migrations', 1, 4, 1],
    ['software', 'minor-faults', 'minor-faults', 1, 5, 100],
    ['software', 'major-faults', 'major-faults', 1, 6, 1],
    ['software', 'alignment-faults', 'alignment-faults', 1, 7, 1],
    ['software', 'emulation-faults', 'emulation-faults', 1, 8, 1],
    ['software', 'dummy', 'dummy', 1, 9, 1],
    ['software', 'bpf-output', 'bpf-output', 1, 10, 1],
    ['hardware', 'cpu-cycles', 'cpu-cycles', 0, 0, 1_000_000],
    ['hardware', 'cycles', 'cpu-cycles', 0, 0, 1_000_000],
    ['hardware', 'instructions', 'instructions', 0, 1, 1_000_000],
    ['hardware', 'cache-references', 'cache-references', 0, 2, 1_000_000],
    ['hardware', 'cache-misses', 'cache-misses', 0, 3, 1_000_000],
    ['hardware', 'branch-instructions', 'branch-instructions', 0, 4, 100_000],
    ['hardware', 'branches', 'branch-instructions', 0, 4, 100_000],
    ['hardware', 'branch-misses', 'branch-misses', 0, 5, 100_000],
    ['hardware', 'bus-cycles', 'bus-cycles', 0, 6, 100_000],
    ['hardware', 'frontend-stalls', 'frontend-stalls', 0, 7, 1_000_000],
    ['hardware', 'backend-stalls', 'backend-stalls', 0, 8, 1_000_000],
    ['hardware', 'ref-cycles', 'ref-cycles', 0, 9, 1_000_000],
  ] as const)('%s:%s -> %s type %i config %i period %i', (kind, name, canonical, type, config, period) => {
    const ev = findPerfEvent(kind, name)!;
    expect([ev.name, ev.type, ev.config, ev.defaultPeriod, ev.kind]).toEqual([canonical, type, config, period, kind]);
  });

  // bpftrace 0.17 rejects these ("migrations is not a software probe" ...).
  it.each([
    ['software', 'migrations'],
    ['software', 'cgroup-switches'],
    ['software', 'cycles'],
    ['hardware', 'ref-cpu-cycles'],
    ['hardware', 'stalled-cycles-frontend'],
    ['hardware', 'cpu-clock'],
  ] as const)('%s:%s is unknown', (kind, name) => {
    expect(findPerfEvent(kind, name)).toBeUndefined();
  });

  it('has the 11 software and 10 hardware events, names unique', () => {
    expect(SOFTWARE_EVENTS).toHaveLength(11);
    expect(HARDWARE_EVENTS).toHaveLength(10);
    const names = [...SOFTWARE_EVENTS, ...HARDWARE_EVENTS].flatMap((e) => [e.name, ...(e.alias ? [e.alias] : [])]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('listPerfEvents', () => {
  it.each([
    ['software', 'cpu*', ['software:cpu-clock:', 'software:cpu-migrations:']],
    ['software', 'cs', ['software:context-switches:']],
    ['software', '*faults', [
      'software:alignment-faults:',
      'software:emulation-faults:',
      'software:major-faults:',
      'software:minor-faults:',
      'software:page-faults:',
    ]],
    ['hardware', 'branch*', ['hardware:branch-instructions:', 'hardware:branch-misses:']],
    ['hardware', 'cycles', ['hardware:cpu-cycles:']],
    ['hardware', 'nosuch', []],
  ] as const)('%s:%s', (kind, pattern, lines) => {
    expect(listPerfEvents(kind, pattern)).toEqual(lines);
  });

  it('software:* lists every software event once, sorted', () => {
    const lines = listPerfEvents('software', '*');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('software:alignment-faults:');
    expect(lines).toEqual([...lines].sort());
  });
});
