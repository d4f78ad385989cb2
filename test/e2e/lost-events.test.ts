// e2e: lost events are counted, never silent. A tiny ring buffer (BPFTRACE_PERF_RB_PAGES=1)
// and a printf with a large payload on every getppid call of the target fixture overload
// the ring on purpose; the script also counts every event in a map. The lines printed
// plus the losses reported ("Lost N events in probe P" on stderr, or JSON lost_events
// records) must equal that count, per probe, exactly.
//
// Input: the built CLI and the target fixture. Output: vitest assertions.
// It must not depend on timing: only sums are compared, and each case checks that the
// ring really overflowed (lost > 0), or it would not test what it says.
import { expect } from 'vitest';
import { buildFixture, describeE2E, itE2E } from './harness.js';
import { runTracked, TARGET } from './cases/golden-case.js';

const PAYLOAD = 'x'.repeat(120);
const TINY_RING = { BPFTRACE_PERF_RB_PAGES: '1' };

interface Tally {
  /** Printed lines by prefix (the probe's tag). */
  readonly printed: Map<string, number>;
  /** Reported losses by probe name. */
  readonly lost: Map<string, number>;
  /** Final map values by map name (keyless maps). */
  readonly counts: Map<string, number>;
}

const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

/** Text output: `TAG ...` lines, `@name: N` lines, `Lost N events in probe P` on stderr. */
function tallyText(stdout: string, stderr: string): Tally {
  const t: Tally = { printed: new Map(), lost: new Map(), counts: new Map() };
  for (const line of stdout.split('\n')) {
    const tag = /^([A-Z]) \d+ x+$/.exec(line);
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
function tallyJson(stdout: string, stderr: string): Tally {
  const t: Tally = { printed: new Map(), lost: new Map(), counts: new Map() };
  for (const line of `${stdout}\n${stderr}`.split('\n')) {
    if (!line.startsWith('{')) continue;
    const rec = JSON.parse(line) as { type: string; data: unknown };
    if (rec.type === 'printf') {
      const tag = /^([A-Z]) \d+ x+\n$/.exec(rec.data as string);
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

function probe(point: string, tag: string, counter: string, filter: string): string {
  return `${point} /${filter}/ { ${counter} = count(); printf("${tag} %d ${PAYLOAD}\\n", cpu); }`;
}

interface LostCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly json?: boolean;
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
    name: 'a flood lasting seconds (4M events): the periodic reports add up',
    args: ['-e', probe(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 4000000`],
    env: TINY_RING,
    probes: { A: [ENTER, '@n', 4_000_000] },
    overflow: true,
  },
  {
    name: 'JSON output: lost_events records',
    args: ['-f', 'json', '-e', probe(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 100000`],
    env: TINY_RING,
    json: true,
    probes: { A: [ENTER, '@n', 100_000] },
    overflow: true,
  },
  {
    name: 'the default ring and a few events: nothing lost, every line printed',
    args: ['-e', probe(ENTER, 'A', '@n', 'pid == cpid'), '-c', `${TARGET} getppid 2000`],
    env: {},
    probes: { A: [ENTER, '@n', 2_000] },
    overflow: false,
  },
];

describeE2E('e2e: lost events', () => {
  itE2E.for(CASES)(
    '$name: printed + lost == generated',
    async (c) => {
      await buildFixture('target');
      const { result: r, leftovers } = await runTracked(c.args, { env: c.env, timeoutMs: 60_000 });
      const why = `exit ${r.code}; stderr:\n${r.stderr.slice(0, 2000)}`;
      expect(r.code, why).toBe(0);
      expect(r.stderr, why).not.toMatch(/^ {4}at /m);
      const t = c.json ? tallyJson(r.stdout, r.stderr) : tallyText(r.stdout, r.stderr);
      let lostTotal = 0;
      for (const [tag, [probeName, counter, generated]] of Object.entries(c.probes)) {
        const n = t.counts.get(counter);
        const printed = t.printed.get(tag) ?? 0;
        const lost = t.lost.get(probeName) ?? 0;
        lostTotal += lost;
        expect.soft(n, `${counter}: every event was counted; ${why}`).toBe(generated);
        expect.soft(printed + lost, `${tag}: ${printed} printed + ${lost} lost vs ${counter} = ${n}; ${why}`).toBe(n);
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
