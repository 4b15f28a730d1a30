import { type Kysely, sql } from 'kysely';

// The last-used flush adds each token's counts to its hour and its origin once a second. An origin's
// `last_seen_at` was in an index, so every such update wrote new entries in both of token_origins'
// indexes; and full pages left no room to update a row in place (HOT), so token_usage's did too. A token
// keeps at most 20 origins, which its primary key finds and a sort orders, so that index goes; room left
// on each page lets the updates stay on it. On the embedded database, which has no autovacuum, the flush
// of 1,000 tokens took about 0.2 s of CPU a second (docs/PERFORMANCE.md).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index token_origins_newest`.execute(db);
  await sql`alter table token_origins set (fillfactor = 50)`.execute(db);
  await sql`alter table token_usage set (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table token_usage reset (fillfactor)`.execute(db);
  await sql`alter table token_origins reset (fillfactor)`.execute(db);
  await sql`create index token_origins_newest on token_origins (token_id, last_seen_at desc)`.execute(db);
}
