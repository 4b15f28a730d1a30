import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/platform/migrations/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.dispose());

const insertToken = (hash: string) => sql`
  insert into tokens (kind, owner_id, name, secret_hash, hint)
  select 'service', id, ${`t-${hash.slice(0, 8)}`}, ${hash}, 'abcd' from accounts limit 1`;

describe('migrations', () => {
  it('still refuse a secret hash that is not 64 lowercase hex digits, on insert and on update', async () => {
    const db = database.handle.db;
    await sql`insert into accounts (kind, internal_id, role) values ('service', 'migrations@service', 'member')`.execute(
      db,
    );
    await insertToken('a'.repeat(64)).execute(db);
    for (const bad of ['A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(63)}g`, `${'a'.repeat(64)}\n`]) {
      await expect(insertToken(bad).execute(db)).rejects.toThrow(/sha256_hex/);
      await expect(sql`update tokens set secret_hash = ${bad}`.execute(db)).rejects.toThrow(/sha256_hex/);
    }
    // The last-used flush's kind of update, which sets other columns only, still works.
    await sql`update tokens set last_used_at = now(), last_used_ip = '127.0.0.1'`.execute(db);
    const rows = await sql<{ secret_hash: string }>`select secret_hash from tokens`.execute(db);
    expect(rows.rows).toEqual([{ secret_hash: 'a'.repeat(64) }]);
  });

  it('go down to the first (which has no way down) and up again', async () => {
    const migrator = new Migrator({
      db: database.handle.db,
      provider: { getMigrations: async () => migrations },
    });
    const later = Object.keys(migrations).slice(1);
    const down = await migrator.migrateTo('0001-initial');
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => `${r.direction} ${r.migrationName}`)).toEqual(
      later.toReversed().map((name) => `Down ${name}`),
    );
    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    expect(up.results?.map((r) => `${r.direction} ${r.migrationName}`)).toEqual(
      later.map((name) => `Up ${name}`),
    );
  });
});
