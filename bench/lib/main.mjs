// main: the entry of bench/run. Parses the options, checks the machine (root, tracefs,
// bpftrace, the bpfscript build, the bench binaries), runs the chosen benchmarks in
// order and prints ONE table (also written to bench/out/results.md).
// Input: argv (--quick, --reps N, --only NAME[,NAME], --build, --help).
// Output: progress on stderr, the table on stdout; exit 0 when every target passed,
// 1 when any failed, 2 on a usage or set-up error.
// Must not: change anything outside bench/out (apart from mounting tracefs when it is
// missing, which bpftrace needs, and building the project when it is not built).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHES } from './benches.mjs';
import { parseOnly } from './stats.mjs';
import { renderMarkdown, renderText, tally } from './table.mjs';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(BENCH_DIR, '..');

const USAGE = `usage: bench/run [--quick] [--reps N] [--only NAME[,NAME...]] [--build]
  --quick       2 repetitions instead of 5 (and shorter driver loops)
  --reps N      N repetitions
  --only NAMES  run only these benchmarks: ${Object.keys(BENCHES).join(', ')}
  --build       rebuild bpfscript (npm run build) before running
`;

function parseArgs(argv) {
  const o = { reps: 5, quick: false, only: null, build: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      o.quick = true;
      o.reps = 2;
    } else if (a === '--reps') {
      o.reps = Number(argv[++i]);
      if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps needs a positive integer');
    } else if (a === '--only') {
      const v = argv[++i];
      if (!v) throw new Error('--only needs a name');
      o.only = parseOnly(v, Object.keys(BENCHES));
    } else if (a.startsWith('--only=')) {
      o.only = parseOnly(a.slice(7), Object.keys(BENCHES));
    } else if (a === '--build') {
      o.build = true;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function preflight(o, log) {
  if (process.getuid && process.getuid() !== 0) throw new Error('the benchmarks load BPF programs: run them as root');
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (!/ \/sys\/kernel\/tracing tracefs /.test(mounts)) {
    log('mounting tracefs on /sys/kernel/tracing (bpftrace needs it)\n');
    sh('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
  }
  const bpftrace = process.env.BENCH_BPFTRACE ?? 'bpftrace';
  let version;
  try {
    version = sh(bpftrace, ['--version']).trim();
  } catch {
    throw new Error(`${bpftrace} not found (set BENCH_BPFTRACE)`);
  }
  const built = existsSync(join(ROOT, 'dist', 'bpfscript.js')) && existsSync(join(ROOT, 'native', 'loader', 'bpfscript-loader'));
  if (o.build || !built) {
    log('building bpfscript (npm run build)\n');
    sh('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  log('building bench/out (driver, baselines)\n');
  sh('make', ['-s', '-C', BENCH_DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  if (!taskset) throw new Error('taskset not found (util-linux)');
  return { bpftrace, version, taskset };
}

async function main() {
  const log = (s) => process.stderr.write(s);
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench/run: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  let pf;
  try {
    pf = preflight(o, log);
  } catch (e) {
    process.stderr.write(`bench/run: ${e.message}\n`);
    process.exit(2);
  }
  const outDir = join(BENCH_DIR, 'out');
  const cacheRoot = join(outDir, 'cache');
  rmSync(cacheRoot, { recursive: true, force: true });
  mkdirSync(join(cacheRoot, 'warm'), { recursive: true });
  const ctx = {
    reps: o.reps,
    quick: o.quick,
    bpftrace: pf.bpftrace,
    taskset: pf.taskset,
    bpfscript: join(ROOT, 'bin', 'bpfscript'),
    driver: join(outDir, 'syscall-loop'),
    blLoader: join(outDir, 'bl-loader'),
    blObj: join(outDir, 'counters.bpf.o'),
    outDir,
    cacheRoot,
    warmCache: join(cacheRoot, 'warm'),
    builtFiles: [join(ROOT, 'dist', 'bpfscript.js'), join(ROOT, 'native', 'loader', 'bpfscript-loader')],
    failures: [],
    resent: {},
    log,
  };
  const started = new Date();
  const load0 = loadavg()[0];
  const rows = [];
  for (const [name, fn] of Object.entries(BENCHES)) {
    if (o.only && !o.only.has(name)) continue;
    log(`== ${name} (${o.reps} repetitions)\n`);
    const t = Date.now();
    rows.push(...(await fn(ctx)));
    log(`== ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
  }
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  let commit = 'unknown commit';
  try {
    // Read-only: which build was measured (others may commit while this runs).
    commit = sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).trim();
    if (sh('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']).trim()) commit += ' + uncommitted changes';
  } catch {
    /* not a git checkout */
  }
  const header = [
    `# bpfscript vs bpftrace: benchmark results`,
    '',
    `${started.toISOString()}; ${pf.version}; bpfscript ${ROOT} at ${commit} (dist/ as built); Linux ${kernel}; ${cpus().length} CPUs; ` +
      `load average ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; ${o.reps} repetitions, interleaved.`,
    '',
    'Cells: median (best) over the repetitions; best is the min, or the max for lines/s. ' +
      'Ratio: bpfscript / reference on medians (ratio of the bests in brackets); pass/fail judges the median ratio.',
  ].join('\n');
  const failures = ctx.failures.length ? `\n${ctx.failures.length} run(s) failed and were left out: ${[...new Set(ctx.failures)].join('; ')}\n` : '';
  const resent = Object.entries(ctx.resent).map(([who, n]) => `${who} ignored the first SIGINT in ${n} run(s); timed from the signal that worked`);
  const text = renderText(rows);
  const { pass, fail } = tally(rows);
  const summary = `${pass} passed, ${fail} failed${failures}${resent.length ? '\n' + resent.join('\n') + '\n' : ''}`;
  process.stdout.write('\n' + text + '\n' + summary + '\n');
  writeFileSync(join(outDir, 'results.md'), renderMarkdown(rows, header) + '\n' + summary + '\n');
  log(`wrote ${join(outDir, 'results.md')}\n`);
  rmSync(cacheRoot, { recursive: true, force: true });
  process.exit(fail > 0 ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`bench/run: ${e && e.stack ? e.stack : e}\n`);
  process.exit(2);
});
