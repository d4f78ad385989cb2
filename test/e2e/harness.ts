// The e2e test harness: every test/e2e/*.test.ts file uses it to run the real CLI
// against the real kernel.
//
// - bpfAvailable() / kernelBpfAvailable(): can this process load BPF here (and is the
//   project built)? Cached per worker; the reason says what is missing.
// - describeE2E / itE2E / itE2E.for: cases that are reported SKIPPED, with the reason in
//   their name, when BPF is unavailable - never silently passed. Each case is recorded as
//   executed or skipped in the run directory of test/e2e/global-setup.ts, which fails a
//   CI run whose every e2e case was skipped.
// - runCli / runProcess: bin/bpfscript (or any program) through execa, with a default
//   timeout, stdin, and a signal sent after some time or after output appears.
// - buildFixture(name): test/e2e/fixtures/<name>.c -> test/e2e/fixtures/bin/<name>.
// - leftoverPrograms(): BPF programs named `probe_*` still loaded (bpftool).
// - expected(name, actual?): golden files test/e2e/expected/<name>.txt; UPDATE_GOLDEN=1
//   rewrites them.
// It must not load BPF itself or change the machine beyond fixtures/bin and goldens.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, inject, it, type TestContext } from 'vitest';
import { E2E_RUN_DIR_ENV, E2E_RUN_DIR_KEY, type E2EStatus } from './global-setup.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = path.join(REPO_ROOT, 'bin', 'bpfscript');
export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'bpfscript.js');
export const LOADER_PATH = path.join(REPO_ROOT, 'native', 'loader', 'bpfscript-loader');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'fixtures');
export const FIXTURES_BIN_DIR = path.join(FIXTURES_DIR, 'bin');
export const EXPECTED_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'expected');

/** The prefix codegen gives every program (probe_<n>); leftoverPrograms() counts it. */
export const PROGRAM_PREFIX = 'probe_';

/** Default time a runCli/runProcess child may take before it is killed. */
export const DEFAULT_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------
// Availability

export type Availability = { ok: true } | { ok: false; reason: string };

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** Effective capabilities of this process, from /proc/self/status (0 if unreadable). */
function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

function hasCap(caps: bigint, bit: bigint): boolean {
  return ((caps >> bit) & 1n) === 1n;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function checkKernel(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  const caps = effectiveCaps();
  const root = process.geteuid?.() === 0;
  const privileged =
    root || hasCap(caps, CAP_SYS_ADMIN) || (hasCap(caps, CAP_BPF) && hasCap(caps, CAP_PERFMON));
  if (!privileged) {
    return { ok: false, reason: 'not root and no CAP_BPF+CAP_PERFMON (run the e2e tests as root)' };
  }
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) {
    return { ok: false, reason: 'kernel has no BTF (/sys/kernel/btf/vmlinux is missing)' };
  }
  const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  if (clang.error || clang.status !== 0) {
    return { ok: false, reason: 'clang is not installed (run ./setup.sh)' };
  }
  // A real BPF syscall: listing programs needs the bpf() syscall and the privilege the
  // tests need (BPF_PROG_GET_NEXT_ID), and proves no seccomp/LSM policy blocks bpf().
  const tool = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (tool.error) return { ok: false, reason: 'bpftool is not installed (run ./setup.sh)' };
  if (tool.status !== 0) {
    return {
      ok: false,
      reason: `the bpf() syscall is refused here: bpftool prog show: ${firstLine(tool.stderr)}`,
    };
  }
  return { ok: true };
}

function checkBuilt(): Availability {
  if (!fs.existsSync(CLI_MAIN)) {
    return { ok: false, reason: 'bpfscript is not built: dist/bpfscript.js is missing (run npm run build)' };
  }
  try {
    fs.accessSync(LOADER_PATH, fs.constants.X_OK);
  } catch {
    return {
      ok: false,
      reason: 'the loader is not built: native/loader/bpfscript-loader is missing (run npm run build)',
    };
  }
  return { ok: true };
}

let kernelCache: Availability | undefined;
let fullCache: Availability | undefined;

/** Root or CAP_BPF, kernel BTF, clang, and a working bpf() syscall. Cached. */
export function kernelBpfAvailable(): Availability {
  kernelCache ??= checkKernel();
  return kernelCache;
}

/** kernelBpfAvailable() plus a built CLI (dist/) and loader binary. Cached. */
export function bpfAvailable(): Availability {
  if (fullCache === undefined) {
    const kernel = kernelBpfAvailable();
    fullCache = kernel.ok ? checkBuilt() : kernel;
  }
  return fullCache;
}

// ---------------------------------------------------------------------------------
// describeE2E / itE2E and the executed/skipped accounting

/** What a case needs: the built CLI (default) or only a kernel that loads BPF. */
export type E2ERequirement = 'cli' | 'kernel';

export interface E2EOptions {
  readonly timeout?: number;
  readonly requires?: E2ERequirement;
}

export type E2EFn = (ctx: TestContext) => unknown;

function availability(requires: E2ERequirement | undefined): Availability {
  return requires === 'kernel' ? kernelBpfAvailable() : bpfAvailable();
}

function runDir(): string | undefined {
  let dir: string | undefined;
  try {
    dir = inject(E2E_RUN_DIR_KEY);
  } catch {
    dir = undefined; // not inside a vitest worker with our globalSetup
  }
  return dir || process.env[E2E_RUN_DIR_ENV] || undefined;
}

const localCounts = { executed: 0, skipped: 0 };

/** Counts recorded by this worker (the run-wide counts are in the run directory). */
export function e2eCounts(): { executed: number; skipped: number } {
  return { ...localCounts };
}

function record(status: E2EStatus, name: string, reason?: string): void {
  localCounts[status]++;
  const dir = runDir();
  if (!dir) return;
  const line = `${JSON.stringify(reason ? { status, name, reason } : { status, name })}\n`;
  // One file per worker (forks are processes, threads share a pid); O_APPEND keeps
  // short lines whole even if two writers ever shared a file.
  fs.appendFileSync(path.join(dir, `${process.pid}-${threadId}.jsonl`), line);
}

const announced = new Set<string>();

function skippedName(name: string, reason: string): string {
  if (!announced.has(reason)) {
    announced.add(reason);
    process.stderr.write(`bpfscript e2e: SKIPPING e2e cases: ${reason}\n`);
  }
  return `${name} [SKIPPED: ${reason}]`;
}

function normalizeOptions(opts: number | E2EOptions | undefined): E2EOptions {
  return typeof opts === 'number' ? { timeout: opts } : (opts ?? {});
}

/**
 * A suite of e2e cases. When BPF is unavailable the whole suite is skipped (its hooks do
 * not run, so a beforeAll that needs root cannot fail) and its name carries the reason.
 * Use itE2E inside it, so each case is counted.
 */
export function describeE2E(name: string, fn: () => void, opts?: { requires?: E2ERequirement }): void {
  const avail = availability(opts?.requires);
  if (avail.ok) {
    describe(name, fn);
    return;
  }
  const reason = avail.reason;
  // vitest runs the factory later, during collection; while it runs, every itE2E in it
  // is skipped and counted with this suite's reason (even one that needs less).
  describe.skip(skippedName(name, reason), () => {
    const outer = suiteSkipReason;
    suiteSkipReason = reason;
    try {
      fn();
    } finally {
      suiteSkipReason = outer;
    }
  });
}

let suiteSkipReason: string | undefined;

function caseAvailability(requires: E2ERequirement | undefined): Availability {
  return suiteSkipReason !== undefined ? { ok: false, reason: suiteSkipReason } : availability(requires);
}

function itE2EImpl(name: string, fn: E2EFn, opts?: number | E2EOptions): void {
  const o = normalizeOptions(opts);
  const avail = caseAvailability(o.requires);
  if (!avail.ok) {
    // Recorded at collection: a skipped body never runs.
    record('skipped', name, avail.reason);
    it.skip(skippedName(name, avail.reason), () => {});
    return;
  }
  it(
    name,
    async (ctx) => {
      record('executed', name);
      await fn(ctx);
    },
    o.timeout,
  );
}

function itE2EFor<T>(cases: readonly T[]) {
  return (name: string, fn: (row: T, ctx: TestContext) => unknown, opts?: number | E2EOptions): void => {
    const o = normalizeOptions(opts);
    const avail = caseAvailability(o.requires);
    if (!avail.ok) {
      for (let i = 0; i < cases.length; i++) record('skipped', name, avail.reason);
      it.skip.for(cases)(skippedName(name, avail.reason), () => {});
      return;
    }
    it.for(cases)(name, { timeout: o.timeout }, async (row, ctx) => {
      record('executed', name);
      await fn(row, ctx);
    });
  };
}

export interface ItE2E {
  (name: string, fn: E2EFn, opts?: number | E2EOptions): void;
  /** Table-driven cases, like vitest's `it.for`: fn(row, ctx), `%s`/`$field` in the name. */
  for<T>(cases: readonly T[]): (name: string, fn: (row: T, ctx: TestContext) => unknown, opts?: number | E2EOptions) => void;
}

/** One e2e case: runs when BPF is available, otherwise SKIPPED with the reason. */
export const itE2E: ItE2E = Object.assign(itE2EImpl, { for: itE2EFor });

// ---------------------------------------------------------------------------------
// Running the CLI

export type KillSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGKILL';

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (default: empty stdin). */
  readonly input?: string;
  /** Kill the child (SIGTERM, then SIGKILL 2 s later) after this long. Default 20 s. */
  readonly timeoutMs?: number;
  /** Extra environment variables (the parent's environment is inherited). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: the repository root. */
  readonly cwd?: string;
  /**
   * Send `signal` `ms` milliseconds after the start, or - with `waitFor` - `ms`
   * milliseconds after `waitFor` first matches everything the child has printed so far
   * on stdout or on stderr (e.g. `{ signal: 'SIGINT', ms: 0, waitFor: /Attaching/ }`).
   */
  readonly signalAfterMs?: { readonly signal: KillSignal; readonly ms: number; readonly waitFor?: RegExp };
}

export interface RunResult {
  /** Exactly what the child printed (no trailing newline is stripped). */
  readonly stdout: string;
  readonly stderr: string;
  /** Exit status, or null when the child was killed by a signal. */
  readonly code: number | null;
  /** The signal that killed the child, or null. */
  readonly signal: string | null;
  /** True when the harness killed the child because it ran past timeoutMs. */
  readonly timedOut: boolean;
  /** True when signalAfterMs fired (the signal was sent). */
  readonly signalSent: boolean;
  readonly durationMs: number;
}

/** Runs any program with the harness's conventions (see RunOptions). Never rejects. */
export async function runProcess(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const plan = opts.signalAfterMs;
  // A copy without g/y: those flags make test() stateful (lastIndex).
  const waitFor = plan?.waitFor ? new RegExp(plan.waitFor.source, plan.waitFor.flags.replace(/[gy]/g, '')) : undefined;
  let signalSent = false;
  let timer: NodeJS.Timeout | undefined;
  const seen = { stdout: '', stderr: '' };
  let matched = false;
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  // `binary: true` passes chunks through untouched, so the buffered result is
  // byte-for-byte what the child wrote; we only peek at it for `waitFor`.
  const watch = (stream: 'stdout' | 'stderr') => ({
    *transform(chunk: unknown) {
      if (waitFor && !matched) {
        seen[stream] += decoder[stream].decode(chunk as Uint8Array, { stream: true });
        if (waitFor.test(seen[stream])) {
          matched = true;
          schedule(plan?.ms ?? 0);
        }
      }
      yield chunk;
    },
    binary: true,
  });

  const child = execa(file, [...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env,
    extendEnv: true,
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: 2_000,
    reject: false,
    stripFinalNewline: false,
    stdout: [watch('stdout')],
    stderr: [watch('stderr')],
  });

  function schedule(ms: number): void {
    if (!plan || timer) return;
    timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        signalSent = child.kill(plan.signal);
      }
    }, ms);
  }
  if (plan && !waitFor) schedule(plan.ms);

  try {
    const result = await child;
    return {
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      code: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut: result.timedOut,
      signalSent,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Runs `bin/bpfscript ARGS` (see RunOptions). Never rejects. */
export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(CLI_PATH, args, opts);
}

// ---------------------------------------------------------------------------------
// Fixtures

/**
 * gcc flags for traced fixtures: debug info and symbols kept (uprobes by name, usym),
 * -O0 -fno-inline so every function is a real call, frame pointers for ustack, and a
 * non-PIE executable so symbol addresses are the runtime addresses.
 */
export const FIXTURE_CFLAGS: readonly string[] = [
  '-g',
  '-O0',
  '-fno-omit-frame-pointer',
  '-fno-inline',
  '-fno-pie',
  '-no-pie',
  '-pthread',
  '-Wall',
  '-Wextra',
];

const fixtureBuilds = new Map<string, Promise<string>>();

/**
 * Compiles test/e2e/fixtures/<name>.c into test/e2e/fixtures/bin/<name> and returns its
 * absolute path. Rebuilt only when the source or flags change (a stamp file holds their
 * hash), so workers and later runs reuse it; memoized within a worker.
 */
export function buildFixture(name: string): Promise<string> {
  let build = fixtureBuilds.get(name);
  if (!build) {
    build = compileFixture(name);
    fixtureBuilds.set(name, build);
    build.catch(() => fixtureBuilds.delete(name)); // let a later call retry
  }
  return build;
}

async function compileFixture(name: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad fixture name: ${name}`);
  const src = path.join(FIXTURES_DIR, `${name}.c`);
  const out = path.join(FIXTURES_BIN_DIR, name);
  const stamp = `${out}.stamp`;
  const hash = createHash('sha256')
    .update(FIXTURE_CFLAGS.join(' '))
    .update('\0')
    .update(fs.readFileSync(src))
    .digest('hex');
  if (fs.existsSync(out) && readOrEmpty(stamp) === hash) return out;

  fs.mkdirSync(FIXTURES_BIN_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${threadId}`;
  const gcc = await execa('gcc', [...FIXTURE_CFLAGS, '-o', tmp, src], { reject: false, all: true });
  if (gcc.exitCode !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`building fixture ${name} failed (gcc ${FIXTURE_CFLAGS.join(' ')}):\n${gcc.all ?? ''}`);
  }
  // rename() is atomic: a concurrent reader sees the old binary or the new one.
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, hash);
  return out;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------
// Leftover programs

export interface LoadedProgram {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  /** Processes holding the program open (bpftool's "pids"), when bpftool reports them. */
  readonly pids: readonly number[];
}

/** Every loaded BPF program whose (kernel, 15-char) name starts with `prefix`. */
export async function listPrograms(prefix = PROGRAM_PREFIX): Promise<LoadedProgram[]> {
  const r = await execa('bpftool', ['-j', 'prog', 'show'], { reject: false });
  if (r.exitCode !== 0) {
    throw new Error(`bpftool -j prog show failed: ${firstLine(String(r.stderr)) || String(r.stderr)}`);
  }
  const rows = JSON.parse(String(r.stdout) || '[]') as Array<{
    id: number;
    name?: string;
    type?: string;
    pids?: Array<{ pid: number }>;
  }>;
  return rows
    .filter((p) => (p.name ?? '').startsWith(prefix))
    .map((p) => ({ id: p.id, name: p.name ?? '', type: p.type ?? '', pids: (p.pids ?? []).map((x) => x.pid) }));
}

export interface LeftoverOptions {
  /** Name prefix to count (default `probe_`). */
  readonly prefix?: string;
  /** Program ids loaded before the test (e.g. from listPrograms()) that do not count. */
  readonly baseline?: Iterable<number>;
  /**
   * The kernel frees a program shortly after its last link/fd is closed (link release
   * runs from a workqueue), so a non-zero count is re-checked every 50 ms for up to
   * this long before it is returned. Default 2000; 0 returns the first count.
   */
  readonly settleMs?: number;
}

/** How many matching BPF programs are still loaded (0 after a clean exit). */
export async function leftoverPrograms(opts: LeftoverOptions = {}): Promise<number> {
  const ignore = new Set(opts.baseline ?? []);
  const deadline = performance.now() + (opts.settleMs ?? 2_000);
  for (;;) {
    const n = (await listPrograms(opts.prefix)).filter((p) => !ignore.has(p.id)).length;
    if (n === 0 || performance.now() >= deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------
// Goldens

/**
 * The golden text `<dir>/<name>.txt`. With `update` and an `actual`, writes `actual`
 * there first (creating directories) and returns it, so the comparison passes and the
 * diff shows up in review.
 */
export function readGolden(dir: string, name: string, actual: string | undefined, update: boolean): string {
  const file = path.join(dir, `${name}.txt`);
  if (update && actual !== undefined) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return actual;
  }
  if (!fs.existsSync(file)) {
    throw new Error(`missing golden file ${path.relative(REPO_ROOT, file)}: run with UPDATE_GOLDEN=1 to create it`);
  }
  return fs.readFileSync(file, 'utf8');
}

/**
 * Expected output test/e2e/expected/<name>.txt (name may hold `/`). Pass the actual
 * output so UPDATE_GOLDEN=1 can rewrite it:
 * `expect(r.stdout).toBe(expected('printf-basic', r.stdout))`.
 */
export function expected(name: string, actual?: string): string {
  return readGolden(EXPECTED_DIR, name, actual, process.env.UPDATE_GOLDEN === '1');
}
