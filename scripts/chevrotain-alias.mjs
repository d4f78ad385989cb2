// chevrotain from its single-file build (lib/chevrotain.mjs, the same code as the
// package's `exports` entry, which pulls in a few hundred lodash-es modules): the alias
// the bundler (rolldown.config.mjs) and the tests (vitest.config.ts) both resolve with.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const chevrotainAlias = {
  chevrotain: join(dirname(createRequire(import.meta.url).resolve('chevrotain')), '..', 'chevrotain.mjs'),
};
