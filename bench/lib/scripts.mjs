// scripts: the bpftrace programs the benchmarks run, in one place, so the README, the
// harness and a reader of results.md all mean the same text.
// Input: the path of the driver binary (the uprobe target of script (c)).
// Output: script strings. Both tools run exactly the same text.

/** (a): start to exit. */
export const SCRIPT_A = 'BEGIN { printf("ready\\n"); exit(); }';

/** (b): attached-and-running is "ready" from an interval that then exits. */
export const SCRIPT_B =
  'tracepoint:syscalls:sys_enter_read { @[comm] = count(); @h = hist(args->count); }\n' +
  'interval:ms:1 { printf("ready\\n"); exit(); }\n';

/** (c): 5 tracepoints, a software event, profile, a uprobe, a uretprobe, an interval. */
export function scriptC(driver) {
  return [
    'tracepoint:syscalls:sys_enter_read { @r = count(); }',
    'tracepoint:syscalls:sys_enter_write { @w = count(); }',
    'tracepoint:syscalls:sys_enter_openat { @o = count(); }',
    'tracepoint:syscalls:sys_enter_close { @c = count(); }',
    'tracepoint:sched:sched_process_exit { @x = count(); }',
    'software:page-faults:100 { @pf = count(); }',
    'profile:hz:99 { @p = count(); }',
    `uprobe:${driver}:bench_marker { @u = count(); }`,
    `uretprobe:${driver}:bench_marker { @ur = count(); }`,
    'interval:ms:1 { printf("ready\\n"); exit(); }',
    '',
  ].join('\n');
}

/**
 * (c) with args: the same ten probes, but the tracepoints read their arguments, as
 * scripts that trace tracepoints mostly do. bpftrace then parses each tracepoint's
 * format into a C struct with its built-in clang before it generates code (the issue's
 * reference figure for (c), 266 ms to ready, is of this kind); (c) as above is the case
 * where it skips that.
 */
export function scriptCArgs(driver) {
  return scriptC(driver)
    .replace('sys_enter_read { @r = count(); }', 'sys_enter_read { @r = sum(args->count); }')
    .replace('sys_enter_write { @w = count(); }', 'sys_enter_write { @w = sum(args->count); }')
    .replace('sys_enter_openat { @o = count(); }', 'sys_enter_openat { @o[args->flags] = count(); }')
    .replace('sys_enter_close { @c = count(); }', 'sys_enter_close { @c = hist(args->fd); }')
    .replace('sched_process_exit { @x = count(); }', 'sched_process_exit { @x[args->comm] = count(); }');
}

/**
 * The Ctrl-C form of a script: the same probes, but the interval prints "ready" once and
 * keeps tracing, so the harness can send SIGINT at a time it knows.
 */
export function untilCtrlC(script) {
  const once = 'interval:ms:1 { if (@ready == 0) { printf("ready\\n"); @ready = 1; } }';
  const out = script.replace('interval:ms:1 { printf("ready\\n"); exit(); }', once);
  if (out === script) throw new Error('untilCtrlC: the script has no ready-and-exit interval');
  return out;
}

/**
 * Per-event cost: one-liners on the getppid tracepoint, each with the hand-written
 * baseline program (bench/baselines/counters.bpf.c) that does the same work.
 */
export const EVENT_SCRIPTS = [
  { key: 'count', body: '@ = count()', prog: 'bl_count', target: 1.1, countsEvents: true },
  { key: 'tid', body: '@[tid] = count()', prog: 'bl_tid', target: 1.2, countsEvents: true },
  { key: 'hist', body: '@h = hist(pid)', prog: 'bl_hist', target: 1.2, countsEvents: true },
  { key: 'comm_sum', body: '@[comm] = sum(tid)', prog: 'bl_comm_sum', target: 1.2, countsEvents: false },
];

export function eventScript(body) {
  return `tracepoint:syscalls:sys_enter_getppid { ${body}; }`;
}

/**
 * printf throughput. `/pid == cpid/` keeps other processes' getppid calls out, so
 * printed + lost can be compared with the driver's exact call count.
 */
export const SCRIPT_PRINTF = 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("%d %s\\n", pid, comm); }';

/** A map with one key per getpgid(i) call of the driver (i = 0 .. n-1). */
export const SCRIPT_MAP = 'tracepoint:syscalls:sys_enter_getpgid { @m[args->pid] = count(); }';
