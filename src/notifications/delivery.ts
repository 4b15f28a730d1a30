import type { Kysely } from 'kysely';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/schema.ts';
import { securityNotice, webhookDisabledNotice } from './emails.ts';
import type { Mail, Mailer } from './mailer.ts';
import { accountEmail, adminEmails, queueMails } from './queries.ts';
import { ATTEMPT_TIMEOUT_MS, type AttemptResult, sendSigned } from './webhook-sender.ts';

const HOUR_MS = 60 * 60 * 1000;
/** Retries go on this long after an event's first attempt; a webhook failing this long is disabled. */
export const RETRY_WINDOW_MS = 24 * HOUR_MS;
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = HOUR_MS;
/** While one node sends a delivery, the others leave it alone this long (more than one attempt takes). */
const CLAIM_MS = ATTEMPT_TIMEOUT_MS + 5000;
const BATCH = 20;
/** The delivery log keeps this many attempts per webhook. */
export const ATTEMPTS_KEPT = 100;

export interface DeliveryOptions {
  db: Kysely<Database>;
  clock: Clock;
  mailer: Mailer;
  publicUrl: string | undefined;
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE: deliver to private and loopback addresses too. */
  allowPrivate: boolean;
  /** The first retry's wait; each next one doubles it. */
  retryBaseMs?: number;
  onMailError?: (error: unknown) => void;
}

/**
 * Empties the outbox: each event becomes one delivery per enabled webhook that wants it (and, for a
 * revocation by someone else or a rotation, a security notice to the owner), in one transaction with
 * marking the event dispatched. Then sends what is due, webhooks and emails. Every step can run on every
 * node at once: rows are claimed before anything is sent, so nothing is sent twice by two nodes.
 */
export class Delivery {
  readonly #o: DeliveryOptions;
  readonly #retryBaseMs: number;

  constructor(options: DeliveryOptions) {
    this.#o = options;
    this.#retryBaseMs = options.retryBaseMs ?? 10_000;
  }

  async run(): Promise<void> {
    await this.dispatch();
    await Promise.all([this.deliverWebhooks(), this.sendMail()]);
  }

  /** Turn pending outbox events into deliveries and security notices. Returns how many it dispatched. */
  async dispatch(): Promise<number> {
    const { db, clock } = this.#o;
    return db.transaction().execute(async (trx) => {
      const events = await trx
        .selectFrom('notification_events')
        .selectAll()
        .where('dispatched_at', 'is', null)
        .orderBy('created_at')
        .limit(100)
        .forUpdate()
        .skipLocked()
        .execute();
      if (events.length === 0) return 0;
      const now = clock.now();
      const webhooks = await trx
        .selectFrom('webhooks')
        .select(['id', 'events'])
        .where('enabled', '=', true)
        .execute();
      const deliveries = [];
      const mails: Mail[] = [];
      for (const event of events) {
        for (const webhook of webhooks) {
          const wanted = event.webhook_id
            ? event.webhook_id === webhook.id
            : webhook.events.includes(event.type);
          if (wanted) {
            deliveries.push({
              webhook_id: webhook.id,
              event_id: event.id,
              status: 'pending' as const,
              next_attempt_at: now,
              created_at: now,
            });
          }
        }
        const notice = await this.#securityNotice(trx, event.type, event.payload, event.created_at);
        if (notice) mails.push(notice);
      }
      if (deliveries.length > 0) {
        await trx
          .insertInto('webhook_deliveries')
          .values(deliveries)
          .onConflict((c) => c.columns(['webhook_id', 'event_id']).doNothing())
          .execute();
      }
      await queueMails(trx, mails, now);
      await trx
        .updateTable('notification_events')
        .set({ dispatched_at: now })
        .where(
          'id',
          'in',
          events.map((e) => e.id),
        )
        .execute();
      return events.length;
    });
  }

  async #securityNotice(
    db: Kysely<Database>,
    type: string,
    payload: Record<string, unknown>,
    at: Date,
  ): Promise<Mail | undefined> {
    if (!this.#o.mailer.configured) return undefined;
    if (type !== 'token.revoked' && type !== 'token.rotated') return undefined;
    const data = payload.data as {
      token: { id: string; name: string; kind: 'personal' | 'service'; owner: { id: string } };
      actor: { id: string; label: string | null } | null;
      reason?: string | null;
    };
    // Revoking one's own token is no news to oneself; a rotation is always told.
    if (type === 'token.revoked' && data.actor?.id === data.token.owner.id) return undefined;
    const to = await accountEmail(db, data.token.owner.id);
    if (!to) return undefined;
    return securityNotice(
      to,
      {
        what: type === 'token.revoked' ? 'revoked' : 'rotated',
        token: data.token,
        by: data.actor?.label ?? 'Tessera',
        reason: data.reason ?? null,
        at,
      },
      this.#o.publicUrl,
    );
  }

  /** Send every webhook delivery that is due. Returns how many attempts were made. */
  async deliverWebhooks(): Promise<number> {
    const { db, clock } = this.#o;
    const now = clock.now();
    const due = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .innerJoin('notification_events as e', 'e.id', 'd.event_id')
      .select([
        'd.id',
        'd.webhook_id',
        'd.event_id',
        'd.attempts',
        'd.next_attempt_at',
        'd.created_at',
        'w.url',
        'w.secret',
        'e.type',
        'e.payload',
      ])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where('w.enabled', '=', true)
      .orderBy('d.next_attempt_at')
      .limit(BATCH)
      .execute();
    // Side by side: one receiver that hangs for its 10 seconds holds up no other.
    const sent = await Promise.all(due.map((delivery) => this.#attempt(delivery, now)));
    return sent.filter(Boolean).length;
  }

  async #attempt(
    delivery: {
      id: string;
      webhook_id: string;
      event_id: string;
      attempts: number;
      next_attempt_at: Date;
      created_at: Date;
      url: string;
      secret: string;
      type: string;
      payload: Record<string, unknown>;
    },
    now: Date,
  ): Promise<boolean> {
    const { db, clock } = this.#o;
    // Claimed by moving its next attempt on: a node that read the same row finds it changed.
    const claimed = await db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(now.getTime() + CLAIM_MS) })
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', delivery.next_attempt_at)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return false;
    const at = clock.now();
    const result = await sendSigned(
      {
        url: delivery.url,
        id: delivery.event_id,
        secret: delivery.secret,
        body: JSON.stringify(delivery.payload),
        timestamp: at,
      },
      this.#o.allowPrivate,
    );
    await this.#settle(delivery, at, result);
    return true;
  }

  async #settle(
    delivery: {
      id: string;
      webhook_id: string;
      attempts: number;
      created_at: Date;
      type: string;
      url: string;
    },
    at: Date,
    result: AttemptResult,
  ): Promise<void> {
    const { db, clock } = this.#o;
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          webhook_id: delivery.webhook_id,
          delivery_id: delivery.id,
          at,
          event_type: delivery.type,
          status_code: result.statusCode,
          duration_ms: result.durationMs,
          response_start: result.responseStart,
          error: result.error,
        })
        .execute();
      await pruneAttempts(trx, delivery.webhook_id);
      const attempts = delivery.attempts + 1;
      const now = clock.now();
      if (result.ok) {
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'delivered', attempts })
          .where('id', '=', delivery.id)
          .execute();
        await trx
          .updateTable('webhooks')
          .set({ failing_since: null })
          .where('id', '=', delivery.webhook_id)
          .execute();
        return;
      }
      const wait = Math.min(this.#retryBaseMs * 2 ** (attempts - 1), MAX_BACKOFF_MS);
      const givenUp = now.getTime() + wait - delivery.created_at.getTime() > RETRY_WINDOW_MS;
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: givenUp ? 'failed' : 'pending',
          attempts,
          next_attempt_at: new Date(now.getTime() + wait),
        })
        .where('id', '=', delivery.id)
        .execute();
      const webhook = await trx
        .updateTable('webhooks')
        .set({ failing_since: (eb) => eb.fn.coalesce('failing_since', eb.val(at)) })
        .where('id', '=', delivery.webhook_id)
        .returning(['failing_since', 'enabled'])
        .executeTakeFirst();
      // Failing since, and still failing by the next retry, for longer than the window: turned off.
      const failing = webhook?.failing_since;
      if (webhook?.enabled && failing && now.getTime() + wait - failing.getTime() > RETRY_WINDOW_MS) {
        await this.#disable(trx, delivery.webhook_id, delivery.url, failing, now);
      }
    });
  }

  async #disable(trx: Kysely<Database>, id: string, url: string, since: Date, now: Date): Promise<void> {
    await trx
      .updateTable('webhooks')
      .set({ enabled: false, disabled_reason: 'failing for 24 hours', updated_at: now })
      .where('id', '=', id)
      .execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'failed' })
      .where('webhook_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    if (this.#o.mailer.configured) {
      const admins = await adminEmails(trx);
      await queueMails(
        trx,
        admins.map((to) => webhookDisabledNotice(to, url, since)),
        now,
      );
    }
  }

  /**
   * Forget what is done: events dispatched more than 30 days ago with no delivery still being tried
   * (their deliveries and attempts go with them), and emails sent as long ago.
   */
  async purge(): Promise<void> {
    const { db, clock } = this.#o;
    const before = new Date(clock.now().getTime() - KEPT_MS);
    await db
      .deleteFrom('notification_events')
      .where('dispatched_at', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries')
              .select('webhook_deliveries.id')
              .whereRef('webhook_deliveries.event_id', '=', 'notification_events.id')
              .where('webhook_deliveries.status', '=', 'pending'),
          ),
        ),
      )
      .execute();
    await db.deleteFrom('mail_outbox').where('sent_at', '<', before).execute();
  }

  /** Send every queued email that is due. Returns how many were sent. */
  async sendMail(): Promise<number> {
    const { db, clock, mailer } = this.#o;
    if (!mailer.configured) return 0;
    const now = clock.now();
    const due = await db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(BATCH)
      .execute();
    let sent = 0;
    for (const mail of due) {
      const claimed = await db
        .updateTable('mail_outbox')
        .set({ next_attempt_at: new Date(now.getTime() + CLAIM_MS) })
        .where('id', '=', mail.id)
        .where('sent_at', 'is', null)
        .where('next_attempt_at', '=', mail.next_attempt_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      try {
        await mailer.send({
          to: mail.recipient,
          subject: mail.subject,
          text: mail.text_body,
          html: mail.html_body,
        });
      } catch (error) {
        this.#o.onMailError?.(error);
        const attempts = mail.attempts + 1;
        const retryAt = new Date(
          clock.now().getTime() + Math.min(this.#retryBaseMs * 2 ** (attempts - 1), MAX_BACKOFF_MS),
        );
        if (retryAt.getTime() - mail.created_at.getTime() > RETRY_WINDOW_MS) {
          await db.deleteFrom('mail_outbox').where('id', '=', mail.id).execute();
        } else {
          await db
            .updateTable('mail_outbox')
            .set({ attempts, next_attempt_at: retryAt })
            .where('id', '=', mail.id)
            .execute();
        }
        continue;
      }
      await db.updateTable('mail_outbox').set({ sent_at: clock.now() }).where('id', '=', mail.id).execute();
      sent++;
    }
    return sent;
  }
}

/** How long dispatched events (with their delivery logs) and sent emails are kept. */
export const KEPT_MS = 30 * 24 * HOUR_MS;

async function pruneAttempts(db: Kysely<Database>, webhookId: string): Promise<void> {
  const keep = await db
    .selectFrom('webhook_attempts')
    .select('id')
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .offset(ATTEMPTS_KEPT - 1)
    .limit(1)
    .executeTakeFirst();
  if (keep) {
    await db
      .deleteFrom('webhook_attempts')
      .where('webhook_id', '=', webhookId)
      .where('id', '<', keep.id)
      .execute();
  }
}
