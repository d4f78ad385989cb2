// proc: start a process and time it; sample the memory of a process tree.
// Input: a command line, its environment, the text that means "ready" on its stdout.
// Output: a Run handle whose promises resolve with milliseconds since the spawn call
// (performance.now(), monotonic), the collected stdout/stderr, and the exit status.
// Memory: the summed VmRSS of a process and all its descendants (found by scanning
// /proc for parent ids: this kernel has no /proc/PID/task/TID/children), sampled on
// a timer, plus each process's VmHWM as last seen.
// Must not: kill anything it did not start; every kill here targets one child pid.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/** Processes whose work outlives the tracer's exit: a previous run still detaching. */
const TRACERS = new Set(['bpfscript-loade', 'bpftrace']);

/**
 * Wait (up to `maxMs`) until no tracer process is left on the system. bpfscript exits as
 * soon as its output is printed and its helper detaches the probes in the background;
 * closing each perf-event tracepoint waits for RCU grace periods (~70 ms each) under
 * the kernel's event_mutex, which the next run's attach needs. bpftrace does that wait
 * before it exits. So every timed run starts on a quiet system, whichever tool ran last.
 */
export async function untilQuiet(maxMs = 10_000) {
  const t0 = performance.now();
  const busy = () =>
    readdirSync('/proc').some((d) => {
      if (!/^\d+$/.test(d)) return false;
      try {
        return TRACERS.has(readFileSync(`/proc/${d}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
  while (busy() && performance.now() - t0 < maxMs) await sleep(10);
}

/**
 * Spawn `argv` and watch it. `ready` (string) resolves `run.ready` with the time it
 * first appears on stdout (null if the process exits first). `stdout` may be a file
 * descriptor to write to instead of a pipe (then `ready` cannot be seen).
 * `timeoutMs` kills a run that hangs (SIGKILL to this child only).
 */
export function launch(argv, { env = process.env, ready = null, stdout = 'pipe', timeoutMs = 180_000 } = {}) {
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', stdout, 'pipe'] });
  const outChunks = [];
  const errChunks = [];
  let seen = '';
  let readyRes;
  const readyP = new Promise((res) => (readyRes = res));
  if (child.stdout) {
    child.stdout.on('data', (d) => {
      outChunks.push(d);
      if (ready && readyRes) {
        // Keep only a tail so a long output does not make this quadratic.
        seen = (seen + d.toString('latin1')).slice(-(ready.length + 65536));
        if (seen.includes(ready)) {
          const t = performance.now() - t0;
          readyRes(t);
          readyRes = null;
        }
      }
    });
  }
  child.stderr.on('data', (d) => errChunks.push(d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise((res) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      errChunks.push(Buffer.from(String(e.message)));
      if (readyRes) readyRes(null);
      res({ ms: performance.now() - t0, code: -1, signal: null, timedOut });
    });
    child.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (readyRes) readyRes(null);
      res({ ms, code, signal, timedOut });
    });
  });
  // 'exit' can fire before the last stdout bytes are read; 'close' waits for them.
  const closed = new Promise((res) => child.on('close', () => res()));
  return {
    child,
    pid: child.pid,
    t0,
    ready: readyP,
    exited,
    closed,
    /** Milliseconds since spawn, now. */
    now: () => performance.now() - t0,
    out: () => Buffer.concat(outChunks).toString('utf8'),
    err: () => Buffer.concat(errChunks).toString('utf8'),
    signal: (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
  };
}

/**
 * Send SIGINT and wait for the exit. bpftrace 0.17 now and then keeps polling after
 * a SIGINT (seen here in about 1 run in 5): after `graceMs` the signal is sent again
 * and the time counts from the signal that worked. Resolves with
 * {ms: signal -> exit, exit, resent: number of extra signals, killed}.
 */
export async function interrupt(run, { graceMs = 5000, tries = 3 } = {}) {
  for (let i = 0; i < tries; i++) {
    const t = run.now();
    run.signal('SIGINT');
    const ex = await Promise.race([run.exited, sleep(graceMs).then(() => null)]);
    if (ex) return { ms: ex.ms - t, exit: ex, resent: i, killed: false };
  }
  run.signal('SIGKILL');
  const ex = await run.exited;
  return { ms: NaN, exit: ex, resent: tries, killed: true };
}

/** Run to completion; resolves with the run, its exit and its output. */
export async function runToEnd(argv, opts = {}) {
  const r = launch(argv, opts);
  const ex = await r.exited;
  await r.closed;
  return { run: r, exit: ex, out: r.out(), err: r.err() };
}

/** One pass over /proc: pid -> ppid for every process. */
function parentTable() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // The comm field may hold spaces and parentheses: read after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(rest[1]));
    } catch {
      /* it exited meanwhile */
    }
  }
  return parents;
}

/** `root` and all its descendants. */
export function processTree(root) {
  const parents = parentTable();
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** VmRSS, VmHWM (kB) and the name of one process; null when it is gone. */
export function memOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (k) => {
      const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s);
      return m ? Number(m[1]) : 0;
    };
    const name = /^Name:\s+(.*)$/m.exec(s)?.[1] ?? '?';
    return { name, rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * Samples the summed VmRSS (kB) of the tree under `root` every `everyMs`.
 * `samples` holds {t (ms since `t0`), kb, names}; `hwm` maps pid -> {name, hwm} as last seen.
 */
export class TreeSampler {
  constructor(root, t0, everyMs = 10) {
    this.samples = [];
    this.hwm = new Map();
    this.timer = setInterval(() => this.sample(root, t0), everyMs);
    this.sample(root, t0);
  }

  sample(root, t0) {
    let kb = 0;
    const names = [];
    for (const pid of processTree(root)) {
      const m = memOf(pid);
      if (!m) continue;
      kb += m.rss;
      names.push(m.name);
      this.hwm.set(pid, { name: m.name, hwm: m.hwm });
    }
    if (kb > 0) this.samples.push({ t: performance.now() - t0, kb, names });
  }

  stop() {
    clearInterval(this.timer);
  }

  /** The largest summed RSS seen (kB). */
  peak() {
    return this.samples.reduce((m, s) => Math.max(m, s.kb), 0);
  }

  /** Summed RSS samples taken in [from, to) ms. */
  between(from, to) {
    return this.samples.filter((s) => s.t >= from && s.t < to).map((s) => s.kb);
  }

  /** Every process name seen in the tree. */
  namesSeen() {
    return [...new Set(this.samples.flatMap((s) => s.names))];
  }
}
