import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TokenSort } from '../../core/sorts.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import type { TokenAction, TokenStatus } from '../../core/token-status.ts';
import { api } from '../api/client.ts';
import { usePagedList } from '../api/paged.ts';
import { useSingleFlight } from '../api/single-flight.ts';
import type { Account, GeneratedToken, Page, Token } from '../api/types.ts';
import type { SortState } from '../ui/Table.tsx';

export const PAGE_SIZE = 25;

export interface TokenListParams {
  kind: TokenKind;
  q: string;
  status: TokenStatus | '';
  serviceUserId: string;
  /** Only active tokens the token policy would not allow now. */
  exceedsPolicy: boolean;
  /** Only tokens carrying this scope; '' for all. */
  scope?: string;
  sort: SortState<TokenSort>;
}

export const tokensKey = (params?: TokenListParams) => (params ? ['tokens', params] : ['tokens']);

/** One list, page after page with the API's keyset cursor ("Load more"). */
const LIST_REFRESH_MS = 30_000;

export function useTokenList(params: TokenListParams) {
  return usePagedList<Token>(
    tokensKey(params),
    '/api/tokens',
    {
      kind: params.kind,
      q: params.q.trim(),
      status: params.status,
      service_user_id: params.kind === 'service' ? params.serviceUserId : undefined,
      exceeds_policy: params.exceedsPolicy ? 'true' : undefined,
      scope: params.scope || undefined,
      sort: params.sort.field,
      order: params.sort.order,
      limit: PAGE_SIZE,
    },
    // Last use changes while the list is open: read it again every 30 s (and when the tab regains focus).
    { refetchInterval: LIST_REFRESH_MS },
  );
}

/** Revoke, Restore or Delete; every list refetches, so the row changes without a reload. */
export function useTokenAction() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: ({ token, action }: { token: Token; action: TokenAction }): Promise<unknown> =>
        action === 'delete'
          ? api<void>(`/api/tokens/${token.id}`, { method: 'DELETE' })
          : api<Token>(`/api/tokens/${token.id}/${action}`, { method: 'POST' }),
      onSettled: () => client.invalidateQueries({ queryKey: tokensKey() }),
    }),
  );
}

export interface GenerateTokenInput {
  name: string;
  description?: string;
  kind: TokenKind;
  expires_in_days: number | null;
  service_user_id?: string;
  scopes?: string[];
  allowed_networks?: string[];
}

export function useGenerateToken() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (input: GenerateTokenInput) =>
        api<GeneratedToken>('/api/tokens', { method: 'POST', body: input }),
      onSuccess: () => {
        client.invalidateQueries({ queryKey: tokensKey() });
        client.invalidateQueries({ queryKey: ['users'] });
      },
    }),
  );
}

/** Active service users (for Generate Token and the Service tab's filter); Admins only. */
export function useServiceUsers(enabled: boolean, includeDeactivated = false) {
  return useQuery({
    queryKey: ['users', 'service-options', includeDeactivated],
    enabled,
    staleTime: 30_000,
    queryFn: ({ signal }) =>
      api<Page<Account>>('/api/users', {
        signal,
        query: {
          type: 'service',
          sort: 'name',
          limit: 100,
          include_deactivated: includeDeactivated || undefined,
        },
      }),
    select: (page) => page.items,
  });
}

/** Rotate: the replacement and its secret, shown once; every list refetches (the old row says "Replaced"). */
export function useRotateToken() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: ({ token, grace_period_minutes }: { token: Token; grace_period_minutes: number }) =>
        api<GeneratedToken>(`/api/tokens/${token.id}/rotate`, {
          method: 'POST',
          body: { grace_period_minutes },
        }),
      onSettled: () => client.invalidateQueries({ queryKey: tokensKey() }),
    }),
  );
}

/** Edit: the name and the description. */
export function useUpdateToken() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: ({
        token,
        name,
        description,
        allowed_networks,
      }: {
        token: Token;
        name: string;
        description: string | null;
        /** Left out: unchanged; null: anywhere. */
        allowed_networks?: string[] | null;
      }) =>
        api<Token>(`/api/tokens/${token.id}`, {
          method: 'PATCH',
          body: { name, description, ...(allowed_networks !== undefined ? { allowed_networks } : {}) },
        }),
      onSuccess: () => client.invalidateQueries({ queryKey: tokensKey() }),
    }),
  );
}
