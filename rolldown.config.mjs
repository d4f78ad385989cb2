// The build's bundling step (`npm run build`): src/ -> dist/, a few files instead of a
// hundred modules. node's ESM loader costs about 0.4 ms per module it resolves, reads
// and links, which was a third of a cached run's start-up; one bundle with lazily
// loaded chunks (the parser, analyzer and codegen only when the compile cache misses;
// execa only when clang runs) starts in a fraction of that. Types are checked by
// `tsc --noEmit` in the same build. chevrotain stays outside: src/lexer/chevrotain.ts
// loads the package's own single-file bundle. The library entry (src/index.ts, for the
// bench's start-up phases) is a second, separate bundle in dist/lib/, so that sharing
// modules with it does not split the CLI's entry file into pieces.
import { defineConfig } from 'rolldown';

const common = { platform: 'node', external: [/^chevrotain(\/.*)?$/, /^node:/] };

export default defineConfig([
  {
    ...common,
    input: { bpfscript: 'src/main.ts' },
    output: {
      dir: 'dist',
      format: 'esm',
      chunkFileNames: '[name].js',
      // Two chunks besides the entry: everything the entry loads at start (the CLI and
      // the runtime), and everything only a compile-cache miss, listing or --info
      // loads (the compiler, and execa for clang).
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
