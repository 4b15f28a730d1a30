import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import { type Caller, requireRole } from '../platform/caller.ts';
import type { Database } from '../platform/schema.ts';
import type { Mailer } from './mailer.ts';
import { readThresholds } from './queries.ts';

/** The expiry thresholds (Admins), and each person's own switch for expiry warnings. */
export class NotificationSettings {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditLog;
  readonly #mailer: Mailer;

  constructor(deps: { db: Kysely<Database>; audit: AuditLog; mailer: Mailer }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#mailer = deps.mailer;
  }

  async get(caller: Caller) {
    requireRole(caller, 'admin');
    return {
      expiry_thresholds_days: await readThresholds(this.#db),
      smtp_configured: this.#mailer.configured,
    };
  }

  async update(caller: Caller, body: { expiry_thresholds_days: number[] }) {
    requireRole(caller, 'admin');
    const days = [...body.expiry_thresholds_days].sort((a, b) => b - a);
    await this.#db.transaction().execute(async (trx) => {
      const before = await readThresholds(trx);
      await trx
        .updateTable('notification_settings')
        .set({ expiry_thresholds_days: JSON.stringify(days) })
        .execute();
      await this.#audit.record(trx, caller, 'notification_settings.updated', null, {
        expiry_thresholds_days: { from: before, to: days },
      });
    });
    return this.get(caller);
  }

  async mine(caller: Caller) {
    const row = await this.#db
      .selectFrom('expiry_warning_opt_outs')
      .select('account_id')
      .where('account_id', '=', caller.principal.account.id)
      .executeTakeFirst();
    return { expiry_warnings: !row };
  }

  /** Turn expiry warnings for one's own personal tokens off or on; security notices stay on. */
  async updateMine(caller: Caller, body: { expiry_warnings: boolean }) {
    const id = caller.principal.account.id;
    if (body.expiry_warnings) {
      await this.#db.deleteFrom('expiry_warning_opt_outs').where('account_id', '=', id).execute();
    } else {
      await this.#db
        .insertInto('expiry_warning_opt_outs')
        .values({ account_id: id })
        .onConflict((c) => c.column('account_id').doNothing())
        .execute();
    }
    return this.mine(caller);
  }
}
