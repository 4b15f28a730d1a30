import { type Kysely, sql } from 'kysely';

// How much each token is used, and from where (issue 27). Counts per token per hour, written by the
// last-used flush as an upsert that adds (so several nodes' counts sum), kept 90 days and then dropped.
// Origins: the distinct (address, user agent) a token came from, the newest 20 kept. A missing user agent
// is stored as '' so it can be part of the key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table token_usage (
      token_id uuid not null references tokens (id) on delete cascade,
      hour timestamptz not null,
      uses bigint not null default 0,
      failures bigint not null default 0,
      primary key (token_id, hour)
    )`.execute(db);
  await sql`create index token_usage_hour on token_usage (hour)`.execute(db);
  await sql`
    create table token_origins (
      token_id uuid not null references tokens (id) on delete cascade,
      ip text not null,
      user_agent text not null,
      first_seen_at timestamptz not null,
      last_seen_at timestamptz not null,
      uses bigint not null,
      primary key (token_id, ip, user_agent)
    )`.execute(db);
  await sql`create index token_origins_newest on token_origins (token_id, last_seen_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table token_origins`.execute(db);
  await sql`drop table token_usage`.execute(db);
}
