import * as oidc from 'openid-client';
import type { SsoRefusal } from '../core/sign-in-methods.ts';
import { StartupError } from '../platform/errors.ts';
import { isLoopbackHttp, redirectUri, type SsoSettings } from './settings.ts';

/** What one sign-in sends to the provider and must find again in its answer. */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The provider's answer, checked: the ID token's claims (with UserInfo's where the token lacks them). */
export interface SignedInIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
  idToken: string;
}

/** A sign-in the provider refused or that failed a check; `reason` is what the console shows. */
export class ProviderRefusal extends Error {
  readonly reason: SsoRefusal;
  /** The provider's own error code (`access_denied`, …) or the library's check that failed. */
  readonly code: string;

  constructor(reason: SsoRefusal, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    // The provider's `error` comes in the URL, which anyone can edit: only a plain code is kept for the audit log.
    this.code = /^[\w.-]{1,100}$/.test(code) ? code : 'unreadable';
  }
}

const DISCOVERY_TIMEOUT_SECONDS = 10;

/**
 * Tessera as an OpenID Connect relying party, through openid-client (certified): discovery, the
 * authorization code flow with PKCE, state and nonce, the ID token's checks, UserInfo and RP-initiated
 * logout. No JOSE or discovery of our own.
 */
export class RelyingParty {
  readonly #config: oidc.Configuration;
  readonly #settings: SsoSettings;

  private constructor(config: oidc.Configuration, settings: SsoSettings) {
    this.#config = config;
    this.#settings = settings;
  }

  /** Discovers the issuer; a failure stops the start with one line naming the variable to check. */
  static async discover(settings: SsoSettings): Promise<RelyingParty> {
    const issuer = new URL(settings.issuer);
    const execute: ((config: oidc.Configuration) => void)[] = [
      // The ID token's signature is checked against the provider's keys too, not only trusted for having
      // come over TLS from the token endpoint: a badly signed token is refused.
      oidc.enableNonRepudiationChecks,
    ];
    // Plain http only for a provider on this machine (config.ts refuses it anywhere else); the library marks
    // the switch deprecated to make it stand out.
    if (isLoopbackHttp(issuer)) execute.push(oidc.allowInsecureRequests);
    try {
      const config = await oidc.discovery(
        issuer,
        settings.clientId,
        undefined,
        oidc.ClientSecretBasic(settings.clientSecret),
        { execute, timeout: DISCOVERY_TIMEOUT_SECONDS },
      );
      return new RelyingParty(config, settings);
    } catch (error) {
      throw new StartupError(
        `Single sign-on: the issuer ${settings.issuer} could not be discovered (${describe(error)}); check TESSERA_OIDC_ISSUER.`,
        { cause: error },
      );
    }
  }

  get issuer(): string {
    return this.#config.serverMetadata().issuer;
  }

  get hasEndSession(): boolean {
    return this.#config.serverMetadata().end_session_endpoint !== undefined;
  }

  async authorizationUrl(checks: SignInChecks): Promise<URL> {
    return oidc.buildAuthorizationUrl(this.#config, {
      redirect_uri: redirectUri(this.#settings),
      scope: this.#settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
  }

  /**
   * The callback: the library checks the state, the issuer parameter and the error response, redeems the
   * code with the PKCE verifier, and checks the ID token (signature, issuer, audience, expiry, nonce).
   */
  async finish(
    query: URLSearchParams,
    checks: SignInChecks,
    /** Whether the ID token lacks claims that UserInfo may have. */
    lacksClaims: (claims: Record<string, unknown>) => boolean,
  ): Promise<SignedInIdentity> {
    const currentUrl = new URL(redirectUri(this.#settings));
    currentUrl.search = query.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(this.#config, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
    } catch (error) {
      throw refusal(error);
    }
    const idClaims = tokens.claims();
    if (!idClaims || !tokens.id_token)
      throw new ProviderRefusal('invalid_response', 'no_id_token', 'No ID token.');
    let claims: Record<string, unknown> = { ...idClaims };
    // Some providers (Okta, and oidc-provider by default) keep the ID token thin: the email or the groups
    // are then only in UserInfo.
    if (lacksClaims(claims) && this.#config.serverMetadata().userinfo_endpoint) {
      try {
        const userInfo = await oidc.fetchUserInfo(this.#config, tokens.access_token, idClaims.sub);
        claims = { ...userInfo, ...claims };
      } catch (error) {
        throw refusal(error);
      }
    }
    return { issuer: idClaims.iss, subject: idClaims.sub, claims, idToken: tokens.id_token };
  }

  /** Where to send the browser to end the provider's session too; undefined when it offers no way. */
  endSessionUrl(idToken: string): string | undefined {
    if (!this.hasEndSession) return undefined;
    return oidc
      .buildEndSessionUrl(this.#config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: `${this.#settings.publicUrl}/sign-in`,
      })
      .toString();
  }
}

function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError)
    return `${error.error}: ${error.error_description ?? ''}`.trim();
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${message}${cause}`.replace(/\s+/g, ' ');
}

/** The library's failures, sorted into what the person is told. */
function refusal(error: unknown): ProviderRefusal {
  if (error instanceof oidc.AuthorizationResponseError) {
    const reason = error.error === 'access_denied' ? 'access_denied' : 'provider_error';
    return new ProviderRefusal(reason, error.error, describe(error), { cause: error });
  }
  if (error instanceof oidc.ResponseBodyError) {
    return new ProviderRefusal('provider_error', error.error, describe(error), { cause: error });
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('OAUTH_')) {
    return new ProviderRefusal('invalid_response', code, describe(error), { cause: error });
  }
  // A network failure, a timeout, or something that is not JSON.
  return new ProviderRefusal('provider_unreachable', 'unreachable', describe(error), { cause: error });
}
