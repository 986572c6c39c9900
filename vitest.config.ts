import { defineConfig } from 'vitest/config';

// Every *.test.ts in the project runs, wherever it is (a user's own tests too), except
// dependencies and scratch files.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'scratch/**', '.git/**'],
    testTimeout: 20_000,
  },
});
