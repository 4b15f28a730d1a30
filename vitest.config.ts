import { defineConfig } from 'vitest/config';

// The integration tests run once per database engine: on PGlite always, and on a real PostgreSQL when
// TESSERA_TEST_PG_URL names a server (scripts/test.ts starts one when the binaries are installed).
const postgresUrl = process.env.TESSERA_TEST_PG_URL;

export default defineConfig({
  test: {
    pool: 'forks',
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
