import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { type Role, roleAtLeast } from '../../core/roles.ts';
import { paths } from '../paths.ts';
import { useAccount, useMe } from '../session/api.ts';
import { ErrorPage, ForbiddenPage, LoadingPage } from './StatusPages.tsx';

/** Pages below need a session: without one, go to sign-in and come back here afterwards. */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <LoadingPage />;
  if (me.isError) return <ErrorPage error={me.error} onRetry={() => me.refetch()} />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    const search = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`${paths.signIn}${search}`} replace />;
  }
  return <Outlet />;
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
