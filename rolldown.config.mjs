// The build's bundling step (scripts/build, run by `npm run build`): src/ -> dist/.
//
// 1. dist/snapshot.cjs: everything in one CommonJS file, the entry of node's start-up
//    snapshot (src/snapshot.ts; `node --build-snapshot` accepts only such a script).
//    bin/bpfscript starts node from that snapshot: no module is loaded or compiled at
//    start, and the parser is already built.
// 1b. dist/snapshot-run.cjs: the same without the compiler (src/snapshot-run.ts), the
//    entry of the second snapshot, for runs the compile cache answers: the modules the
//    CLI only imports dynamically for the compiler, -l, --info and --emit ast are left
//    out (COMPILER_ONLY; the CLI hands such a run to the full snapshot before it would
//    import one).
// 2. dist/bpfscript.js + dist/compiler.js: the same program as ES modules, for when the
//    snapshot cannot be used (it belongs to the node binary that built it). The entry
//    holds the CLI and the runtime; the compiler chunk (parser, analyzer, codegen, execa)
//    is loaded only when the compile cache misses, or for -l, --info, --emit ast. node's
//    ESM loader costs about 0.4 ms per module it resolves, reads and links; a hundred
//    modules were a third of a cached run's start-up.
// 3. dist/lib/index.js: the library entry (src/index.ts, for the bench's start-up phases),
//    a separate bundle so sharing modules with it does not split the CLI's files.
//
// Minified: node parses all of a module's source at load, and half the bytes is half the
// time (about 20 ms of a cold start). chevrotain is bundled from the package's own
// single-file build (lib/chevrotain.mjs, the same code as its `exports` entry, which
// pulls in a few hundred lodash-es modules). Types are checked by `tsc --noEmit`.
//
// ASCII only: one character above U+00FF anywhere in a file makes V8 keep the whole
// source as a two-byte string; the snapshot's source is then 1.1 MB instead of 0.56 MB,
// and every start reads, copies and deserializes the difference (about 5 ms). A
// `\uXXXX` escape means the same character in a string, a template, a regular
// expression or an identifier (the bundles use no String.raw).
import { defineConfig } from 'rolldown';
import { chevrotainAlias } from './scripts/chevrotain-alias.mjs';

/** Every character above U+007F as a \uXXXX escape (UTF-16 units, so astral characters too). */
const asciiOnly = {
  name: 'ascii-only',
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type === 'chunk') chunk.code = chunk.code.replace(/[^\0-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    }
  },
};

/** What src/cli.ts and src/runtime/clang.ts import only for a compile (dynamically). */
const COMPILER_ONLY = [/^\.\/compile\.js$/, /^\.\/analyze\/(resolve-env|list)\.js$/, /^\.\/ast\/printer\.js$/, /^\.\/runtime\/info\.js$/, /^execa$/];

const common = { platform: 'node', external: [/^node:/], resolve: { alias: chevrotainAlias }, plugins: [asciiOnly] };

export default defineConfig([
  {
    ...common,
    input: { snapshot: 'src/snapshot.ts' },
    output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false, minify: true },
  },
  {
    ...common,
    external: [...common.external, ...COMPILER_ONLY],
    input: { 'snapshot-run': 'src/snapshot-run.ts' },
    output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false, minify: true },
  },
  {
    ...common,
    input: { bpfscript: 'src/main.ts' },
    output: {
      dir: 'dist',
      format: 'esm',
      minify: true,
      chunkFileNames: '[name].js',
      codeSplitting: {
        groups: [
          { name: 'runtime', tags: ['$initial'], priority: 2 },
          { name: 'compiler', test: /./, priority: 1 },
        ],
      },
    },
  },
  { ...common, input: { index: 'src/index.ts' }, output: { dir: 'dist/lib', format: 'esm', chunkFileNames: '[name].js' } },
]);
