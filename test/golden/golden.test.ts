// Golden tests, one sample directory per case:
//   test/golden/codegen/<case>/input.bt      -> expected.c (the generated C, with #line);
//     optional beside it: `params` ($1 ...), `helper-check` (1 or 2: -k, -kk)
//   test/golden/diagnostics/<case>/input.bt  -> expected.txt (rendered diagnostics)
// UPDATE_GOLDEN=1 rewrites the expected files. The C of every codegen case is also
// compiled by the real clang command line (skipped with a reason when clang is missing).

import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { Diagnostics, UserError } from '../../src/diagnostics/diagnostic.js';
import { renderText } from '../../src/diagnostics/render.js';
import { SourceFile } from '../../src/source.js';
import { settingsFromEnv } from '../../src/analyze/settings.js';
import { clangArgs, pchArgs } from '../../src/runtime/clang.js';
import { fixtureEnv } from './fixture-env.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const ROOT = import.meta.dirname;

function cases(suite: string): string[] {
  const dir = join(ROOT, suite);
  return existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'input.bt'))).sort() : [];
}

function golden(path: string, actual: string): string {
  if (UPDATE || !existsSync(path)) writeFileSync(path, actual);
  return readFileSync(path, 'utf8');
}

function paramsOf(dir: string): string[] {
  const p = join(dir, 'params');
  return existsSync(p) ? readFileSync(p, 'utf8').trim().split(/\s+/) : [];
}

/** -k / -kk for a case: a `helper-check` file holding 1 or 2. */
function helperCheckOf(dir: string): 0 | 1 | 2 {
  const p = join(dir, 'helper-check');
  return existsSync(p) ? (Number(readFileSync(p, 'utf8').trim()) as 1 | 2) : 0;
}

function run(dir: string): { c: string | null; diagnostics: string } {
  const src = new SourceFile('input.bt', readFileSync(join(dir, 'input.bt'), 'utf8'));
  const diags = new Diagnostics();
  let c: string | null = null;
  try {
    const r = compile(src, { params: paramsOf(dir), unsafe: true, settings: { ...settingsFromEnv({}), helperCheck: helperCheckOf(dir) }, lineFile: 'input.bt', env: fixtureEnv() }, diags);
    c = r ? r.c : null;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    diags.items.push(...e.diagnostics);
  }
  return { c, diagnostics: diags.items.map((d) => renderText(d, src)).join('') };
}

let clangOk: boolean | string;
try {
  execFileSync('clang', ['--version'], { stdio: 'ignore' });
  clangOk = true;
} catch {
  clangOk = 'clang is not installed';
}

describe('codegen goldens', () => {
  it.each(cases('codegen'))('%s', (name) => {
    const dir = join(ROOT, 'codegen', name);
    const r = run(dir);
    expect(r.diagnostics).toBe('');
    expect(r.c).toBe(golden(join(dir, 'expected.c'), r.c ?? ''));
  });

  it.skipIf(clangOk !== true).each(cases('codegen'))('%s compiles with clang', (name) => {
    const dir = join(ROOT, 'codegen', name);
    const tmp = mkdtempSync(join(tmpdir(), 'bpfscript-golden-'));
    const cfile = join(tmp, 'prog.bpf.c');
    // #line names input.bt: clang reads it for line info, so put it beside the C.
    writeFileSync(join(tmp, 'input.bt'), readFileSync(join(dir, 'input.bt')));
    writeFileSync(cfile, readFileSync(join(dir, 'expected.c'), 'utf8'));
    execFileSync('clang', clangArgs(cfile, join(tmp, 'prog.o')), { cwd: tmp, stdio: 'pipe' });
    expect(existsSync(join(tmp, 'prog.o'))).toBe(true);
    // The precompiled rt-sys.h (dist/rt-sys.pch, src/runtime/clang.ts) only saves time:
    // the object must be byte for byte the one the headers as text give.
    execFileSync('clang', pchArgs(join(tmp, 'rt-sys.pch')), { cwd: tmp, stdio: 'pipe' });
    execFileSync('clang', clangArgs(cfile, join(tmp, 'prog-pch.o'), join(tmp, 'rt-sys.pch')), { cwd: tmp, stdio: 'pipe' });
    expect(readFileSync(join(tmp, 'prog-pch.o')).equals(readFileSync(join(tmp, 'prog.o')))).toBe(true);
  });
});

describe('diagnostic goldens', () => {
  it.each(cases('diagnostics'))('%s', (name) => {
    const dir = join(ROOT, 'diagnostics', name);
    const r = run(dir);
    expect(r.diagnostics).not.toBe('');
    expect(r.diagnostics).toBe(golden(join(dir, 'expected.txt'), r.diagnostics));
  });
});
