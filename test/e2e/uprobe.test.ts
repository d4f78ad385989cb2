// e2e: uprobes and uretprobes on the target fixture (test/e2e/fixtures/target.c) under
// -c, filtered by `pid == cpid`: exact call counts, arguments, return values, recursion,
// func/probe, wildcards, threads. Each case's stdout must equal bpftrace 0.17's output
// (test/e2e/expected/uprobe/*.txt, recorded with RECORD_BPFTRACE=1; see
// test/e2e/cases/golden-case.ts), except where bpftrace is plainly wrong, which the title
// says. The scripts name the binary by a path relative to the repository root, so the
// `probe` values in the goldens hold no absolute path.
import { describeE2E, itE2E } from './harness.js';
import { caseFile, caseTitle, runGoldenCase, TARGET, type GoldenCase } from './cases/golden-case.js';

const uprobe = (name: string, verbs: string, extra: Partial<GoldenCase> = {}): GoldenCase => ({
  name: `uprobe/${name}`,
  args: ['-c', `${TARGET} ${verbs}`, caseFile('uprobe', name)],
  ...extra,
});

const CASES: readonly GoldenCase[] = [
  uprobe('add-calls', 'calls 5'),
  uprobe('printf-args', 'calls 4'),
  uprobe('fib-recursion', 'fib 10', { ties: true }),
  uprobe('retval-lhist', 'fib 10'),
  uprobe('nested-ret', 'nested 5'),
  uprobe('threads', 'threads 4'),
  uprobe('func', 'calls 3', { bpftraceWrong: 'func is printed as an address, not the symbol name' }),
  uprobe('probe', 'calls 3'),
  uprobe('wildcard', 'nested 5 fib 1', { ties: true }),
  uprobe('wildcard-count', 'nested 5 fib 1'),
  uprobe('never-fired', 'calls 1'),
  uprobe('relative-path', 'calls 2'),
  {
    name: 'uprobe/child-stdout',
    args: ['-c', `${TARGET} print child-output calls 2`, '-e', `uprobe:${TARGET}:add /pid == cpid/ { @ = count(); }`],
  },
  {
    name: 'uprobe/one-liner-retval',
    args: ['-c', `${TARGET} nested 41`, '-e', `uretprobe:${TARGET}:outer /pid == cpid/ { printf("outer = %d\\n", retval); }`],
  },
];

describeE2E('e2e: uprobes on the target fixture', () => {
  for (const c of CASES) itE2E(caseTitle(c), () => runGoldenCase(c));
});
