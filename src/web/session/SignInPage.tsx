import { CircleAlert, Clock } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import type { SignInState } from '../layout/guards.tsx';
import { paths } from '../paths.ts';
import { Button } from '../ui/Button.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { useMe, useSignIn } from './api.ts';
import { SsoButton, usePasswordSignIn } from './SsoButton.tsx';

/** Only same-site paths are followed after sign-in, never another origin. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : paths.personalTokens;
}

export function SignInPage() {
  usePageTitle('Sign in');
  const me = useMe();
  const signIn = useSignIn();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const sessionEnded = (useLocation().state as SignInState | null)?.sessionEnded === true;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNext(params.get('next'));
  const passwordSignIn = usePasswordSignIn();

  if (me.data) return <Navigate to={next} replace />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password }, { onSuccess: () => navigate(next, { replace: true }) });
  };

  return (
    <main className="center-page">
      <div className="signin-card">
        <span className="brand">
          <img src="/favicon.svg" alt="" />
          Tessera
        </span>
        <h1 className="signin-title">Sign in</h1>
        <p className="muted">Manage your access tokens and service users.</p>
        {sessionEnded && !signIn.isError ? (
          <div className="form-notice" role="status">
            <Clock size={16} aria-hidden="true" />
            Your session ended. Sign in again to go back where you were.
          </div>
        ) : null}
        <SsoButton next={next} />
        <form onSubmit={submit} noValidate hidden={!passwordSignIn}>
          {signIn.isError ? (
            <div className="form-error" role="alert">
              <CircleAlert size={16} aria-hidden="true" />
              {signIn.error.message}
            </div>
          ) : null}
          <div className="field">
            <label className="field-label" htmlFor="email">
              Email
            </label>
            <input
              id="email"
              className="input"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label className="field-label" htmlFor="password">
              Password
            </label>
            <input
              id="password"
              className="input"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <Button type="submit" variant="primary" busy={signIn.isPending}>
            Sign in
          </Button>
        </form>
      </div>
    </main>
  );
}
