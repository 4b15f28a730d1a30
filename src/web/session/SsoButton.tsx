import { LogIn } from 'lucide-react';
import { useSignInMethods } from './methods.ts';
import './sso.css';

/**
 * The single sign-on button of the sign-in page, when the server offers it: a link to the server's start of
 * the sign-in, which sends the browser to the identity provider and brings it back to `next`.
 */
export function SsoButton({ next }: { next: string }) {
  const methods = useSignInMethods();
  const sso = methods.data?.sso;
  if (!sso) return null;
  return (
    <div className="sso-sign-in">
      <a className="btn btn-primary btn-md" href={`${sso.start_url}?next=${encodeURIComponent(next)}`}>
        <LogIn size={16} aria-hidden="true" />
        {sso.label}
      </a>
      {methods.data?.password ? <p className="sso-or">or with a password</p> : null}
    </div>
  );
}

/** Whether the password form is shown: not while the methods load, not when the server turned it off. */
export function usePasswordSignIn(): boolean {
  const methods = useSignInMethods();
  return !methods.isPending && methods.data?.password !== false;
}
