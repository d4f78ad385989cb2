// e2e: every way a trace ends. For each one - exit() in BEGIN, exit() in an interval
// probe, Ctrl-C (SIGINT to bpfscript, and to its whole process group as a terminal sends
// it), SIGTERM, SIGHUP, the -c command exiting or being killed, the -p process exiting,
// the reader of stdout going away, the loader helper being killed, and bpfscript itself
// being SIGKILLed - it checks that END ran exactly once when it should, the maps were
// printed exactly once, the exit status, and that no BPF program of the run is left
// loaded afterwards (for a SIGKILLed bpfscript: the helper notices and exits).
//
// Input: the built CLI and the target fixture. Output: vitest assertions.
// It must not signal any process it did not start (pids come from its own children).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildFixture, CLI_PATH, describeE2E, itE2E, REPO_ROOT } from './harness.js';
import { leftoverOfRun, programBaseline, RUN_TOKEN_ENV, TARGET } from './cases/golden-case.js';

/** A stack trace line of node: never shown to a user. */
const STACK_LINE = /^ {4}at /m;

// ---------------------------------------------------------------------------------
// A live bpfscript: started by us, watched while it runs, signalled by pid.

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from the start. */
  readonly ms: number;
}

interface Live {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly token: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the first match of `re` in stdout or stderr; rejects after timeoutMs or at exit. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  readonly exited: Promise<Exit>;
}

/** Longest a run may take before it is SIGKILLed (and the test fails on its exit). */
const HARD_TIMEOUT_MS = 30_000;
let tokenCounter = 0;

function start(args: readonly string[], opts: { detached?: boolean; env?: Record<string, string> } = {}): Live {
  const token = `exit-paths-${process.pid}-${++tokenCounter}`;
  const t0 = performance.now();
  const child = spawn(CLI_PATH, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env, [RUN_TOKEN_ENV]: token },
    stdio: ['ignore', 'pipe', 'pipe'],
    // detached: a new session and process group, as a shell gives a foreground job.
    detached: opts.detached ?? false,
  });
  const out = { stdout: '', stderr: '' };
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(out.stdout) ?? w.re.exec(out.stderr);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => ((out.stdout += s), check()));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => ((out.stderr += s), check()));
  const hard = setTimeout(() => child.kill('SIGKILL'), HARD_TIMEOUT_MS);
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(hard);
      resolve({ code, signal, ms: performance.now() - t0 });
    });
  });
  return {
    child,
    pid: child.pid!,
    token,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(re, timeoutMs = 15_000) {
      return new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`)), timeoutMs);
        const done = (m: RegExpExecArray) => (clearTimeout(timer), resolve(m));
        waiters.push({ re, resolve: done });
        check();
        void exited.then(() => {
          check();
          if (waiters.some((w) => w.resolve === done)) {
            clearTimeout(timer);
            reject(new Error(`exited before ${re} appeared\nstdout: ${out.stdout}\nstderr: ${out.stderr}`));
          }
        });
      });
    },
  };
}

/** /proc/<pid>/status fields, or null when the process is gone. */
function procStatus(pid: number): Record<string, string> | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  } catch {
    return null;
  }
}

/** The loader helper started by bpfscript `pid` (its child named bpfscript-loade[r]). */
function helperOf(pid: number): number | null {
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStatus(Number(e));
    if (st && st.PPid === String(pid) && (st.Name ?? '').startsWith('bpfscript-load')) return Number(e);
  }
  return null;
}

/** Gone, or a zombie: it has exited (a zombie only waits to be reaped). */
function hasExited(pid: number): boolean {
  const st = procStatus(pid);
  return st === null || (st.State ?? '').startsWith('Z');
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))?.length ?? 0;

// ---------------------------------------------------------------------------------
// The script: BEGIN and END print a line each; a tracepoint that fires all the time and
// an interval fill two maps, which are printed once at the end.

let dir = '';
let script = '';
/** The script's complete output when the trace ran to a normal end. */
const NORMAL_END = /^Attaching 4 probes\.\.\.\n(?:child \d+\n)?begin\nend\n\n\n@sys: (\d+)\n@ticks: (\d+)\n$/;
const SCRIPT = `BEGIN
{
	printf("begin\\n");
}

tracepoint:raw_syscalls:sys_enter
{
	@sys = count();
}

interval:ms:20
{
	@ticks = count();
}

END
{
	printf("end\\n");
}
`;

/** The same with the -c child's pid printed first. */
const SCRIPT_C = SCRIPT.replace('printf("begin\\n");', 'printf("child %d\\n", cpid);\n\tprintf("begin\\n");');

function writeScript(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** The checks shared by every path that ends normally: END and maps exactly once. */
function expectNormalEnd(live: Live, exit: Exit, code = 0): void {
  const stdout = live.stdout();
  const why = `stdout:\n${stdout}\nstderr:\n${live.stderr()}`;
  expect.soft(count(stdout, /^end$/m), `END output lines; ${why}`).toBe(1);
  expect.soft(count(stdout, /^@sys: /m), `@sys printed; ${why}`).toBe(1);
  expect.soft(count(stdout, /^@ticks: /m), `@ticks printed; ${why}`).toBe(1);
  expect.soft(stdout, why).toMatch(NORMAL_END);
  expect.soft(live.stderr(), why).not.toMatch(STACK_LINE);
  expect.soft(exit, why).toMatchObject({ code, signal: null });
}

async function expectNoLeftovers(baseline: number[], live: Live): Promise<void> {
  expect(await leftoverOfRun(baseline, live.token), 'BPF programs of this run left loaded').toBe(0);
}

// ---------------------------------------------------------------------------------

describeE2E('e2e: every way a trace ends', () => {
  beforeAll(async () => {
    await buildFixture('target');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-exit-paths-'));
    script = writeScript('trace.bt', SCRIPT);
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  itE2E('exit() in BEGIN: END runs once, the other probes never attach, maps print once', async () => {
    const baseline = await programBaseline();
    const p = writeScript(
      'exit-begin.bt',
      'BEGIN { printf("begin\\n"); @m = 1; exit(); }\ntracepoint:raw_syscalls:sys_enter { printf("never\\n"); }\nEND { printf("end\\n"); }\n',
    );
    const live = start([p]);
    const exit = await live.exited;
    expect(live.stdout()).toBe('Attaching 3 probes...\nbegin\nend\n\n\n@m: 1\n');
    expect(live.stderr()).not.toMatch(STACK_LINE);
    expect(exit).toMatchObject({ code: 0, signal: null });
    await expectNoLeftovers(baseline, live);
  });

  itE2E('exit() in an interval probe: nothing printed after it but END, maps once', async () => {
    const baseline = await programBaseline();
    const p = writeScript(
      'exit-interval.bt',
      'interval:ms:30 { @ticks++; printf("tick %d\\n", @ticks); if (@ticks == 3) { exit(); } }\nEND { printf("end\\n"); }\n',
    );
    const live = start([p]);
    const exit = await live.exited;
    expect(live.stdout()).toBe('Attaching 2 probes...\ntick 1\ntick 2\ntick 3\nend\n\n\n@ticks: 3\n');
    expect(exit).toMatchObject({ code: 0, signal: null });
    await expectNoLeftovers(baseline, live);
  });

  itE2E('exit(3) in an interval probe: the exit status is 3', async () => {
    const baseline = await programBaseline();
    const live = start(['-e', 'interval:ms:30 { exit(3); } END { printf("end\\n"); }']);
    const exit = await live.exited;
    // Two newlines before the (here empty) map listing, as bpftrace prints them.
    expect(live.stdout()).toBe('Attaching 2 probes...\nend\n\n\n');
    expect(exit).toMatchObject({ code: 3, signal: null });
    await expectNoLeftovers(baseline, live);
  });

  itE2E.for([
    { how: 'SIGINT to bpfscript (kill -INT)', signal: 'SIGINT' as const, group: false },
    { how: 'Ctrl-C (SIGINT to the whole process group)', signal: 'SIGINT' as const, group: true },
    { how: 'SIGTERM', signal: 'SIGTERM' as const, group: false },
    { how: 'SIGTERM to the whole process group', signal: 'SIGTERM' as const, group: true },
    { how: 'SIGHUP to bpfscript', signal: 'SIGHUP' as const, group: false },
    { how: 'SIGHUP to the whole process group (the terminal closed)', signal: 'SIGHUP' as const, group: true },
  ])('$how after "Attaching": END once, maps once, exit 0', async ({ signal, group }) => {
    const baseline = await programBaseline();
    const live = start([script], { detached: group });
    await live.waitFor(/^begin$/m);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(group ? -live.pid : live.pid, signal);
    const exit = await live.exited;
    expectNormalEnd(live, exit);
    expect(Number(NORMAL_END.exec(live.stdout())?.[2] ?? 0), 'ticks counted before the signal').toBeGreaterThan(0);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('SIGINT twice in a row: END still runs exactly once', async () => {
    const baseline = await programBaseline();
    const live = start([script]);
    await live.waitFor(/^begin$/m);
    // "begin" comes before the probes are attached; a stop before interval:ms:20 first
    // fires would rightly print no @ticks (bpftrace neither), which is not this test's point.
    await new Promise((r) => setTimeout(r, 100));
    process.kill(live.pid, 'SIGINT');
    process.kill(live.pid, 'SIGINT');
    const exit = await live.exited;
    expectNormalEnd(live, exit);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('-c command exits: the trace ends with it, END once, maps once', async () => {
    const baseline = await programBaseline();
    const live = start(['-c', `${TARGET} sleep 300`, writeScript('c.bt', SCRIPT_C)]);
    const exit = await live.exited;
    expectNormalEnd(live, exit);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('-c command killed by SIGKILL: the trace ends, END once, maps once, exit 0', async () => {
    const baseline = await programBaseline();
    const live = start(['-c', `${TARGET} sleep 20000`, writeScript('c-kill.bt', SCRIPT_C)]);
    const [, pid] = await live.waitFor(/^child (\d+)$/m);
    await live.waitFor(/^begin$/m);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(Number(pid), 'SIGKILL');
    const exit = await live.exited;
    expect(exit.ms, 'ended soon after the child died, not at the child sleep\'s end').toBeLessThan(15_000);
    expectNormalEnd(live, exit);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('Ctrl-C with a -c command: both get SIGINT, END once, the child is gone', async () => {
    const baseline = await programBaseline();
    const live = start(['-c', `${TARGET} sleep 20000`, writeScript('c-int.bt', SCRIPT_C)], { detached: true });
    const [, pid] = await live.waitFor(/^child (\d+)$/m);
    await live.waitFor(/^begin$/m);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(-live.pid, 'SIGINT');
    const exit = await live.exited;
    expectNormalEnd(live, exit);
    expect(await waitUntil(() => hasExited(Number(pid)), 3_000), 'the -c child exited').toBe(true);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('SIGTERM with a -c command still running: END once, the child is not left behind', async () => {
    const baseline = await programBaseline();
    const live = start(['-c', `${TARGET} sleep 20000`, writeScript('c-term.bt', SCRIPT_C)]);
    const [, pid] = await live.waitFor(/^child (\d+)$/m);
    await live.waitFor(/^begin$/m);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(live.pid, 'SIGTERM');
    const exit = await live.exited;
    expectNormalEnd(live, exit);
    expect(await waitUntil(() => hasExited(Number(pid)), 3_000), 'the -c child was ended too').toBe(true);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('-p PID: the traced process exits, the trace ends, END once, maps once', async () => {
    const baseline = await programBaseline();
    const target = spawn(path.join(REPO_ROOT, TARGET), ['sleep', '1500'], { stdio: 'ignore' });
    const targetExit = new Promise<number>((r) => target.on('exit', () => r(performance.now())));
    try {
      const live = start(['-p', String(target.pid), script]);
      const exit = await live.exited;
      const ended = performance.now();
      expectNormalEnd(live, exit);
      expect(ended - (await targetExit), 'ended within 3 s of the process').toBeLessThan(3_000);
      await expectNoLeftovers(baseline, live);
    } finally {
      if (target.exitCode === null && target.signalCode === null) target.kill('SIGKILL');
    }
  });

  itE2E('the reader of stdout goes away (EPIPE): the trace stops quietly, nothing left', async () => {
    const baseline = await programBaseline();
    const live = start(['-e', 'interval:ms:10 { printf("tick\\n"); }']);
    await live.waitFor(/^tick$/m);
    live.child.stdout!.destroy();
    const exit = await live.exited;
    expect(exit.ms).toBeLessThan(HARD_TIMEOUT_MS);
    expect(exit.signal === null || exit.signal === 'SIGPIPE', `exit ${JSON.stringify(exit)}`).toBe(true);
    expect(live.stderr()).not.toMatch(STACK_LINE);
    expect(live.stderr()).not.toMatch(/internal error/);
    await expectNoLeftovers(baseline, live);
  });

  itE2E('the loader helper killed with SIGKILL: E011 on stderr, exit 1, no stack trace, nothing left', async () => {
    const baseline = await programBaseline();
    const live = start([script]);
    await live.waitFor(/^begin$/m);
    const helper = helperOf(live.pid);
    expect(helper, 'the bpfscript-loader child').not.toBeNull();
    process.kill(helper!, 'SIGKILL');
    const exit = await live.exited;
    const why = `stdout:\n${live.stdout()}\nstderr:\n${live.stderr()}`;
    expect(live.stderr(), why).toMatch(/ERROR: the loader helper exited unexpectedly: killed by SIGKILL/);
    expect(live.stderr(), why).not.toMatch(STACK_LINE);
    expect(count(live.stdout(), /^end$/m), why).toBeLessThanOrEqual(1);
    expect(exit, why).toMatchObject({ code: 1, signal: null });
    await expectNoLeftovers(baseline, live);
  });

  itE2E('bpfscript killed with SIGKILL: the helper notices, detaches and exits', async () => {
    const baseline = await programBaseline();
    const live = start([script]);
    await live.waitFor(/^begin$/m);
    const helper = helperOf(live.pid);
    expect(helper, 'the bpfscript-loader child').not.toBeNull();
    process.kill(live.pid, 'SIGKILL');
    const exit = await live.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(await waitUntil(() => hasExited(helper!), 3_000), `helper ${helper} still running 3 s after bpfscript died`).toBe(true);
    await expectNoLeftovers(baseline, live);
  });
});
