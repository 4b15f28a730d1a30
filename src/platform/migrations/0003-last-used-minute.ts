import { type Kysely, sql } from 'kysely';

// The last-used flush rewrites about every token in use once a second. While `last_used_at` itself was
// in the two "sort by last used" indexes, no such update could be HOT: each row also got a new entry in
// every one of the table's 13 indexes (docs/PERFORMANCE.md). The lists now sort on the minute of the last
// use, a generated column that changes once a minute, so the other 59 flushes of a minute change no
// indexed column; room left on each page (fillfactor 80) lets them stay on the same page (HOT).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tokens set (fillfactor = 80)`.execute(db);
  await sql`
    alter table tokens add column last_used_minute timestamptz
      generated always as (date_bin('1 minute', last_used_at, timestamptz '2000-01-01 00:00:00+00')) stored`.execute(
    db,
  );
  await indexLastUsedOn(db, 'last_used_minute');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await indexLastUsedOn(db, 'last_used_at');
  await sql`alter table tokens drop column last_used_minute`.execute(db);
  await sql`alter table tokens reset (fillfactor)`.execute(db);
}

/** The two "sort by last used" indexes (by kind, by owner), rebuilt on the given column. */
async function indexLastUsedOn(
  db: Kysely<unknown>,
  column: 'last_used_at' | 'last_used_minute',
): Promise<void> {
  for (const [scope, keyColumn] of [
    ['kind', 'kind'],
    ['owner', 'owner_id'],
  ] as const) {
    const name = sql.id(`tokens_${scope}_last_used_idx`);
    await sql`drop index ${name}`.execute(db);
    await sql`create index ${name} on tokens (${sql.id(keyColumn)}, (coalesce(${sql.id(column)}, '-infinity'::timestamptz)), id)`.execute(
      db,
    );
  }
}
