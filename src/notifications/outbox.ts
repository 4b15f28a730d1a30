import type { Kysely } from 'kysely';
import type { NewAuditEvent } from '../audit/index.ts';
import type { Database } from '../platform/schema.ts';
import { AUDITED_EVENT_TYPES } from './event-types.ts';

/** A token as events show it: never its secret or its hash. */
export async function tokenData(db: Kysely<Database>, id: string) {
  const row = await db
    .selectFrom('tokens')
    .innerJoin('accounts', 'accounts.id', 'tokens.owner_id')
    .select([
      'tokens.id',
      'tokens.name',
      'tokens.kind',
      'tokens.owner_id',
      'tokens.expires_at',
      'tokens.revoked_at',
      'tokens.revoked_reason',
      'tokens.last_used_at',
      'accounts.email as owner_email',
      'accounts.internal_id as owner_internal_id',
    ])
    .where('tokens.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    owner: { id: row.owner_id, handle: row.owner_email ?? row.owner_internal_id },
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    revoked_reason: row.revoked_reason,
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
export type TokenData = NonNullable<Awaited<ReturnType<typeof tokenData>>>;

async function accountData(db: Kysely<Database>, id: string) {
  const row = await db
    .selectFrom('accounts')
    .select(['id', 'kind', 'email', 'name', 'internal_id', 'role', 'deactivated_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    email: row.email,
    name: row.name,
    internal_id: row.internal_id,
    role: row.role,
    deactivated_at: row.deactivated_at?.toISOString() ?? null,
  };
}

/** Write one event into the outbox with `db`, the transaction of the change. */
export async function enqueueEvent(
  db: Kysely<Database>,
  event: { type: string; at: Date; data: Record<string, unknown>; webhookId?: string },
): Promise<string> {
  const row = await db
    .insertInto('notification_events')
    .values({
      type: event.type,
      payload: JSON.stringify({ type: event.type, timestamp: event.at.toISOString(), data: event.data }),
      webhook_id: event.webhookId ?? null,
      created_at: event.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The audit log's observer: an audited change that is a webhook event type goes into the outbox in the
 * change's own transaction, with what the change left of its token or account.
 */
export async function enqueueAudited(db: Kysely<Database>, event: NewAuditEvent): Promise<void> {
  if (!AUDITED_EVENT_TYPES.has(event.action) || !event.target_id) return;
  const actor = event.actor_id ? { id: event.actor_id, label: event.actor_label } : null;
  const details = event.details as Record<string, unknown>;
  const reason = typeof details.reason === 'string' ? details.reason : undefined;
  let data: Record<string, unknown>;
  if (event.target_type === 'token') {
    // A deleted token is gone already: what the audit row says of it is all there is.
    const token = (await tokenData(db, event.target_id)) ?? {
      id: event.target_id,
      label: event.target_label,
      kind: details.kind,
      owner: { id: details.owner_id ?? null },
    };
    data = { token, actor, ...(reason !== undefined ? { reason } : {}) };
    if (event.action === 'token.rotated') data.replaced_by = details.replaced_by;
  } else if (event.target_type === 'account') {
    data = { account: (await accountData(db, event.target_id)) ?? { id: event.target_id }, actor };
  } else {
    return;
  }
  await enqueueEvent(db, { type: event.action, at: event.at, data });
}
