import { X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { isUuid } from '../../core/ids.ts';
import { displayName } from '../../core/names.ts';
import { ROLE_LABELS, ROLES } from '../../core/roles.ts';
import { paths } from '../paths.ts';
import { useCan } from '../session/api.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { Button } from '../ui/Button.tsx';
import { FilterSelect, SearchBox, SortMenu } from '../ui/list/toolbar.tsx';
import { useAccountById, useTeams } from './api.ts';
import { USER_SORT, type UserList } from './list-params.ts';

/** The `?user=` filter, shown as a banner naming the account, with a button that clears it. */
function UserFilterBanner({ id, onClear }: { id: string; onClear(): void }) {
  const account = useAccountById(id);
  const can = useCan();
  const label = account.data
    ? displayName(account.data)
    : account.isError || !isUuid(id)
      ? 'an unknown account'
      : '…';
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
      {account.data?.kind === 'service' && can.manageServiceTokens ? (
        <Link to={`${paths.serviceTokens}?service_user=${encodeURIComponent(account.data.id)}`}>
          Show its tokens
        </Link>
      ) : null}
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

/** Above the Users list: the `?user=` banner, search, role and team, the two switches, the sort menu. */
export function UsersToolbar({ list }: { list: UserList }) {
  const { params, set } = list;
  const teams = useTeams();
  return (
    <>
      {params.user ? <UserFilterBanner id={params.user} onClear={() => set({ user: '' })} /> : null}

      <div className="toolbar">
        <SearchBox
          list={list}
          label="Search users by name, email or internal ID"
          placeholder="Search name, email, internal ID"
        />
        <FilterSelect
          label="Role"
          value={params.role}
          onChange={(role) => set({ role })}
          all="All roles"
          options={[...ROLES].reverse().map((role) => ({ value: role, label: ROLE_LABELS[role] }))}
        />
        <FilterSelect
          label="Team"
          value={params.team}
          onChange={(team) => set({ team })}
          all="All teams"
          options={(teams.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
        />
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
          sort={USER_SORT}
          value={params.sort}
          onChange={(sort) => set({ sort })}
          className="narrow-only"
        />
      </div>
    </>
  );
}
