// e2e: the command line: -q, -o FILE, -c (PATH lookup, the child's stdout, BEGIN before
// the child runs), -l / -lv listings, --emit c (no root needed), --help, --version.
// Outputs bpftrace 0.17 also prints are compared with its output (goldens in
// test/e2e/expected/cli/, recorded with RECORD_BPFTRACE=1; see
// test/e2e/cases/golden-case.ts); the kernel-dependent -l listing is compared with tracefs
// and, when bpftrace is installed, with bpftrace itself. Where bpftrace is plainly wrong
// the title says so.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFixture,
  CLI_PATH,
  describeE2E,
  FIXTURES_BIN_DIR,
  itE2E,
  REPO_ROOT,
  runCli,
  runProcess,
} from './harness.js';
import {
  caseTitle,
  leftoverOfRun,
  programBaseline,
  RUN_TOKEN_ENV,
  referenceOutput,
  runBpftrace,
  runGoldenCase,
  runTracked,
  TARGET,
  type GoldenCase,
} from './cases/golden-case.js';

const PATH_WITH_FIXTURES = `${FIXTURES_BIN_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`;

const CASES: readonly GoldenCase[] = [
  {
    // -k: the map update that finds the map full is reported where bpftrace reports it
    // (at the `=`), in its words; the map-full summary goes to stderr.
    name: 'cli/k-map-update-fails',
    args: ['-k', '-e', 'BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; exit(); }'],
    env: { BPFTRACE_MAP_KEYS_MAX: '2' },
  },
  {
    // -k on aggregations: the slot a count()/hist()/sum() cannot create, at the call.
    name: 'cli/k-aggregation-update-fails',
    args: ['-k', '-e', 'BEGIN { @[1] = count(); @[2] = count(); @h[2] = hist(3); @h[3] = hist(4); @s[1] = sum(1); @s[2] = sum(2); exit(); }'],
    env: { BPFTRACE_MAP_KEYS_MAX: '1' },
  },
  { name: 'cli/quiet', args: ['-q', '-e', 'BEGIN { printf("quiet\\n"); @a = 1; exit(); }'] },
  {
    name: 'cli/quiet-json',
    args: ['-q', '-f', 'json', '-e', 'BEGIN { printf("quiet\\n"); @a = 1; exit(); }'],
  },
  {
    // `target` is found through PATH; bpftrace does this too when the name is unique.
    name: 'cli/c-path-lookup',
    args: ['-c', 'target calls 2', '-e', `uprobe:${TARGET}:add /pid == cpid/ { @ = count(); }`],
    env: { PATH: PATH_WITH_FIXTURES },
  },
  {
    // /bin/sleep and /usr/bin/sleep are one file on a merged-/usr system; PATH picks one.
    name: 'cli/c-sleep-through-path',
    args: ['-c', 'sleep 0.1', '-e', 'BEGIN { printf("begin\\n"); }'],
    bpftraceWrong: "-c 'sleep 0.1' fails: path 'sleep' must refer to a unique binary but matched 2 binaries",
  },
  {
    name: 'cli/c-exit-status-ignored',
    args: ['-c', `${TARGET} calls 1 exit 3`, '-e', `uprobe:${TARGET}:add /pid == cpid/ { @ = count(); }`],
  },
  { name: 'cli/list-uprobe-wildcard', args: ['-l', `uprobe:${TARGET}:*er`] },
  { name: 'cli/list-verbose-openat', args: ['-lv', 'tracepoint:syscalls:sys_enter_openat'] },
  { name: 'cli/list-verbose-split', args: ['-l', '-v', 'tracepoint:syscalls:sys_enter_openat'] },
];

/** Tracepoints of category `syscalls` whose names match a shell glob, as tracefs lists them. */
function tracefsSyscalls(glob: string): string[] {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  for (const root of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) {
    const dir = path.join(root, 'events', 'syscalls');
    if (!fs.existsSync(dir)) continue;
    return fs
      .readdirSync(dir)
      .filter((n) => re.test(n) && fs.statSync(path.join(dir, n)).isDirectory())
      .sort()
      .map((n) => `tracepoint:syscalls:${n}`);
  }
  throw new Error('tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)');
}

function hasBpftrace(): boolean {
  return !spawnSync('bpftrace', ['--version'], { encoding: 'utf8' }).error;
}

describeE2E('e2e: command-line options', () => {
  for (const c of CASES) itE2E(caseTitle(c), () => runGoldenCase(c));

  itE2E("-l 'tracepoint:syscalls:sys_enter_open*' lists exactly tracefs's events, like bpftrace", async () => {
    const pattern = 'tracepoint:syscalls:sys_enter_open*';
    const r = await runCli(['-l', pattern]);
    const want = tracefsSyscalls('sys_enter_open*');
    expect(want.length).toBeGreaterThanOrEqual(2); // open and openat exist on every x86-64 kernel
    expect(r.stdout, r.stderr).toBe(`${want.join('\n')}\n`);
    expect(r.code).toBe(0);
    if (hasBpftrace()) {
      const ref = await runBpftrace(['-l', pattern]);
      expect(r.stdout).toBe(ref.stdout);
    }
  });

  itE2E('a run leaves a plan; the next run of that command line starts without the compiler, and falls back when it needs it', async () => {
    await buildFixture('target');
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-e2e-plan-'));
    try {
      const env = { BPFSCRIPT_CACHE_DIR: cache };
      const token = `plan-${process.pid}-${Date.now()}`;
      const args = ['-e', `uprobe:${TARGET}:add { @a = count(); } interval:ms:300 { printf("${token} %d\\n", 7); exit(); }`];
      const want = `Attaching 2 probes...\n${token} 7\n\n\n@a: 0\n`; // as bpftrace 0.17 prints it
      /** Runs the command line; the snapshots node was started from while it ran. */
      const traced = async (): Promise<{ out: string; blobs: string[] }> => {
        const blobs = new Set<string>();
        const running = runCli(args, { env });
        const seen = setInterval(() => {
          for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
            try {
              const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
              const blob = argv[argv.indexOf('--snapshot-blob') + 1];
              // node's, not the loader helper's (its command line is the one bin/bpfscript gave it).
              if (argv.some((a) => a.includes(token)) && !argv.includes('--exec') && argv.includes('--snapshot-blob') && blob) blobs.add(path.basename(blob));
            } catch {
              /* gone */
            }
          }
        }, 20);
        const r = await running;
        clearInterval(seen);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe('');
        return { out: r.stdout, blobs: [...blobs].sort() };
      };
      expect(await traced()).toEqual({ out: want, blobs: ['bpfscript.blob'] });
      const plans = fs.readdirSync(path.join(cache, 'plans'));
      expect(plans).toHaveLength(1);
      expect(plans[0]).toMatch(/^[0-9a-f]{16}$/);
      const target = path.resolve(TARGET);
      const st = fs.statSync(target, { bigint: true });
      const plan = fs.readFileSync(path.join(cache, 'plans', plans[0]!), 'utf8').split('\n');
      expect(plan[0]).toBe('bpfscript-plan 2');
      expect(plan[1]).toBe(`boot ${fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`);
      // Every file the compile read is checked: the compiler's build, the uprobe's binary.
      const buildId = path.join(REPO_ROOT, 'dist', 'build-id');
      const id = fs.statSync(buildId, { bigint: true });
      expect(plan).toContain(`check ${buildId} ${id.dev} ${id.ino} ${id.size} ${id.mtimeNs}`);
      expect(plan).toContain(`check ${target} ${st.dev} ${st.ino} ${st.size} ${st.mtimeNs}`);
      const cmds = plan.filter((l) => !/^(check|boot) /.test(l));
      expect(cmds[1]).toMatch(new RegExp(`^prepare uprobe ${target} \\d+ 0 -1$`));
      expect(cmds[2]).toMatch(new RegExp(`^open ${cache}/objects/[0-9a-f]{32}\\.o$`));
      expect(cmds.slice(3)).toEqual(['set rt_start_ns start', 'set rt_cpid 0000000000000000', expect.stringMatching(/^set rt_ncpus [0-9a-f]{16}$/), 'load', '']);
      // The plan holds: node starts from the snapshot without the compiler.
      expect(await traced()).toEqual({ out: want, blobs: ['bpfscript-run.blob'] });
      // A -c run's commands change with the command's pid: it leaves no plan.
      const withCmd = await runCli(['-c', 'true', ...args], { env });
      expect(withCmd.code, withCmd.stderr).toBe(0);
      expect(fs.readdirSync(path.join(cache, 'plans'))).toEqual(plans);
      // The compile cache cannot answer after all: the run is handed to the full snapshot,
      // and the plan, which told otherwise, is gone.
      fs.rmSync(path.join(cache, 'compiled'), { recursive: true });
      expect(await traced()).toEqual({ out: want, blobs: ['bpfscript-run.blob', 'bpfscript.blob'] });
      expect(fs.readdirSync(path.join(cache, 'plans'))).toEqual([]);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  itE2E(
    '-c: BEGIN output comes before anything the child prints (3 runs)',
    async () => {
      await buildFixture('target');
      const args = ['-c', `${TARGET} print child-output`, '-e', 'BEGIN { printf("begin\\n"); }'];
      const want = await referenceOutput('cli/c-begin-before-child', args);
      // bpfscript's BEGIN output and the child share stdout; a race shows up only
      // sometimes, so a few runs make a wrong order likely to be seen.
      for (let i = 0; i < 3; i++) {
        const { result: r, leftovers } = await runTracked(args);
        expect(leftovers, 'BPF programs left loaded').toBe(0);
        expect(r.stdout, `run ${i + 1}; stderr:\n${r.stderr}`).toBe(want);
        expect(r.code).toBe(0);
      }
    },
    30_000,
  );

  itE2E(
    '-o FILE writes everything to FILE and nothing to stdout (bpftrace 0.17 is wrong: it prints the closing blank lines on stdout)',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-e2e-o-'));
      try {
        const out = path.join(dir, 'trace.txt');
        const { result: r, leftovers } = await runTracked(['-o', out, '-e', 'BEGIN { printf("to file\\n"); @a = 7; exit(); }']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('');
        expect(fs.readFileSync(out, 'utf8')).toBe(await referenceOutput('cli/output-file', [], { handWritten: true }));
        expect(leftovers, 'BPF programs left loaded').toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  itE2E(
    'bin/bpfscript starts from the snapshot, or from the bundle for another node binary, under NODE_OPTIONS or for another user: same output, also when the package has moved',
    async () => {
      // A copy of the package somewhere else (native/ linked): the snapshot was built in
      // the repository, and must still find the loader and headers where it now is.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-e2e-moved-'));
      try {
        fs.mkdirSync(path.join(dir, 'bin'));
        fs.copyFileSync(CLI_PATH, path.join(dir, 'bin', 'bpfscript'));
        fs.chmodSync(path.join(dir, 'bin', 'bpfscript'), 0o755);
        fs.cpSync(path.join(REPO_ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
        fs.symlinkSync(path.join(REPO_ROOT, 'native'), path.join(dir, 'native'));
        const cli = path.join(dir, 'bin', 'bpfscript');
        const script = ['-e', 'BEGIN { printf("moved %d\\n", 6 * 7); @a = 1; exit(); }'];
        const info = async (env: Record<string, string> = {}) => (await runProcess(cli, ['--info'], { env })).stdout;
        const run = async (env: Record<string, string> = {}) => {
          const r = await runProcess(cli, script, { env });
          expect(r.code, r.stderr).toBe(0);
          return r.stdout;
        };
        const snapshotInfo = await info();
        expect(snapshotInfo).toContain('started from: the start-up snapshot');
        expect(snapshotInfo).toContain(`loader helper: ${path.join(dir, 'native', 'loader', 'bpfscript-loader')}`);
        const fromSnapshot = await run();
        expect(fromSnapshot).toBe('Attaching 1 probe...\nmoved 42\n\n\n@a: 1\n'); // as bpftrace prints it
        expect(await info({ NODE_OPTIONS: '--no-warnings' })).toContain('started from: the bundle');
        expect(await run({ NODE_OPTIONS: '--no-warnings' })).toBe(fromSnapshot);
        // Only its owner may read the snapshot (it holds V8's hash seed, scripts/build):
        // another user's run starts from the bundle.
        expect(fs.statSync(path.join(dir, 'dist', 'bpfscript.blob')).mode & 0o777).toBe(0o600);
        expect(fs.statSync(path.join(dir, 'dist', 'bpfscript-run.blob')).mode & 0o777).toBe(0o600);
        fs.chmodSync(dir, 0o755);
        const other = await runProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', cli, '--info']);
        expect(other.stdout).toContain('started from: the bundle');
        // Another node binary than the one that built the snapshot.
        fs.rmSync(path.join(dir, 'dist', 'bpfscript.blob.node'));
        fs.symlinkSync('/bin/sh', path.join(dir, 'dist', 'bpfscript.blob.node'));
        expect(await info()).toContain('started from: the bundle');
        expect(await run()).toBe(fromSnapshot);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );

  itE2E('-kk reports failed memory reads, -k does not; without -k nothing is checked', async () => {
    const script = 'BEGIN { printf("%s|\\n", str(0)); @x = *(uint32 *)0; exit(); }';
    const run = async (flags: string[]) => {
      const { result: r, leftovers } = await runTracked([...flags, '-e', script]);
      expect(r.code, r.stderr).toBe(0);
      expect(leftovers, 'BPF programs left loaded').toBe(0);
      return r.stdout;
    };
    const quiet = 'Attaching 1 probe...\n|\n\n\n@x: 0\n';
    expect(await run([])).toBe(quiet);
    expect(await run(['-k'])).toBe(quiet);
    // As bpftrace -kk words and places them, with two differences: the kernel answers
    // bpf_probe_read_kernel_str(0) with ERANGE where 0.17's older bpf_probe_read_str got
    // EFAULT, and str() reads straight into the printf record, which is reserved first,
    // so "|" comes before the warning about its argument (bpftrace prints it after).
    expect(await run(['-kk'])).toBe(
      'Attaching 1 probe...\n|\n' +
        `stdin:1:25-31: WARNING: Failed to probe_read_str: Numerical result out of range (-34)\n${script}\n${' '.repeat(24)}~~~~~~\n` +
        `stdin:1:39-40: WARNING: Failed to probe_read: Numerical result out of range (-34)\n${script}\n${' '.repeat(38)}~\n` +
        '\n\n@x: 0\n',
    );
    const json = await run(['-kk', '-f', 'json']);
    expect(json).toContain('{"type": "helper_error", "helper": "probe_read_str", "retcode": -34, "line": 1, "col": 25}\n');
    expect(json).toContain('{"type": "helper_error", "helper": "probe_read", "retcode": -34, "line": 1, "col": 39}\n');
  });

  itE2E(
    'bin/bpfscript starts the loader helper alongside node; the -c command inherits neither its pipes nor BPFSCRIPT_LOADER_FDS',
    async () => {
      expect((await runCli(['--info'])).stdout).toContain('loader helper started: with node, by bin/bpfscript');
      const own = path.join(REPO_ROOT, 'native', 'loader', 'bpfscript-loader');
      expect((await runCli(['--info'], { env: { BPFSCRIPT_LOADER: own } })).stdout).toContain('loader helper started: by node, when a trace starts');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-e2e-fds-'));
      try {
        // Prints its open fds on one line, then how many BPFSCRIPT_LOADER_FDS it sees.
        const show = path.join(dir, 'show-fds');
        fs.writeFileSync(show, '#!/bin/sh\necho fds: $(ls /proc/$$/fd)\necho env: $(env | grep -c BPFSCRIPT_LOADER_FDS)\n', { mode: 0o755 });
        const fdsOf = (out: string): string[] => (/^fds: (.*)$/m.exec(out)?.[1] ?? '').split(' ').filter((fd) => Number(fd) > 2);
        const direct = await runProcess(show, []);
        const { result: r, leftovers } = await runTracked(['-c', show, '-e', 'BEGIN { printf("begin\\n"); }']);
        expect(r.code, r.stderr).toBe(0);
        expect(leftovers, 'BPF programs left loaded').toBe(0);
        expect(r.stdout).toMatch(/^begin$/m);
        expect(r.stdout).toMatch(/^env: 0$/m);
        // Whatever fds the command has beyond stdio, a child of the test has them too.
        expect(fdsOf(r.stdout).filter((fd) => !fdsOf(direct.stdout).includes(fd)), r.stdout).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );

  // The leftover check every case relies on must be able to fail: a live run's programs
  // are counted for its own token and not for another run's.
  itE2E('leftover tracking counts a running tracer\'s programs as its own only', async () => {
    const token = `self-check-${process.pid}-${Date.now()}`;
    const baseline = await programBaseline();
    const child = execa(CLI_PATH, ['-e', 'interval:s:3 { exit(); }'], {
      cwd: REPO_ROOT,
      env: { [RUN_TOKEN_ENV]: token },
      reject: false,
      timeout: 20_000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        child.stdout?.on('data', (b: Buffer) => {
          seen += b.toString();
          if (seen.includes('Attaching')) resolve();
        });
        void child.then(() => reject(new Error(`the tracer ended before attaching:\n${seen}`)));
      });
      expect(await leftoverOfRun(baseline, token, 0)).toBeGreaterThanOrEqual(1);
      expect(await leftoverOfRun(baseline, `${token}-other`, 0)).toBe(0);
    } finally {
      await child;
    }
    expect(await leftoverOfRun(baseline, token)).toBe(0);
  });
});

// These need no BPF and no root, only the built CLI.
describe('e2e: command-line options without root', () => {
  let home = '';
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-e2e-home-'));
    fs.chmodSync(home, 0o777);
  });
  afterAll(() => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  const SCRIPT =
    'BEGIN { printf("hi\\n"); } interval:ms:100 { @n = count(); } ' +
    `uprobe:${TARGET}:add { @a = sum(arg0); } uretprobe:${TARGET}:add { @r = hist(retval); }`;
  const SECTIONS = ['SEC("raw_tp")', 'SEC("perf_event")', 'SEC("uprobe")', 'SEC("uretprobe")'];

  it('--emit c prints the generated C, one probe_<n> per probe, as an unprivileged user', async () => {
    await buildFixture('target');
    // As root, drop to nobody (setpriv) so the test proves no privilege is needed.
    const asRoot = process.geteuid?.() === 0;
    const r = asRoot
      ? await runProcess(
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', CLI_PATH, '--emit', 'c', '-e', SCRIPT],
          { env: { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') } },
        )
      : await runCli(['--emit', 'c', '-e', SCRIPT], { env: { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') } });
    expect(r.code, r.stderr).toBe(0);
    for (const sec of SECTIONS) expect(r.stdout).toContain(sec);
    for (const n of [0, 1, 2, 3]) expect(r.stdout).toMatch(new RegExp(`\\bint probe_${n}\\(`));
    expect(r.stdout).not.toMatch(/\bprobe_4\b/);
    expect(r.stdout).toMatch(/\bmap_n\b/);
    expect(r.stdout).toMatch(/\bmap_r\b/);
  });

  it('--emit c does not need a writable cache directory', async () => {
    // /dev/null is not a directory, so nothing can be created under it, even by root.
    const r = await runCli(['--emit', 'c', '-e', 'BEGIN { printf("hi\\n"); exit(); }'], {
      env: { XDG_CACHE_HOME: '/dev/null/bpfscript-no-cache', BPFSCRIPT_CACHE_DIR: undefined },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\bint probe_0\(/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.stdout).toBe(`bpfscript v${pkg.version}\n`);
    expect(r.code).toBe(0);
  });

  const HELP_FLAGS = ['-e', '-f, --format', '-o, --output', '-l', '-v', '-q', '-c', '-p', '--unsafe', '--emit', '-V, --version', '-h, --help'];
  it('--help prints the usage and every bpftrace-compatible flag, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: bpfscript /);
    for (const flag of HELP_FLAGS) expect(r.stdout).toMatch(new RegExp(`^\\s+${flag.replace(/[-,]/g, '\\$&')}\\b`, 'm'));
    expect(r.stderr).toBe('');
  });
});
