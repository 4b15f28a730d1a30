import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../core/roles.ts';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';
import { tokensKey } from './api.ts';

/** An upstream scope from the catalog (Settings → Security → Scopes). */
export interface Scope {
  name: string;
  description: string;
  min_role: Role;
  /** Active tokens that carry it. */
  token_count: number;
  created_at: string;
  updated_at: string;
}

const SCOPES_KEY = ['scopes'];

/** The catalog: everyone reads it, so Generate Token offers the scopes the person's role reaches. */
export function useScopes(enabled = true) {
  return useQuery({
    queryKey: SCOPES_KEY,
    enabled,
    staleTime: 30_000,
    queryFn: () => api<{ items: Scope[] }>('/api/scopes'),
    select: (data) => data.items,
  });
}

export interface ScopeInput {
  name: string;
  description: string;
  min_role: Role;
}

export function useSaveScope() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: ({ input, existing }: { input: ScopeInput; existing: boolean }) =>
        existing
          ? api<Scope>(`/api/scopes/${encodeURIComponent(input.name)}`, {
              method: 'PATCH',
              body: { description: input.description, min_role: input.min_role },
            })
          : api<Scope>('/api/scopes', { method: 'POST', body: input }),
      onSettled: () => client.invalidateQueries({ queryKey: SCOPES_KEY }),
    }),
  );
}

export function useDeleteScope() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (name: string) =>
        api<{ name: string; token_count: number }>(`/api/scopes/${encodeURIComponent(name)}`, {
          method: 'DELETE',
        }),
      onSettled: () => {
        client.invalidateQueries({ queryKey: SCOPES_KEY });
        client.invalidateQueries({ queryKey: tokensKey() });
      },
    }),
  );
}
