// The directory bpfscript is installed in (the one holding native/ and dist/).
// Input: this module's own location, or the entry file's (fromEntryFile). Output:
// packageRoot(). Why a search and not a fixed '../..': the same module runs from src/
// (tests, two levels down) and from the bundles in dist/ and dist/lib/. Why not at module
// load: a process started from the start-up snapshot (src/snapshot.ts) was loaded where
// the snapshot was built; src/cli.ts hands over the entry file bin/bpfscript named.
// Must not: depend on the working directory.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;
let entry: string | undefined;

/** Locate the package from this file (bin/bpfscript's dist/bpfscript.js) instead. */
export function fromEntryFile(file: string): void {
  entry = resolve(file);
  root = undefined;
}

export function packageRoot(): string {
  root ??= findRoot(dirname(entry ?? fileURLToPath(import.meta.url)));
  return root;
}

function findRoot(start: string): string {
  for (let dir = start; ; ) {
    if (existsSync(join(dir, 'native', 'bpf'))) return dir;
    const up = dirname(dir);
    if (up === dir) return join(start, '..');
    dir = up;
  }
}
