import { z } from 'zod';
import { nullableTimestamp, timestamp } from '../platform/http/schemas.ts';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';

const WebhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .refine((v) => {
    const url = URL.parse(v);
    return !url || (url.username === '' && url.password === '');
  }, 'must not carry a user name or password')
  .describe('Where events are POSTed.');

const Events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, 'must name at least one event')
  .refine((events) => new Set(events).size === events.length, 'must not repeat an event')
  .describe('The event types sent to this webhook.');

export const Webhook = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    failing_since: nullableTimestamp,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Webhook' });

export const CreateWebhookBody = z.strictObject({ url: WebhookUrl, events: Events });

export const UpdateWebhookBody = z.strictObject({
  url: WebhookUrl.optional(),
  events: Events.optional(),
  enabled: z.boolean().optional().describe('true turns a disabled webhook back on.'),
});

export const CreatedWebhook = z.object({
  webhook: Webhook,
  secret: z.string().describe('The signing secret (`whsec_…`), shown only in this response.'),
});

export const WebhookAttempt = z
  .object({
    id: z.string(),
    delivery_id: z.uuid(),
    event_id: z.uuid().describe('The `webhook-id` sent, the same on every attempt.'),
    event_type: z.string(),
    at: timestamp,
    status_code: z.number().int().nullable(),
    duration_ms: z.number().int(),
    response_start: z.string().nullable(),
    error: z.string().nullable(),
    delivery_status: z.enum(['pending', 'delivered', 'failed']),
  })
  .meta({ id: 'WebhookAttempt' });

export const DeliveryParams = z.object({ id: z.uuid(), delivery_id: z.uuid() });

export const NotificationSettings = z
  .object({
    expiry_thresholds_days: z.array(z.number().int()),
    smtp_configured: z.boolean(),
  })
  .meta({ id: 'NotificationSettings' });

export const NotificationSettingsBody = z.strictObject({
  expiry_thresholds_days: z
    .array(z.number().int().min(1).max(365))
    .max(10)
    .refine((days) => new Set(days).size === days.length, 'must not repeat a threshold')
    .describe('Days before expiry a warning is sent, e.g. [30, 7, 1]; the "expired" notice is always sent.'),
});

export const MyNotifications = z.object({ expiry_warnings: z.boolean() }).meta({ id: 'MyNotifications' });
export const MyNotificationsBody = z.strictObject({ expiry_warnings: z.boolean() });
