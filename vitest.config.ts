import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'vitest/config';

// As in rolldown.config.mjs: chevrotain from its single-file build, not a few hundred
// lodash-es modules.
const chevrotainBundle = join(dirname(createRequire(import.meta.url).resolve('chevrotain')), '..', 'chevrotain.mjs');

// Unit and golden tests need no root; e2e tests (test/e2e) load real BPF programs and
// skip loudly when they cannot. They run serially: probes on one kernel share tracefs.
export default defineConfig({
  resolve: { alias: { chevrotain: chevrotainBundle } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
    globalSetup: ['./test/e2e/global-setup.ts'],
  },
});
