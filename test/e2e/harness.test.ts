// Self-test of the e2e harness (test/e2e/harness.ts) and its run accounting
// (test/e2e/global-setup.ts). Most cases need no root: processes, fixtures, goldens and
// the skip accounting. The itE2E cases load a real BPF program (kernel only) and run the
// README one-liner through the real CLI; they skip, loudly, where BPF is unavailable.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCI, summarizeRun, verdict, type E2ESummary } from './global-setup.js';
import {
  bpfAvailable,
  buildFixture,
  FIXTURES_BIN_DIR,
  itE2E,
  kernelBpfAvailable,
  leftoverPrograms,
  listPrograms,
  readGolden,
  runCli,
  runProcess,
  type RunOptions,
  type RunResult,
} from './harness.js';

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-harness-test-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('availability', () => {
  it('is cached and explains itself', () => {
    const a = bpfAvailable();
    expect(bpfAvailable()).toBe(a);
    const k = kernelBpfAvailable();
    expect(kernelBpfAvailable()).toBe(k);
    if (a.ok) expect(k.ok).toBe(true);
    for (const r of [a, k]) if (!r.ok) expect(r.reason).toMatch(/\w{4,}/);
  });
});

describe('run accounting', () => {
  const CI_ENV = [
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
  ] as const;
  it.each(CI_ENV)('CI=%s means ci=%s', (value, want) => {
    expect(isCI(value === undefined ? {} : { CI: value })).toBe(want);
  });

  const SUMMARIES: ReadonlyArray<{ lines: string[]; want: E2ESummary }> = [
    { lines: [], want: { executed: 0, skipped: 0, reasons: [] } },
    {
      lines: ['{"status":"executed","name":"a"}', '{"status":"executed","name":"b"}'],
      want: { executed: 2, skipped: 0, reasons: [] },
    },
    {
      lines: [
        '{"status":"skipped","name":"a","reason":"not root"}',
        '{"status":"skipped","name":"b","reason":"not root"}',
        '{"status":"skipped","name":"c","reason":"no BTF"}',
        '{"status":"execu', // a torn last line from a killed worker
      ],
      want: { executed: 0, skipped: 3, reasons: ['not root', 'no BTF'] },
    },
  ];
  it.each(SUMMARIES)('summarizes $lines.length record lines', ({ lines, want }) => {
    const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
    // Split across two worker files, as two forks would write them.
    const half = Math.ceil(lines.length / 2);
    fs.writeFileSync(path.join(dir, '1-0.jsonl'), lines.slice(0, half).map((l) => `${l}\n`).join(''));
    fs.writeFileSync(path.join(dir, '2-0.jsonl'), lines.slice(half).join('\n'));
    fs.writeFileSync(path.join(dir, 'ignored.txt'), '{"status":"executed","name":"x"}\n');
    expect(summarizeRun(dir)).toEqual(want);
  });

  it('treats a missing run directory as an empty run', () => {
    expect(summarizeRun(path.join(tmp, 'does-not-exist'))).toEqual({ executed: 0, skipped: 0, reasons: [] });
  });

  const VERDICTS: ReadonlyArray<[E2ESummary, boolean, RegExp | undefined]> = [
    [{ executed: 0, skipped: 4, reasons: ['not root'] }, true, /every e2e case was skipped \(4\) in CI: not root/],
    [{ executed: 0, skipped: 4, reasons: ['not root'] }, false, undefined],
    [{ executed: 1, skipped: 4, reasons: ['x'] }, true, undefined],
    [{ executed: 0, skipped: 0, reasons: [] }, true, undefined],
  ];
  it.each(VERDICTS)('verdict(%o, ci=%s)', (summary, ci, want) => {
    const v = verdict(summary, ci);
    if (want) expect(v).toMatch(want);
    else expect(v).toBeUndefined();
  });
});

describe('runProcess', () => {
  const node = (script: string, opts: RunOptions = {}): Promise<RunResult> =>
    runProcess(process.execPath, ['-e', script], opts);
  // Prints `ready`, then `got SIGINT` and exits 0 on SIGINT; gives up after 10 s.
  const ON_SIGINT =
    "process.on('SIGINT', () => { process.stdout.write('got SIGINT\\n'); process.exit(0); });" +
    'setTimeout(() => process.exit(9), 10000);';

  const CASES: ReadonlyArray<{ what: string; script: string; opts?: RunOptions; want: Partial<RunResult> }> = [
    {
      what: 'keeps output byte for byte (no final newline stripped)',
      script: "process.stdout.write('a\\n\\nb'); process.stderr.write('e\\n\\n')",
      want: { stdout: 'a\n\nb', stderr: 'e\n\n', code: 0, signal: null, timedOut: false },
    },
    {
      what: 'reports the exit status',
      script: "process.stdout.write('x\\n'); process.exit(3)",
      want: { stdout: 'x\n', code: 3, signal: null },
    },
    {
      what: 'feeds stdin and closes it',
      script: "let s=''; process.stdin.on('data', d => s += d).on('end', () => process.stdout.write(s.toUpperCase()))",
      opts: { input: 'abc\ndef\n' },
      want: { stdout: 'ABC\nDEF\n', code: 0 },
    },
    {
      what: 'passes extra environment variables',
      script: 'process.stdout.write(process.env.HARNESS_PROBE + "," + (process.env.PATH ? "path" : "nopath"))',
      opts: { env: { HARNESS_PROBE: 'yes' } },
      want: { stdout: 'yes,path', code: 0 },
    },
    {
      what: 'kills a child that runs past timeoutMs',
      script: "process.stdout.write('started\\n'); setTimeout(() => {}, 30000)",
      opts: { timeoutMs: 1500 }, // long enough for node to start even on a loaded CI machine
      want: { stdout: 'started\n', code: null, signal: 'SIGTERM', timedOut: true, signalSent: false },
    },
    {
      what: 'sends a signal after a delay',
      script: `process.stdout.write('ready\\n'); ${ON_SIGINT}`,
      opts: { signalAfterMs: { signal: 'SIGINT', ms: 1000 } },
      want: { stdout: 'ready\ngot SIGINT\n', code: 0, signal: null, timedOut: false, signalSent: true },
    },
    {
      what: 'sends a signal once a stdout line appears',
      script: `${ON_SIGINT} setTimeout(() => process.stdout.write('x\\nAttaching 2 probes...\\n'), 300)`,
      opts: { signalAfterMs: { signal: 'SIGINT', ms: 0, waitFor: /^Attaching \d+ probes?\.\.\.$/m } },
      want: { stdout: 'x\nAttaching 2 probes...\ngot SIGINT\n', code: 0, signalSent: true },
    },
    {
      what: 'watches stderr too, and SIGTERM kills a child without a handler',
      script: "setTimeout(() => process.stderr.write('Attaching 1 probe...\\n'), 200); setTimeout(() => {}, 10000)",
      opts: { signalAfterMs: { signal: 'SIGTERM', ms: 50, waitFor: /Attaching/g } },
      want: { stderr: 'Attaching 1 probe...\n', code: null, signal: 'SIGTERM', timedOut: false, signalSent: true },
    },
    {
      what: 'sends nothing when waitFor never matches',
      script: "process.stdout.write('Detaching\\n')",
      opts: { signalAfterMs: { signal: 'SIGKILL', ms: 0, waitFor: /Attaching/ } },
      want: { stdout: 'Detaching\n', code: 0, signalSent: false },
    },
  ];
  it.each(CASES)('$what', async ({ script, opts, want }) => {
    const r = await node(script, opts);
    expect(r).toMatchObject(want);
  });

  it('waits for waitFor before it starts counting ms', async () => {
    const r = await node(
      `${ON_SIGINT} setTimeout(() => process.stdout.write('Attaching 1 probe...\\n'), 400)`,
      { signalAfterMs: { signal: 'SIGINT', ms: 100, waitFor: /Attaching/ } },
    );
    expect(r.stdout).toBe('Attaching 1 probe...\ngot SIGINT\n');
    expect(r.durationMs).toBeGreaterThanOrEqual(450);
  });
});

describe('buildFixture', () => {
  it('builds target once and reuses it', async () => {
    const first = buildFixture('target');
    expect(buildFixture('target')).toBe(first);
    const bin = await first;
    expect(bin).toBe(path.join(FIXTURES_BIN_DIR, 'target'));
    const stamp = fs.readFileSync(`${bin}.stamp`, 'utf8');
    expect(stamp).toMatch(/^[0-9a-f]{64}$/);
    fs.accessSync(bin, fs.constants.X_OK);
  });

  it('keeps the traced functions as global symbols of a non-PIE executable', async () => {
    const bin = await buildFixture('target');
    const nm = await execa('nm', [bin]);
    const globals = new Set(
      nm.stdout
        .split('\n')
        .map((l) => l.split(' '))
        .filter((f) => f[1] === 'T')
        .map((f) => f[2]),
    );
    for (const fn of ['add', 'fib', 'work', 'greet', 'outer', 'middle', 'inner', 'sum_point', 'main']) {
      expect(globals, fn).toContain(fn);
    }
    const elf = await execa('readelf', ['-h', bin]);
    expect(elf.stdout).toMatch(/Type:\s+EXEC/);
  });

  const TARGET_RUNS: ReadonlyArray<{ args: string[]; want: Partial<RunResult> }> = [
    { args: ['calls', '5'], want: { stdout: '', stderr: '', code: 0 } },
    {
      args: ['calls', '3', 'fib', '5', 'work', '1000', 'nested', '2', 'strings', 'point', '3', '4'],
      want: { stdout: '', stderr: '', code: 0 },
    },
    { args: ['open', `harness${process.pid}`, '3'], want: { stdout: '', code: 0 } },
    { args: ['write', '4', '100', 'read', '2', '10', 'getppid', '3'], want: { stdout: '', code: 0 } },
    { args: ['threads', '3', 'sleep', '20', 'spin', '30'], want: { stdout: '', code: 0 } },
    { args: ['print', 'one', 'print', 'two', 'exit', '7', 'print', 'never'], want: { stdout: 'one\ntwo\n', code: 7 } },
    { args: [], want: { stdout: '', code: 2 } },
    { args: ['bogus'], want: { stdout: '', code: 2 } },
    { args: ['calls'], want: { stdout: '', code: 2 } },
    { args: ['calls', 'x'], want: { stdout: '', code: 2 } },
  ];
  it.each(TARGET_RUNS)('target $args', async ({ args, want }) => {
    const r = await runProcess(await buildFixture('target'), args);
    expect(r).toMatchObject(want);
    if (want.code === 2) expect(r.stderr).toMatch(/^target: .*\nusage: target VERB/);
  });

  it('open TAG N leaves no file behind', async () => {
    const tag = `harness-left-${process.pid}`;
    await runProcess(await buildFixture('target'), ['open', tag, '4']);
    expect(fs.readdirSync('/tmp').filter((f) => f.startsWith(`bpfscript-${tag}-`))).toEqual([]);
  });

  it('builds usdt-target with four semaphore-guarded stapsdt probes', async () => {
    const bin = await buildFixture('usdt-target');
    const notes = (await execa('readelf', ['-n', bin])).stdout;
    const probes = [...notes.matchAll(/Provider: (\w+)\s+Name: (\w+)\s+Location: \S+, Base: \S+, Semaphore: (0x[0-9a-f]+)/g)];
    expect(probes.map((m) => `${m[1]}:${m[2]}`)).toEqual([
      'bpfscript:tick',
      'bpfscript:hello',
      'bpfscript:widths',
      'bpfscript:guarded',
    ]);
    for (const m of probes) expect(BigInt(m[3] ?? '0')).not.toBe(0n);
    // Untraced, the guarded probe's semaphore stays zero.
    expect(await runProcess(bin, ['3', 'report'])).toMatchObject({ stdout: 'guarded fired 0\n', code: 0 });
    expect(await runProcess(bin, ['x'])).toMatchObject({ stdout: '', code: 2 });
  });

  it('rejects a missing or badly named fixture', async () => {
    await expect(buildFixture('no-such-fixture')).rejects.toThrow(/ENOENT|no-such-fixture/);
    await expect(buildFixture('../etc/passwd')).rejects.toThrow(/bad fixture name/);
  });
});

describe('goldens', () => {
  it('fails on a missing golden and names the switch', () => {
    expect(() => readGolden(tmp, 'nope/missing', 'x', false)).toThrow(/missing golden file .*UPDATE_GOLDEN=1/);
  });

  it('rewrites under update and reads back otherwise', () => {
    expect(readGolden(tmp, 'sub/case', 'first\n', true)).toBe('first\n');
    expect(fs.readFileSync(path.join(tmp, 'sub', 'case.txt'), 'utf8')).toBe('first\n');
    // Without update the file wins over the actual text, so a mismatch shows as a diff.
    expect(readGolden(tmp, 'sub/case', 'second\n', false)).toBe('first\n');
    // Update without an actual text only reads.
    expect(readGolden(tmp, 'sub/case', undefined, true)).toBe('first\n');
  });
});

// A socket filter `r0 = 0; exit` loaded through the raw bpf() syscall, named after
// argv[1]; held until stdin closes. Python's ctypes keeps this free of build steps.
const LOAD_PROG_PY = `
import ctypes, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
insns = ctypes.create_string_buffer(bytes([0xb7,0,0,0,0,0,0,0, 0x95,0,0,0,0,0,0,0]), 16)
lic = ctypes.create_string_buffer(b"GPL")
attr = struct.pack("=IIQQIIQII16s", 1, 2, ctypes.addressof(insns), ctypes.addressof(lic),
                   0, 0, 0, 0, 0, sys.argv[1].encode())
buf = ctypes.create_string_buffer(attr, len(attr))
fd = libc.syscall(321, 5, buf, len(attr))
if fd < 0:
    print("bpf(BPF_PROG_LOAD) failed, errno", ctypes.get_errno(), flush=True)
    sys.exit(1)
print("loaded", flush=True)
sys.stdin.read()
`;

describe('leftoverPrograms', () => {
  itE2E(
    'counts a loaded program by name prefix until it is released',
    async () => {
      const prefix = `hst${process.pid % 1_000_000}_`;
      expect(await leftoverPrograms({ prefix, settleMs: 0 })).toBe(0);
      const py = execa('python3', ['-c', LOAD_PROG_PY, `${prefix}p`], { reject: false });
      try {
        const line = await new Promise<string>((resolve) => {
          py.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
          void py.then((r) => resolve(`exited ${r.exitCode}: ${String(r.stderr)}`));
        });
        expect(line.trim()).toBe('loaded');
        const progs = await listPrograms(prefix);
        expect(progs.map((p) => [p.name, p.type])).toEqual([[`${prefix}p`, 'socket_filter']]);
        expect(await leftoverPrograms({ prefix, settleMs: 0 })).toBe(1);
        expect(await leftoverPrograms({ prefix, settleMs: 0, baseline: progs.map((p) => p.id) })).toBe(0);
      } finally {
        py.stdin?.end();
        await py;
      }
      expect(await leftoverPrograms({ prefix })).toBe(0);
    },
    { requires: 'kernel' },
  );
});

describe('runCli', () => {
  itE2E('runs the README one-liner through bin/bpfscript and leaves nothing loaded', async () => {
    const r = await runCli(['-e', 'BEGIN { printf("hello\\n"); exit(); }']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^hello$/m);
    expect(await leftoverPrograms()).toBe(0);
  });
});
