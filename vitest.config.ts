import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The integration tests run once per database engine: on PGlite always, and on a real PostgreSQL when
// TESSERA_TEST_PG_URL names a server (scripts/test.ts starts one when the binaries are installed).
const postgresUrl = process.env.TESSERA_TEST_PG_URL;

export default defineConfig({
  test: {
    pool: 'forks',
    // Vitest's default is one file at a time on a 2-core machine (cores − 1). Two at once finish the
    // suite in about two thirds of the time there (docs/DECISIONS.md, Tests and tooling): much of a file's time is spent
    // waiting on the server processes it starts, timers and PostgreSQL.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['test/integration/**/*.test.ts'],
          env: { TESSERA_TEST_DB: 'pglite' },
          globalSetup: ['test/support/pglite-snapshot.ts'],
        },
      },
      ...(postgresUrl
        ? [
            {
              extends: true,
              test: {
                name: 'postgres',
                include: ['test/integration/**/*.test.ts'],
                env: { TESSERA_TEST_DB: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
