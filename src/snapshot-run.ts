// The second start-up snapshot's entry: dist/bpfscript-run.blob, the CLI and the runtime
// without the compiler (parser, analyzer, codegen, execa: about 2/3 of the code, and
// 12-15 ms of every start to deserialize). The loader helper starts node from it
// instead of dist/bpfscript.blob when the plan of this command line holds (native/loader/
// plan.c: the script, the compiler build, the boot and every file the compile read are
// as they were), so the compile cache will answer. When it does not after all, or the
// run needs the compiler (-l, --info, --emit ast), the CLI hands the run to node started
// from the full snapshot (cli.ts, runFull). Bundled with the compiler's modules left
// out (rolldown.config.mjs); the same rules as src/snapshot.ts otherwise.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { startupSnapshot } from 'node:v8';
import { buildProgram, start } from './cli.js';

// The warm-ups of src/snapshot.ts that a cached run benefits from (see there).
buildProgram().parse(['-f', 'json', '-o', 'x', '-e', 'BEGIN {}', 'a'], { from: 'user' });
{
  const self = process.argv[1]!;
  if (existsSync(self) && statSync(self).isFile()) createHash('sha256').update(readFileSync(self)).update(readFileSync(self, 'utf8')).digest('hex');
}
{
  const s = new Socket();
  s.on('data', () => undefined);
  s.destroy();
}

startupSnapshot.setDeserializeMainFunction(() => start('snapshot-run'));
