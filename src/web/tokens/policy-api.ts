import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TokenKind } from '../../core/token-kind.ts';
import type { TokenPolicy } from '../../core/token-policy.ts';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';
import type { Page, Token } from '../api/types.ts';
import { tokensKey } from './api.ts';

export interface TokenPolicyView extends TokenPolicy {
  /** Active tokens of each kind the policy would not allow now; null for anyone but Admins. */
  exceeding: Record<TokenKind, number> | null;
}

const POLICY_KEY = ['token-policy'];

/** The token policy: everyone reads it, so Generate Token offers only what it allows. */
export function useTokenPolicy() {
  return useQuery({
    queryKey: POLICY_KEY,
    queryFn: () => api<TokenPolicyView>('/api/settings/token-policy'),
    staleTime: 60_000,
  });
}

export function useSaveTokenPolicy() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (policy: TokenPolicy) =>
        api<TokenPolicyView>('/api/settings/token-policy', { method: 'PUT', body: policy }),
      onSuccess: (saved) => client.setQueryData(POLICY_KEY, saved),
      onSettled: () => client.invalidateQueries({ queryKey: tokensKey() }),
    }),
  );
}

/** The inactivity sweep's dry run: what it would revoke for `days`, without changing anything. */
export function useUnusedTokens(kind: TokenKind, days: number | null) {
  return useQuery({
    queryKey: ['unused-tokens', kind, days],
    enabled: days !== null,
    queryFn: () =>
      api<Page<Token>>('/api/settings/token-policy/unused-tokens', {
        query: { kind, days: days ?? 0, limit: 100 },
      }),
  });
}
