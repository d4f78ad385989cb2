// Golden cases for the core-language e2e suites (test/e2e/{language,uprobe,tracepoint,
// timers,json-output,cli-options}.test.ts): run the real CLI with some arguments and
// compare its stdout byte for byte with test/e2e/expected/<name>.txt.
//
// The goldens are bpftrace 0.17's output, not ours: `RECORD_BPFTRACE=1 npx vitest run
// test/e2e/<file>` runs `bpftrace ARGS` (same arguments, same cwd) for every case and
// rewrites its golden from bpftrace's stdout. UPDATE_GOLDEN=1 is deliberately NOT honoured
// here: rewriting these goldens from bpfscript's own output would make the suite compare
// bpfscript with itself. A case whose `bpftraceWrong` is set has a hand-written golden
// (bpftrace 0.17 is plainly wrong there) that recording leaves alone.
//
// Input: a GoldenCase. Output: vitest assertions (stdout, exit status 0, no program left
// loaded). It must not change anything but goldens (and only when recording).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import {
  buildFixture,
  EXPECTED_DIR,
  listPrograms,
  readGolden,
  REPO_ROOT,
  runCli,
  runProcess,
  type RunOptions,
  type RunResult,
} from '../harness.js';

/** The traced fixture, relative to the repository root (the cwd of every run). */
export const TARGET = './test/e2e/fixtures/bin/target';

/** Script files of the cases, relative to the repository root. */
export const CASES = 'test/e2e/cases';

/** True when this run rewrites goldens from bpftrace's output. */
export const RECORDING = process.env.RECORD_BPFTRACE === '1';

export interface GoldenCase {
  /** The golden test/e2e/expected/<name>.txt; also the start of the test's title. */
  readonly name: string;
  /** Arguments after `bpfscript` (and after `bpftrace` when recording). */
  readonly args: readonly string[];
  /**
   * Why bpftrace 0.17 is plainly wrong here. The golden then holds the right output,
   * written by hand, and recording does not overwrite it. Shown in the test's title.
   */
  readonly bpftraceWrong?: string;
  /** Order map entries that tie on value before comparing (bpftrace prints ties in hash order). */
  readonly ties?: boolean;
  /** Extra environment for both tracers (e.g. PATH). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The test's title: the golden's name, plus the bpftrace bug it works around. */
export function caseTitle(c: GoldenCase): string {
  return c.bpftraceWrong ? `${c.name} (bpftrace 0.17 is wrong: ${c.bpftraceWrong})` : c.name;
}

const ENTRY = /^(@\w*)\[.*\]: (-?\d+)$/;

/**
 * Sorts each run of consecutive `@map[key]: N` lines of one map that share the same N by
 * their text: bpftrace prints entries sorted by value but ties in hash order. Lines keep
 * their place otherwise, so entries printed in the wrong value order still differ.
 */
export function orderTies(text: string): string {
  const lines = text.split('\n');
  const tieKey = (line: string): string | undefined => {
    const m = ENTRY.exec(line);
    return m ? `${m[1]}\0${m[2]}` : undefined;
  };
  for (let i = 0; i < lines.length; ) {
    const key = tieKey(lines[i]!);
    let j = i + 1;
    if (key !== undefined) while (j < lines.length && tieKey(lines[j]!) === key) j++;
    if (j - i > 1) lines.splice(i, j - i, ...lines.slice(i, j).sort());
    i = j;
  }
  return lines.join('\n');
}

/** bpftrace with the harness's conventions (empty stdin, cwd = repository root). */
export function runBpftrace(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess('bpftrace', args, opts);
}

/**
 * The golden `name`. When recording (and the case is not hand-written), `bpftrace ARGS`
 * is run first and its stdout becomes the golden (with `ties`, tied map entries in
 * canonical order); a failing bpftrace is an error.
 */
export async function referenceOutput(
  name: string,
  args: readonly string[],
  opts: RunOptions & { handWritten?: boolean; ties?: boolean } = {},
): Promise<string> {
  if (RECORDING && !opts.handWritten) {
    const ref = await runBpftrace(args, opts);
    if (ref.code !== 0) {
      throw new Error(`bpftrace ${args.join(' ')} failed (${ref.code}):\n${ref.stderr}`);
    }
    // Ties stored in canonical order, so re-recording does not churn the golden.
    return readGolden(EXPECTED_DIR, name, opts.ties ? orderTies(ref.stdout) : ref.stdout, true);
  }
  return readGolden(EXPECTED_DIR, name, undefined, false);
}

/** Ids of the probe_* programs loaded now (other runs' programs do not count as ours). */
export async function programBaseline(): Promise<number[]> {
  return (await listPrograms()).map((p) => p.id);
}

/** Environment variable that marks the processes of one tracked run (see runTracked). */
export const RUN_TOKEN_ENV = 'BPFSCRIPT_E2E_RUN_TOKEN';

/**
 * prog id -> pids holding it through a program or link fd, from /proc/<pid>/fdinfo
 * (this bpftool is built without the `pids` feature, so it cannot tell).
 */
function programHolders(): Map<number, number[]> {
  const holders = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or a kernel thread
    }
    for (const fd of fds) {
      try {
        const target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target !== 'anon_inode:bpf-prog' && target !== 'anon_inode:bpf_link') continue;
        const m = /^prog_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${entry}/fdinfo/${fd}`, 'utf8'));
        if (!m) continue;
        const id = Number(m[1]);
        holders.set(id, [...(holders.get(id) ?? []), Number(entry)]);
      } catch {
        /* the fd or the process went away meanwhile */
      }
    }
  }
  return holders;
}

function carriesToken(pid: number, token: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${RUN_TOKEN_ENV}=${token}`);
  } catch {
    return false;
  }
}

/**
 * probe_* programs that one run left behind: loaded since `baseline` and held by a
 * process of that run (it carries `token` in its environment, e.g. an orphaned loader)
 * or by no process at all (pinned, or kept by the kernel). Programs of other tracers
 * running at the same time on this machine are held by their own processes and do not
 * count, which a plain count since the baseline could not tell. Like the harness's
 * leftoverPrograms(), a non-zero count is re-checked for `settleMs` (the kernel frees a
 * program shortly after its last fd is closed).
 */
export async function leftoverOfRun(baseline: readonly number[], token: string, settleMs = 2_000): Promise<number> {
  const before = new Set(baseline);
  const deadline = performance.now() + settleMs;
  for (;;) {
    const fresh = (await listPrograms()).filter((p) => !before.has(p.id));
    const holders = fresh.length > 0 ? programHolders() : new Map<number, number[]>();
    const ours = fresh.filter((p) => {
      const pids = holders.get(p.id) ?? [];
      return pids.length === 0 || pids.some((pid) => carriesToken(pid, token));
    });
    if (ours.length === 0 || performance.now() >= deadline) return ours.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A CLI run and how many programs it left loaded (leftoverOfRun). */
export interface TrackedRun {
  readonly result: RunResult;
  readonly leftovers: number;
}

let runCounter = 0;

/** runCli, marked with a fresh token, followed by leftoverOfRun. */
export async function runTracked(args: readonly string[], opts: RunOptions = {}): Promise<TrackedRun> {
  const token = `${process.pid}-${++runCounter}-${Math.random().toString(36).slice(2)}`;
  const baseline = await programBaseline();
  const result = await runCli(args, { ...opts, env: { ...opts.env, [RUN_TOKEN_ENV]: token } });
  return { result, leftovers: await leftoverOfRun(baseline, token) };
}

/**
 * Runs one golden case: bpfscript ARGS must print exactly the golden on stdout, exit 0,
 * and leave no program loaded. All three are checked even when one fails.
 */
export async function runGoldenCase(c: GoldenCase): Promise<RunResult> {
  await buildFixture('target');
  const opts: RunOptions = c.env ? { env: c.env } : {};
  const want = await referenceOutput(c.name, c.args, {
    ...opts,
    handWritten: c.bpftraceWrong !== undefined,
    ties: c.ties === true,
  });
  const { result: r, leftovers } = await runTracked(c.args, opts);
  const norm = c.ties ? orderTies : (s: string) => s;
  expect.soft(norm(r.stdout), `stdout of bpfscript ${c.args.join(' ')}\nstderr:\n${r.stderr}`).toBe(norm(want));
  expect.soft(r.code, `exit status; stderr:\n${r.stderr}`).toBe(0);
  expect(leftovers, 'BPF programs left loaded').toBe(0);
  return r;
}

/** `test/e2e/cases/<group>/<name>.bt`, checked to exist (a typo must not pass as "no output"). */
export function caseFile(group: string, name: string): string {
  const rel = path.posix.join(CASES, group, `${name}.bt`);
  if (!fs.existsSync(path.join(REPO_ROOT, rel))) {
    throw new Error(`missing case script ${rel}`);
  }
  return rel;
}
