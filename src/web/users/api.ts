import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isUuid, NO_ID } from '../../core/ids.ts';
import type { Role } from '../../core/roles.ts';
import type { AccountSort } from '../../core/sorts.ts';
import { api } from '../api/client.ts';
import { usePagedList } from '../api/paged.ts';
import { useSingleFlight } from '../api/single-flight.ts';
import type { Account, Page, Team } from '../api/types.ts';
import type { SortState } from '../ui/Table.tsx';

export const USERS_PAGE_SIZE = 25;

export interface UserListParams {
  q: string;
  role: Role | '';
  team: string;
  serviceOnly: boolean;
  showDeactivated: boolean;
  /** The arrow link's filter: just this account. */
  user: string;
  sort: SortState<AccountSort>;
}

/** Every account query starts with 'users', so one invalidation refreshes them all (tokens/api.ts too). */
export const usersKey = (params?: UserListParams) => (params ? ['users', 'list', params] : ['users']);

export function useUserList(params: UserListParams) {
  return usePagedList<Account>(usersKey(params), '/api/users', {
    q: params.q.trim(),
    role: params.role,
    team: params.team,
    kind: params.serviceOnly ? 'service' : undefined,
    // The account a link names is shown whatever its state: the arrow of a deactivated service user too.
    include_deactivated: params.showDeactivated || params.user !== '' || undefined,
    // A `?user=` that is no id at all (a mistyped link) names nobody: an empty list, not a 400.
    id: params.user && !isUuid(params.user) ? NO_ID : params.user,
    sort: params.sort.field,
    order: params.sort.order,
    limit: USERS_PAGE_SIZE,
  });
}

/** One account, e.g. to name the one the `?user=` filter shows. */
export function useAccountById(id: string) {
  return useQuery({
    queryKey: ['users', 'one', id],
    enabled: isUuid(id),
    queryFn: ({ signal }) => api<Account>(`/api/users/${encodeURIComponent(id)}`, { signal }),
  });
}

/** Every account, for pickers (the audit log's actor filter); one page of 100 is plenty here. */
export function useAllAccounts(enabled: boolean) {
  return useQuery({
    queryKey: ['users', 'all-options'],
    enabled,
    staleTime: 30_000,
    queryFn: ({ signal }) =>
      api<Page<Account>>('/api/users', {
        signal,
        query: { include_deactivated: true, sort: 'name', limit: 100 },
      }),
    select: (page) => page.items,
  });
}

export function useTeams() {
  return useQuery({
    queryKey: ['teams'],
    staleTime: 60_000,
    queryFn: ({ signal }) => api<{ items: Team[] }>('/api/teams', { signal }),
    select: (answer) => answer.items,
  });
}

export interface NewServiceUserInput {
  name?: string | null;
  email?: string | null;
  internal_id?: string;
  role: Role;
  team_ids: string[];
}

export interface NewHumanInput {
  name?: string | null;
  email: string;
  password?: string;
  role: Role;
  team_ids: string[];
}

export interface AccountChanges {
  name?: string | null;
  email?: string | null;
  role?: Role;
  team_ids?: string[];
}

/** Changes to accounts refresh every account list, the token lists (owners) and the audit log. */
function useAccountMutation<I, O>(run: (input: I) => Promise<O>) {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: run,
      onSuccess: () => {
        client.invalidateQueries({ queryKey: ['users'] });
        client.invalidateQueries({ queryKey: ['tokens'] });
        client.invalidateQueries({ queryKey: ['teams'] });
        client.invalidateQueries({ queryKey: ['audit'] });
      },
    }),
  );
}

export function useCreateServiceUser() {
  return useAccountMutation((input: NewServiceUserInput) =>
    api<Account>('/api/service-users', { method: 'POST', body: input }),
  );
}

export function useCreateHuman() {
  return useAccountMutation((input: NewHumanInput) =>
    api<{ account: Account; initial_password?: string }>('/api/users', { method: 'POST', body: input }),
  );
}

export function useUpdateAccount() {
  return useAccountMutation(({ id, changes }: { id: string; changes: AccountChanges }) =>
    api<Account>(`/api/users/${id}`, { method: 'PATCH', body: changes }),
  );
}

export function useSetActive() {
  return useAccountMutation(({ id, active }: { id: string; active: boolean }) =>
    api<Account>(`/api/users/${id}/${active ? 'reactivate' : 'deactivate'}`, { method: 'POST' }),
  );
}
