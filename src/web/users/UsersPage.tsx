import { Bot, ChevronDown, Plus, UserPlus } from 'lucide-react';
import { useRef, useState } from 'react';
import { useCan } from '../session/api.ts';
import { Button } from '../ui/Button.tsx';
import { DropdownMenu, MenuItem } from '../ui/DropdownMenu.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { useUserListParams } from './list-params.ts';
import { type UserDialog, UserDialogs } from './UserDialogs.tsx';
import { UsersTable } from './UsersTable.tsx';
import { UsersToolbar } from './UsersToolbar.tsx';
import './users.css';
import { usePageTitle } from '../ui/page-title.ts';

/** Settings → Security → Users (SPEC §5): Managers read it, Admins also act on it. */
export function UsersPage() {
  usePageTitle('Users');
  const can = useCan();
  const list = useUserListParams();
  const [dialog, setDialog] = useState<UserDialog | null>(null);
  const addRef = useRef<HTMLButtonElement>(null);

  return (
    <div className="page">
      <PageHeader
        title="Users"
        description="People sign in to the console; service users never do — pipelines and integrations authenticate as them with service tokens."
      >
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
            <MenuItem
              icon={<Bot size={15} aria-hidden="true" />}
              onSelect={() => setDialog({ name: 'add-service' })}
            >
              Service User
            </MenuItem>
            <MenuItem
              icon={<UserPlus size={15} aria-hidden="true" />}
              onSelect={() => setDialog({ name: 'add-human' })}
            >
              User
            </MenuItem>
          </DropdownMenu>
        ) : null}
      </PageHeader>

      <UsersToolbar list={list} />
      <UsersTable
        list={list}
        onAction={(name, account, returnTo) => setDialog({ name, account, returnTo })}
      />
      {can.isAdmin ? <UserDialogs dialog={dialog} onChange={setDialog} addButton={addRef} /> : null}
    </div>
  );
}
