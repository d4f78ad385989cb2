// The second start-up snapshot's entry: dist/bpfscript-run.blob, the CLI and the runtime
// without the compiler (parser, analyzer, codegen, execa: about 2/3 of the code, and
// 12-15 ms of every start to deserialize). The loader helper starts node from it
// instead of dist/bpfscript.blob when the plan of this command line holds (native/loader/
// plan.c: the script, the compiler build, the boot and every file the compile read are
// as they were), so the compile cache will answer. When it does not after all, or the
// run needs the compiler (-l, --info, --emit ast), the CLI hands the run to node started
// from the full snapshot (cli.ts, runFull). Bundled with the compiler's modules left
// out (rolldown.config.mjs); the same rules as src/snapshot.ts otherwise.

import { startupSnapshot } from 'node:v8';
import { start } from './cli.js';
import { warmRuntime } from './snapshot-warm.js';

// The same warm-ups as src/snapshot.ts: what a cached run calls first.
warmRuntime();

startupSnapshot.setDeserializeMainFunction(() => start('snapshot-run'));
