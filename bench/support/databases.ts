import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBin, type Postgres, startPostgres } from '../../scripts/postgres.ts';
import { bootstrap } from '../../src/bootstrap/bootstrap.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/database.ts';
import { migrateToLatest } from '../../src/platform/migrate.ts';
import { seedScale } from './seed.ts';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'benchmark password 1';

let postgres: Postgres | undefined;

/** The benchmarks' own throwaway PostgreSQL, started on first use and stopped at exit. */
export async function benchPostgres(): Promise<Postgres> {
  if (postgres) return postgres;
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL 15+ is not installed (sudo apt-get install postgresql).');
  postgres = await startPostgres(bin);
  const stop = postgres.stop;
  process.on('exit', () => stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stop();
      process.exit(130);
    });
  }
  return postgres;
}

export interface BenchDatabase {
  engine: 'postgres' | 'pglite';
  /** What a tessera process needs in its environment to use this database. */
  env: Record<string, string>;
  open(log?: Parameters<typeof openDatabase>[0]['log']): ReturnType<typeof openDatabase>;
  dispose(): Promise<void>;
}

/** A new, migrated database with the Admin in it: a database on the throwaway server, or a data dir. */
export async function createBenchDatabase(engine: 'postgres' | 'pglite'): Promise<BenchDatabase> {
  let database: BenchDatabase;
  if (engine === 'postgres') {
    const server = await benchPostgres();
    const name = `bench_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = server.url.replace(/\/postgres$/, `/${name}`);
    database = {
      engine,
      env: { DATABASE_URL: url },
      open: (log) => openDatabase({ url, ...(log ? { log } : {}) }),
      async dispose() {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      },
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    database = {
      engine,
      env: { TESSERA_DATA_DIR: dir, TESSERA_DEMO: '0' },
      open: (log) => openDatabase({ dataDir: dir, ...(log ? { log } : {}) }),
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const handle = await database.open();
  await migrateToLatest(handle.db);
  await bootstrap(handle.db, systemClock, {
    adminEmail: ADMIN_EMAIL,
    adminPassword: ADMIN_PASSWORD,
    demo: false,
  });
  await handle.close();
  return database;
}

/**
 * A new database with `tokens` tokens, every one active, over `accounts` accounts, and their secrets:
 * load on the token path, where any refusal would be a failed run.
 */
export async function createLoadDatabase(
  engine: 'postgres' | 'pglite',
  options: { tokens: number; accounts: number } = { tokens: 1000, accounts: 100 },
): Promise<{ database: BenchDatabase; secrets: string[] }> {
  const database = await createBenchDatabase(engine);
  const handle = await database.open();
  try {
    const secrets = await seedScale(handle.db, {
      ...options,
      adminTokens: 0,
      adminEmail: ADMIN_EMAIL,
      expired: false,
    });
    return { database, secrets };
  } finally {
    await handle.close();
  }
}
