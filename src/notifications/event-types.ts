import type { WebhookEventType } from '../core/webhook-events.ts';

export { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../core/webhook-events.ts';

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
