// e2e: syscall tracepoints on what the target fixture (test/e2e/fixtures/target.c) does
// under -c, filtered by `pid == cpid`: openat of unique paths (str(args->filename)), write
// sizes (hist(args->count)), read enter/exit pairs joined through a map, exact syscall
// counts. Each case's stdout must equal bpftrace 0.17's output (test/e2e/expected/
// tracepoint/*.txt, recorded with RECORD_BPFTRACE=1; see test/e2e/cases/golden-case.ts).
import { describeE2E, itE2E } from './harness.js';
import { caseFile, caseTitle, runGoldenCase, TARGET, type GoldenCase } from './cases/golden-case.js';

const tracepoint = (name: string, verbs: string, extra: Partial<GoldenCase> = {}): GoldenCase => ({
  name: `tracepoint/${name}`,
  args: ['-c', `${TARGET} ${verbs}`, caseFile('tracepoint', name)],
  ...extra,
});

const CASES: readonly GoldenCase[] = [
  tracepoint('openat-paths', 'open e2e 3', { ties: true }),
  tracepoint('write-sizes', 'write 10 100 write 3 5000'),
  tracepoint('read-pairs', 'read 7 3000'),
  tracepoint('getppid-count', 'getppid 25'),
  {
    name: 'tracepoint/one-liner-args',
    args: [
      '-c',
      `${TARGET} write 2 17 read 3 33`,
      '-e',
      'tracepoint:syscalls:sys_enter_write,tracepoint:syscalls:sys_enter_read /pid == cpid && (args->count == 17 || args->count == 33)/ { printf("%s %d\\n", probe, args->count); }',
    ],
  },
];

describeE2E('e2e: syscall tracepoints on the target fixture', () => {
  for (const c of CASES) itE2E(caseTitle(c), () => runGoldenCase(c));
});
