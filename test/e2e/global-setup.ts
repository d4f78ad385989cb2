// Vitest globalSetup for the e2e accounting: counts executed vs skipped e2e cases across
// every worker of one run and, in CI, fails the run when every e2e case was skipped
// (a suite that skipped everything has tested nothing; DESIGN.md section 7).
//
// Input: JSON lines `{"status":"executed"|"skipped","name":..,"reason"?:..}` that
// test/e2e/harness.ts appends, one file per worker, into the run directory. The run
// directory is `$BPFSCRIPT_E2E_RUN_DIR` when set (.ci/run sets it and reads it again
// afterwards), otherwise a fresh directory under os.tmpdir() that teardown removes.
// Workers learn it through vitest's provide/inject and, as a fallback, the environment.
// Output: one summary line on stderr; process.exitCode = 1 on failure (vitest only logs
// an error thrown from teardown and still exits 0, so throwing is not enough).
// This module runs in vitest's main process: it must not import vitest's test API.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    bpfscriptE2eRunDir: string;
  }
}

export const E2E_RUN_DIR_ENV = 'BPFSCRIPT_E2E_RUN_DIR';
export const E2E_RUN_DIR_KEY = 'bpfscriptE2eRunDir';

export type E2EStatus = 'executed' | 'skipped';

export interface E2ERecord {
  readonly status: E2EStatus;
  readonly name: string;
  readonly reason?: string;
}

export interface E2ESummary {
  readonly executed: number;
  readonly skipped: number;
  /** Distinct skip reasons, in the order first seen. */
  readonly reasons: readonly string[];
}

/** Reads every record file in `dir`; a missing directory is an empty run. */
export function summarizeRun(dir: string): E2ESummary {
  let executed = 0;
  let skipped = 0;
  const reasons: string[] = [];
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return { executed, skipped, reasons };
  }
  for (const file of files.sort()) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let rec: E2ERecord;
      try {
        rec = JSON.parse(line) as E2ERecord;
      } catch {
        continue; // a worker killed mid-write leaves a torn last line; the rest still counts
      }
      if (rec.status === 'executed') executed++;
      else if (rec.status === 'skipped') {
        skipped++;
        if (rec.reason && !reasons.includes(rec.reason)) reasons.push(rec.reason);
      }
    }
  }
  return { executed, skipped, reasons };
}

/** The verdict for a run: a message when it must fail, otherwise undefined. */
export function verdict(summary: E2ESummary, ci: boolean): string | undefined {
  if (ci && summary.executed === 0 && summary.skipped > 0) {
    return `every e2e case was skipped (${summary.skipped}) in CI: ${summary.reasons.join('; ')}`;
  }
  return undefined;
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

let runDir: string | undefined;
let ownsRunDir = false;

export function setup(project: TestProject): void {
  const given = process.env[E2E_RUN_DIR_ENV];
  if (given) {
    fs.mkdirSync(given, { recursive: true });
    runDir = given;
  } else {
    runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-e2e-run-'));
    ownsRunDir = true;
    // Workers are spawned after setup, so they inherit this too (the fallback path).
    process.env[E2E_RUN_DIR_ENV] = runDir;
  }
  project.provide(E2E_RUN_DIR_KEY, runDir);
}

export function teardown(): void {
  if (!runDir) return;
  const summary = summarizeRun(runDir);
  if (summary.executed + summary.skipped > 0) {
    const why = summary.reasons.length ? ` (skipped because: ${summary.reasons.join('; ')})` : '';
    process.stderr.write(`e2e: ${summary.executed} executed, ${summary.skipped} skipped${why}\n`);
  }
  const failure = verdict(summary, isCI());
  if (failure) {
    process.stderr.write(`e2e: FAIL: ${failure}\n`);
    process.exitCode = 1;
  }
  if (ownsRunDir) fs.rmSync(runDir, { recursive: true, force: true });
  runDir = undefined;
}
