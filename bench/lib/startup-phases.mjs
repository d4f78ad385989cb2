// startup-phases: where bpfscript's start-up time goes, phase by phase, for one script.
// A diagnostic for reading the start rows of the table, not part of it:
//   node bench/lib/startup-phases.mjs ['script']      (default: script (a))
// Input: a script. Output: milliseconds for node's own start, importing the front end,
// parse + analyze + codegen, the compile-cache lookup (or clang), spawning the loader
// helper, and open + load + attach + BEGIN, as a small table on stdout.
// It drives the library bundle dist/lib/index.js (built from src/index.ts: compile,
// systemEnv, settingsFromEnv, compileC, scriptFileFor, Loader, SourceFile, Diagnostics).
// It leaves nothing attached (the loader helper is told to quit).

import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const script = process.argv[2] ?? 'BEGIN { printf("ready\\n"); exit(); }';
const rows = [];
let last = performance.now();
// Time from the node process's start to this module running (boot + ESM loader).
rows.push(['node start -> bench module running', last]);
const mark = (name) => {
  const t = performance.now();
  rows.push([name, t - last]);
  last = t;
};

const { SourceFile, Diagnostics, compile, systemEnv, settingsFromEnv, Loader, ...clang } = await import(join(ROOT, 'dist', 'lib', 'index.js'));
mark('import the library bundle (compiler and runtime)');
const src = new SourceFile('stdin', script);
const diags = new Diagnostics();
const lineFile = clang.scriptFileFor(script);
const result = compile(src, { params: [], unsafe: false, settings: settingsFromEnv(), lineFile, env: systemEnv(-1) }, diags);
mark('parse + analyze + codegen');
if (!result) {
  console.error(diags.items.map((d) => d.message).join('\n'));
  process.exit(1);
}
const obj = await clang.compileC(result.c, '0.1.0');
mark(obj.cached ? 'compile cache hit' : 'clang (cache miss)');
const loader = new Loader({ stderr: 'pipe' });
await loader.open(obj.objPath);
mark('spawn helper + open');
for (const [name, v] of [
  ['rt_start_ns', 0n],
  ['rt_cpid', 0n],
  ['rt_ncpus', 1n],
]) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  await loader.set(name, b);
}
await loader.load();
mark('load (verifier, CO-RE)');
for (const p of result.manifest.programs) {
  if (p.provider === 'begin' || p.provider === 'end') continue;
  for (const spec of p.attach) await loader.attach(p.prog, spec);
}
mark('attach');
await loader.quit();
mark('detach + quit');
const width = Math.max(...rows.map((r) => r[0].length));
let total = 0;
for (const [name, t] of rows) {
  total += t;
  process.stdout.write(`${name.padEnd(width)}  ${t.toFixed(1).padStart(7)} ms\n`);
}
process.stdout.write(`${'total'.padEnd(width)}  ${total.toFixed(1).padStart(7)} ms\n`);
