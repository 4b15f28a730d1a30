import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WebhookEventType } from '../../core/webhook-events.ts';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttempt {
  id: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  at: string;
  status_code: number | null;
  duration_ms: number;
  response_start: string | null;
  error: string | null;
  delivery_status: 'pending' | 'delivered' | 'failed';
}

export interface NotificationSettings {
  expiry_thresholds_days: number[];
  smtp_configured: boolean;
}

const WEBHOOKS_KEY = ['webhooks'];
const attemptsKey = (id: string) => ['webhooks', id, 'attempts'];
const SETTINGS_KEY = ['notification-settings'];
const MINE_KEY = ['my-notifications'];

export function useWebhooks() {
  return useQuery({
    queryKey: WEBHOOKS_KEY,
    queryFn: () => api<{ items: Webhook[] }>('/api/webhooks'),
  });
}

export function useCreateWebhook() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (body: { url: string; events: WebhookEventType[] }) =>
        api<{ webhook: Webhook; secret: string }>('/api/webhooks', { method: 'POST', body }),
      onSettled: () => client.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
    }),
  );
}

export function useUpdateWebhook() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: ({
        id,
        ...body
      }: {
        id: string;
        url?: string;
        events?: WebhookEventType[];
        enabled?: boolean;
      }) => api<Webhook>(`/api/webhooks/${id}`, { method: 'PATCH', body }),
      onSettled: () => client.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
    }),
  );
}

export function useDeleteWebhook() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (id: string) => api<null>(`/api/webhooks/${id}`, { method: 'DELETE' }),
      onSettled: () => client.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
    }),
  );
}

export function useSendTestEvent() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (id: string) =>
        api<{ event_id: string }>(`/api/webhooks/${id}/test`, { method: 'POST', body: {} }),
      // The attempt lands within a second or so; the log asks again then.
      onSuccess: (_data, id) =>
        window.setTimeout(() => client.invalidateQueries({ queryKey: attemptsKey(id) }), 1500),
    }),
  );
}

export function useAttempts(id: string) {
  return useQuery({
    queryKey: attemptsKey(id),
    queryFn: () => api<{ items: WebhookAttempt[] }>(`/api/webhooks/${id}/attempts`),
    refetchInterval: 5000,
  });
}

export function useResend(webhookId: string) {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (deliveryId: string) =>
        api<null>(`/api/webhooks/${webhookId}/deliveries/${deliveryId}/resend`, { method: 'POST', body: {} }),
      onSettled: () =>
        window.setTimeout(() => client.invalidateQueries({ queryKey: attemptsKey(webhookId) }), 1500),
    }),
  );
}

export function useNotificationSettings() {
  return useQuery({
    queryKey: SETTINGS_KEY,
    queryFn: () => api<NotificationSettings>('/api/settings/notifications'),
  });
}

export function useSaveNotificationSettings() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (body: { expiry_thresholds_days: number[] }) =>
        api<NotificationSettings>('/api/settings/notifications', { method: 'PUT', body }),
      onSuccess: (saved) => client.setQueryData(SETTINGS_KEY, saved),
    }),
  );
}

export function useMyNotifications() {
  return useQuery({
    queryKey: MINE_KEY,
    queryFn: () => api<{ expiry_warnings: boolean }>('/api/me/notifications'),
  });
}

export function useSaveMyNotifications() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (body: { expiry_warnings: boolean }) =>
        api<{ expiry_warnings: boolean }>('/api/me/notifications', { method: 'PUT', body }),
      onSuccess: (saved) => client.setQueryData(MINE_KEY, saved),
    }),
  );
}
