// A real OpenID provider for the tests: panva's oidc-provider (OpenID Certified) on loopback, with its
// development interactions (a login form that takes any password, then a consent page). The people who can
// sign in are a map the tests fill in. `tamper` re-signs the ID tokens its token endpoint hands out, to
// prove that Tessera (through openid-client) refuses a wrong audience, an expired or a badly signed one.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import Provider from 'oidc-provider';

/** A person at the provider, by login (which is also their `sub`): the claims it releases. */
export interface ProviderPerson {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

/** Changes an ID token before it leaves the token endpoint; `foreignKey` signs it with a key not in the JWKS. */
export type IdTokenRewrite = (claims: JWTPayload) => { claims: JWTPayload; foreignKey?: boolean };

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  people: Map<string, ProviderPerson>;
  /** Rewrite every ID token from now on; undefined hands out the real ones again. */
  tamper(rewrite: IdTokenRewrite | undefined): void;
  /** Rewrite the redirects back to Tessera (as someone who edits the link would); undefined stops it. */
  tamperRedirect(rewrite: ((callback: URL) => URL) | undefined): void;
  /**
   * Act as a browser from an authorization URL to the provider's redirect back: sign in as `login` on the
   * development login form, then consent (or cancel there). Returns the URL the provider redirects to.
   */
  authorize(url: string, login: string, options?: { cancel?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  /** Tessera's redirect URI, `<public url>/api/auth/oidc/callback`. */
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** `localhost` puts the provider on another site than a Tessera on 127.0.0.1, as in real life. */
  host?: '127.0.0.1' | 'localhost';
}

export async function startOidcProvider(options: TestProviderOptions): Promise<TestProvider> {
  const server: Server = createServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const foreign = (await generateKeyPair('RS256')).privateKey;

  const clientId = 'tessera';
  const clientSecret = randomBytes(24).toString('base64url');
  const people = new Map<string, ProviderPerson>();
  let rewrite: IdTokenRewrite | undefined;
  let rewriteRedirect: ((callback: URL) => URL) | undefined;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [options.postLogoutRedirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    async findAccount(_ctx, sub) {
      const person = people.get(sub);
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...person }) };
    },
  });
  // Outermost middleware: the provider's answers, after it made them.
  provider.use(async (ctx, next) => {
    await next();
    const location = String(ctx.response.get('location') ?? '');
    if (rewriteRedirect && location.startsWith(options.redirectUri)) {
      ctx.redirect(rewriteRedirect(new URL(location)).toString());
    }
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (!rewrite || ctx.oidc?.route !== 'token' || typeof body?.id_token !== 'string') return;
    const header = decodeProtectedHeader(body.id_token);
    const changed = rewrite(decodeJwt(body.id_token));
    const token = await new SignJWT(changed.claims)
      .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? 'test-key' })
      .sign(changed.foreignKey ? foreign : privateKey);
    ctx.body = { ...body, id_token: token };
  });
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    people,
    tamper(next) {
      rewrite = next;
    },
    tamperRedirect(next) {
      rewriteRedirect = next;
    },
    authorize: (url, login, authorizeOptions = {}) =>
      actAsBrowser(url, login, options.redirectUri, authorizeOptions.cancel ?? false),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Follows redirects by hand, keeping the provider's cookies, and answers its two development pages. */
async function actAsBrowser(
  start: string,
  login: string,
  redirectUri: string,
  cancel: boolean,
): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  let url = new URL(start);
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    init = {};
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url);
      if (next.toString().startsWith(redirectUri)) return next;
      url = next;
      continue;
    }
    const html = await response.text();
    if (response.status !== 200)
      throw new Error(`the provider answered ${response.status}: ${html.slice(0, 500)}`);
    if (html.includes('name="prompt" value="login"')) {
      init = form({ prompt: 'login', login, password: 'any password' });
    } else if (html.includes('name="prompt" value="consent"')) {
      if (cancel) {
        url = new URL(`${url.pathname}/abort`, url);
        continue;
      }
      init = form({ prompt: 'consent' });
    } else {
      throw new Error(`an unexpected page at ${url}: ${html.slice(0, 500)}`);
    }
  }
  throw new Error('the provider never redirected back');
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}
