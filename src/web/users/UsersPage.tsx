import { Bot, ChevronDown, Plus, SearchX, UserPlus, Users, X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { displayName } from '../../core/names.ts';
import { ROLE_LABELS, ROLES } from '../../core/roles.ts';
import type { AccountSort } from '../../core/sorts.ts';
import type { Account } from '../api/types.ts';
import { useAccount, useCan } from '../session/api.ts';
import { GenerateTokenDialog } from '../tokens/GenerateTokenDialog.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { Button } from '../ui/Button.tsx';
import { DropdownMenu, MenuItem } from '../ui/DropdownMenu.tsx';
import { EmptyState } from '../ui/EmptyState.tsx';
import { HeaderCell } from '../ui/Table.tsx';
import { AddServiceUserDialog } from './AddServiceUserDialog.tsx';
import { AddUserDialog } from './AddUserDialog.tsx';
import { useAccountById, useTeams, useUserList } from './api.ts';
import { LastActiveCell, RoleBadge, TeamsCell, TypeCell, UserCell } from './cells.tsx';
import { DeactivateDialog } from './DeactivateDialog.tsx';
import { EditAccountDialog } from './EditAccountDialog.tsx';
import { type RowAction, UserRowActions } from './UserRowActions.tsx';
import './users.css';
import { ListTable } from '../ui/list/ListTable.tsx';
import { choiceParam, flagParam, sortParam, textParam, useListParams } from '../ui/list/params.ts';
import { FilterSelect, SearchBox, SortMenu } from '../ui/list/toolbar.tsx';

const SORT = sortParam<AccountSort>([
  { field: 'name', order: 'asc', label: 'Name A–Z' },
  { field: 'name', order: 'desc', label: 'Name Z–A' },
  { field: 'created_at', order: 'desc', label: 'Newest first' },
  { field: 'created_at', order: 'asc', label: 'Oldest first' },
  { field: 'last_active_at', order: 'desc', label: 'Recently active' },
  { field: 'last_active_at', order: 'asc', label: 'Least recently active' },
  { field: 'role', order: 'asc', label: 'Role: Admins first' },
  { field: 'role', order: 'desc', label: 'Role: Members first' },
]);

/** The `?user=` filter, shown as a banner naming the account, with a button that clears it. */
function UserFilterBanner({ id, onClear }: { id: string; onClear(): void }) {
  const account = useAccountById(id);
  const label = account.data ? displayName(account.data) : account.isError ? 'an unknown account' : '…';
  return (
    <div className="filter-banner" role="status" data-testid="user-filter">
      {account.data ? <Avatar person={account.data} size={24} /> : null}
      <span>
        Showing only <strong>{label}</strong>
        {account.data?.internal_id && account.data.internal_id !== label ? (
          <span className="muted mono"> · {account.data.internal_id}</span>
        ) : null}
      </span>
      <span className="toolbar-spacer" />
      <Button size="sm" variant="ghost" icon={<X size={14} aria-hidden="true" />} onClick={onClear}>
        Clear filter
      </Button>
    </div>
  );
}

/**
 * A checkbox filter kept in the URL. The router applies URL changes in a transition, so the box holds
 * its own state meanwhile instead of flicking back until the new URL lands.
 */
function FilterCheck({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
}) {
  const [value, setValue] = useState(checked);
  useEffect(() => setValue(checked), [checked]);
  return (
    <label className="checkbox toolbar-check">
      <input
        type="checkbox"
        checked={value}
        onChange={(e) => {
          setValue(e.target.checked);
          onChange(e.target.checked);
        }}
      />
      <span>{label}</span>
    </label>
  );
}

/** Settings → Security → Users (SPEC §5): Managers read it, Admins also act on it. */
export function UsersPage() {
  const can = useCan();
  const me = useAccount();
  // Filters and sort live in the URL (so the Service tab's arrow can link to `?user=<id>`).
  const { params, set, filtered, clearFilters, ...search } = useListParams({
    filters: {
      q: textParam('q'),
      role: choiceParam('role', ROLES),
      team: textParam('team'),
      serviceOnly: flagParam('type', 'service'),
      user: textParam('user'),
    },
    options: { showDeactivated: flagParam('deactivated', '1'), sort: SORT },
    search: 'q',
  });
  const list = useUserList(params);
  const teams = useTeams();
  const [adding, setAdding] = useState<'service' | 'human' | null>(null);
  const [editing, setEditing] = useState<Account | null>(null);
  const [deactivating, setDeactivating] = useState<Account | null>(null);
  // The service user stays set while the dialog closes, so its content does not flip to the plain form.
  const [tokenFor, setTokenFor] = useState<{ id: string; label: string } | null>(null);
  const [generating, setGenerating] = useState(false);
  const generateFor = (account: Account) => {
    setTokenFor({ id: account.id, label: displayName(account) });
    setGenerating(true);
  };

  // A dialog opened from a menu would hand focus back to the menu item, which is gone by then: give it
  // to the row's menu button (or the Add button) instead, unless another dialog took over.
  const addRef = useRef<HTMLButtonElement>(null);
  const restoreFocus = (accountId?: string) =>
    window.setTimeout(() => {
      if (document.querySelector('[role="dialog"]')) return;
      if (document.activeElement && document.activeElement !== document.body) return;
      const rowButton = accountId
        ? document.querySelector<HTMLElement>(`[data-user-id="${accountId}"] .col-actions button`)
        : null;
      (rowButton ?? addRef.current)?.focus();
    }, 30);
  const onAction = (action: RowAction, account: Account) => {
    if (action === 'edit') setEditing(account);
    else if (action === 'deactivate') setDeactivating(account);
    else generateFor(account);
  };
  const onSort = (field: AccountSort) => set({ sort: SORT.toggle(params.sort, field) });
  const sort = params.sort;
  const columns = can.isAdmin ? 7 : 6;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Users</h1>
          <p className="page-description">
            People sign in to the console; service users never do — pipelines and integrations authenticate as
            them with service tokens.
          </p>
        </div>
        {can.isAdmin ? (
          <DropdownMenu
            label="Add"
            trigger={
              <Button ref={addRef} variant="primary" icon={<Plus size={16} aria-hidden="true" />}>
                Add
                <ChevronDown size={15} aria-hidden="true" />
              </Button>
            }
          >
            <MenuItem icon={<Bot size={15} aria-hidden="true" />} onSelect={() => setAdding('service')}>
              Service User
            </MenuItem>
            <MenuItem icon={<UserPlus size={15} aria-hidden="true" />} onSelect={() => setAdding('human')}>
              User
            </MenuItem>
          </DropdownMenu>
        ) : null}
      </header>

      {params.user ? <UserFilterBanner id={params.user} onClear={() => set({ user: '' })} /> : null}

      <div className="toolbar">
        <SearchBox
          list={search}
          label="Search users by name, email or internal ID"
          placeholder="Search name, email, internal ID"
        />
        <FilterSelect label="Role" value={params.role} onChange={(role) => set({ role })} all="All roles">
          {[...ROLES].reverse().map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect label="Team" value={params.team} onChange={(team) => set({ team })} all="All teams">
          {(teams.data ?? []).map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </FilterSelect>
        <FilterCheck
          label="Only service users"
          checked={params.serviceOnly}
          onChange={(serviceOnly) => set({ serviceOnly })}
        />
        <FilterCheck
          label="Show deactivated"
          checked={params.showDeactivated}
          onChange={(showDeactivated) => set({ showDeactivated })}
        />
        <SortMenu
          sort={SORT}
          value={params.sort}
          onChange={(sort) => set({ sort })}
          className="narrow-only"
        />
      </div>

      <ListTable
        className="users-list"
        label="Users"
        columns={columns}
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
        list={list}
        loadError="The users could not be loaded"
        empty={
          filtered ? (
            <EmptyState
              icon={<SearchX size={22} />}
              title="No users match"
              action={<Button onClick={clearFilters}>Clear search and filters</Button>}
            >
              {params.showDeactivated
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

      {can.isAdmin ? (
        <>
          <AddServiceUserDialog
            open={adding === 'service'}
            onOpenChange={(open) => {
              setAdding(open ? 'service' : null);
              if (!open) restoreFocus();
            }}
            onGenerateToken={generateFor}
          />
          <AddUserDialog
            open={adding === 'human'}
            onOpenChange={(open) => {
              setAdding(open ? 'human' : null);
              if (!open) restoreFocus();
            }}
          />
          <EditAccountDialog
            account={editing}
            onOpenChange={(open) => {
              if (open) return;
              restoreFocus(editing?.id);
              setEditing(null);
            }}
          />
          <DeactivateDialog
            account={deactivating}
            onOpenChange={(open) => {
              if (open) return;
              restoreFocus(deactivating?.id);
              setDeactivating(null);
            }}
          />
          <GenerateTokenDialog
            open={generating && tokenFor !== null}
            onOpenChange={(open) => {
              setGenerating(open);
              if (!open) restoreFocus(tokenFor?.id);
            }}
            initialKind="service"
            {...(tokenFor ? { serviceUser: tokenFor } : {})}
          />
        </>
      ) : null}
    </div>
  );
}

const dateOnly = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' });

function CreatedCell({ at }: { at: string }) {
  return (
    <time className="created" dateTime={at}>
      {dateOnly.format(new Date(at))}
    </time>
  );
}
