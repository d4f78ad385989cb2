import { defineConfig } from 'vitest/config';
import { chevrotainAlias } from './scripts/chevrotain-alias.mjs';

// Unit and golden tests need no root; e2e tests (test/e2e) load real BPF programs and
// skip loudly when they cannot. They run serially: probes on one kernel share tracefs.
export default defineConfig({
  resolve: { alias: chevrotainAlias },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
    globalSetup: ['./test/e2e/global-setup.ts'],
  },
});
