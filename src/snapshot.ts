// The start-up snapshot's entry. `npm run build` bundles this file into one CommonJS
// script (dist/snapshot.cjs, rolldown.config.mjs) and runs
//   node --snapshot-blob dist/bpfscript.blob --build-snapshot dist/snapshot.cjs
// which evaluates every module, builds the parser (the costliest part of a cold start:
// chevrotain's grammar recording and lookahead analysis) and saves node's heap.
// bin/bpfscript starts node from that heap, so a run begins with all of it done.
// Must not: read anything of the system or the environment here (the kernel, tracefs,
// BTF, argv, env): whatever this file computes is frozen into the blob.

import { startupSnapshot } from 'node:v8';
import { start } from './cli.js';
import { getParser } from './parser/grammar.js';
import { parse } from './parser/parse.js';
import { SourceFile } from './source.js';
import { Diagnostics } from './diagnostics/diagnostic.js';

getParser(false);
// One parse, so the parser's own functions are compiled before the heap is saved.
parse(new SourceFile('snapshot', 'BEGIN { @x[1, "a"] = count(); printf("%d\\n", 1 + 2 * 3); if (pid > 0) { exit(); } }'), new Diagnostics());

startupSnapshot.setDeserializeMainFunction(() => start('snapshot'));
