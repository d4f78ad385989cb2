// e2e: bad input and hostile environments through the real CLI. Each case must fail
// with a clear diagnostic (the catalogue's text, naming the script line or the missing
// kernel feature), a non-zero exit status, no JavaScript stack trace, and no BPF program
// of the run left loaded. Covers the back-end (B*) and environment (E*) codes that the
// in-process diagnostics goldens cannot reach: not root, missing tracepoints, binaries
// and libraries, stripped binaries, kprobe/kfunc on a kernel without them, a program the
// verifier rejects, unwritable output, unreadable or invalid scripts, missing clang.
//
// Input: the built CLI (and gcc/strip for the stripped binary). Output: vitest assertions.
// It must not change the machine beyond a temporary directory it removes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildFixture, CLI_PATH, describeE2E, itE2E, runCli, runProcess, type RunResult } from './harness.js';
import { leftoverOfRun, programBaseline, RUN_TOKEN_ENV } from './cases/golden-case.js';

const STACK_LINE = /^ {4}at /m;

let dir = '';
/** Paths in the temporary directory, filled in by beforeAll. */
const files = { loop: '', unroll: '', latin1: '', empty: '', stripped: '', missingDir: '', cache: '', target: '', nodeOnly: '' };

function setpriv(): string | null {
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv']) if (fs.existsSync(p)) return p;
  return null;
}

interface BadCase {
  readonly name: string;
  /** Arguments after `bpfscript`; a function reads paths made in beforeAll. */
  readonly args: () => readonly string[];
  /** Every pattern must match stderr. */
  readonly stderr: readonly RegExp[];
  /** No pattern may match stderr. */
  readonly notStderr?: readonly RegExp[];
  readonly env?: () => Record<string, string>;
  /** Run as user nobody (uid/gid 65534, no groups). */
  readonly nobody?: boolean;
  readonly timeoutMs?: number;
}

const LOOP_BT = 'BEGIN\n{\n\t$i = 0;\n\twhile (1) {\n\t\t$i++;\n\t}\n\texit();\n}\n';
const UNROLL_BT =
  'BEGIN\n{\n\tunroll (100) {\n\t\tunroll (100) {\n\t\t\tunroll (100) {\n\t\t\t\t@x[nsecs] = count();\n\t\t\t}\n\t\t}\n\t}\n\texit();\n}\n';
const STRIPPED_C = 'int add(int a, int b) { return a + b; }\nint main(void) { return add(1, 2) - 3; }\n';

const CASES: readonly BadCase[] = [
  {
    name: 'not root: E001',
    nobody: true,
    args: () => ['-e', 'BEGIN { exit(); }'],
    stderr: [/ERROR: bpfscript needs root \(or CAP_BPF and CAP_PERFMON\) to load BPF programs/, /HINT: run it as root/],
  },
  {
    name: 'not root, with a script file: E001 before anything is loaded',
    nobody: true,
    args: () => [files.loop],
    stderr: [/ERROR: bpfscript needs root/],
  },
  {
    name: 'unknown probe type: N001 with a suggestion',
    args: () => ['-e', 'kprobez:vfs_read { @ = count(); }'],
    stderr: [/^stdin:1:1-\d+: ERROR: unknown probe type kprobez$/m, /HINT: did you mean kprobe/],
  },
  {
    name: 'a tracepoint that does not exist: N004 with a suggestion',
    args: () => ['-e', 'tracepoint:syscalls:sys_enter_opnat { @ = count(); }'],
    stderr: [/ERROR: tracepoint syscalls:sys_enter_opnat does not exist/, /HINT: did you mean syscalls:sys_enter_openat/],
  },
  {
    name: 'a tracepoint category that does not exist: N004',
    args: () => ['-e', 'tracepoint:nosuchcategory:nosuchevent { @ = count(); }'],
    stderr: [/ERROR: tracepoint nosuchcategory:nosuchevent does not exist/],
  },
  {
    // An exact name is looked up as tracefs's events/<category>/<name>; `..` is not a name.
    name: 'a tracepoint named `..`: N004, not the events directory',
    args: () => ['-e', 'tracepoint:syscalls:.. { @ = count(); }'],
    stderr: [/ERROR: tracepoint syscalls:\.\. does not exist/],
  },
  {
    name: 'a uprobe binary that does not exist: N006',
    args: () => ['-e', 'uprobe:/nonexistent/binary:main { @ = count(); }'],
    stderr: [/ERROR: cannot read the symbols of \/nonexistent\/binary: no such file/],
  },
  {
    name: 'a uprobe library that cannot be resolved: N015',
    args: () => ['-e', 'uprobe:libnosuchlibrary:foo { @ = count(); }'],
    stderr: [/ERROR: cannot resolve library libnosuchlibrary/],
  },
  {
    name: 'a uprobe on a stripped binary: N006 says it is stripped',
    args: () => ['-e', `uprobe:${files.stripped}:add { @ = count(); }`],
    stderr: [/ERROR: cannot read the symbols of \S+stripped: .*stripped/],
  },
  {
    name: 'a uprobe on a function that is not there: N007',
    args: () => ['-e', `uprobe:${files.target}:no_such_function_here { @ = count(); }`],
    stderr: [/ERROR: function no_such_function_here not found in \/\S+target/],
  },
  {
    name: 'kprobe on a kernel without kprobes: names CONFIG_KPROBES',
    args: () => ['-e', 'kprobe:vfs_read { @ = count(); }'],
    stderr: [/ERROR: could not attach kprobe:vfs_read: .*kprobe.*CONFIG_KPROBES/],
  },
  {
    name: 'kretprobe on a kernel without kprobes: names CONFIG_KPROBES',
    args: () => ['-e', 'kretprobe:vfs_read { @ = count(); }'],
    stderr: [/ERROR: could not attach kretprobe:vfs_read: .*CONFIG_KPROBES/],
  },
  {
    name: 'kfunc on a kernel without BPF trampolines: E006 names the feature',
    args: () => ['-e', 'kfunc:vfs_read { @ = count(); }'],
    stderr: [/ERROR: kfunc probes \(BPF trampolines\) is not supported by this kernel/],
    // The reason is the kernel's, not libbpf's path of a cached object file.
    notStderr: [/\.cache\/bpfscript\/objects|failed to load object/],
  },
  {
    name: 'kretfunc on a kernel without BPF trampolines: E006 names the feature',
    args: () => ['-e', 'kretfunc:vfs_read { @ = count(); }'],
    stderr: [/ERROR: kretfunc probes \(BPF trampolines\) is not supported by this kernel/],
    notStderr: [/\.cache\/bpfscript\/objects|failed to load object/],
  },
  {
    name: 'a loop the verifier cannot bound: B002 on the script line of the loop',
    args: () => [files.loop],
    stderr: [
      /^\S+loop\.bt:4:2-13: ERROR: the kernel verifier rejected the program for this line: .*loop/m,
      /^\twhile \(1\) \{\n ~{11}$/m,
      /^HINT: kernel: /m,
    ],
  },
  {
    name: 'a huge unroll: B002 says the program is too large',
    args: () => [files.unroll],
    stderr: [/^\S+unroll\.bt:\d+:\d+-\d+: ERROR: the kernel verifier rejected the program for this line: the program is too large/m],
    timeoutMs: 60_000,
  },
  {
    name: '-o into a directory that does not exist: E009, reported once',
    args: () => ['-o', path.join(files.missingDir, 'out.txt'), '-e', 'BEGIN { exit(); }'],
    stderr: [/ERROR: cannot open output file \S+out\.txt: /],
    // One message, not a raw one before the diagnostic.
    notStderr: [/^bpfscript: cannot write output/m],
  },
  {
    name: 'a script file that does not exist: E010',
    args: () => [path.join(dir, 'no-such-script.bt')],
    stderr: [/ERROR: cannot read \S+no-such-script\.bt: no such file/],
  },
  {
    name: 'a directory as the script: E010',
    args: () => [dir],
    stderr: [/ERROR: cannot read \S+: /],
  },
  {
    name: 'a script that is not valid UTF-8: P009 with the offset',
    args: () => [files.latin1],
    stderr: [/latin1\.bt: ERROR: the script is not valid UTF-8 text/, /HINT: .*the first invalid byte is near offset 19/],
  },
  {
    name: 'an empty script file: P007',
    args: () => [files.empty],
    stderr: [/ERROR: empty program/],
  },
  {
    name: 'system() without --unsafe: T021',
    args: () => ['-e', 'BEGIN { system("true"); exit(); }'],
    stderr: [/^stdin:1:9-15: ERROR: system\(\) needs --unsafe$/m, /HINT: .*pass --unsafe/],
  },
  {
    name: '-p with a process that does not exist: E008',
    args: () => ['-p', fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim(), '-e', 'BEGIN { exit(); }'],
    stderr: [/ERROR: process \d+ does not exist/],
  },
  {
    name: '-c with a command that does not exist: E007 and a non-zero exit',
    args: () => ['-c', '/nonexistent/command', '-e', 'BEGIN { printf("begin\\n"); }'],
    stderr: [/ERROR: cannot run command \/nonexistent\/command/],
  },
  {
    name: 'clang not on PATH: E002',
    // A fresh cache, so the compile cannot be served from an earlier run.
    // PATH holds node (bin/bpfscript runs it) and nothing else.
    env: () => ({ PATH: files.nodeOnly, BPFSCRIPT_CACHE_DIR: files.cache }),
    args: () => ['-e', `BEGIN { printf("%d\\n", ${process.pid}); exit(); }`],
    stderr: [/ERROR: clang was not found/, /HINT: install it/],
  },
  {
    name: 'node not on PATH: bin/bpfscript says what is missing',
    env: () => ({ PATH: '/nonexistent' }),
    args: () => ['-e', 'BEGIN { exit(); }'],
    stderr: [/bpfscript: node \(Node\.js >= 20\) is not on PATH/],
  },
  {
    name: 'an unknown option: a usage error',
    args: () => ['--no-such-option', '-e', 'BEGIN { exit(); }'],
    stderr: [/unknown option '--no-such-option'/],
  },
  {
    name: 'no program at all: a usage error',
    args: () => [],
    stderr: [/no program given/],
  },
];

async function runCase(c: BadCase, token: string): Promise<RunResult> {
  const env = { ...c.env?.(), [RUN_TOKEN_ENV]: token };
  const opts = { env, timeoutMs: c.timeoutMs ?? 30_000 };
  if (!c.nobody) return runCli(c.args(), opts);
  const sp = setpriv();
  if (!sp) throw new Error('setpriv is not installed: cannot run as nobody');
  return runProcess(sp, ['--reuid=65534', '--regid=65534', '--clear-groups', CLI_PATH, ...c.args()], opts);
}

describeE2E('e2e: bad input and hostile environments', () => {
  beforeAll(async () => {
    files.target = await buildFixture('target');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-bad-input-'));
    // nobody must be able to read the scripts
    fs.chmodSync(dir, 0o755);
    const write = (name: string, data: string | Buffer) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, data, { mode: 0o644 });
      return p;
    };
    files.loop = write('loop.bt', LOOP_BT);
    files.unroll = write('unroll.bt', UNROLL_BT);
    files.latin1 = write('latin1.bt', Buffer.from('BEGIN { printf("caf\xe9\\n"); exit(); }\n', 'latin1'));
    files.empty = write('empty.bt', '');
    files.missingDir = path.join(dir, 'no', 'such', 'dir');
    files.cache = path.join(dir, 'cache');
    files.nodeOnly = path.join(dir, 'node-only');
    fs.mkdirSync(files.nodeOnly);
    fs.symlinkSync(process.execPath, path.join(files.nodeOnly, 'node'));
    const src = write('stripped.c', STRIPPED_C);
    files.stripped = path.join(dir, 'stripped');
    execFileSync('gcc', ['-O0', '-o', files.stripped, src]);
    execFileSync('strip', ['--strip-all', files.stripped]);
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let counter = 0;
  itE2E.for(CASES)(
    '$name',
    async (c) => {
      const token = `bad-input-${process.pid}-${++counter}`;
      const baseline = await programBaseline();
      const r = await runCase(c, token);
      const why = `exit ${r.code} (signal ${r.signal}); stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      expect.soft(r.timedOut, why).toBe(false);
      expect.soft(r.code, why).not.toBe(0);
      expect.soft(r.code, why).not.toBeNull();
      expect.soft(r.stderr, why).not.toMatch(STACK_LINE);
      expect.soft(r.stderr, why).not.toMatch(/internal error/i);
      for (const re of c.stderr) expect.soft(r.stderr, why).toMatch(re);
      for (const re of c.notStderr ?? []) expect.soft(r.stderr, why).not.toMatch(re);
      expect(await leftoverOfRun(baseline, token), 'BPF programs of this run left loaded').toBe(0);
    },
    { timeout: 90_000 },
  );
});
