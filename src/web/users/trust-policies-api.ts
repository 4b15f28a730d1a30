import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';
import type { Page, Token } from '../api/types.ts';

export interface TrustCondition {
  claim: string;
  value: string;
  match: 'exact' | 'glob';
}

/** Keyless CI: who may trade an OIDC token for a token of a service user (docs/KEYLESS-CI.md). */
export interface TrustPolicy {
  id: string;
  service_user_id: string;
  issuer: string;
  audience: string;
  conditions: TrustCondition[];
  lifetime_minutes: number;
  created_at: string;
  updated_at: string;
}

export type TrustPolicyInput = Pick<TrustPolicy, 'issuer' | 'audience' | 'conditions' | 'lifetime_minutes'>;

const key = (serviceUserId: string) => ['trust-policies', serviceUserId];
const path = (serviceUserId: string) =>
  `/api/service-users/${encodeURIComponent(serviceUserId)}/trust-policies`;

export function useTrustPolicies(serviceUserId: string | null) {
  return useQuery({
    queryKey: key(serviceUserId ?? ''),
    enabled: serviceUserId !== null,
    queryFn: ({ signal }) => api<{ items: TrustPolicy[] }>(path(serviceUserId!), { signal }),
  });
}

/**
 * How many of a service user's active tokens hold its deactivation back: all but the federated ones,
 * which deactivation revokes (docs/KEYLESS-CI.md). Undefined while unknown.
 */
export function useStoredTokenCount(
  account: { id: string; kind: string; active_token_count: number } | null,
) {
  const query = useQuery({
    queryKey: ['tokens', 'stored-count', account?.id ?? ''],
    enabled: account !== null && account.kind === 'service' && account.active_token_count > 0,
    queryFn: ({ signal }) =>
      api<Page<Token>>('/api/tokens', {
        signal,
        query: { kind: 'service', service_user_id: account!.id, status: 'active', limit: 100 },
      }),
  });
  if (account?.kind !== 'service' || account.active_token_count === 0) return 0;
  // Past one page, at least that many: enough to say "revoke them first".
  return query.data ? query.data.items.filter((token) => token.federation === null).length : undefined;
}

export function useAddTrustPolicy(serviceUserId: string) {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (input: TrustPolicyInput) =>
        api<TrustPolicy>(path(serviceUserId), { method: 'POST', body: input }),
      onSuccess: () => client.invalidateQueries({ queryKey: key(serviceUserId) }),
    }),
  );
}

export function useDeleteTrustPolicy(serviceUserId: string) {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (id: string) =>
        api<null>(`${path(serviceUserId)}/${encodeURIComponent(id)}`, { method: 'DELETE' }),
      onSuccess: () => client.invalidateQueries({ queryKey: key(serviceUserId) }),
    }),
  );
}
