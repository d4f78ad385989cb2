// e2e: `-f json` output: attached_probes, printf, maps, hist/lhist, stats/avg, print()
// and values, from BEGIN scripts and from a uprobe under -c. Each case's stdout must
// equal bpftrace 0.17's (test/e2e/expected/json/*.txt, recorded with RECORD_BPFTRACE=1;
// see test/e2e/cases/golden-case.ts), except where bpftrace is plainly wrong, which the
// title says. Every output line must also parse as JSON (bpftrace's closing blank lines
// aside), so a golden cannot hide malformed JSON.
import { expect } from 'vitest';
import { describeE2E, itE2E } from './harness.js';
import { caseFile, caseTitle, runGoldenCase, TARGET, type GoldenCase } from './cases/golden-case.js';

const json = (name: string, group: string, script: string, extra: Partial<GoldenCase> = {}): GoldenCase => ({
  name: `json/${name}`,
  args: ['-f', 'json', caseFile(group, script)],
  ...extra,
});

const CASES: readonly GoldenCase[] = [
  json('printf', 'json', 'printf'),
  json('hist', 'json', 'hist'),
  json('stats', 'json', 'stats'),
  json('maps', 'begin', 'maps'),
  json('print', 'begin', 'print'),
  json('aggregations-keyed', 'begin', 'aggregations-keyed'),
  json('hist-large', 'begin', 'hist', {
    bpftraceWrong: 'a value >= 4G lands in the [2G, 4G) bucket, printed as min -2147483648 max 0',
  }),
  {
    name: 'json/uprobe',
    args: ['-f', 'json', '-c', `${TARGET} calls 3`, caseFile('json', 'uprobe')],
  },
];

describeE2E('e2e: -f json output', () => {
  for (const c of CASES) {
    itE2E(caseTitle(c), async () => {
      const r = await runGoldenCase(c);
      for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
        expect(() => JSON.parse(line), line).not.toThrow();
      }
      expect(r.stdout.split('\n')[0]).toMatch(/^\{"type": "attached_probes", "data": \{"probes": \d+\}\}$/);
    });
  }
});
