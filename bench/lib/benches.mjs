// benches: the benchmarks. Each one runs its variants interleaved (the order rotates
// every repetition), bpftrace and bpfscript in the same run, and returns table rows
// (bench/lib/table.mjs) holding every sample, so ratios and medians are computed once.
// Input: a context (paths, repetitions, a logger) from main.mjs.
// Output: rows; progress lines go to ctx.log (stderr).
// Must not: judge anything by absolute times (only ratios have targets), or kill any
// process it did not start.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { interrupt, launch, runToEnd, sleep, TreeSampler, untilQuiet } from './proc.mjs';
import { countMapLines, median, parseBaselineTotal, parseLoop, parseLost, parseScalarMap, rotate } from './stats.mjs';
import { EVENT_SCRIPTS, SCRIPT_A, SCRIPT_B, SCRIPT_MAP, SCRIPT_PRINTF, eventScript, scriptC, scriptCArgs, untilCtrlC } from './scripts.mjs';

/** After "Attaching N probes..." both tools still attach; this is plenty for one tracepoint. */
const ATTACH_SETTLE_MS = 500;
/** How long a Ctrl-C run traces before the harness sends SIGINT. */
const TRACE_BEFORE_SIGINT_MS = 300;

// ------------------------------------------------------------------ tool command lines

/**
 * argv and environment of one variant: 'bpftrace', 'cold' (bpfscript with an empty
 * compile cache) or 'warm' (bpfscript with the cache warmed). `done()` removes the
 * cold cache directory.
 */
async function variant(ctx, which, script, { args = [], env = {} } = {}) {
  const base = { ...process.env, ...env };
  if (which === 'bpftrace') return { argv: [ctx.bpftrace, ...args, '-e', script], env: base, done: () => undefined };
  await whileRebuilding(ctx);
  let dir = ctx.warmCache;
  let done = () => undefined;
  if (which === 'cold') {
    dir = mkdtempSync(join(ctx.cacheRoot, 'cold-'));
    done = () => rmSync(dir, { recursive: true, force: true });
  }
  return { argv: [ctx.bpfscript, ...args, '-e', script], env: { ...base, BPFSCRIPT_CACHE_DIR: dir }, done };
}

/**
 * Other people rebuild bpfscript on this machine (npm run build) while the benchmarks run;
 * for a moment dist/bpfscript.js or the loader helper is missing. Wait for them (up to 2 min)
 * rather than record a failed run.
 */
async function whileRebuilding(ctx) {
  for (let i = 0; i < 1200 && !ctx.builtFiles.every((f) => existsSync(f)); i++) await sleep(100);
}

const LABEL = { bpftrace: 'bpftrace', cold: 'bpfscript cold', warm: 'bpfscript cached', baseline: 'baseline' };

/** Compile-and-run once with the warm cache so later 'warm' runs hit it. */
async function warmUp(ctx, script, opts = {}) {
  const v = await variant(ctx, 'warm', script, opts);
  const r = launch([...v.argv], { env: v.env, ready: 'ready' });
  const ready = await Promise.race([r.ready, sleep(60_000).then(() => null)]);
  if (ready === null) ctx.log(`  warm-up did not print ready: ${r.err().trim().split('\n')[0] ?? ''}\n`);
  await interrupt(r);
}

function fail(ctx, what, r, extra = '') {
  const err = r.err().replace(/.*RLIMIT_MEMLOCK.*\n?/g, '').trim();
  ctx.log(`  ! ${what} failed${extra ? ': ' + extra : ''}${err ? ' | ' + err.split('\n').slice(0, 3).join(' | ') : ''}\n`);
  ctx.failures.push(what);
}

/** Count the runs where the first SIGINT was not enough (a bpftrace 0.17 quirk). */
function noteResent(ctx, who, st) {
  if (st.resent > 0) ctx.resent[who] = (ctx.resent[who] ?? 0) + 1;
}

const ms = (x) => (x === null || x === undefined ? '-' : `${x.toFixed(0)} ms`);

// ------------------------------------------------------------------ start and exit

/**
 * (a) start -> exit; (b), (c) start -> "ready" and exit() -> exit, cold and cached;
 * the Ctrl-C forms of (b), (c): SIGINT -> exit; (c) with args (key d): start -> "ready".
 */
export async function benchStart(ctx) {
  const scripts = { a: SCRIPT_A, b: SCRIPT_B, c: scriptC(ctx.driver), d: scriptCArgs(ctx.driver) };
  const s = {};
  const push = (k, who, v) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return;
    ((s[k] ??= {})[who] ??= []).push(v);
  };
  for (const [k, text] of Object.entries(scripts)) {
    if (k === 'b' || k === 'c') await warmUp(ctx, untilCtrlC(text));
    await warmUp(ctx, text);
  }
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const k of ['a', 'b', 'c', 'd']) {
      const runs = [
        ['bpftrace', 'exit'],
        ['cold', 'exit'],
        ['warm', 'exit'],
      ];
      if (k === 'b' || k === 'c') runs.push(['bpftrace', 'sigint'], ['warm', 'sigint']);
      for (const [which, how] of rotate(runs, rep)) {
        const text = how === 'sigint' ? untilCtrlC(scripts[k]) : scripts[k];
        const v = await variant(ctx, which, text);
        await untilQuiet();
        const r = launch(v.argv, { env: v.env, ready: 'ready\n' });
        const who = which === 'bpftrace' ? 'bpftrace' : 'bpfscript';
        const tag = which === 'bpftrace' ? 'bpftrace' : which;
        if (how === 'exit') {
          const ready = await r.ready;
          const ex = await r.exited;
          v.done();
          if (ex.code !== 0 || ready === null) {
            fail(ctx, `start ${k} ${LABEL[which]}`, r, `exit ${ex.code ?? ex.signal}${ready === null ? ', no ready line' : ''}`);
            continue;
          }
          if (k === 'a') {
            push(`a-${tag}`, who, ex.ms);
            if (which === 'bpftrace') push('a-cold', who, ex.ms), push('a-warm', who, ex.ms);
          } else {
            push(`${k}-ready-${tag}`, who, ready);
            if (which === 'bpftrace') push(`${k}-ready-cold`, who, ready), push(`${k}-ready-warm`, who, ready);
            push(`${k}-exit`, who, ex.ms - ready);
          }
          ctx.log(`  [start ${rep + 1}/${ctx.reps}] (${k}) ${LABEL[which]}: ${k === 'a' ? `exit ${ms(ex.ms)}` : `ready ${ms(ready)}, exit() -> exit ${ms(ex.ms - ready)}`}\n`);
        } else {
          const ready = await r.ready;
          if (ready === null) {
            const ex = await r.exited;
            v.done();
            fail(ctx, `start ${k} (Ctrl-C) ${LABEL[which]}`, r, `exit ${ex.code ?? ex.signal} before ready`);
            continue;
          }
          await sleep(TRACE_BEFORE_SIGINT_MS);
          const st = await interrupt(r);
          v.done();
          noteResent(ctx, who, st);
          if (st.exit.code !== 0) {
            fail(ctx, `start ${k} (Ctrl-C) ${LABEL[which]}`, r, `exit ${st.exit.code ?? st.exit.signal}`);
            continue;
          }
          push(`${k}-sigint`, who, st.ms);
          ctx.log(`  [start ${rep + 1}/${ctx.reps}] (${k}) Ctrl-C ${LABEL[which]}: SIGINT -> exit ${ms(st.ms)}${st.resent ? ` (SIGINT sent ${st.resent + 1} times)` : ''}\n`);
        }
      }
    }
  }
  const row = (key, metric, op, value, note) => ({
    metric,
    unit: 'ms',
    better: 'lower',
    ref: 'bpftrace',
    samples: s[key] ?? {},
    target: { op, value },
    note,
  });
  return [
    row('a-cold', '(a) start -> exit, cold', '<=', 0.8, 'cold: BPFSCRIPT_CACHE_DIR is a new empty directory each run'),
    row('a-warm', '(a) start -> exit, cached', '<=', 0.5),
    row('b-ready-cold', '(b) start -> ready, cold', '<=', 1.0, '"ready" is printed by an interval:ms:1 probe, so every other probe is attached by then'),
    row('b-ready-warm', '(b) start -> ready, cached', '<=', 0.7),
    row('c-ready-cold', '(c) 10 probes: start -> ready, cold', '<=', 1.0),
    row('c-ready-warm', '(c) 10 probes: start -> ready, cached', '<=', 0.7),
    row('d-ready-cold', '(c) with args: start -> ready, cold', '<=', 1.0, "(c)'s probes with the 5 tracepoints reading args (bpftrace then parses their formats with its clang)"),
    row('d-ready-warm', '(c) with args: start -> ready, cached', '<=', 0.7),
    row('b-exit', '(b) exit() -> process exit', '<=', 0.3, 'from the "ready" line (printed just before exit() in the same probe) to the exit of the process; includes printing the maps'),
    row('b-sigint', '(b) Ctrl-C -> process exit', '<=', 0.3, 'SIGINT sent after tracing 300 ms; includes printing the maps'),
    row('c-exit', '(c) exit() -> process exit', '<=', 0.3),
    row('c-sigint', '(c) Ctrl-C -> process exit', '<=', 0.3),
  ];
}

// ------------------------------------------------------------------ memory

/**
 * Summed VmRSS of the process tree (bpfscript: node + loader helper + clang while it
 * runs; bpftrace: itself and what it spawns) while tracing script (b) until Ctrl-C:
 * bpfscript with a cold compile cache (clang runs: the peak) and a warm one.
 */
export async function benchMemory(ctx) {
  const text = untilCtrlC(SCRIPT_B);
  const s = { steadyCold: {}, steadyWarm: {}, peak: {} };
  const notes = new Set();
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const which of rotate(['bpftrace', 'cold', 'warm'], rep)) {
      const v = await variant(ctx, which, text);
      const r = launch(v.argv, { env: v.env, ready: 'ready\n' });
      const sampler = new TreeSampler(r.pid, r.t0, 2);
      const ready = await r.ready;
      if (ready === null) {
        sampler.stop();
        const ex = await r.exited;
        v.done();
        fail(ctx, `memory ${LABEL[which]}`, r, `exit ${ex.code ?? ex.signal} before ready`);
        continue;
      }
      await sleep(1500);
      const st = await interrupt(r);
      const ex = st.exit;
      sampler.stop();
      v.done();
      const who = which === 'bpftrace' ? 'bpftrace' : 'bpfscript';
      noteResent(ctx, who, st);
      const steady = median(sampler.between(ready + 500, ready + 1500)) / 1024;
      const peak = sampler.peak() / 1024;
      const push = (k) => (s[k][who] ??= []).push(k === 'peak' ? peak : steady);
      if (which !== 'warm') push('steadyCold'), push('peak');
      if (which !== 'cold') push('steadyWarm');
      const names = sampler.namesSeen();
      if (which === 'cold' && !names.some((n) => n.startsWith('clang'))) notes.add('a cold run where the 2 ms sampler never saw clang (its peak may be missed)');
      ctx.log(`  [memory ${rep + 1}/${ctx.reps}] ${LABEL[which]}: steady ${steady.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB (${names.join(', ')}), exit ${ex.code}\n`);
    }
  }
  const row = (metric, key, value, note) => ({ metric, unit: 'MiB', better: 'lower', ref: 'bpftrace', samples: s[key], target: { op: '<=', value }, note });
  return [
    row(
      'memory while tracing (b), steady RSS, cold cache',
      'steadyCold',
      0.6,
      'summed VmRSS of the process tree (bpfscript: node + bpfscript-loader), median of 2 ms samples from 0.5 s to 1.5 s after ready; in the same runs as the peak',
    ),
    row('memory while tracing (b), steady RSS, cached', 'steadyWarm', 0.6, 'as above, compile cache warm (clang does not run)'),
    row(
      'memory peak incl. clang, (b) cold',
      'peak',
      1.1,
      `largest summed VmRSS of the tree over the whole run (2 ms samples, clang included while it runs: at 10 ms the sampler missed the peak of bpftrace's short clang-14 child in 2-3 of 5 runs)${notes.size ? '; ' + [...notes].join('; ') : ''}`,
    ),
  ];
}

// ------------------------------------------------------------------ per-event cost

/** One driver run pinned to `cpu`; its fastest batch's ns per call (null on failure). */
async function driverRun(ctx, cpu, mode, calls, batch) {
  const res = await runToEnd([ctx.taskset, '-c', String(cpu), ctx.driver, mode, String(calls), String(batch)]);
  const p = parseLoop(res.out);
  if (!p) {
    fail(ctx, `driver on CPU ${cpu}`, res.run);
    return null;
  }
  return p;
}

/**
 * Added ns per getppid() with each one-liner attached, on CPU 0 and CPU 1: bpftrace,
 * bpfscript and the hand-written baseline, each against untraced runs of the same
 * repetition (before and after).
 */
export async function benchEvents(ctx) {
  const calls = ctx.quick ? 500_000 : 1_000_000;
  const batch = 10_000;
  const cpus = [0, 1];
  const rows = [];
  const untraced = { 0: [], 1: [] };
  const added = {}; // key -> cpu -> who -> []
  for (const es of EVENT_SCRIPTS) await warmUpPlain(ctx, eventScript(es.body));
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const es of EVENT_SCRIPTS) {
      const text = eventScript(es.body);
      // Untraced runs before the first tool and after every tool: each tool is compared
      // with the untraced runs right before and after its own session (the load drifts).
      const untracedNow = async () => {
        const u = {};
        for (const cpu of cpus) u[cpu] = (await driverRun(ctx, cpu, 'getppid', calls, batch))?.minNs ?? NaN;
        return u;
      };
      let before = await untracedNow();
      const traced = {};
      const around = {};
      for (const who of rotate(['bpftrace', 'bpfscript', 'baseline'], rep)) {
        let r;
        let v = { done: () => undefined };
        if (who === 'baseline') {
          r = launch([ctx.blLoader, ctx.blObj, es.prog], { ready: 'ready\n' });
        } else {
          v = await variant(ctx, who === 'bpftrace' ? 'bpftrace' : 'warm', text);
          r = launch(v.argv, { env: v.env, ready: 'Attaching' });
        }
        const ready = await r.ready;
        if (ready === null) {
          const ex = await r.exited;
          v.done();
          fail(ctx, `events ${es.key} ${who}`, r, `exit ${ex.code ?? ex.signal} before attaching`);
          continue;
        }
        await sleep(ATTACH_SETTLE_MS);
        const got = {};
        for (const cpu of cpus) got[cpu] = await driverRun(ctx, cpu, 'getppid', calls, batch);
        const st = await interrupt(r);
        const ex = st.exit;
        await r.closed;
        v.done();
        noteResent(ctx, who, st);
        const after = await untracedNow();
        around[who] = { before, after };
        before = after;
        // Check the probe really counted every call (a late attach would understate the cost).
        const out = r.out();
        let seen = NaN;
        if (who === 'baseline') seen = parseBaselineTotal(out)?.total ?? NaN;
        else if (es.key === 'count') seen = parseScalarMap(out, '');
        if (ex.code !== 0 || (es.countsEvents && Number.isFinite(seen) && seen < cpus.length * calls) || (es.key === 'count' && !Number.isFinite(seen))) {
          fail(ctx, `events ${es.key} ${who}`, r, `exit ${ex.code ?? ex.signal}, counted ${seen} of ${cpus.length * calls}`);
          continue;
        }
        traced[who] = got;
      }
      for (const cpu of cpus) {
        const parts = [];
        for (const [who, got] of Object.entries(traced)) {
          const b = (around[who].before[cpu] + around[who].after[cpu]) / 2;
          if (!got[cpu] || !Number.isFinite(b)) continue;
          untraced[cpu].push(b);
          const a = got[cpu].minNs - b;
          (((added[es.key] ??= {})[cpu] ??= {})[who] ??= []).push(a);
          parts.push(`${who} ${got[cpu].minNs.toFixed(0)} - ${b.toFixed(0)} = +${a.toFixed(0)}`);
        }
        ctx.log(`  [events ${rep + 1}/${ctx.reps}] ${es.body} CPU ${cpu}: ${parts.join('; ')} ns\n`);
      }
    }
  }
  for (const cpu of cpus) {
    rows.push({
      metric: `untraced getppid() CPU ${cpu}`,
      unit: 'ns/call',
      better: 'lower',
      ref: null,
      samples: { bpfscript: untraced[cpu] },
      target: null,
      note: cpu === 0 ? 'fastest 10k-call batch of each driver run (taskset-pinned); "added" = a traced run minus the mean of the untraced runs right before and after that tool\'s session' : undefined,
    });
  }
  for (const es of EVENT_SCRIPTS) {
    for (const cpu of cpus) {
      rows.push({
        metric: `added per event, ${es.body}, CPU ${cpu}`,
        unit: 'ns',
        better: 'lower',
        ref: 'baseline',
        samples: added[es.key]?.[cpu] ?? {},
        target: { op: '<=', value: es.target },
        digits: 0,
      });
    }
  }
  return rows;
}

/** Warm the cache for a script that prints no "ready": wait for Attaching, then stop. */
async function warmUpPlain(ctx, script, env = {}) {
  const v = await variant(ctx, 'warm', script, { env });
  const r = launch(v.argv, { env: v.env, ready: 'Attaching' });
  await r.ready;
  await interrupt(r);
}

// ------------------------------------------------------------------ printf throughput

/** Polls a file's size; first and last growth times (ms since t0). */
class SizeWatch {
  constructor(path, t0, skipBytes) {
    this.first = null;
    this.last = null;
    this.size = 0;
    this.timer = setInterval(() => {
      let sz = 0;
      try {
        sz = statSync(path).size;
      } catch {
        return;
      }
      const t = performance.now() - t0;
      if (sz > this.size) {
        if (this.first === null && sz > skipBytes) this.first = t;
        this.last = t;
        this.size = sz;
      }
    }, 5);
  }

  stop() {
    clearInterval(this.timer);
  }
}

/**
 * printf("%d %s\n", pid, comm) on every getppid of a 1M-call driver (pinned, CPU
 * alternating per repetition), output to a file: lines/s, events lost, how much the
 * driver slowed down; then bpfscript with a one-page ring, where printed + lost must
 * equal the calls exactly.
 */
export async function benchPrintf(ctx) {
  const calls = 1_000_000;
  const s = { rate: {}, slow: {}, lost: {} };
  const exact = [];
  const untraced = [];
  // Events neither printed nor reported lost, per tool (bpftrace -c stops reading at the child's exit).
  const missing = { bpftrace: [], bpfscript: [] };
  const tmp = join(ctx.outDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  await warmUpPlain(ctx, SCRIPT_PRINTF);
  for (let rep = 0; rep < ctx.reps; rep++) {
    const cpu = rep % 2 === 0 ? 1 : 0;
    // An absolute path: bpftrace's -c refuses a name that two PATH entries (/bin, /usr/bin) match.
    const drv = `${ctx.taskset} -c ${cpu} ${ctx.driver} getppid ${calls} ${calls}`;
    const basep = await driverRun(ctx, cpu, 'getppid', calls, calls);
    const base = basep ? basep.avgNs : NaN;
    untraced.push(base);
    for (const which of rotate(['bpftrace', 'warm', 'tiny'], rep)) {
      const outFile = join(tmp, `printf-${which}.txt`);
      writeFileSync(outFile, '');
      const env = which === 'tiny' ? { BPFTRACE_PERF_RB_PAGES: '1' } : {};
      const v = await variant(ctx, which === 'bpftrace' ? 'bpftrace' : 'warm', SCRIPT_PRINTF, { args: ['-o', outFile, '-c', drv], env });
      const r = launch(v.argv, { env: v.env });
      const watch = new SizeWatch(outFile, r.t0, 64);
      const ex = await r.exited;
      await r.closed;
      watch.stop();
      v.done();
      const who = which === 'bpftrace' ? 'bpftrace' : 'bpfscript';
      const p = parseLoop(r.out());
      const text = readFileSync(outFile, 'latin1');
      let lines = 0;
      for (let i = text.indexOf(' syscall-loop\n'); i >= 0; i = text.indexOf(' syscall-loop\n', i + 1)) lines++;
      const lost = parseLost(r.err());
      if (ex.code !== 0 || !p) {
        fail(ctx, `printf ${which}`, r, `exit ${ex.code ?? ex.signal}`);
        continue;
      }
      const span = (watch.last ?? 0) - (watch.first ?? 0);
      const rate = span > 0 ? lines / (span / 1000) : NaN;
      const slow = p.avgNs - base;
      if (which === 'tiny') {
        exact.push({ lines, lost, calls, ok: lines + lost === calls });
        ctx.log(`  [printf ${rep + 1}/${ctx.reps}] bpfscript 1-page ring, CPU ${cpu}: ${lines} printed + ${lost} lost = ${lines + lost} of ${calls}\n`);
      } else {
        (s.rate[who] ??= []).push(rate);
        (s.slow[who] ??= []).push(slow);
        (s.lost[who] ??= []).push(lost);
        if (lines + lost < calls) missing[who].push(calls - lines - lost);
        ctx.log(`  [printf ${rep + 1}/${ctx.reps}] ${LABEL[which]}, CPU ${cpu}: ${lines} lines in ${span.toFixed(0)} ms = ${(rate / 1e3).toFixed(0)}k lines/s, lost ${lost}, driver ${p.avgNs.toFixed(0)} ns/call (untraced ${base.toFixed(0)})\n`);
      }
      rmSync(outFile, { force: true });
    }
  }
  const lostRuns = s.lost.bpfscript ?? [];
  const exactOk = exact.length > 0 && exact.every((e) => e.ok);
  return [
    {
      metric: 'printf throughput (1M events, -o file)',
      unit: 'lines/s',
      better: 'higher',
      ref: 'bpftrace',
      samples: s.rate,
      target: { op: '>=', value: 5 },
      note: 'lines in the file / time between its first and last growth (5 ms polling); the driver is pinned, CPU 1 and CPU 0 alternating by repetition; the script filters /pid == cpid/',
    },
    {
      metric: 'printf: traced process slowdown',
      unit: 'ns/event',
      better: 'lower',
      ref: 'bpftrace',
      samples: s.slow,
      target: { op: '<=', value: 0.1 },
      note: `driver's ns per getppid() traced minus untraced (untraced median ${median(untraced).toFixed(0)} ns)`,
    },
    {
      metric: 'printf: events lost, default ring',
      unit: 'events',
      better: 'lower',
      ref: null,
      samples: s.lost,
      check: {
        pass: lostRuns.length > 0 && lostRuns.every((x) => x === 0) && missing.bpfscript.length === 0,
        text: `bpfscript lost ${lostRuns.reduce((a, b) => a + b, 0)} in ${lostRuns.length} runs` + (missing.bpfscript.length ? `, ${missing.bpfscript.length} runs short without a report` : ''),
      },
      targetText: '0 lost',
      note:
        `reported lost ("Lost N events"); a run where printed + reported lost < generated counts as a failure. ` +
        `bpftrace was short without a report in ${missing.bpftrace.length} of ${(s.lost.bpftrace ?? []).length} runs` +
        (missing.bpftrace.length ? ` (by ${Math.min(...missing.bpftrace)}-${Math.max(...missing.bpftrace)} events: it stops reading its perf buffers when the -c child exits)` : ''),
    },
    {
      metric: 'printf: 1-page ring, printed + lost = generated',
      unit: '',
      better: 'lower',
      ref: null,
      samples: {},
      check: {
        pass: exactOk,
        text: exact.length ? `${exact.filter((e) => e.ok).length}/${exact.length} exact` + (exact.length ? ` (e.g. ${exact[0].lines} + ${exact[0].lost} = ${exact[0].lines + exact[0].lost})` : '') : 'no runs',
      },
      targetText: 'exact',
      note: 'BPFTRACE_PERF_RB_PAGES=1; lost = the sum of the "Lost N events in probe X" lines on stderr',
    },
  ];
}

// ------------------------------------------------------------------ map printing

/** Poll a file until it holds `text`; ms since t0, or null after `timeoutMs`. */
async function waitForFile(path, text, t0, timeoutMs = 120_000) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    try {
      if (readFileSync(path, 'latin1').includes(text)) return performance.now() - t0;
    } catch {
      /* not created yet */
    }
    await sleep(10);
  }
  return null;
}

/**
 * Ctrl-C -> exit of a tracer holding a 100k-entry map (BPFTRACE_MAP_KEYS_MAX=200000),
 * written with -o to a file (both tools), and once more to a pipe the harness reads,
 * where every entry must arrive.
 */
export async function benchMapPrint(ctx) {
  const keys = 100_000;
  const s = { file: {}, pipe: {} };
  const complete = { bpftrace: [], bpfscript: [] };
  const env = { BPFTRACE_MAP_KEYS_MAX: '200000' };
  const tmp = join(ctx.outDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  await warmUpPlain(ctx, SCRIPT_MAP, env);
  const runs = [
    ['bpftrace', 'file'],
    ['warm', 'file'],
    ['bpftrace', 'pipe'],
    ['warm', 'pipe'],
  ];
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const [which, how] of rotate(runs, rep)) {
      const who = which === 'bpftrace' ? 'bpftrace' : 'bpfscript';
      const outFile = join(tmp, `map-${who}.txt`);
      rmSync(outFile, { force: true });
      const v = await variant(ctx, which, SCRIPT_MAP, { env, args: how === 'file' ? ['-o', outFile] : [] });
      const r = launch(v.argv, { env: v.env, ready: how === 'pipe' ? 'Attaching' : null });
      const ready = how === 'pipe' ? await r.ready : await Promise.race([waitForFile(outFile, 'Attaching', r.t0), r.exited.then(() => null)]);
      if (ready === null) {
        await interrupt(r);
        v.done();
        fail(ctx, `mapprint ${LABEL[which]} (${how})`, r, 'did not attach');
        continue;
      }
      await sleep(ATTACH_SETTLE_MS);
      await driverRun(ctx, 1, 'getpgid', keys, keys);
      await sleep(100);
      const st = await interrupt(r);
      const ex = st.exit;
      await r.closed;
      v.done();
      noteResent(ctx, who, st);
      const lines = countMapLines(how === 'file' ? readFileSync(outFile, 'latin1') : r.out(), 'm');
      rmSync(outFile, { force: true });
      if (how === 'pipe') complete[who].push(lines);
      if (ex.code !== 0 || lines < keys) {
        fail(ctx, `mapprint ${LABEL[which]} (${how})`, r, `exit ${ex.code ?? ex.signal}, ${lines} of ${keys} entries printed`);
        continue;
      }
      (s[how][who] ??= []).push(st.ms);
      ctx.log(`  [mapprint ${rep + 1}/${ctx.reps}] ${LABEL[which]} (${how}): ${lines} entries, SIGINT -> exit ${ms(st.ms)}\n`);
    }
  }
  const full = complete.bpfscript.filter((n) => n >= keys).length;
  return [
    {
      metric: 'print a 100k-entry map at exit, -o file (Ctrl-C -> exit)',
      unit: 'ms',
      better: 'lower',
      ref: 'bpftrace',
      samples: s.file,
      target: { op: '<=', value: 1.0 },
      note: `${SCRIPT_MAP} after getpgid(0..99999); BPFTRACE_MAP_KEYS_MAX=200000`,
    },
    {
      metric: 'print a 100k-entry map at exit, stdout pipe (Ctrl-C -> exit)',
      unit: 'ms',
      better: 'lower',
      ref: 'bpftrace',
      samples: s.pipe,
      check: {
        pass: complete.bpfscript.length > 0 && full === complete.bpfscript.length,
        text: `bpfscript printed all entries in ${full}/${complete.bpfscript.length} runs` + (full < complete.bpfscript.length ? ` (fewest: ${Math.min(...complete.bpfscript)})` : ''),
      },
      targetText: 'every entry arrives',
      note: 'the same through a pipe the harness reads; timings only from runs that printed every entry',
    },
  ];
}

export const BENCHES = {
  start: benchStart,
  memory: benchMemory,
  events: benchEvents,
  printf: benchPrintf,
  mapprint: benchMapPrint,
};
