import type { Kysely } from 'kysely';
import { accountHandle } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/schema.ts';
import { type ExpiringToken, expiryDigest } from './emails.ts';
import type { Mail, Mailer } from './mailer.ts';
import { enqueueEvent, tokenData } from './outbox.ts';
import { adminEmails, queueMails, readThresholds } from './queries.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Tokens that expired longer ago than this get no "expired" notice (a first start on an old database). */
const EXPIRED_NOTICE_WINDOW_MS = 7 * DAY_MS;

/**
 * The expiry warnings: for each token that crossed a threshold (or expired), its (token, threshold) row in
 * `expiry_notices` is claimed, and in the same transaction its `token.expiring` / `token.expired` event is
 * written to the outbox and its emails queued, one per recipient listing all their tokens. The row's
 * primary key makes the claim once, ever: a second run, a restart or another node finds it taken.
 */
export class ExpiryWarnings {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #mailer: Mailer;
  readonly #publicUrl: string | undefined;

  constructor(deps: { db: Kysely<Database>; clock: Clock; mailer: Mailer; publicUrl: string | undefined }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#mailer = deps.mailer;
    this.#publicUrl = deps.publicUrl;
  }

  /** Returns the (token, threshold) pairs claimed by this run. */
  async run(): Promise<{ tokenId: string; thresholdDays: number }[]> {
    const now = this.#clock.now();
    return this.#db.transaction().execute(async (trx) => {
      const thresholds = await readThresholds(trx);
      const widest = Math.max(0, ...thresholds);
      const candidates = await trx
        .selectFrom('tokens')
        .innerJoin('accounts', 'accounts.id', 'tokens.owner_id')
        .select([
          'tokens.id',
          'tokens.name',
          'tokens.kind',
          'tokens.owner_id',
          'tokens.expires_at',
          'tokens.last_used_at',
          'accounts.email',
          'accounts.name as owner_name',
          'accounts.internal_id',
          'accounts.deactivated_at',
        ])
        .where('tokens.expires_at', 'is not', null)
        .where('tokens.expires_at', '<=', new Date(now.getTime() + widest * DAY_MS))
        .where('tokens.expires_at', '>', new Date(now.getTime() - EXPIRED_NOTICE_WINDOW_MS))
        // Revoked tokens need no warning; a rotated one has its replacement.
        .where('tokens.revoked_at', 'is', null)
        .where('tokens.replaced_by', 'is', null)
        .orderBy('tokens.expires_at')
        .execute();
      const claimed: { tokenId: string; thresholdDays: number }[] = [];
      const byRecipient = new Map<string, ExpiringToken[]>();
      const admins = candidates.some((t) => t.kind === 'service') ? await adminEmails(trx) : [];
      const optedOut = new Set(
        (await trx.selectFrom('expiry_warning_opt_outs').select('account_id').execute()).map(
          (r) => r.account_id,
        ),
      );
      for (const token of candidates) {
        const expiresAt = token.expires_at!;
        const left = expiresAt.getTime() - now.getTime();
        // The most urgent threshold crossed: a token first seen 12 hours before expiry gets the 1-day
        // warning, not the 7-day one too.
        const threshold = left <= 0 ? 0 : Math.min(...thresholds.filter((days) => left <= days * DAY_MS));
        if (!Number.isFinite(threshold)) continue;
        const inserted = await trx
          .insertInto('expiry_notices')
          .values({ token_id: token.id, threshold_days: threshold, sent_at: now })
          .onConflict((c) => c.columns(['token_id', 'threshold_days']).doNothing())
          .returning('token_id')
          .executeTakeFirst();
        if (!inserted) continue;
        claimed.push({ tokenId: token.id, thresholdDays: threshold });
        await enqueueEvent(trx, {
          type: threshold === 0 ? 'token.expired' : 'token.expiring',
          at: now,
          data: { token: await tokenData(trx, token.id), threshold_days: threshold },
        });
        if (token.deactivated_at) continue;
        const owner = accountHandle({
          email: token.email,
          internal_id: token.internal_id,
          name: token.owner_name,
        });
        const entry: ExpiringToken = {
          id: token.id,
          name: token.name,
          kind: token.kind,
          owner,
          expiresAt,
          lastUsedAt: token.last_used_at,
        };
        const recipients =
          token.kind === 'personal'
            ? token.email && !optedOut.has(token.owner_id)
              ? [token.email]
              : []
            : [...(token.email ? [token.email] : []), ...admins];
        for (const to of new Set(recipients)) {
          const list = byRecipient.get(to) ?? [];
          list.push(entry);
          byRecipient.set(to, list);
        }
      }
      if (this.#mailer.configured) {
        const mails: Mail[] = [...byRecipient].map(([to, tokens]) =>
          expiryDigest(to, tokens, now, this.#publicUrl),
        );
        await queueMails(trx, mails, now);
      }
      return claimed;
    });
  }
}
