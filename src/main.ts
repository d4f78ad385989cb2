// The process entry: bin/bpfscript runs `node dist/bpfscript.js ARGS` (the bundle built
// from this file by `npm run build`, see rolldown.config.mjs) when it cannot start node
// from the snapshot (src/snapshot.ts). Everything else is cli.ts.

import { start } from './cli.js';

start('bundle');
