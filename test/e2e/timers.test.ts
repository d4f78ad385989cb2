// e2e: timer probes. interval:ms:N and interval:s:N run a known number of times and then
// exit(); their stdout must equal bpftrace 0.17's (test/e2e/expected/timer/*.txt, recorded
// with RECORD_BPFTRACE=1; see test/e2e/cases/golden-case.ts). profile:hz:N counts depend on
// the scheduler, so that case checks the output's shape and that the counts agree.
import { expect } from 'vitest';
import { buildFixture, describeE2E, itE2E } from './harness.js';
import { caseFile, caseTitle, runGoldenCase, runTracked, TARGET, type GoldenCase } from './cases/golden-case.js';

const CASES: readonly GoldenCase[] = [
  { name: 'timer/interval-count', args: [caseFile('timer', 'interval-count')] },
  { name: 'timer/interval-s', args: [caseFile('timer', 'interval-s')] },
  {
    name: 'timer/interval-one-liner',
    args: ['-e', 'interval:ms:30 { @t++; @n = count(); if (@t == 3) { printf("done at %d\\n", @t); exit(); } }'],
  },
];

// `spin 400` keeps the child on a CPU for 400 ms: at 99 Hz that is about 40 samples,
// fewer when the machine is busy, never more than ~50 (one per 10.1 ms per CPU it ran on,
// and it runs on one CPU at a time).
const PROFILE_SHAPE = /^Attaching 1 probe\.\.\.\n\n\n@comm\[target\]: (\d+)\n@samples: (\d+)\n$/;

describeE2E('e2e: interval and profile probes', () => {
  for (const c of CASES) itE2E(caseTitle(c), () => runGoldenCase(c));

  itE2E('timer/profile-hz: samples the spinning child, counts > 0 and consistent', async () => {
    await buildFixture('target');
    const { result: r, leftovers } = await runTracked(['-c', `${TARGET} spin 400`, caseFile('timer', 'profile-hz')]);
    expect(r.stdout, r.stderr).toMatch(PROFILE_SHAPE);
    const [, byComm, samples] = PROFILE_SHAPE.exec(r.stdout)!.map(Number);
    expect(byComm).toBe(samples);
    expect(samples).toBeGreaterThan(0);
    expect(samples).toBeLessThanOrEqual(50);
    expect(r.code).toBe(0);
    expect(leftovers, 'BPF programs left loaded').toBe(0);
  });
});
