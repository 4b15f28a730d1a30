/** What a webhook may subscribe to; `webhook.test` is sent only by "Send test event". */
export const WEBHOOK_EVENT_TYPES = [
  'token.created',
  'token.rotated',
  'token.revoked',
  'token.restored',
  'token.deleted',
  'token.expiring',
  'token.expired',
  'account.created',
  'account.deactivated',
  'account.reactivated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const TEST_EVENT_TYPE = 'webhook.test';

/** The audited changes that are also webhook events, under the same name. */
export const AUDITED_EVENT_TYPES: ReadonlySet<string> = new Set<WebhookEventType>([
  'token.created',
  'token.rotated',
  'token.revoked',
  'token.restored',
  'token.deleted',
  'account.created',
  'account.deactivated',
  'account.reactivated',
]);
