import { type Kysely, sql } from 'kysely';

// What 0003 did for tokens, for accounts. The last-used flush also moves each owner's `last_active_at`,
// once a second for every account with a token in use. While that column was in
// `accounts_last_active_idx`, none of those updates could be HOT, so each also wrote an entry in every
// index of `accounts`, the trigram search indexes among them. "Sort by last active" now orders on the
// minute of it, which changes once a minute.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table accounts set (fillfactor = 80)`.execute(db);
  await sql`
    alter table accounts add column last_active_minute timestamptz
      generated always as (date_bin('1 minute', last_active_at, timestamptz '2000-01-01 00:00:00+00')) stored`.execute(
    db,
  );
  await indexLastActiveOn(db, 'last_active_minute');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await indexLastActiveOn(db, 'last_active_at');
  await sql`alter table accounts drop column last_active_minute`.execute(db);
  await sql`alter table accounts reset (fillfactor)`.execute(db);
}

async function indexLastActiveOn(
  db: Kysely<unknown>,
  column: 'last_active_at' | 'last_active_minute',
): Promise<void> {
  await sql`drop index accounts_last_active_idx`.execute(db);
  await sql`create index accounts_last_active_idx on accounts ((coalesce(${sql.id(column)}, '-infinity'::timestamptz)), id)`.execute(
    db,
  );
}
