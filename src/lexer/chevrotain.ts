// chevrotain's runtime values. Every value import of chevrotain in bpfscript goes through
// this module, so token types, EOF and the parser classes come from ONE module instance.
// 'chevrotain' resolves to the package's single-file bundle (lib/chevrotain.mjs): the
// bundler and vitest alias it (rolldown.config.mjs, vitest.config.ts), because the
// package's `exports` entry pulls in a few hundred small lodash-es modules (~0.5 s).
export { createToken, createTokenInstance, CstParser, EMPTY_ALT, EOF, Lexer, tokenMatcher } from 'chevrotain';
