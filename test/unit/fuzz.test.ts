// Fuzzing the compiler front to back (parse -> analyze -> codegen), seeded and repeatable.
//
// Input: every script in examples/*.bt, test/golden/*/*/input.bt and test/e2e/cases,
// mutated (byte flips, deletions, insertions of random tokens and bytes, truncations,
// duplications); programs from a small random grammar (valid and slightly invalid); an
// operator matrix (every operator on every kind of operand); and pathological inputs
// (random bytes, invalid UTF-8, 10k nested parentheses, 1 MB scripts, huge integer
// literals, unterminated strings and comments). About 9,000 cases go through `compile` in
// process with the golden fixture environment; a sample of the programs it accepts goes
// through `clang -fsyntax-only`, and 60 inputs through `bin/bpfscript --emit c` in child
// processes (each costs ~0.3 s of CPU, so a few hundred do not fit in a minute on two
// CPUs: FUZZ_SCALE=5 runs 300 of them, and five times everything else).
// Output: assertions that the compiler returns a result or diagnostics, throws nothing but
// UserError, never hangs, gives every diagnostic a catalogue code, a filled-in message
// and a valid span inside the text, and that clang accepts what analysis accepted.
// It must not: depend on the machine (no kernel, no clock-based randomness), take more than
// about a minute, or leave files behind (the CLI's cache goes to a temporary directory).
//
// Reproducing a failure: the failure list names the generator, seed and case index, and
// the failing inputs are written to the directory printed with it. A case that hangs is
// caught by a watchdog thread, which writes the input to a file, says where on stderr and
// kills this test process (vitest then reports the file as failed).

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { CATALOGUE } from '../../src/diagnostics/catalogue.js';
import { Diagnostics, UserError, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { renderJson, renderText } from '../../src/diagnostics/render.js';
import { SourceFile } from '../../src/source.js';
import { settingsFromEnv } from '../../src/analyze/settings.js';
import { clangArgs } from '../../src/runtime/clang.js';
import { fixtureEnv } from '../golden/fixture-env.js';
import { CLI_MAIN, runCli } from '../e2e/harness.js';

const REPO = join(import.meta.dirname, '..', '..');

// ---------------------------------------------------------------------------------
// Budget. FUZZ_SCALE multiplies every case count (e.g. FUZZ_SCALE=10 for a long run).

const SCALE = Number(process.env.FUZZ_SCALE ?? '1') || 1;
const MUTATIONS_PER_SCRIPT = Math.round(20 * SCALE);
const GRAMMAR_CASES = Math.round(1200 * SCALE);
const RANDOM_BYTE_CASES = Math.round(300 * SCALE);
const CLI_CASES = Math.round(60 * SCALE);
const CLI_CONCURRENCY = 3;
/** Compiled programs of the grammar run that clang checks too (~80 ms each). */
const CLANG_SAMPLE = Math.round(25 * SCALE);
/** A case slower than this is a failure (an ordinary script compiles in milliseconds). */
const SLOW_MS = 5_000;
/** Pathological inputs (megabyte scripts) may take longer, but not this long. */
const SLOW_PATHOLOGICAL_MS = 20_000;
/** The watchdog kills the test process when one compile runs this long: a hang. */
const HANG_MS = 60_000;

// ---------------------------------------------------------------------------------
// A small seeded PRNG (mulberry32): the same seed gives the same cases on every machine.

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

// ---------------------------------------------------------------------------------
// The watchdog: a thread that is not blocked when a compile loops forever. The main thread
// publishes the current case (label and text, truncated) in shared memory and bumps a
// counter; when the counter stands still for HANG_MS while a case is active, the watchdog
// writes the case to a file and kills the process, so a hang fails loudly instead of
// stalling the run.

const LABEL_BYTES = 512;
const TEXT_BYTES = 256 * 1024;
const shared = new SharedArrayBuffer(16 + LABEL_BYTES + TEXT_BYTES);
const ctl = new Int32Array(shared, 0, 4); // [counter, active, labelLen, textLen]
const labelBuf = new Uint8Array(shared, 16, LABEL_BYTES);
const textBuf = new Uint8Array(shared, 16 + LABEL_BYTES, TEXT_BYTES);
const encoder = new TextEncoder();

const WATCHDOG_SRC = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { shared, hangMs, dumpDir, labelBytes } = workerData;
const ctl = new Int32Array(shared, 0, 4);
let last = -1, since = Date.now();
setInterval(() => {
  const n = Atomics.load(ctl, 0);
  if (n !== last || Atomics.load(ctl, 1) === 0) { last = n; since = Date.now(); return; }
  if (Date.now() - since < hangMs) return;
  const label = Buffer.from(new Uint8Array(shared, 16, Atomics.load(ctl, 2))).toString('utf8');
  const text = Buffer.from(new Uint8Array(shared, 16 + labelBytes, Atomics.load(ctl, 3)));
  fs.mkdirSync(dumpDir, { recursive: true });
  const file = dumpDir + '/hang-' + process.pid + '.bt';
  fs.writeFileSync(file, text);
  fs.writeSync(2, '\\nfuzz: HANG: case ' + label + ' ran for more than ' + hangMs + ' ms; input saved in ' + file + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, 250);
`;

const DUMP_DIR = join(tmpdir(), 'bpfscript-fuzz');
const watchdog = new Worker(WATCHDOG_SRC, {
  eval: true,
  workerData: { shared, hangMs: HANG_MS, dumpDir: DUMP_DIR, labelBytes: LABEL_BYTES },
});
watchdog.unref();
afterAll(async () => {
  await watchdog.terminate();
});

function publish(label: string, text: string): void {
  const l = encoder.encodeInto(label, labelBuf);
  const t = encoder.encodeInto(text.length > TEXT_BYTES ? text.slice(0, TEXT_BYTES) : text, textBuf);
  Atomics.store(ctl, 2, l.written);
  Atomics.store(ctl, 3, t.written);
  Atomics.add(ctl, 0, 1);
  Atomics.store(ctl, 1, 1);
}

function idle(): void {
  Atomics.store(ctl, 1, 0);
}

// ---------------------------------------------------------------------------------
// Running one case in process and checking the invariants.

interface Failure {
  readonly label: string;
  readonly problem: string;
  readonly text: string;
}

const ENV = fixtureEnv();
const SETTINGS = settingsFromEnv({});
/** `{name}` placeholders of each catalogue message: one left in a message was never filled. */
const PLACEHOLDERS = new Map(
  Object.entries(CATALOGUE).map(([code, e]) => [code, [...e.message.matchAll(/\{(\w+)\}/g)].map((m) => m[0])]),
);

/** Problems with one diagnostic (empty when it is well formed). */
function checkDiagnostic(d: Diagnostic, src: SourceFile): string[] {
  const out: string[] = [];
  const where = `${d.code} "${d.message.slice(0, 80)}"`;
  if (!(d.code in CATALOGUE)) out.push(`${where}: code not in the catalogue`);
  if (d.message.trim() === '') out.push(`${where}: empty message`);
  for (const p of PLACEHOLDERS.get(d.code) ?? []) if (d.message.includes(p)) out.push(`${where}: placeholder ${p} not filled`);
  if (d.span !== null) {
    const { start, end } = d.span;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > src.text.length) {
      out.push(`${where}: span ${start}..${end} is not inside the text (length ${src.text.length})`);
    }
  }
  try {
    renderText(d, src);
    renderJson(d, src);
  } catch (e) {
    out.push(`${where}: rendering threw ${(e as Error).message}`);
  }
  return out;
}

interface CaseResult {
  readonly ok: boolean;
  /** The generated C, when it compiled. */
  readonly c: string | null;
  readonly codes: readonly string[];
  readonly ms: number;
}

/** Compiles `text` in process; pushes a Failure for every broken invariant. */
function runCase(label: string, text: string, failures: Failure[], slowMs = SLOW_MS, params: readonly string[] = []): CaseResult {
  const src = new SourceFile('input.bt', text);
  const diags = new Diagnostics();
  const problems: string[] = [];
  let result: ReturnType<typeof compile> = null;
  publish(label, text);
  const t0 = performance.now();
  try {
    result = compile(src, { params, unsafe: true, settings: SETTINGS, lineFile: 'input.bt', env: ENV }, diags);
  } catch (e) {
    if (e instanceof UserError) {
      diags.items.push(...e.diagnostics);
      if (e.diagnostics.length === 0) problems.push('UserError without diagnostics');
    } else {
      const err = e as Error;
      const at = (err.stack ?? '').split('\n').find((l) => l.includes('/src/')) ?? '';
      problems.push(`threw ${err.constructor?.name ?? typeof e}: ${String(err.message ?? e).slice(0, 200)} ${at.trim()}`);
    }
  } finally {
    idle();
  }
  const ms = performance.now() - t0;
  if (ms > slowMs) problems.push(`took ${Math.round(ms)} ms (limit ${slowMs} ms)`);
  for (const d of diags.items) problems.push(...checkDiagnostic(d, src));
  if (result && diags.hasErrors) problems.push('returned a result although it reported errors');
  if (!result && !diags.hasErrors && problems.length === 0) problems.push('returned no result and no error diagnostic');
  if (result && !/SEC\("/.test(result.c)) problems.push('the generated C has no SEC() program');
  for (const p of problems) failures.push({ label, problem: p, text });
  return { ok: result !== null, c: result?.c ?? null, codes: diags.items.map((d) => d.code), ms };
}

/**
 * The failures, grouped by problem (numbers and quoted text folded), as one readable
 * message; the inputs are written to DUMP_DIR for reproduction.
 */
function summarize(failures: readonly Failure[]): string {
  if (failures.length === 0) return '';
  mkdirSync(DUMP_DIR, { recursive: true });
  const groups = new Map<string, Failure[]>();
  for (const f of failures) {
    const key = f.problem.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const lines = [`${failures.length} failures in ${groups.size} kinds (inputs in ${DUMP_DIR}):`];
  for (const [, fs] of groups) {
    const f = fs[0]!;
    const file = join(DUMP_DIR, `${f.label.replace(/[^\w.-]+/g, '_')}.bt`);
    writeFileSync(file, f.text);
    const excerpt = JSON.stringify(f.text.length > 160 ? f.text.slice(0, 160) + '…' : f.text);
    lines.push(`- ${f.problem} [${fs.length}x; first: ${f.label}, ${file}]\n    ${excerpt}`);
  }
  return lines.join('\n');
}

/**
 * Runs clang -fsyntax-only (the real flags, one process for all files) on generated C and
 * returns a Failure for each program clang rejects. The #line directives are dropped so
 * clang names the .c file, which maps back to the case. Empty when clang is missing.
 */
function clangSyntaxCheck(programs: readonly { label: string; c: string }[]): Failure[] {
  if (programs.length === 0 || spawnSync('clang', ['--version']).status !== 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'bpfscript-fuzz-clang-'));
  try {
    const files = programs.map((p, i) => {
      const f = join(dir, `case-${i}.c`);
      writeFileSync(f, p.c.replace(/^#line .*\n/gm, ''));
      return f;
    });
    const drop = new Set(['-c', '-o', '-g', '-O2', 'IN', 'OUT']);
    const flags = clangArgs('IN', 'OUT').filter((a) => !drop.has(a));
    const r = spawnSync('clang', ['-fsyntax-only', ...flags, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const out: Failure[] = [];
    const seen = new Set<number>();
    for (const m of (r.stderr ?? '').matchAll(/case-(\d+)\.c:\d+:\d+: error: (.*)$/gm)) {
      const i = Number(m[1]);
      if (seen.has(i)) continue;
      seen.add(i);
      out.push({ label: programs[i]!.label, problem: `clang rejected the generated C: ${m[2]}`, text: programs[i]!.c });
    }
    if (r.status !== 0 && out.length === 0) out.push({ label: 'clang', problem: `clang failed: ${(r.stderr ?? r.error?.message ?? '').slice(0, 300)}`, text: '' });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------
// Inputs: the scripts of the repository.

function scriptsUnder(dir: string, depth: number): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...scriptsUnder(p, depth - 1));
    else if (e.isFile() && e.name.endsWith('.bt')) out.push(p);
  }
  return out.sort();
}

const SCRIPTS: readonly { name: string; text: string }[] = [
  ...scriptsUnder(join(REPO, 'examples'), 0),
  ...scriptsUnder(join(REPO, 'test', 'golden'), 2),
  ...scriptsUnder(join(REPO, 'test', 'e2e', 'cases'), 1),
].map((p) => ({ name: p.slice(REPO.length + 1), text: readFileSync(p, 'utf8') }));

// ---------------------------------------------------------------------------------
// Mutations. Byte-level operations work on the UTF-8 bytes and decode them the way
// readFileSync(file, 'utf8') does (invalid sequences become U+FFFD).

const TOKENS: readonly string[] = [
  '{', '}', '(', ')', '[', ']', ';', ',', ':', '::', '/', '//', '/*', '*/', '"', "'", '\\', '$', '@', '#',
  '->', '.', '..', '?', '=', '==', '+=', '++', '--', '<<=', '>>', '&&', '||', '!', '~', '*', '&', '%',
  '0', '1', '-1', '0x', '0xffffffffffffffffff', '18446744073709551616', '1.5', "'a'", "'ab'", '"s"', '"\\q"',
  '$1', '$99', '$x', '$', '@m', '@', '@m[1]', '@m[1,2]', 'args', 'args->', 'retval', 'arg0', 'comm', 'pid', 'kstack',
  'BEGIN', 'END', 'if', 'else', 'while', 'unroll', 'for', 'break', 'continue', 'return', 'macro', 'struct', 'config',
  'printf', 'print', 'count()', 'hist(', 'lhist(1,0,10,1)', 'str(', 'exit()', 'delete', 'clear', 'sizeof', 'offsetof',
  'kprobe:', 'tracepoint:', 'uprobe:/opt/app:', 'interval:s:', 'profile:hz:', 'software:', 'usdt:', 'kfunc:', 'iter:',
  '#define X 1\n', '#include <x.h>\n', '#if 1\n', '#ifdef X\n', '#else\n', '#endif\n', '#define F(x) x\n', '#',
  '\n', '\t', ' ', '\r', '\0', '\u00e9', '\u{1F600}', '\ufeff', '\u2028', 'int8', '(uint64)', '(struct task_struct *)',
];

function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  let b = Array.from(bytes);
  const steps = rng.range(1, 4);
  for (let s = 0; s < steps; s++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(8)) {
      case 0: // flip one bit
        if (b.length) b[Math.min(at, b.length - 1)]! ^= 1 << rng.int(8);
        break;
      case 1: // delete a run
        b.splice(at, rng.range(1, 16));
        break;
      case 2: // insert a token
      case 3:
        b.splice(at, 0, ...encoder.encode(rng.pick(TOKENS)));
        break;
      case 4: // insert random bytes
        b.splice(at, 0, ...Array.from({ length: rng.range(1, 8) }, () => rng.int(256)));
        break;
      case 5: // truncate
        b = b.slice(0, at);
        break;
      case 6: {
        // duplicate a run somewhere else
        const from = rng.int(b.length + 1);
        const run = b.slice(from, from + rng.range(1, 64));
        b.splice(rng.int(b.length + 1), 0, ...run);
        break;
      }
      default: {
        // replace one word or punctuation mark with a token
        const text = new TextDecoder().decode(Uint8Array.from(b));
        const words = [...text.matchAll(/\w+|[^\s\w]/g)];
        if (!words.length) break;
        const w = rng.pick(words);
        const prefix = encoder.encode(text.slice(0, w.index)).length;
        b.splice(prefix, encoder.encode(w[0]).length, ...encoder.encode(rng.pick(TOKENS)));
      }
    }
  }
  return Uint8Array.from(b);
}

const decodeLikeReadFile = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);

// ---------------------------------------------------------------------------------
// A random grammar of bpftrace programs. "Valid" programs are built to type-check (most
// do: the generator keeps each map's key and value kinds, gives variables one type, and
// uses each builtin only where it exists); invalid ones get one token-level mistake.

type ProbeKind = 'begin' | 'tracepoint' | 'uprobe' | 'uretprobe' | 'interval' | 'profile' | 'kprobe' | 'kretprobe' | 'usdt';

/** What a map holds, fixed by its first use: keys (int or str each) and value kind. */
interface MapShape {
  readonly keys: readonly ('int' | 'str')[];
  /** 'int' for plain integers, else the aggregation function (count, sum, hist...). */
  readonly value: string;
}

interface GenCtx {
  readonly rng: Rng;
  readonly probe: ProbeKind;
  /** Integer fields of the tracepoint's args. */
  readonly fields: readonly string[];
  /** Pointer fields of the tracepoint's args (for str()). */
  readonly ptrFields: readonly string[];
  /** Integer variables of this probe (each assigned once, with an int64 cast). */
  readonly vars: string[];
  readonly maps: Map<string, MapShape>;
  depth: number;
  fresh: number;
}

const TRACEPOINTS = ENV.tracepoints();
const INT_BUILTINS = ['pid', 'tid', 'uid', 'gid', 'nsecs', 'elapsed', 'cpu', 'rand', 'cgroup', 'numaid', 'jiffies'];
const BINOPS = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '==', '!=', '<', '>', '<=', '>=', '&&', '||'];
const AGGS = ['count', 'sum', 'avg', 'min', 'max', 'hist', 'lhist', 'stats'];
const MAP_NAMES = ['@a', '@b', '@counts', '@'];

function intLit(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
      return String(rng.int(10));
    case 1:
      return String(rng.int(100000));
    case 2:
      return `0x${rng.int(0xffff).toString(16)}`;
    case 3:
      return rng.pick(['9223372036854775807', '18446744073709551615', '4294967296', '1000000']);
    case 4:
      return `'${rng.pick(['a', 'z', '\\n', '0'])}'`;
    default:
      return String(rng.range(1, 64));
  }
}

function intExpr(g: GenCtx): string {
  const { rng } = g;
  if (g.depth > 3 || rng.chance(0.3)) {
    const leaves = [intLit(rng), rng.pick(INT_BUILTINS)];
    if (g.vars.length) leaves.push(rng.pick(g.vars));
    if (g.fields.length) leaves.push(`args->${rng.pick(g.fields)}`);
    if (g.probe === 'uprobe' || g.probe === 'kprobe') leaves.push(`arg${rng.int(3)}`);
    if (g.probe === 'uretprobe' || g.probe === 'kretprobe') leaves.push('retval');
    return rng.pick(leaves);
  }
  g.depth++;
  let e: string;
  switch (rng.int(7)) {
    case 0:
    case 1:
    case 2: {
      const op = rng.pick(BINOPS);
      // A constant zero divisor is a compile error (T017): keep "valid" programs valid.
      const right = op === '/' || op === '%' ? String(rng.range(1, 9)) : intExpr(g);
      e = `(${intExpr(g)} ${op} ${right})`;
      break;
    }
    case 3:
      e = `${rng.pick(['!', '~', '-'])}(${intExpr(g)})`;
      break;
    case 4:
      e = `(${intExpr(g)} ? ${intExpr(g)} : ${intExpr(g)})`;
      break;
    case 5:
      e = `(${rng.pick(['uint8', 'int16', 'uint32', 'int64'])})${intExpr(g)}`;
      break;
    default:
      e = `strncmp(${strExpr(g)}, ${strExpr(g)}, ${rng.range(1, 8)})`;
  }
  g.depth--;
  return e;
}

function strExpr(g: GenCtx): string {
  const { rng } = g;
  const opts = [`"${rng.pick(['', 'abc', 'hello world', '%d', 'a\\"b', 'tab\\t'])}"`, 'comm'];
  for (const f of g.ptrFields) opts.push(`str(args->${f})`);
  if (g.probe === 'uprobe') opts.push('str(arg0)', 'str(arg1, 8)');
  return rng.pick(opts);
}

/** A use of a map with its shape: a new map gets a random shape. */
function mapOf(g: GenCtx, value?: string): { ref: string; shape: MapShape } {
  const { rng } = g;
  let name = rng.pick(MAP_NAMES);
  let shape = g.maps.get(name);
  if (shape && value !== undefined && shape.value !== value) {
    name = `@m${g.maps.size}`;
    shape = undefined;
  }
  if (!shape) {
    shape = { keys: Array.from({ length: rng.int(3) }, () => rng.pick(['int', 'str'] as const)), value: value ?? rng.pick(['int', ...AGGS]) };
    g.maps.set(name, shape);
  }
  const keys = shape.keys.map((k) => (k === 'int' ? rng.pick(['pid', 'cpu', '1', '42', `(int64)${intExpr(g)}`]) : rng.pick(['comm', '"key"'])));
  return { ref: keys.length ? `${name}[${keys.join(', ')}]` : name, shape };
}

function aggCall(g: GenCtx, fn: string): string {
  switch (fn) {
    case 'count':
      return 'count()';
    case 'lhist':
      return `lhist(${intExpr(g)}, 0, 100, 10)`;
    default:
      return `${fn}(${intExpr(g)})`;
  }
}

/** A map that was assigned already (for print, clear, delete), or null. */
function knownMap(g: GenCtx): string | null {
  const names = [...g.maps.keys()];
  return names.length ? g.rng.pick(names) : null;
}

function statement(g: GenCtx): string {
  const { rng } = g;
  switch (rng.int(14)) {
    case 0:
    case 1: {
      const v = `$v${g.fresh++}`;
      const s = `${v} = (int64)${intExpr(g)};`;
      g.vars.push(v);
      return s;
    }
    case 2: {
      const { ref, shape } = mapOf(g);
      return `${ref} = ${shape.value === 'int' ? intExpr(g) : aggCall(g, shape.value)};`;
    }
    case 3: {
      const n = rng.int(3);
      const args = Array.from({ length: n }, () => (rng.chance(0.5) ? ['%d', intExpr(g)] : ['%s', strExpr(g)]));
      return `printf("${args.map((a) => a[0]).join(' ')}\\n"${args.map((a) => `, ${a[1]}`).join('')});`;
    }
    case 4: {
      const m = knownMap(g);
      return m ? `${rng.pick(['print', 'clear', 'zero'])}(${m});` : 'exit();';
    }
    case 5:
      return g.depth < 3 ? `if (${intExpr(g)}) { ${block(g, 2)} }${rng.chance(0.4) ? ` else { ${block(g, 2)} }` : ''}` : 'exit();';
    case 6:
      return g.depth < 3 ? `unroll (${rng.range(1, 5)}) { ${block(g, 2)} }` : `${mapOf(g, 'int').ref}++;`;
    case 7: {
      if (g.depth >= 3) return 'return;';
      const i = `$i${g.fresh++}`;
      const s = `${i} = 0; while (${i} < ${rng.range(1, 10)}) { ${i}++; ${block(g, 1)} }`;
      return s;
    }
    case 8: {
      if (g.depth >= 3) return 'exit();';
      const i = `$k${g.fresh++}`;
      return `for (${i} : 0..${rng.range(1, 10)}) { ${mapOf(g, 'sum').ref} = sum(${i}); }`;
    }
    case 9: {
      const m = knownMap(g);
      if (!m) return 'exit();';
      const keys = g.maps.get(m)!.keys.map((k) => (k === 'int' ? '1' : 'comm'));
      return keys.length ? `delete(${m}[${keys.join(', ')}]);` : `clear(${m});`;
    }
    case 10:
      return rng.pick(['exit();', 'return;', `print(${intExpr(g)});`, `print((${intExpr(g)}, ${strExpr(g)}));`]);
    case 11:
      return `${mapOf(g, 'int').ref} ${rng.pick(['+=', '-=', '*=', '|='])} ${intExpr(g)};`;
    case 12: {
      const stacks = g.probe === 'uprobe' || g.probe === 'kprobe' || g.probe === 'profile' ? ['printf("%s\\n", kstack);', 'printf("%s\\n", ustack(3));'] : [];
      return rng.pick(['time("%H:%M:%S\\n");', 'cat("/etc/hostname");', 'system("true");', ...stacks]);
    }
    default: {
      const t = `$t${g.fresh++}`;
      return `${t} = (${intExpr(g)}, ${strExpr(g)}); printf("%d %s\\n", ${t}.0, ${t}.1);`;
    }
  }
}

function block(g: GenCtx, max: number): string {
  g.depth++;
  const n = g.rng.range(1, max);
  const out = Array.from({ length: n }, () => statement(g)).join(' ');
  g.depth--;
  return out;
}

type Head = Pick<GenCtx, 'probe' | 'fields' | 'ptrFields'> & { head: string };

function probeHead(rng: Rng): Head {
  const none = { fields: [], ptrFields: [] };
  switch (rng.int(9)) {
    case 0:
      return { head: rng.pick(['BEGIN', 'END']), probe: 'begin', ...none };
    case 1:
    case 2: {
      const tp = rng.pick(TRACEPOINTS);
      const all = ENV.tracepointFields(tp.category, tp.name);
      const fields = all.filter((f) => f.ty.k === 'int').map((f) => f.name);
      const ptrFields = all.filter((f) => f.ty.k === 'ptr').map((f) => f.name);
      return { head: `tracepoint:${tp.category}:${tp.name}`, probe: 'tracepoint', fields, ptrFields };
    }
    case 3:
      return { head: rng.pick(['uprobe:/opt/app:main', 'uprobe:/opt/app:f*', 'uprobe:app:add', 'uprobe:/opt/app:fib+4']), probe: 'uprobe', ...none };
    case 4:
      return { head: rng.pick(['uretprobe:/opt/app:fib', 'uretprobe:/opt/app:add']), probe: 'uretprobe', ...none };
    case 5:
      return { head: rng.pick(['interval:s:1', 'interval:ms:100', 'interval:us:500']), probe: 'interval', ...none };
    case 6:
      return { head: rng.pick(['profile:hz:99', 'software:cpu-clock:1000000', 'hardware:cycles:100000']), probe: 'profile', ...none };
    case 7:
      return rng.chance(0.5)
        ? { head: rng.pick(['kprobe:vfs_read', 'kprobe:vfs_*']), probe: 'kprobe', ...none }
        : { head: 'kretprobe:vfs_write', probe: 'kretprobe', ...none };
    default:
      return { head: 'usdt:/opt/app:app:start', probe: 'usdt', ...none };
  }
}

function program(rng: Rng): string {
  const maps = new Map<string, MapShape>();
  const probes: string[] = [];
  const n = rng.range(1, 3);
  for (let i = 0; i < n; i++) {
    const { head, ...h } = probeHead(rng);
    const g: GenCtx = { rng, ...h, vars: [], maps, depth: 0, fresh: 0 };
    const pred = rng.chance(0.3) ? ` /${intExpr(g)}/` : '';
    probes.push(`${head}${pred}\n{\n\t${block(g, 5).replace(/; /g, ';\n\t')}\n}\n`);
  }
  const config = rng.chance(0.1) ? `config = { max_map_keys = ${rng.range(1, 10000)} }\n` : '';
  return config + probes.join('\n');
}

/** One token-level mistake: drop, duplicate or replace a token, or swap two. */
function spoil(rng: Rng, text: string): string {
  const words = [...text.matchAll(/[$@]?\w+|->|[^\s\w]/g)];
  if (!words.length) return text;
  const w = rng.pick(words);
  const at = w.index;
  const end = at + w[0].length;
  switch (rng.int(4)) {
    case 0:
      return text.slice(0, at) + text.slice(end);
    case 1:
      return text.slice(0, end) + w[0] + text.slice(end);
    case 2:
      return text.slice(0, at) + rng.pick(TOKENS) + text.slice(end);
    default: {
      const v = rng.pick(words);
      return text.slice(0, at) + v[0] + text.slice(end);
    }
  }
}

// ---------------------------------------------------------------------------------
// Pathological inputs: each is [name, text, time limit in ms (default SLOW_PATHOLOGICAL_MS)].

const rep = (s: string, n: number) => s.repeat(n);
const MB = 1 << 20;

function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

const PATHOLOGICAL: readonly [string, string, number?][] = [
  ['10k nested parentheses', `BEGIN { $x = ${rep('(', 10_000)}1${rep(')', 10_000)}; }`],
  ['10k unclosed parentheses', `BEGIN { $x = ${rep('(', 10_000)}1; }`],
  ['10k closing parentheses', `BEGIN { $x = 1${rep(')', 10_000)}; }`],
  ['10k nested braces', `BEGIN ${rep('{', 10_000)}${rep('}', 10_000)}`],
  ['5k nested ifs', `BEGIN { ${rep('if (1) { ', 5_000)}${rep('} ', 5_000)}}`],
  ['5k else-if chain', `BEGIN { if (1) { } ${rep('else if (1) { } ', 5_000)}}`],
  ['10k prefix operators', `BEGIN { $x = ${rep('!~', 5_000)}1; }`],
  ['10k dereferences', `BEGIN { $x = ${rep('*', 10_000)}1; }`],
  ['10k-term sum', `BEGIN { $x = 1${rep(' + 1', 10_000)}; }`],
  ['10k-term ternary chain', `BEGIN { $x = ${rep('1 ? 1 : ', 10_000)}1; }`],
  ['3k nested map keys', `BEGIN { @a[0] = 1; $x = ${rep('@a[', 3_000)}0${rep(']', 3_000)}; }`],
  ['3k nested tuples', `BEGIN { $x = ${rep('(1, ', 3_000)}1${rep(')', 3_000)}; }`],
  ['10k-deep predicate', `BEGIN /${rep('1 && ', 10_000)}1/ { }`],
  ['1 MB comment', `BEGIN { } /*${rep('x', MB)}*/`],
  ['1 MB line comment', `BEGIN { } //${rep('x', MB)}`],
  ['1 MB string literal', `BEGIN { printf("${rep('a', MB)}"); }`],
  ['1 MB of newlines', `${rep('\n', MB)}BEGIN { }`],
  // The parser takes ~6 s per megabyte of real statements here, so these two are 256 KB.
  ['256 KB of printf statements', `BEGIN {\n${rep('\tprintf("%d %s\\n", 12345, "abcdefghijklmnopqrstuvwxyz");\n', 4_500)}}`],
  ['256 KB of probes', rep('interval:s:1 { @count[comm, pid] = count(); if (pid > 100) { @big = max(pid); } }\n', 3_000)],
  ['1 MB of garbage tokens', rep('{ ( [ @ $ ; ', MB / 12)],
  // An unknown provider name is compared with every known one for "did you mean": that
  // must stay linear in the name's length (a full edit-distance matrix is not).
  ['256 KB attach point', `${rep('a', MB / 4)}:b { }`, 3_000],
  ['10k-digit integer', `BEGIN { $x = ${rep('9', 10_000)}; }`],
  ['10k-digit hex integer', `BEGIN { $x = 0x${rep('f', 10_000)}; }`],
  ['2^64', 'BEGIN { $x = 18446744073709551616; }'],
  ['2^64 - 1', 'BEGIN { $x = 18446744073709551615; }'],
  ['-2^63', 'BEGIN { $x = -9223372036854775808; }'],
  ['huge map key count', `BEGIN { @m[${rep('1, ', 2_000)}1] = 1; }`],
  ['huge printf argument list', `BEGIN { printf("${rep('%d', 2_000)}"${rep(', 1', 2_000)}); }`],
  ['huge unroll', 'BEGIN { unroll (18446744073709551615) { @x++; } }'],
  ['lhist with huge bucket count', 'BEGIN { @h = lhist(1, 0, 9223372036854775807, 1); }'],
  ['hist with huge bits', 'BEGIN { @h = hist(1, 18446744073709551615); }'],
  ['huge positional index', 'BEGIN { $x = $18446744073709551616; }'],
  ['huge tuple index', 'BEGIN { $t = (1, 2); $x = $t.18446744073709551616; }'],
  ['macro bomb', `${Array.from({ length: 20 }, (_, i) => `#define M${i} M${i + 1} M${i + 1}`).join('\n')}\n#define M20 1\nBEGIN { $x = M0; }`],
  ['self-referencing macro', '#define A A\nBEGIN { $x = A; }'],
  ['mutually recursive macros', '#define A B\n#define B A\nBEGIN { $x = A; }'],
  ['recursive script macro', 'macro m() { m(); }\nBEGIN { m(); }'],
  ['deep #if nesting', `${rep('#if 1\n', 5_000)}BEGIN { }\n${rep('#endif\n', 5_000)}`],
  ['unterminated string at EOF', 'BEGIN { printf("abc'],
  ['unterminated string with trailing backslash', 'BEGIN { printf("abc\\'],
  ['unterminated string over lines', 'BEGIN { printf("abc\n\n\n); }\nEND { }'],
  ['unterminated comment at EOF', 'BEGIN { } /*'],
  ['unterminated comment in a probe', 'BEGIN { /* exit(); }'],
  ['comment opener only', '/*'],
  ['unterminated char literal', "BEGIN { $c = '"],
  ['unterminated predicate', 'BEGIN /pid == 1'],
  ['unterminated attach point quote', 'uprobe:"/opt/app'],
  ['unterminated #if', '#if 1\nBEGIN { }'],
  ['#define at EOF', '#define'],
  ['dollar at EOF', 'BEGIN { $'],
  ['at sign at EOF', 'BEGIN { @'],
  ['backslash at EOF', '\\'],
  ['empty text', ''],
  ['only whitespace', ' \t\n\r\n '],
  ['NUL bytes', 'BEGIN { \0\0\0 }'],
  ['NUL inside a string', 'BEGIN { printf("a\0b"); }'],
  ['CR line endings', 'BEGIN\r{\r\tprintf("hi\\n");\r}\r'],
  ['CRLF line endings with an error', 'BEGIN\r\n{\r\n\tprintf("hi\\n")\r\n}\r\n'],
  ['byte order mark', '\ufeffBEGIN { exit(); }'],
  ['replacement characters', 'BEGIN { \ufffd\ufffd }'],
  ['lone surrogates', 'BEGIN { printf("\ud800"); \udfff }'],
  ['emoji identifiers', 'BEGIN { $\u{1F600} = 1; @\u{1F600} = 1; }'],
  ['unicode line separator', 'BEGIN {\u2028exit();\u2029}'],
  ['error on the last line without a newline', 'BEGIN { exit(); }\nEND { $x = 1 +'],
  ['error at offset 0', '}'],
  ['long identifier', `BEGIN { $${rep('x', 100_000)} = 1; }`],
  ['long map name', `BEGIN { @${rep('m', 100_000)} = 1; }`],
  ['many attach points', `${Array.from({ length: 5_000 }, () => 'BEGIN').join(',')} { }`],
  ['many wildcard attach points', `${rep('uprobe:/opt/app:*,', 2_000)}uprobe:/opt/app:* { @[func] = count(); }`],
];

// ---------------------------------------------------------------------------------
// The suites.

describe('fuzz: the compiler in process (golden fixture environment)', () => {
  it('the input corpus is there', () => {
    expect(SCRIPTS.length).toBeGreaterThan(30);
    expect(SCRIPTS.some((s) => s.name.startsWith('examples/'))).toBe(true);
  });

  it(`mutations: ${MUTATIONS_PER_SCRIPT} per script of examples and golden inputs`, () => {
    const failures: Failure[] = [];
    let cases = 0;
    SCRIPTS.forEach((s, si) => {
      const rng = new Rng(0x5eed0000 + si);
      const bytes = encoder.encode(s.text);
      for (let i = 0; i < MUTATIONS_PER_SCRIPT; i++) {
        const text = decodeLikeReadFile(mutateBytes(rng, bytes));
        // Positional parameters, so scripts that use $1 and $2 get past analysis.
        runCase(`mutation:${s.name}:seed=${0x5eed0000 + si}:${i}`, text, failures, SLOW_MS, ['10', 'hello']);
        cases++;
      }
    });
    expect(cases).toBeGreaterThan(1_000);
    expect(summarize(failures)).toBe('');
  });

  it(`grammar: ${GRAMMAR_CASES} random programs, valid and slightly invalid`, () => {
    const failures: Failure[] = [];
    const rng = new Rng(0xb9f0);
    let valid = 0;
    let compiled = 0;
    const codes = new Set<string>();
    const whyNot = new Map<string, number>();
    /** Spoiled programs that still compiled: a mistake analysis let through. clang checks them. */
    const slipped: { label: string; c: string }[] = [];
    for (let i = 0; i < GRAMMAR_CASES; i++) {
      const spoiled = i % 3 === 2;
      let text = program(rng);
      if (spoiled) text = spoil(rng, text);
      const label = `grammar:seed=${0xb9f0}:${i}${spoiled ? ':spoiled' : ''}`;
      const r = runCase(label, text, failures);
      if (spoiled && r.c !== null && slipped.length < CLANG_SAMPLE) slipped.push({ label, c: r.c });
      for (const c of r.codes) codes.add(c);
      if (!spoiled) {
        valid++;
        if (r.ok) compiled++;
        else for (const c of new Set(r.codes)) whyNot.set(c, (whyNot.get(c) ?? 0) + 1);
      }
    }
    if (process.env.FUZZ_STATS) console.log({ valid, compiled, codes: [...codes].sort().join(' '), whyNot });
    failures.push(...clangSyntaxCheck(slipped));
    expect(summarize(failures)).toBe('');
    // The generator must reach past the parser and the type checker, or it would fuzz
    // only them: nearly all "valid" programs compile (FUZZ_STATS=1 shows why others fail).
    expect(compiled / valid).toBeGreaterThan(0.8);
    expect(codes.has('P003')).toBe(true);
  });

  it(`random bytes: ${RANDOM_BYTE_CASES} inputs, and invalid UTF-8 inside valid scripts`, () => {
    const failures: Failure[] = [];
    const rng = new Rng(0xb17e5);
    for (let i = 0; i < RANDOM_BYTE_CASES; i++) {
      const n = rng.pick([1, 2, 8, 64, 512, 4096]);
      runCase(`random-bytes:seed=${0xb17e5}:${i}`, decodeLikeReadFile(randomBytes(rng, n)), failures);
    }
    const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80]];
    const base = encoder.encode('BEGIN\n{\n\tprintf("%s %d\\n", comm, pid); // done\n}\n');
    for (let at = 0; at <= base.length; at++) {
      for (const [k, bad] of INVALID_UTF8.entries()) {
        const b = new Uint8Array([...base.slice(0, at), ...bad, ...base.slice(at)]);
        runCase(`invalid-utf8:${k}@${at}`, decodeLikeReadFile(b), failures);
      }
    }
    expect(summarize(failures)).toBe('');
  });

  it('operator matrix: every unary and binary operator on every kind of operand', () => {
    // Systematic where the grammar is random: an operator applied to an operand of the
    // wrong kind must be a type error (T004, T011...), never a crash in codegen; and what
    // analysis accepts must be C that clang accepts (a clang error is a compiler bug).
    const failures: Failure[] = [];
    const PRELUDE = '@c = count(); @i = 1; @k[1] = 2; $t = (1, "a"); $s = "str"; $n = 5;';
    const OPERANDS: Readonly<Record<string, string>> = {
      '1': 'int', $n: 'int', '"abc"': 'str', $s: 'str', comm: 'str', '(1, 2)': 'tuple', $t: 'tuple', '@c': 'agg', '@i': 'int',
      '@k': 'map', '@k[1]': 'int', kstack: 'stack', nsecs: 'int', args: 'args', retval: 'retval', 'str(0)': 'str',
      'ksym(0)': 'ksym', '(uint8)1': 'int', '$t.1': 'str',
    };
    const UNARY = ['!', '~', '-', '*', '&', '++', '--'];
    const POSTFIX = ['++', '--'];
    const BINARY = ['+', '-', '*', '%', '&', '<<', '==', '<', '&&', '||'];
    /** One accepted program per (operator, operand kinds) that involves a non-integer, for clang. */
    const forClang = new Map<string, { label: string; c: string }>();
    const run = (label: string, text: string, shape: string) => {
      const r = runCase(label, text, failures);
      if (r.c !== null && !/^\S+\|(int\|)*int$/.test(shape) && !forClang.has(shape)) forClang.set(shape, { label, c: r.c });
    };
    let cases = 0;
    for (const [a, ka] of Object.entries(OPERANDS)) {
      for (const op of UNARY) {
        run(`operator:${op}${a}`, `BEGIN { ${PRELUDE} $r = ${op}${a}; print(${op}${a}); exit(); }`, `${op}|${ka}`);
        cases++;
      }
      for (const op of POSTFIX) {
        run(`operator:${a}${op}`, `BEGIN { ${PRELUDE} ${a}${op}; exit(); }`, `post${op}|${ka}`);
        cases++;
      }
      for (const [b, kb] of Object.entries(OPERANDS)) {
        for (const op of BINARY) {
          run(`operator:${a} ${op} ${b}`, `BEGIN { ${PRELUDE} $r = ${a} ${op} ${b}; if (${a} ${op} ${b}) { exit(); } }`, `${op}|${ka}|${kb}`);
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(3_000);
    const t0 = performance.now();
    failures.push(...clangSyntaxCheck([...forClang.values()]));
    if (process.env.FUZZ_STATS) console.log({ cases, clang: forClang.size, clangMs: Math.round(performance.now() - t0) });
    expect(summarize(failures)).toBe('');
  });

  it.each(PATHOLOGICAL)('pathological: %s', (name, text, limitMs) => {
    const failures: Failure[] = [];
    runCase(`pathological:${name}`, text, failures, limitMs ?? SLOW_PATHOLOGICAL_MS);
    expect(summarize(failures)).toBe('');
  });

  it('pathological inputs are rejected with the right code, not by accident', () => {
    // Spot checks that the pathological cases reach the limit they were written for.
    const codesOf = (text: string) => {
      const f: Failure[] = [];
      const r = runCase('spot-check', text, f, SLOW_PATHOLOGICAL_MS);
      expect(summarize(f)).toBe('');
      return r.codes;
    };
    expect(codesOf(PATHOLOGICAL[0]![1])).toContain('P010');
    expect(codesOf(`BEGIN { $x = ${rep('9', 10_000)}; }`)).toEqual(['P005']);
    expect(codesOf('BEGIN { printf("abc')).toContain('P002');
    expect(codesOf('BEGIN { } /*')).toEqual(['P004']);
    expect(codesOf('BEGIN { $x = 18446744073709551615; }')).toEqual([]);
  });

  it('a flat list of 130k statements (0.5 MB) is not reported as "nested too deeply"', () => {
    // Nothing is nested, so P010 would be wrong (a spread of every statement's span into
    // one call once overflowed the stack and was reported as P010).
    const text = `BEGIN {\n${rep('\t1;\n', 130_000)}}\n`;
    const failures: Failure[] = [];
    const r = runCase('pathological:130k flat statements', text, failures, 30_000);
    expect(summarize(failures)).toBe('');
    expect(r.codes).not.toContain('P010');
  }, 60_000);
});

// ---------------------------------------------------------------------------------
// The same kinds of input through the real CLI (`--emit c`): reading files as bytes,
// decoding, the real environment, rendering, exit codes.

const cliBuilt = existsSync(CLI_MAIN);

describe('fuzz: bin/bpfscript --emit c', () => {
  let dir = '';
  let keep = false; // a failing run keeps its inputs for reproduction
  afterAll(() => {
    if (dir && !keep) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!cliBuilt)(`${CLI_CASES} inputs: exit 0 with C or 1 with diagnostics, no stack trace, no hang`, async () => {
    dir = mkdtempSync(join(tmpdir(), 'bpfscript-fuzz-cli-'));
    const rng = new Rng(0xc11);
    const inputs: { label: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < CLI_CASES; i++) {
      switch (i % 4) {
        case 0: {
          const si = rng.int(SCRIPTS.length);
          inputs.push({ label: `cli:mutation:${SCRIPTS[si]!.name}:${i}`, bytes: mutateBytes(rng, encoder.encode(SCRIPTS[si]!.text)) });
          break;
        }
        case 1:
          inputs.push({ label: `cli:grammar:${i}`, bytes: encoder.encode(program(rng)) });
          break;
        case 2:
          inputs.push({ label: `cli:spoiled-grammar:${i}`, bytes: encoder.encode(spoil(rng, program(rng))) });
          break;
        default:
          // raw bytes, so the CLI's own UTF-8 check (P009 with an offset) is exercised
          inputs.push({ label: `cli:random-bytes:${i}`, bytes: rng.chance(0.5) ? randomBytes(rng, rng.pick([1, 16, 256])) : mutateBytes(rng, encoder.encode('BEGIN { printf("%d\\n", pid); }')) });
      }
    }
    const failures: string[] = [];
    let compiled = 0;
    let next = 0;
    const env = { BPFSCRIPT_CACHE_DIR: join(dir, 'cache') };
    async function worker(): Promise<void> {
      while (next < inputs.length) {
        const k = next++;
        const { label, bytes } = inputs[k]!;
        const file = join(dir, `case-${k}.bt`);
        writeFileSync(file, bytes);
        const r = await runCli(['--emit', 'c', file], { timeoutMs: 20_000, env });
        const problems: string[] = [];
        if (r.timedOut) problems.push('timed out');
        if (r.code !== 0 && r.code !== 1) problems.push(`exit code ${r.code} (signal ${r.signal})`);
        if (/^\s+at /m.test(r.stderr)) problems.push('stack trace on stderr');
        if (/internal error/i.test(r.stderr)) problems.push('internal error');
        if (r.code === 0 && !r.stdout.includes('SEC("')) problems.push('exit 0 without C');
        if (r.code === 1 && !/ERROR: /.test(r.stderr)) problems.push('exit 1 without an ERROR line');
        if (r.code === 0) compiled++;
        if (problems.length) failures.push(`${label} (${file}): ${problems.join(', ')}\n    stderr: ${r.stderr.slice(0, 300)}`);
        else rmSync(file);
      }
    }
    await Promise.all(Array.from({ length: CLI_CONCURRENCY }, worker));
    keep = failures.length > 0;
    expect(failures).toEqual([]);
    expect(compiled).toBeGreaterThan(0);
  }, 120_000);
});
