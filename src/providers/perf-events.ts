// The software and hardware perf events bpftrace knows: names, aliases, the
// PERF_TYPE_* / PERF_COUNT_* numbers for perf_event_open, and bpftrace 0.17's default
// sample periods (checked on this machine by tracing bpftrace's perf_event_open calls
// with strace: `software:faults` opens PERF_COUNT_SW_PAGE_FAULTS with sample_period=100).
// Input: an event name or pattern. Output: table rows and `-l` listing lines.
// Must not: open perf events or know about BPF programs (the loader attaches).

import { matchGlob } from '../runtime/symbols/glob.js';

export const PERF_TYPE_HARDWARE = 0;
export const PERF_TYPE_SOFTWARE = 1;

/** enum perf_sw_ids (include/uapi/linux/perf_event.h). */
export const PERF_COUNT_SW = {
  CPU_CLOCK: 0,
  TASK_CLOCK: 1,
  PAGE_FAULTS: 2,
  CONTEXT_SWITCHES: 3,
  CPU_MIGRATIONS: 4,
  PAGE_FAULTS_MIN: 5,
  PAGE_FAULTS_MAJ: 6,
  ALIGNMENT_FAULTS: 7,
  EMULATION_FAULTS: 8,
  DUMMY: 9,
  BPF_OUTPUT: 10,
} as const;

/** enum perf_hw_id. */
export const PERF_COUNT_HW = {
  CPU_CYCLES: 0,
  INSTRUCTIONS: 1,
  CACHE_REFERENCES: 2,
  CACHE_MISSES: 3,
  BRANCH_INSTRUCTIONS: 4,
  BRANCH_MISSES: 5,
  BUS_CYCLES: 6,
  STALLED_CYCLES_FRONTEND: 7,
  STALLED_CYCLES_BACKEND: 8,
  REF_CPU_CYCLES: 9,
} as const;

export type PerfEventKind = 'software' | 'hardware';

export interface PerfEventSpec {
  readonly kind: PerfEventKind;
  /** The canonical name (what `probe` prints). */
  readonly name: string;
  /** bpftrace's one short alias, if any (`cpu`, `faults`, `cs`, `cycles`, `branches`). */
  readonly alias: string | null;
  /** perf_event_attr.type */
  readonly type: number;
  /** perf_event_attr.config */
  readonly config: number;
  /** sample_period when the script gives no count. */
  readonly defaultPeriod: number;
}

function sw(name: string, alias: string | null, config: number, defaultPeriod: number): PerfEventSpec {
  return { kind: 'software', name, alias, type: PERF_TYPE_SOFTWARE, config, defaultPeriod };
}
function hw(name: string, alias: string | null, config: number, defaultPeriod: number): PerfEventSpec {
  return { kind: 'hardware', name, alias, type: PERF_TYPE_HARDWARE, config, defaultPeriod };
}

// Only the names bpftrace 0.17 accepts: `migrations`, `cgroup-switches`,
// `ref-cpu-cycles`, `stalled-cycles-*` (perf's spellings) are rejected by it too.
export const SOFTWARE_EVENTS: readonly PerfEventSpec[] = [
  sw('cpu-clock', 'cpu', PERF_COUNT_SW.CPU_CLOCK, 1_000_000),
  sw('task-clock', null, PERF_COUNT_SW.TASK_CLOCK, 1),
  sw('page-faults', 'faults', PERF_COUNT_SW.PAGE_FAULTS, 100),
  sw('context-switches', 'cs', PERF_COUNT_SW.CONTEXT_SWITCHES, 1000),
  sw('cpu-migrations', null, PERF_COUNT_SW.CPU_MIGRATIONS, 1),
  sw('minor-faults', null, PERF_COUNT_SW.PAGE_FAULTS_MIN, 100),
  sw('major-faults', null, PERF_COUNT_SW.PAGE_FAULTS_MAJ, 1),
  sw('alignment-faults', null, PERF_COUNT_SW.ALIGNMENT_FAULTS, 1),
  sw('emulation-faults', null, PERF_COUNT_SW.EMULATION_FAULTS, 1),
  sw('dummy', null, PERF_COUNT_SW.DUMMY, 1),
  // The kernel refuses to sample this one ("Invalid perf event type 1 config 10" in
  // bpftrace); it stays in the table because bpftrace accepts the name.
  sw('bpf-output', null, PERF_COUNT_SW.BPF_OUTPUT, 1),
];

export const HARDWARE_EVENTS: readonly PerfEventSpec[] = [
  hw('cpu-cycles', 'cycles', PERF_COUNT_HW.CPU_CYCLES, 1_000_000),
  hw('instructions', null, PERF_COUNT_HW.INSTRUCTIONS, 1_000_000),
  hw('cache-references', null, PERF_COUNT_HW.CACHE_REFERENCES, 1_000_000),
  hw('cache-misses', null, PERF_COUNT_HW.CACHE_MISSES, 1_000_000),
  hw('branch-instructions', 'branches', PERF_COUNT_HW.BRANCH_INSTRUCTIONS, 100_000),
  hw('branch-misses', null, PERF_COUNT_HW.BRANCH_MISSES, 100_000),
  hw('bus-cycles', null, PERF_COUNT_HW.BUS_CYCLES, 100_000),
  hw('frontend-stalls', null, PERF_COUNT_HW.STALLED_CYCLES_FRONTEND, 1_000_000),
  hw('backend-stalls', null, PERF_COUNT_HW.STALLED_CYCLES_BACKEND, 1_000_000),
  hw('ref-cycles', null, PERF_COUNT_HW.REF_CPU_CYCLES, 1_000_000),
];

function table(kind: PerfEventKind): readonly PerfEventSpec[] {
  return kind === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS;
}

/** The event named `name` (canonical name or alias), or undefined. */
export function findPerfEvent(kind: PerfEventKind, name: string): PerfEventSpec | undefined {
  return table(kind).find((e) => e.name === name || e.alias === name);
}


/**
 * `-l 'software:PATTERN'` / `-l 'hardware:PATTERN'`: one `kind:name:` line per event whose
 * name or alias matches, canonical names, in byte order. bpftrace 0.17 itself only echoes
 * the pattern (`bpftrace -l 'software:*'` prints the single line `software:*:`, a bug
 * fixed later); we print the real list in the same `kind:name:` line shape.
 */
export function listPerfEvents(kind: PerfEventKind, pattern: string): string[] {
  return table(kind)
    .filter((e) => matchGlob(pattern, e.name) || (e.alias !== null && matchGlob(pattern, e.alias)))
    .map((e) => `${kind}:${e.name}:`)
    .sort();
}
