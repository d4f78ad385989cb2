// The process entry: bin/bpfscript runs `node dist/bpfscript.js ARGS` (the bundle built
// from this file by `npm run build`, see rolldown.config.mjs). Everything else is cli.ts.

import { main } from './cli.js';

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bpfscript: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(70);
});
