// e2e: lost events are counted, never silent. A tiny ring buffer (BPFTRACE_PERF_RB_PAGES=1)
// and a printf with a large payload (a 1000-byte string argument: BPFTRACE_STRLEN=1000)
// on every getppid call of the target fixture overload the ring on purpose; the script
// also counts every event in a map. The lines printed plus the losses reported ("Lost N
// events in probe P" on stderr, or JSON lost_events records) must equal that count, per
// probe, exactly.
//
// Input: the built CLI and the target fixture. Output: vitest assertions.
// It must not depend on timing: only sums are compared, and each case checks that the
// ring really overflowed (lost > 0), or it would not test what it says. The payload is a
// str(0): it fills the ring record but prints as an empty string, so the consumer cannot
// keep up by printing fast (a 120-character literal did not overflow the ring any more
// once the runtime got fast) and the output stays small. It goes to a file (-o) anyway.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildFixture, describeE2E, itE2E } from './harness.js';
import { runTracked, TARGET } from './cases/golden-case.js';

const PAYLOAD = 'x'.repeat(120);
/** One page per CPU of ring, 1000-byte records: a handful of records fit. */
const TINY_RING = { BPFTRACE_PERF_RB_PAGES: '1', BPFTRACE_STRLEN: '1000' };

interface Tally {
  /** Printed lines by prefix (the probe's tag). */
  readonly printed: Map<string, number>;
  /** Reported losses by probe name. */
  readonly lost: Map<string, number>;
  /** Final map values by map name (keyless maps). */
  readonly counts: Map<string, number>;
}

const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

/** Text output: `TAG ...` lines, `@name: N` lines (stdout), `Lost N events in probe P` (stderr). */
function tallyText(stdout: Iterable<string>, stderr: string): Tally {
  const t: Tally = { printed: new Map(), lost: new Map(), counts: new Map() };
  for (const line of stdout) {
    const tag = /^([A-Z]) \d+ x*$/.exec(line);
    if (tag) add(t.printed, tag[1]!, 1);
    const map = /^(@\w+): (\d+)$/.exec(line);
    if (map) t.counts.set(map[1]!, Number(map[2]));
  }
  for (const m of stderr.matchAll(/^Lost (\d+) events in probe (.+)$/gm)) add(t.lost, m[2]!, Number(m[1]));
  return t;
}

/**
 * JSON output: printf, map and lost_events records. bpftrace 0.17 writes lost_events to
 * stdout, bpfscript to stderr: both streams are read.
 */
function tallyJson(stdout: Iterable<string>, stderr: string): Tally {
  const t: Tally = { printed: new Map(), lost: new Map(), counts: new Map() };
  for (const line of [...stdout, ...stderr.split('\n')]) {
    if (!line.startsWith('{')) continue;
    const rec = JSON.parse(line) as { type: string; data: unknown };
    if (rec.type === 'printf') {
      const tag = /^([A-Z]) \d+ x*\n$/.exec(rec.data as string);
      if (tag) add(t.printed, tag[1]!, 1);
    } else if (rec.type === 'map') {
      for (const [k, v] of Object.entries(rec.data as Record<string, number>)) t.counts.set(k, v);
    } else if (rec.type === 'lost_events') {
      const d = rec.data as { events: number; probe?: string };
      add(t.lost, d.probe ?? '?', d.events);
    }
  }
  return t;
}

const ENTER = 'tracepoint:syscalls:sys_enter_getppid';
const EXIT = 'tracepoint:syscalls:sys_exit_getppid';

/** A large record that prints a short line: str(0) reads nothing but takes BPFTRACE_STRLEN bytes. */
function probe(point: string, tag: string, counter: string, filter: string): string {
  return `${point} /${filter}/ { ${counter} = count(); printf("${tag} %d %s\\n", cpu, str(0)); }`;
}

/** A printed payload (no loss expected with the default ring). */
function probeLiteral(point: string, tag: string, counter: string, filter: string): string {
  return `${point} /${filter}/ { ${counter} = count(); printf("${tag} %d ${PAYLOAD}\\n", cpu); }`;
}

interface LostCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly json?: boolean;
  /** Read the trace from stdout (a pipe) instead of an -o file. */
  readonly viaStdout?: boolean;
  /** tag -> [probe name, counter map, events the target generates] */
  readonly probes: Readonly<Record<string, readonly [string, string, number]>>;
  /** Expect the ring to overflow (lost > 0 in total). */
  readonly overflow: boolean;
}

const CASES: readonly LostCase[] = [
  {
    name: 'one probe, one CPU, 200k events into a 1-page ring',
    args: ['-e', probe(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 200000`],
    env: TINY_RING,
    probes: { A: [ENTER, '@n', 200_000] },
    overflow: true,
  },
  {
    name: 'two probes on the same syscall: losses are reported per probe',
    args: ['-e', `${probe(ENTER, 'A', '@a', 'pid == cpid')} ${probe(EXIT, 'B', '@b', 'pid == cpid')}`, '-c', `${TARGET} getppid 100000`],
    env: TINY_RING,
    probes: { A: [ENTER, '@a', 100_000], B: [EXIT, '@b', 100_000] },
    overflow: true,
  },
  {
    name: 'two processes on two CPUs at once',
    args: [
      '-e',
      probe(ENTER, 'A', '@n', 'comm == "target"'),
      '-c',
      `/bin/sh -c '${TARGET} getppid 100000 & ${TARGET} getppid 100000; wait'`,
    ],
    env: TINY_RING,
    probes: { A: [ENTER, '@n', 200_000] },
    overflow: true,
  },
  {
    name: 'a flood lasting seconds (1M events): the periodic reports add up',
    args: ['-e', probe(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 1000000`],
    env: TINY_RING,
    probes: { A: [ENTER, '@n', 1_000_000] },
    overflow: true,
  },
  {
    name: 'JSON output: lost_events records',
    args: ['-f', 'json', '-e', probe(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 100000`],
    env: TINY_RING,
    json: true,
    viaStdout: true,
    probes: { A: [ENTER, '@n', 100_000] },
    overflow: true,
  },
  {
    name: 'the default ring and a few events: nothing lost, every line printed',
    args: ['-e', probeLiteral(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 2000`],
    env: {},
    viaStdout: true,
    probes: { A: [ENTER, '@n', 2_000] },
    overflow: false,
  },
];

/** The lines of a (possibly very large) file, one at a time. */
function* fileLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let rest = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (rest + buf.toString('latin1', 0, n)).split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    if (rest) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

let dir = '';

describeE2E('e2e: lost events', () => {
  beforeAll(async () => {
    await buildFixture('target');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscript-lost-'));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let runs = 0;
  itE2E.for(CASES)(
    '$name: printed + lost == generated',
    async (c) => {
      const out = path.join(dir, `out-${++runs}.txt`);
      const { result: r, leftovers } = await runTracked([...(c.viaStdout ? [] : ['-o', out]), ...c.args], { env: c.env, timeoutMs: 60_000 });
      if (c.viaStdout) fs.writeFileSync(out, r.stdout);
      const why = `exit ${r.code}; stderr:\n${r.stderr.slice(0, 2000)}`;
      expect(r.code, why).toBe(0);
      expect(r.stderr, why).not.toMatch(/^ {4}at /m);
      const t = c.json ? tallyJson(fileLines(out), r.stderr) : tallyText(fileLines(out), r.stderr);
      fs.rmSync(out, { force: true });
      let lostTotal = 0;
      for (const [tag, [probeName, counter, generated]] of Object.entries(c.probes)) {
        const counted = t.counts.get(counter);
        const printed = t.printed.get(tag) ?? 0;
        const lost = t.lost.get(probeName) ?? 0;
        lostTotal += lost;
        expect.soft(counted, `${counter}: every event was counted; ${why}`).toBe(generated);
        expect.soft(printed + lost, `${tag}: ${printed} printed + ${lost} lost vs ${counter} = ${counted}; ${why}`).toBe(counted);
      }
      // Every loss is attributed to one of the script's probes.
      expect([...t.lost.keys()].filter((p) => !Object.values(c.probes).some(([name]) => name === p)), why).toEqual([]);
      if (c.overflow) expect(lostTotal, `the ring overflowed; ${why}`).toBeGreaterThan(0);
      else expect(lostTotal, why).toBe(0);
      expect(leftovers, 'BPF programs left loaded').toBe(0);
    },
    { timeout: 90_000 },
  );
});
