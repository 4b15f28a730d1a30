import { type Kysely, sql } from 'kysely';

// Raw SQL: the schema leans on PostgreSQL features (expression and partial indexes, generated columns,
// trigram search, a trigger) that read more plainly as SQL than as builder calls. PostgreSQL 15 syntax only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await sql`
    create table teams (
      id uuid primary key default gen_random_uuid(),
      name text not null check (char_length(name) between 1 and 100),
      builtin boolean not null default false,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index teams_name_key on teams (lower(name))`.execute(db);
  await sql`insert into teams (name, builtin) values ('Public', true)`.execute(db);

  await sql`
    create table accounts (
      id uuid primary key default gen_random_uuid(),
      kind text not null check (kind in ('human', 'service')),
      email text,
      name text,
      internal_id text,
      avatar_url text,
      role text not null check (role in ('admin', 'manager', 'member')),
      password_hash text,
      created_at timestamptz not null default now(),
      created_by uuid references accounts (id),
      deactivated_at timestamptz,
      deactivated_by uuid references accounts (id),
      last_active_at timestamptz,
      sort_name text generated always as (lower(coalesce(name, email, internal_id))) stored,
      search_text text generated always as (
        lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(internal_id, ''))
      ) stored,
      constraint accounts_kind_fields check (
        (kind = 'human' and email is not null and password_hash is not null and internal_id is null)
        or (kind = 'service' and internal_id is not null and password_hash is null)
      )
    )`.execute(db);
  await sql`create unique index accounts_human_email_key on accounts (lower(email)) where kind = 'human'`.execute(
    db,
  );
  await sql`create unique index accounts_internal_id_key on accounts (internal_id)`.execute(db);
  await sql`create index accounts_sort_name_idx on accounts (sort_name, id)`.execute(db);
  await sql`create index accounts_created_at_idx on accounts (created_at, id)`.execute(db);
  await sql`create index accounts_last_active_idx on accounts ((coalesce(last_active_at, '-infinity'::timestamptz)), id)`.execute(
    db,
  );
  await sql`create index accounts_role_idx on accounts ((role || ' ' || sort_name), id)`.execute(db);
  await sql`create index accounts_search_idx on accounts using gin (search_text gin_trgm_ops)`.execute(db);

  await sql`
    create table account_teams (
      account_id uuid not null references accounts (id) on delete cascade,
      team_id uuid not null references teams (id) on delete cascade,
      primary key (account_id, team_id)
    )`.execute(db);
  await sql`create index account_teams_team_idx on account_teams (team_id, account_id)`.execute(db);

  await sql`
    create table tokens (
      id uuid primary key default gen_random_uuid(),
      kind text not null check (kind in ('personal', 'service')),
      owner_id uuid not null references accounts (id),
      name text not null check (char_length(name) between 1 and 100),
      secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
      hint text not null,
      scim_only boolean not null default false,
      created_at timestamptz not null default now(),
      created_by uuid references accounts (id),
      expires_at timestamptz,
      revoked_at timestamptz,
      revoked_by uuid references accounts (id),
      revoked_reason text,
      last_used_at timestamptz,
      last_used_ip text,
      last_used_user_agent text
    )`.execute(db);
  await sql`create unique index tokens_secret_hash_key on tokens (secret_hash)`.execute(db);
  await sql`create unique index tokens_owner_name_key on tokens (owner_id, lower(name))`.execute(db);
  // Keyset pagination over every sort of the lists: (sort key, id) in both directions.
  for (const [suffix, key] of [
    ['name', sql`lower(name)`],
    ['created', sql`created_at`],
    ['expires', sql`(coalesce(expires_at, 'infinity'::timestamptz))`],
    ['last_used', sql`(coalesce(last_used_at, '-infinity'::timestamptz))`],
  ] as const) {
    await sql`create index ${sql.id(`tokens_kind_${suffix}_idx`)} on tokens (kind, ${key}, id)`.execute(db);
    await sql`create index ${sql.id(`tokens_owner_${suffix}_idx`)} on tokens (owner_id, ${key}, id)`.execute(
      db,
    );
  }
  await sql`create index tokens_name_search_idx on tokens using gin (lower(name) gin_trgm_ops)`.execute(db);

  await sql`
    create table sessions (
      id_hash text primary key,
      account_id uuid not null references accounts (id) on delete cascade,
      csrf_token text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      ip text,
      user_agent text
    )`.execute(db);
  await sql`create index sessions_account_idx on sessions (account_id)`.execute(db);

  await sql`
    create table audit_events (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      action text not null,
      actor_id uuid,
      actor_label text,
      actor_token_id uuid,
      target_type text,
      target_id uuid,
      target_label text,
      ip text,
      user_agent text,
      details jsonb not null default '{}'::jsonb
    )`.execute(db);
  await sql`create index audit_events_actor_idx on audit_events (actor_id, id)`.execute(db);
  await sql`create index audit_events_target_idx on audit_events (target_id, id)`.execute(db);
  await sql`create index audit_events_action_idx on audit_events (action, id)`.execute(db);
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end
    $$`.execute(db);
  await sql`
    create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
}
