import { type Kysely, sql } from 'kysely';

// Notifications (issue 23). `notification_events` is the outbox: a change writes its event in its own
// transaction, and the delivery job turns each event into one delivery per webhook that wants it (and a
// security notice by email) later, so a crash between the commit and the send loses nothing.
// `webhook_attempts` is the delivery log. `expiry_notices` holds one row per (token, threshold) ever
// claimed: its primary key is what makes "sent once, ever" hold across restarts and nodes.
// `mail_outbox` holds the emails to send; `expiry_warning_opt_outs` the people who turned warnings off.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webhooks (
      id uuid primary key default gen_random_uuid(),
      url text not null,
      events jsonb not null,
      secret text not null,
      enabled boolean not null default true,
      disabled_reason text,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table notification_events (
      id uuid primary key default gen_random_uuid(),
      type text not null,
      payload jsonb not null,
      webhook_id uuid references webhooks (id) on delete cascade,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz
    )`.execute(db);
  await sql`create index notification_events_pending on notification_events (created_at) where dispatched_at is null`.execute(
    db,
  );

  await sql`
    create table webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      webhook_id uuid not null references webhooks (id) on delete cascade,
      event_id uuid not null references notification_events (id) on delete cascade,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      created_at timestamptz not null,
      unique (webhook_id, event_id)
    )`.execute(db);
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );

  await sql`
    create table webhook_attempts (
      id bigint generated always as identity primary key,
      webhook_id uuid not null references webhooks (id) on delete cascade,
      delivery_id uuid not null references webhook_deliveries (id) on delete cascade,
      at timestamptz not null,
      event_type text not null,
      status_code integer,
      duration_ms integer not null,
      response_start text,
      error text
    )`.execute(db);
  await sql`create index webhook_attempts_by_webhook on webhook_attempts (webhook_id, id desc)`.execute(db);

  await sql`
    create table expiry_notices (
      token_id uuid not null references tokens (id) on delete cascade,
      threshold_days integer not null check (threshold_days between 0 and 365),
      sent_at timestamptz not null,
      primary key (token_id, threshold_days)
    )`.execute(db);

  await sql`
    create table mail_outbox (
      id uuid primary key default gen_random_uuid(),
      recipient text not null,
      subject text not null,
      text_body text not null,
      html_body text not null,
      created_at timestamptz not null,
      next_attempt_at timestamptz not null,
      attempts integer not null default 0,
      sent_at timestamptz
    )`.execute(db);
  await sql`create index mail_outbox_due on mail_outbox (next_attempt_at) where sent_at is null`.execute(db);

  await sql`
    create table notification_settings (
      id integer primary key check (id = 1),
      expiry_thresholds_days jsonb not null
    )`.execute(db);
  await sql`insert into notification_settings (id, expiry_thresholds_days) values (1, '[7, 1]')`.execute(db);

  await sql`
    create table expiry_warning_opt_outs (
      account_id uuid primary key references accounts (id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'expiry_warning_opt_outs',
    'notification_settings',
    'mail_outbox',
    'expiry_notices',
    'webhook_attempts',
    'webhook_deliveries',
    'notification_events',
    'webhooks',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
