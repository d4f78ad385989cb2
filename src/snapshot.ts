// The start-up snapshot's entry. `npm run build` bundles this file into one CommonJS
// script (dist/snapshot.cjs, rolldown.config.mjs) and runs
//   node --snapshot-blob dist/bpfscript.blob --build-snapshot dist/snapshot.cjs
// which evaluates every module, builds the parser (the costliest part of a cold start:
// chevrotain's grammar recording and lookahead analysis), compiles one sample script so
// the compiler's functions are compiled to bytecode, and saves node's heap.
// bin/bpfscript starts node from that heap, so a run begins with all of it done.
// Must not: read anything of the system or the environment here (the kernel, tracefs,
// BTF, argv, env): whatever this file computes is frozen into the blob. The sample
// compile therefore sees a made-up system (SAMPLE_ENV), and its result is dropped.

import { startupSnapshot } from 'node:v8';
import { start } from './cli.js';
import { compile } from './compile.js';
import { settingsFromEnv } from './analyze/settings.js';
import { parseTracepointFormat, tracepointFields, tracepointStruct } from './btf/tracepoint-format.js';
import { Diagnostics, UserError } from './diagnostics/diagnostic.js';
import { getParser } from './parser/grammar.js';
import type { ResolveEnv } from './providers/providers.js';
import { SourceFile } from './source.js';
import { warmRuntime } from './snapshot-warm.js';

const SAMPLE_FORMAT = `name: sys_enter_read
ID: 1
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:char * buf;\toffset:24;\tsize:8;\tsigned:0;
\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;

print fmt: "fd: 0x%08lx"
`;

const SAMPLE_SCRIPT = `BEGIN { printf("start %s %d\\n", "x", 1 + 2 * 3); @start = nsecs; }
tracepoint:syscalls:sys_enter_read /pid > 0 && comm != "x"/ {
  @[comm] = count(); @h = hist(args->count); @l = lhist(args->count, 0, 100, 10);
  @s[pid, comm] = sum(args->count); @m = max(args->count); @a = avg(args->count);
  $x = args->count * 2; if ($x > 10) { @big++; } else { @small = stats($x); }
}
interval:ms:1 { printf("%-10s %5d %llu\\n", comm, pid, nsecs); print(@h); time("%H:%M:%S\\n"); exit(); }
END { clear(@start); }
`;

const format = () => parseTracepointFormat(SAMPLE_FORMAT, 'syscalls', 'sys_enter_read');
const noSystem = (): never => {
  throw new Error('not on the snapshot build');
};
const SAMPLE_ENV: ResolveEnv = {
  pid: -1,
  tracepoints: () => [{ category: 'syscalls', name: 'sys_enter_read' }],
  tracepointExists: (c, n) => c === 'syscalls' && n === 'sys_enter_read',
  tracepointFields: () => tracepointFields(format()),
  tracepointStruct: () => tracepointStruct(format()),
  elfFunctions: noSystem,
  resolveBinary: noSystem,
  symbolAddress: () => null,
  usdtProbes: () => [],
  kernelFunctions: () => [],
  kernelBtf: () => {
    throw new UserError([]);
  },
};

getParser(false);
const diags = new Diagnostics();
const r = compile(new SourceFile('snapshot.bt', SAMPLE_SCRIPT), { params: [], unsafe: false, settings: settingsFromEnv({}), lineFile: 'snapshot.bt', env: SAMPLE_ENV }, diags);
// The sample must keep compiling as the language grows, or the warm-up is silently lost.
if (!r) throw new Error(`the snapshot's sample script no longer compiles: ${diags.items.map((d) => d.message).join('; ')}`);

// The CLI's and runtime's first calls (commander, file and hash code, a Socket).
warmRuntime();

// execa's modules evaluated now too (a cold run starts clang through it); nothing runs.
void import('execa');

startupSnapshot.setDeserializeMainFunction(() => start('snapshot'));
