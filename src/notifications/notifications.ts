import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/schema.ts';
import { Delivery } from './delivery.ts';
import { ExpiryWarnings } from './expiry.ts';
import { Mailer } from './mailer.ts';
import { enqueueAudited } from './outbox.ts';
import { NotificationSettings } from './settings.ts';
import { WebhookService } from './webhooks.ts';

export interface NotificationOptions {
  /** TESSERA_SMTP_URL; without it no email is queued or sent. */
  smtpUrl: string | undefined;
  /** TESSERA_MAIL_FROM. */
  mailFrom: string;
  publicUrl: string | undefined;
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** The first retry's wait (tests shorten it). */
  retryBaseMs?: number;
}

/**
 * Emails and webhooks: from here on every audited change that is a webhook event goes into the outbox in
 * its own transaction.
 */
export function createNotifications(
  deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog; onMailError?: (error: unknown) => void },
  options: NotificationOptions,
) {
  const { db, clock, audit } = deps;
  deps.audit.observe(enqueueAudited);
  const mailer = new Mailer({ smtpUrl: options.smtpUrl, from: options.mailFrom });
  return {
    mailer,
    delivery: new Delivery({
      db,
      clock,
      mailer,
      publicUrl: options.publicUrl,
      allowPrivate: options.allowPrivate,
      retryBaseMs: options.retryBaseMs,
      onMailError: deps.onMailError,
    }),
    expiryWarnings: new ExpiryWarnings({ db, clock, mailer, publicUrl: options.publicUrl }),
    webhooks: new WebhookService({ db, clock, audit }),
    notificationSettings: new NotificationSettings({ db, audit, mailer }),
  };
}
