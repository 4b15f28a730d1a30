import { type ReactNode, useRef } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { type Role, roleAtLeast } from '../../core/roles.ts';
import { paths } from '../paths.ts';
import { AccountContext } from '../session/account-context.tsx';
import { useAccount, useMe } from '../session/api.ts';
import { ErrorPage, ForbiddenPage, LoadingPage } from './StatusPages.tsx';

/** What the sign-in page is told when it was reached because a session ended under an open page. */
export interface SignInState {
  sessionEnded?: boolean;
}

/**
 * Pages below need a session: without one, go to sign-in and come back here afterwards. A session that
 * ends while a page is open (any 401 empties `me`, see main.tsx) lands here too, and sign-in says so.
 */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  const wasSignedIn = useRef(false);
  if (me.isPending) return <LoadingPage />;
  if (me.isError) return <ErrorPage error={me.error} onRetry={() => me.refetch()} />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    const search = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
    const state: SignInState = { sessionEnded: wasSignedIn.current };
    return <Navigate to={`${paths.signIn}${search}`} replace state={state} />;
  }
  wasSignedIn.current = true;
  return (
    <AccountContext.Provider value={me.data.account}>
      <Outlet />
    </AccountContext.Provider>
  );
}

/** A page for a role and the roles above it; anyone else gets a 403 page and no data is fetched. */
export function RequireRole({
  minRole,
  what,
  children,
}: {
  minRole: Role;
  what: string;
  children: ReactNode;
}) {
  const account = useAccount();
  if (!roleAtLeast(account.role, minRole)) return <ForbiddenPage what={what} minRole={minRole} />;
  return children;
}
