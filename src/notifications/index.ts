// What other folders may use of notifications.
export { isPrivateAddress } from './address-guard.ts';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.ts';
export { createNotifications, type NotificationOptions } from './notifications.ts';
export { notificationRoutes } from './routes.ts';
