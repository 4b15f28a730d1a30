import { useQuery } from '@tanstack/react-query';
import { api, withQuery } from '../api/client.ts';
import type { Token } from '../api/types.ts';
import { tokensKey } from './api.ts';

export interface UsagePoint {
  start: string;
  uses: number;
  failures: number;
}

export interface TokenUsage {
  token_id: string;
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  points: UsagePoint[];
}

export interface TokenOrigin {
  ip: string;
  user_agent: string | null;
  first_seen_at: string;
  last_seen_at: string;
  uses: number;
}

/** The chart's ranges: the last 24 hours, 7, 30 or 90 days. */
export const USAGE_RANGES = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 } as const;
export type UsageRange = keyof typeof USAGE_RANGES;
const DAY_MS = 86_400_000;
const REFRESH_MS = 30_000;

// Under tokensKey(): a revoke, restore or rotation made from this page refreshes it too.
export function useToken(id: string) {
  return useQuery({
    queryKey: [...tokensKey(), 'one', id],
    queryFn: () => api<Token>(`/api/tokens/${id}`),
    refetchInterval: REFRESH_MS,
  });
}

/**
 * Always asked per hour: the console sums hours into the viewer's own days for 30 and 90 days, where the
 * API's `bucket=day` would give UTC days.
 */
export function useTokenUsage(id: string, range: UsageRange) {
  return useQuery({
    queryKey: [...tokensKey(), 'usage', id, range],
    queryFn: () => {
      const to = new Date();
      const from = new Date(to.getTime() - USAGE_RANGES[range] * DAY_MS);
      return api<TokenUsage>(
        withQuery(`/api/tokens/${id}/usage`, {
          from: from.toISOString(),
          to: to.toISOString(),
          bucket: 'hour',
        }),
      );
    },
    refetchInterval: REFRESH_MS,
  });
}

export function useTokenOrigins(id: string) {
  return useQuery({
    queryKey: [...tokensKey(), 'origins', id],
    queryFn: () => api<{ items: TokenOrigin[] }>(`/api/tokens/${id}/origins`),
    refetchInterval: REFRESH_MS,
  });
}

/** Hours summed into days starting at the viewer's local midnight. */
export function byLocalDay(points: UsagePoint[]): UsagePoint[] {
  const days = new Map<number, UsagePoint>();
  for (const point of points) {
    const day = new Date(point.start);
    day.setHours(0, 0, 0, 0);
    const key = day.getTime();
    const into = days.get(key) ?? { start: day.toISOString(), uses: 0, failures: 0 };
    into.uses += point.uses;
    into.failures += point.failures;
    days.set(key, into);
  }
  return [...days.values()];
}
