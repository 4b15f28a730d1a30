import { SearchX, Users } from 'lucide-react';
import type { AccountSort } from '../../core/sorts.ts';
import type { Account } from '../api/types.ts';
import { useAccount, useCan } from '../session/api.ts';
import { Button } from '../ui/Button.tsx';
import { EmptyState } from '../ui/EmptyState.tsx';
import { ListTable } from '../ui/list/ListTable.tsx';
import { HeaderCell } from '../ui/Table.tsx';
import { useUserList } from './api.ts';
import { CreatedCell, LastActiveCell, RoleBadge, TeamsCell, TypeCell, UserCell } from './cells.tsx';
import { USER_SORT, type UserList } from './list-params.ts';
import { type RowAction, UserRowActions } from './UserRowActions.tsx';

/** The Users list: sortable by its headers, with an Admin's row menu. */
export function UsersTable({
  list,
  onAction,
}: {
  list: UserList;
  onAction(action: RowAction, account: Account, trigger: HTMLElement | null): void;
}) {
  const can = useCan();
  const me = useAccount();
  const users = useUserList(list.params);
  const sort = list.params.sort;
  const onSort = (field: AccountSort) => list.set({ sort: USER_SORT.toggle(sort, field) });
  return (
    <ListTable
      className="users-list"
      label="Users"
      columns={can.isAdmin ? 7 : 6}
      head={
        <>
          <HeaderCell field="name" sort={sort} onSort={onSort} className="col-user">
            User
          </HeaderCell>
          <HeaderCell className="col-type">Type</HeaderCell>
          <HeaderCell field="role" sort={sort} onSort={onSort} className="col-role">
            Role
          </HeaderCell>
          <HeaderCell className="col-teams">Teams</HeaderCell>
          <HeaderCell field="last_active_at" sort={sort} onSort={onSort} className="col-last-active">
            Last Active
          </HeaderCell>
          <HeaderCell field="created_at" sort={sort} onSort={onSort} className="col-created">
            Created
          </HeaderCell>
          {can.isAdmin ? (
            <th scope="col" className="col-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </>
      }
      list={users}
      loadError="The users could not be loaded"
      empty={
        list.params.user ? (
          <EmptyState
            icon={<SearchX size={22} />}
            title="No such account"
            action={<Button onClick={list.clearFilters}>Show all users</Button>}
          >
            The link names an account that does not exist, or no longer matches the other filters.
          </EmptyState>
        ) : list.filtered ? (
          <EmptyState
            icon={<SearchX size={22} />}
            title="No users match"
            action={<Button onClick={list.clearFilters}>Clear search and filters</Button>}
          >
            {list.params.showDeactivated
              ? 'Nobody matches these filters.'
              : 'Nobody active matches these filters. Deactivated accounts are hidden unless you show them.'}
          </EmptyState>
        ) : (
          <EmptyState icon={<Users size={22} />} title="No users yet" />
        )
      }
      noun="account"
      row={(account) => (
        <tr
          key={account.id}
          data-testid="user-row"
          data-user-id={account.id}
          className={account.status === 'deactivated' ? 'row-deactivated' : undefined}
        >
          <td className="col-user">
            <UserCell account={account} isMe={account.id === me.id} />
          </td>
          <td className="col-type">
            <TypeCell account={account} />
          </td>
          <td className="col-role">
            <RoleBadge role={account.role} />
          </td>
          <td className="col-teams">
            <TeamsCell account={account} />
          </td>
          <td className="col-last-active">
            <LastActiveCell account={account} />
          </td>
          <td className="col-created">
            <CreatedCell at={account.created_at} />
          </td>
          {can.isAdmin ? (
            <td className="col-actions">
              <UserRowActions account={account} isMe={account.id === me.id} onAction={onAction} />
            </td>
          ) : null}
        </tr>
      )}
    />
  );
}
