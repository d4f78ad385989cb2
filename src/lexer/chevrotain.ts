// chevrotain's runtime values, loaded from the package's single-file bundle.
// Input: nothing. Output: the chevrotain API (types still come from 'chevrotain').
// Must not: be bypassed: every value import of chevrotain in bpfscript goes through
// this module, so token types, EOF and the parser classes come from ONE module instance.
//
// Why: the package's `exports` entry (lib/src/api.js) pulls in a few hundred small
// lodash-es modules, which costs about 0.5 s at every start of the CLI; the bundle that
// ships next to it (lib/chevrotain.mjs, same version, same code) loads in ~25 ms.
// When the bundle is missing we fall back to the regular entry point.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

function bundlePath(): string | null {
  try {
    const api = createRequire(import.meta.url).resolve('chevrotain'); // <pkg>/lib/src/api.js
    const p = join(dirname(api), '..', 'chevrotain.mjs');
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const path = bundlePath();
const api = (path ? await import(pathToFileURL(path).href) : await import('chevrotain')) as typeof Chevrotain;

export const { createToken, createTokenInstance, CstParser, EMPTY_ALT, EOF, Lexer, tokenMatcher } = api;
