// The bench harness's own unit tests (pure helpers only; nothing here is timed).
// Run: npx vitest run --config bench/vitest.config.mjs
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/test/**/*.test.mjs'],
  },
});
