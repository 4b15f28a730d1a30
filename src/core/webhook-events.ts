/** What a webhook may subscribe to (the API and the console's Webhooks page). */
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

/** The event "Send test event" sends, to one webhook. */
export const TEST_EVENT_TYPE = 'webhook.test';
