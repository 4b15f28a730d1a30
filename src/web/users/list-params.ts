import { ROLES } from '../../core/roles.ts';
import type { AccountSort } from '../../core/sorts.ts';
import {
  CREATED_SORTS,
  choiceParam,
  flagParam,
  type ListParams,
  NAME_SORTS,
  sortParam,
  textParam,
  useListParams,
} from '../ui/list/params.ts';
import type { UserListParams } from './api.ts';

export const USER_SORT = sortParam<AccountSort>([
  ...NAME_SORTS,
  ...CREATED_SORTS,
  { field: 'last_active_at', order: 'desc', label: 'Recently active' },
  { field: 'last_active_at', order: 'asc', label: 'Least recently active' },
  { field: 'role', order: 'asc', label: 'Role: Admins first' },
  { field: 'role', order: 'desc', label: 'Role: Members first' },
]);

export type UserList = ListParams<UserListParams>;

/** The Users list's search, filters and sort, in the URL (so the Service tab's arrow links to `?user=<id>`). */
export function useUserListParams(): UserList {
  return useListParams({
    filters: {
      q: textParam('q'),
      role: choiceParam('role', ROLES),
      team: textParam('team'),
      serviceOnly: flagParam('type', 'service'),
      user: textParam('user'),
    },
    options: { showDeactivated: flagParam('deactivated', '1'), sort: USER_SORT },
    search: 'q',
  });
}
