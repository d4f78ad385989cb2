// The directory bpfscript is installed in (the one holding package.json, native/ and
// dist/), found from this module's own location. Input: nothing. Output: PACKAGE_ROOT.
// Why a search and not a fixed '../..': the same module runs from src/ (tests, two
// levels down) and from the bundle in dist/ (one level down, see rolldown.config.mjs).
// Must not: depend on the working directory.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; ) {
    if (existsSync(join(dir, 'native', 'bpf'))) return dir;
    const up = dirname(dir);
    if (up === dir) return join(start, '..');
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
