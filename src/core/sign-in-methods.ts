// What the server and the console agree on about signing in: the ways an account signs in, and the
// reasons a single sign-on can be refused, which the server puts in the URL of the console's error page.

export const SIGN_IN_METHODS = ['password', 'sso'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/** The console page a refused single sign-on lands on, with `?reason=<one of SSO_REFUSALS>`. */
export const SSO_ERROR_PATH = '/sign-in/error';

export const SSO_REFUSALS = [
  /** The person cancelled at their provider, or the provider would not let them use Tessera. */
  'access_denied',
  /** Any other error the provider answered with. */
  'provider_error',
  /** The provider could not be reached, or answered something that is not OpenID Connect. */
  'provider_unreachable',
  /** The ID token failed a check: signature, audience, expiry, nonce, issuer. */
  'invalid_response',
  /** The callback's `state` is unknown, already used, or began in another browser. */
  'invalid_state',
  /** The sign-in began too long ago. */
  'expired',
  /** Nobody in Tessera has this identity or this verified email, and accounts are not created. */
  'unknown_account',
  /** The provider did not say the email is verified, so it cannot be matched to an account. */
  'email_not_verified',
  /** The provider sent no email, which a new account needs. */
  'no_email',
  /** The account with this email is linked to another identity at the same provider. */
  'identity_conflict',
  'deactivated',
  'rate_limited',
] as const;
export type SsoRefusal = (typeof SSO_REFUSALS)[number];

export function isSsoRefusal(value: unknown): value is SsoRefusal {
  return typeof value === 'string' && (SSO_REFUSALS as readonly string[]).includes(value);
}
