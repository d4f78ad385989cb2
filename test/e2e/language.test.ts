// e2e: the core language in BEGIN/END-only scripts (printf, aggregations, map printing,
// print/clear/zero/delete, exit, positional parameters, control flow, arithmetic,
// strings, tuples), run by the real CLI on this kernel. Each case's stdout must equal
// bpftrace 0.17's output (test/e2e/expected/begin/*.txt, recorded with RECORD_BPFTRACE=1;
// see test/e2e/cases/golden-case.ts), except where bpftrace is plainly wrong, which the
// case's title says.
import { describe, expect, it } from 'vitest';
import { describeE2E, itE2E } from './harness.js';
import { caseFile, caseTitle, orderTies, runGoldenCase, type GoldenCase } from './cases/golden-case.js';

const begin = (name: string, extra: Partial<GoldenCase> & { params?: string[] } = {}): GoldenCase => ({
  name: `begin/${name}`,
  args: [caseFile('begin', name), ...(extra.params ?? [])],
  ...extra,
});

const CASES: readonly GoldenCase[] = [
  begin('printf-specifiers'),
  begin('printf-percent', { bpftraceWrong: 'printf("100%%") prints "100%%"' }),
  begin('printf-int-widths'),
  begin('aggregations'),
  begin('aggregations-keyed'),
  begin('hist', { bpftraceWrong: 'hist() puts values >= 4G in [2G, 4G)' }),
  begin('hist-keyed'),
  begin('lhist'),
  begin('maps'),
  begin('print'),
  begin('clear-zero-delete', { ties: true }),
  begin('zero-keyless'),
  begin('exit-skips'),
  begin('params', { params: ['5', '7', 'hello'] }),
  begin('control-flow'),
  begin('arithmetic'),
  begin('signed-division'),
  begin('strings', { bpftraceWrong: 'printf("%s", $s) prints another variable\'s string' }),
  begin('tuples'),
  begin('tuples-nested'),
  {
    name: 'begin/one-liner',
    args: ['-e', 'BEGIN { @x = 1; printf("one %d\\n", 1); exit(); } END { printf("end\\n"); }'],
  },
  {
    name: 'begin/params-string-and-count',
    args: ['-e', 'BEGIN { printf("%s|%d|%d\\n", str($1), $2, $#); exit(); }', '--', 'a b', '-3'],
  },
];

describeE2E('e2e: core language in BEGIN/END', () => {
  // One named case per row (not it.for: vitest shortens interpolated titles, and the
  // title carries the bpftrace bug a hand-written golden works around).
  for (const c of CASES) itE2E(caseTitle(c), () => runGoldenCase(c));
});

// The tie normalization some cases use (no root needed): it may only reorder entries of
// one map that have the same value, never fix a wrong value order.
const TIE_ROWS: ReadonlyArray<{ what: string; input: string; want: string }> = [
  { what: 'sorts a tie by text', input: '@[b]: 1\n@[a]: 1\n@[c]: 2\n', want: '@[a]: 1\n@[b]: 1\n@[c]: 2\n' },
  { what: 'keeps a wrong value order', input: '@[b]: 2\n@[a]: 1\n', want: '@[b]: 2\n@[a]: 1\n' },
  { what: 'does not mix maps', input: '@x[b]: 1\n@y[a]: 1\n', want: '@x[b]: 1\n@y[a]: 1\n' },
  { what: 'stops at other lines', input: '@[b]: 1\nhi\n@[a]: 1\n', want: '@[b]: 1\nhi\n@[a]: 1\n' },
  { what: 'handles negatives and multi-keys', input: '@m[2, b]: -1\n@m[1, a]: -1\n', want: '@m[1, a]: -1\n@m[2, b]: -1\n' },
  { what: 'leaves keyless maps and hist lines', input: '@c: 1\n[1]  1 |@|\n', want: '@c: 1\n[1]  1 |@|\n' },
];

describe('orderTies (test helper)', () => {
  it.each(TIE_ROWS)('$what', ({ input, want }) => {
    expect(orderTies(input)).toBe(want);
  });
});
