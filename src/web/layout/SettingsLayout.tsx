import {
  KeyRound,
  LogOut,
  ScrollText,
  ShieldAlert,
  Tags,
  Timer,
  UserRound,
  Users,
  Webhook,
} from 'lucide-react';
import type { ReactNode } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { ROLE_LABELS } from '../../core/roles.ts';
import { paths } from '../paths.ts';
import { useAccount, useCan, useSignOut } from '../session/api.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { DropdownMenu, MenuItem, MenuLabel, MenuSeparator } from '../ui/DropdownMenu.tsx';
import { useToast } from '../ui/Toast.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';

function NavItem({ to, icon, children }: { to: string; icon: ReactNode; children: ReactNode }) {
  return (
    <li>
      <NavLink to={to} className="nav-link">
        {icon}
        {children}
      </NavLink>
    </li>
  );
}

function UserMenu() {
  const account = useAccount();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const toast = useToast();
  const label = account.name || account.email || account.internal_id || 'Account';
  return (
    <DropdownMenu
      label="Account"
      trigger={
        <button type="button" className="user-button" aria-label={`Account menu for ${label}`}>
          <Avatar person={account} size={28} />
          <span className="user-button-name">{label}</span>
        </button>
      }
    >
      <MenuLabel>
        <div className="cell-primary">{label}</div>
        {account.email && account.email !== label ? <div>{account.email}</div> : null}
        <div>{ROLE_LABELS[account.role]}</div>
      </MenuLabel>
      <MenuSeparator />
      <MenuItem icon={<UserRound size={15} aria-hidden="true" />} onSelect={() => navigate(paths.account)}>
        Your account
      </MenuItem>
      <MenuItem
        icon={<LogOut size={15} aria-hidden="true" />}
        onSelect={() =>
          signOut.mutate(undefined, {
            onSuccess: (endSessionUrl) =>
              endSessionUrl
                ? window.location.assign(endSessionUrl)
                : navigate(paths.signIn, { replace: true }),
            onError: (error) => toast.error(error),
          })
        }
      >
        Sign out
      </MenuItem>
    </DropdownMenu>
  );
}

/** The signed-in frame: top bar with the user menu, Settings navigation, and the page. */
export function SettingsLayout() {
  const can = useCan();
  const location = useLocation();
  return (
    <div className="app">
      <header className="topbar">
        <Link to={paths.personalTokens} className="brand">
          <img src="/favicon.svg" alt="" />
          Tessera
        </Link>
        <span className="topbar-spacer" />
        <UserMenu />
      </header>
      <div className="shell">
        <aside className="sidebar">
          <h2 className="sidebar-title">Settings</h2>
          <nav aria-label="Settings">
            <div className="nav-group">
              <div className="nav-group-label">Account</div>
              <ul className="nav-list">
                <NavItem to="/settings/access-tokens" icon={<KeyRound size={16} aria-hidden="true" />}>
                  Access Tokens
                </NavItem>
                <NavItem to={paths.account} icon={<UserRound size={16} aria-hidden="true" />}>
                  Your account
                </NavItem>
              </ul>
            </div>
            {can.readUsers ? (
              <div className="nav-group">
                <div className="nav-group-label">Security</div>
                <ul className="nav-list">
                  <NavItem to={paths.users} icon={<Users size={16} aria-hidden="true" />}>
                    Users
                  </NavItem>
                  {can.readAudit ? (
                    <NavItem to={paths.audit} icon={<ScrollText size={16} aria-hidden="true" />}>
                      Audit log
                    </NavItem>
                  ) : null}
                  {can.isAdmin ? (
                    <NavItem to={paths.tokenPolicy} icon={<Timer size={16} aria-hidden="true" />}>
                      Token policy
                    </NavItem>
                  ) : null}
                  {can.isAdmin ? (
                    <NavItem to={paths.scopes} icon={<Tags size={16} aria-hidden="true" />}>
                      Scopes
                    </NavItem>
                  ) : null}
                  {can.isAdmin ? (
                    <NavItem to={paths.webhooks} icon={<Webhook size={16} aria-hidden="true" />}>
                      Webhooks
                    </NavItem>
                  ) : null}
                  {can.isAdmin ? (
                    <NavItem to={paths.leakedSecrets} icon={<ShieldAlert size={16} aria-hidden="true" />}>
                      Leaked secrets
                    </NavItem>
                  ) : null}
                </ul>
              </div>
            ) : null}
          </nav>
        </aside>
        <main className="main">
          <ErrorBoundary resetKey={location.pathname}>
            <Outlet />
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
