import { z } from 'zod';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, IdParams } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryParams,
  MyNotifications,
  MyNotificationsBody,
  NotificationSettingsBody,
  NotificationSettings as SettingsSchema,
  UpdateWebhookBody,
  Webhook,
  WebhookAttempt,
} from './schemas.ts';
import type { NotificationSettings } from './settings.ts';
import type { WebhookService } from './webhooks.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['Notifications'];

/** Settings → Webhooks, the notification settings, and one's own switch for expiry warnings. */
export function notificationRoutes(
  app: App,
  services: { webhooks: WebhookService; notificationSettings: NotificationSettings },
): void {
  const { webhooks, notificationSettings } = services;

  app.get(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'List webhooks',
        description: 'Admins.',
        response: { 200: z.object({ items: z.array(Webhook) }), ...errors },
      },
    },
    async (request) => webhooks.list(callerOf(request)),
  );

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'Create a webhook',
        description:
          'Admins. Returns the signing secret, shown only here. Payloads are signed per the Standard ' +
          'Webhooks specification (docs/NOTIFICATIONS.md).',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...errors },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(callerOf(request), request.body);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'One webhook',
        params: IdParams,
        response: { 200: Webhook, ...errors },
      },
    },
    async (request) => webhooks.get(callerOf(request), request.params.id),
  );

  app.patch(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a webhook',
        description: 'Admins. Its URL, its events, or `enabled` (true turns a disabled webhook back on).',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errors },
      },
    },
    async (request) => webhooks.update(callerOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook',
        description: 'Admins. Its pending deliveries and its delivery log go with it.',
        params: IdParams,
        response: { 204: z.null().describe('Deleted.'), ...errors },
      },
    },
    async (request, reply) => {
      await webhooks.delete(callerOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a test event',
        description:
          'Admins. Queues a `webhook.test` event for this webhook only; its attempts show in the log.',
        params: IdParams,
        response: { 202: z.object({ event_id: z.uuid() }), ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await webhooks.sendTest(callerOf(request), request.params.id)),
  );

  app.get(
    '/api/webhooks/:id/attempts',
    {
      schema: {
        tags,
        summary: 'The delivery log',
        description: 'Admins. The last 100 attempts, newest first.',
        params: IdParams,
        response: { 200: z.object({ items: z.array(WebhookAttempt) }), ...errors },
      },
    },
    async (request) => webhooks.attempts(callerOf(request), request.params.id),
  );

  app.post(
    '/api/webhooks/:id/deliveries/:delivery_id/resend',
    {
      schema: {
        tags,
        summary: 'Resend a delivery',
        description:
          'Admins. Tries a failed delivery again now, with the same `webhook-id`, and retries it for 24 ' +
          'hours. 409 while it is still being tried.',
        params: DeliveryParams,
        response: { 202: z.null().describe('Queued.'), ...errors },
      },
    },
    async (request, reply) => {
      await webhooks.resend(callerOf(request), request.params.id, request.params.delivery_id);
      return reply.status(202).send(null);
    },
  );

  app.get(
    '/api/settings/notifications',
    {
      schema: {
        tags,
        summary: 'Notification settings',
        description: 'Admins. The expiry warning thresholds, and whether SMTP is configured.',
        response: { 200: SettingsSchema, ...errors },
      },
    },
    async (request) => notificationSettings.get(callerOf(request)),
  );

  app.put(
    '/api/settings/notifications',
    {
      schema: {
        tags,
        summary: 'Change the notification settings',
        description: 'Admins. The days before expiry that warnings are sent; the "expired" notice always is.',
        body: NotificationSettingsBody,
        response: { 200: SettingsSchema, ...errors },
      },
    },
    async (request) => notificationSettings.update(callerOf(request), request.body),
  );

  app.get(
    '/api/me/notifications',
    {
      schema: {
        tags,
        summary: 'Your notification switch',
        description: 'Whether you get expiry warnings for your own personal tokens.',
        response: { 200: MyNotifications, ...errors },
      },
    },
    async (request) => notificationSettings.mine(callerOf(request)),
  );

  app.put(
    '/api/me/notifications',
    {
      schema: {
        tags,
        summary: 'Turn your expiry warnings off or on',
        description:
          'For your own personal tokens. Security notices (revoked, rotated) cannot be turned off.',
        body: MyNotificationsBody,
        response: { 200: MyNotifications, ...errors },
      },
    },
    async (request) => notificationSettings.updateMine(callerOf(request), request.body),
  );
}
