import { CircleAlert } from 'lucide-react';
import { Link, useSearchParams } from 'react-router';
import { isSsoRefusal, type SsoRefusal } from '../../core/sign-in-methods.ts';
import { paths } from '../paths.ts';
import { useSignInMethods } from './methods.ts';
import './sso.css';

/** What each refusal reads as; the server sends only the reason, never text of the provider's. */
const REFUSALS: Record<SsoRefusal, { title: string; text: string; retry?: boolean }> = {
  unknown_account: {
    title: 'Your account does not exist in Tessera',
    text: 'Ask an Admin of your workspace to add you with the email address your identity provider uses, then sign in again.',
  },
  deactivated: {
    title: 'Your account is deactivated',
    text: 'A deactivated account cannot sign in. An Admin of your workspace can reactivate it.',
  },
  email_not_verified: {
    title: 'Your provider has not verified your email address',
    text: 'Tessera links a first sign-in to an account by email only when your identity provider says the address is verified. Ask your IT team or a Tessera Admin.',
  },
  no_email: {
    title: 'Your provider sent no email address',
    text: 'Tessera needs your email address to find your account. Ask your IT team to release it to Tessera.',
  },
  identity_conflict: {
    title: 'Your account is linked to another identity',
    text: 'The Tessera account with your email address is already linked to someone else at your identity provider. Ask a Tessera Admin.',
  },
  access_denied: {
    title: 'Your identity provider did not let you in',
    text: 'The sign-in was cancelled, or you are not allowed to use Tessera at your identity provider. Ask your IT team if you need access.',
    retry: true,
  },
  provider_error: {
    title: 'Your identity provider answered with an error',
    text: 'Try again. If it keeps happening, tell an Admin: the audit log has the details.',
    retry: true,
  },
  provider_unreachable: {
    title: 'Your identity provider could not be reached',
    text: 'Try again in a moment. If it keeps happening, tell an Admin.',
    retry: true,
  },
  invalid_response: {
    title: 'The sign-in could not be verified',
    text: 'Tessera could not verify your identity provider’s answer, so you are not signed in. Try again; if it keeps happening, tell an Admin.',
    retry: true,
  },
  invalid_state: {
    title: 'The sign-in could not be verified',
    text: 'This sign-in link was already used, or it was started in another browser. Start again from this browser.',
    retry: true,
  },
  expired: {
    title: 'The sign-in took too long',
    text: 'A sign-in must be finished within 10 minutes. Start again.',
    retry: true,
  },
  rate_limited: {
    title: 'Too many failed sign-ins',
    text: 'Sign-in from your address is paused for a few minutes. Wait, then try again.',
  },
};

/** Where a refused single sign-on lands (the server redirects here with `?reason=`): what happened, in words. */
export function SsoErrorPage() {
  const [params] = useSearchParams();
  const reason = params.get('reason');
  const refusal = REFUSALS[isSsoRefusal(reason) ? reason : 'provider_error'];
  const sso = useSignInMethods().data?.sso;
  return (
    <main className="center-page">
      <section className="status-page" aria-labelledby="sso-error-title">
        <span className="empty-icon" aria-hidden="true">
          <CircleAlert size={20} />
        </span>
        <span className="status-code">Single sign-on</span>
        <h1 id="sso-error-title" className="page-title">
          {refusal.title}
        </h1>
        <p className="muted">{refusal.text}</p>
        <div className="sso-error-actions">
          {refusal.retry && sso ? (
            <a className="btn btn-primary btn-md" href={sso.start_url}>
              Try again
            </a>
          ) : null}
          <Link to={paths.signIn}>Back to sign-in</Link>
        </div>
      </section>
    </main>
  );
}
