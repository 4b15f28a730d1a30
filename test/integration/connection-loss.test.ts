import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';

// A connection that PostgreSQL ends while a transaction holds it between two statements: the pool has
// handed it out, so no pool listener takes its 'error', and an unheard 'error' would end the process
// (vitest reports it as an uncaught exception). The transaction fails; the process and the pool go on.
const postgres = testEngine() === 'postgres';
let database: TestDatabase;

beforeAll(async () => {
  if (postgres) database = await createTestDatabase();
});
afterAll(async () => {
  await database?.dispose();
});

describe.skipIf(!postgres)('a connection ended in the middle of a transaction', () => {
  it('fails that transaction, crashes nothing, and the next query gets a new connection', async () => {
    const { db } = database.handle;
    const transaction = db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      // From another connection of the pool, while this one sits idle in its transaction.
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(db);
      // The server's goodbye arrives while no statement of this connection is running.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(transaction).rejects.toThrow();
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows[0]!.one).toBe(1);
  });
});
