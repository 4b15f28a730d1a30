import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import { type Caller, requireRole } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import { conflict, notFound } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import { ATTEMPTS_KEPT } from './delivery.ts';
import { TEST_EVENT_TYPE, type WebhookEventType } from './event-types.ts';
import { enqueueEvent } from './outbox.ts';
import { webhookView } from './views.ts';

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const target = (row: { id: string; url: string }) => ({
  type: 'webhook' as const,
  id: row.id,
  label: row.url,
});

/** Settings → Webhooks: Admins only. */
export class WebhookService {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #audit: AuditLog;

  constructor(deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
  }

  async list(caller: Caller) {
    requireRole(caller, 'admin');
    const rows = await this.#db
      .selectFrom('webhooks')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return { items: rows.map(webhookView) };
  }

  async get(caller: Caller, id: string) {
    requireRole(caller, 'admin');
    return webhookView(await this.#load(this.#db, id));
  }

  async create(caller: Caller, body: { url: string; events: WebhookEventType[] }) {
    requireRole(caller, 'admin');
    const secret = newSecret();
    const now = this.#clock.now();
    const row = await this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('webhooks')
        .values({
          url: body.url,
          events: JSON.stringify(body.events),
          secret,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#audit.record(trx, caller, 'webhook.created', target(inserted), { events: body.events });
      return inserted;
    });
    return { webhook: webhookView(row), secret };
  }

  async update(
    caller: Caller,
    id: string,
    body: {
      url?: string | undefined;
      events?: WebhookEventType[] | undefined;
      enabled?: boolean | undefined;
    },
  ) {
    requireRole(caller, 'admin');
    const now = this.#clock.now();
    const row = await this.#db.transaction().execute(async (trx) => {
      const before = await this.#load(trx, id, true);
      const updated = await trx
        .updateTable('webhooks')
        .set({
          updated_at: now,
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.events !== undefined ? { events: JSON.stringify(body.events) } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
          // Turned back on: its failures start counting afresh.
          ...(body.enabled === true && !before.enabled ? { disabled_reason: null, failing_since: null } : {}),
          ...(body.enabled === false && before.enabled ? { disabled_reason: 'turned off by an Admin' } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const changes: Record<string, unknown> = {};
      for (const key of ['url', 'events', 'enabled'] as const) {
        if (body[key] !== undefined && JSON.stringify(body[key]) !== JSON.stringify(before[key])) {
          changes[key] = { from: before[key], to: body[key] };
        }
      }
      await this.#audit.record(trx, caller, 'webhook.updated', target(updated), { changes });
      return updated;
    });
    return webhookView(row);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireRole(caller, 'admin');
    await this.#db.transaction().execute(async (trx) => {
      const row = await this.#load(trx, id, true);
      await trx.deleteFrom('webhooks').where('id', '=', id).execute();
      await this.#audit.record(trx, caller, 'webhook.deleted', target(row));
    });
  }

  /** "Send test event": a `webhook.test` event for this webhook only, through the outbox like any other. */
  async sendTest(caller: Caller, id: string): Promise<{ event_id: string }> {
    requireRole(caller, 'admin');
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#load(trx, id);
      if (!row.enabled) throw conflict('webhook_disabled', 'This webhook is disabled; enable it first.');
      const at = this.#clock.now();
      const eventId = await enqueueEvent(trx, {
        type: TEST_EVENT_TYPE,
        at,
        data: { webhook: { id: row.id, url: row.url }, message: 'A test event from Tessera.' },
        webhookId: row.id,
      });
      return { event_id: eventId };
    });
  }

  /** The delivery log: the last attempts, newest first. */
  async attempts(caller: Caller, id: string) {
    requireRole(caller, 'admin');
    await this.#load(this.#db, id);
    const rows = await this.#db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .select([
        'a.id',
        'a.delivery_id',
        'd.event_id',
        'a.event_type',
        'a.at',
        'a.status_code',
        'a.duration_ms',
        'a.response_start',
        'a.error',
        'd.status as delivery_status',
      ])
      .where('a.webhook_id', '=', id)
      .orderBy('a.id', 'desc')
      .limit(ATTEMPTS_KEPT)
      .execute();
    return { items: rows.map((r) => ({ ...r, id: String(r.id), at: r.at.toISOString() })) };
  }

  /** Send a failed (or delivered) delivery again, now, with the same `webhook-id`. */
  async resend(caller: Caller, id: string, deliveryId: string): Promise<void> {
    requireRole(caller, 'admin');
    const webhook = await this.#load(this.#db, id);
    if (!webhook.enabled) throw conflict('webhook_disabled', 'This webhook is disabled; enable it first.');
    const now = this.#clock.now();
    const updated = await this.#db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: now, created_at: now, attempts: 0 })
      .where('id', '=', deliveryId)
      .where('webhook_id', '=', id)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    const exists = await this.#db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('id', '=', deliveryId)
      .where('webhook_id', '=', id)
      .executeTakeFirst();
    if (!exists) throw notFound('Delivery');
    throw conflict('delivery_pending', 'This delivery is still being tried.');
  }

  async #load(db: Kysely<Database>, id: string, lock = false) {
    let query = db.selectFrom('webhooks').selectAll().where('id', '=', id);
    if (lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) throw notFound('Webhook');
    return row;
  }
}
