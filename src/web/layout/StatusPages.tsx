import { CircleAlert, Lock } from 'lucide-react';
import { Link } from 'react-router';
import { ROLE_LABELS, type Role } from '../../core/roles.ts';
import { paths } from '../paths.ts';
import { Button } from '../ui/Button.tsx';
import { usePageTitle } from '../ui/page-title.ts';

export function LoadingPage() {
  return (
    <div className="loading-page" role="status">
      <span className="spinner" aria-hidden="true" />
      <span className="visually-hidden">Loading…</span>
    </div>
  );
}

/** 403: the signed-in role may not see this page. Nothing of the page's data is fetched. */
export function ForbiddenPage({ what, minRole }: { what: string; minRole: Role }) {
  usePageTitle('Forbidden');
  return (
    <div className="page">
      <section className="status-page" aria-labelledby="forbidden-title">
        <span className="empty-icon" aria-hidden="true">
          <Lock size={20} />
        </span>
        <span className="status-code">403 · Forbidden</span>
        <h1 id="forbidden-title" className="page-title">
          You don’t have access to this page
        </h1>
        <p className="muted">
          {what} {what.endsWith('s') && !what.startsWith('The') ? 'are' : 'is'} only available to{' '}
          {minRole === 'admin' ? 'Admins' : `${ROLE_LABELS[minRole]}s and Admins`}. Ask an Admin of your
          workspace if you need access.
        </p>
        <Link to={paths.personalTokens}>Go to your personal access tokens</Link>
      </section>
    </div>
  );
}

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <div className="page">
      <section className="status-page" aria-labelledby="not-found-title">
        <span className="status-code">404 · Not found</span>
        <h1 id="not-found-title" className="page-title">
          This page does not exist
        </h1>
        <p className="muted">The link may be old, or the address mistyped.</p>
        <Link to={paths.personalTokens}>Go to your personal access tokens</Link>
      </section>
    </div>
  );
}

export function ErrorPage({ error, onRetry }: { error: Error; onRetry(): void }) {
  return (
    <div className="center-page">
      <section className="status-page" role="alert">
        <span className="empty-icon" aria-hidden="true">
          <CircleAlert size={20} />
        </span>
        <h1 className="page-title">Tessera could not load</h1>
        <p className="muted">{error.message}</p>
        <Button variant="primary" onClick={onRetry}>
          Try again
        </Button>
      </section>
    </div>
  );
}
