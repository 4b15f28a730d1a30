import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/platform/database.ts';
import { migrateToLatest } from '../../src/platform/migrate.ts';

export interface TestDatabase {
  handle: DatabaseHandle;
  /** For PostgreSQL: the URL other processes (a second server node) can connect with. */
  url: string | undefined;
  /** Empty every table and put the built-in Public team back, as a fresh migration leaves it. */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

export const testEngine = (): 'pglite' | 'postgres' =>
  process.env.TESSERA_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/**
 * One database per test file: an in-memory PGlite started from the migrated copy the global setup made
 * (test/support/pglite-snapshot.ts), or a new database on the test PostgreSQL server, migrated here.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testEngine() === 'postgres') return createPostgresDatabase();
  const snapshot = readFileSync(inject('pgliteSnapshot'));
  const handle = await openDatabase({ dataDir: 'memory://', initialData: new Blob([snapshot]) });
  return { handle, url: undefined, reset: () => resetTables(handle), dispose: () => handle.close() };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TESSERA_TEST_PG_URL;
  if (!adminUrl) throw new Error('TESSERA_TEST_PG_URL is not set: run the tests with npm test.');
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolSize: 10 });
  await migrateToLatest(handle.db);
  return {
    handle,
    url: url.toString(),
    reset: () => resetTables(handle),
    async dispose() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function resetTables(handle: DatabaseHandle): Promise<void> {
  await sql`truncate audit_events, webhooks, notification_events, mail_outbox, sso_sign_ins, sessions, tokens, scopes, account_teams, accounts, teams restart identity cascade`.execute(
    handle.db,
  );
  await sql`insert into teams (name, builtin) values ('Public', true)`.execute(handle.db);
  await sql`update notification_settings set expiry_thresholds_days = '[7, 1]'`.execute(handle.db);
  await sql`update token_policies set max_days = null, allow_never = true, default_expires_in_days = 30,
    revoke_unused_after_days = null`.execute(handle.db);
  await sql`delete from scheduled_jobs`.execute(handle.db);
}
