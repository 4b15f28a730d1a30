import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';

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
