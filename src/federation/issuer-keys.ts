import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { checkIssuerUrl } from './issuer-url.ts';

/** How long an issuer's discovery document is trusted before it is read again. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 5000;

interface Discovered {
  keys: JWTVerifyGetKey;
  at: number;
}

/** Why an issuer's keys could not be had: said to the CI job, which may retry. */
export class IssuerUnreachable extends Error {}

/**
 * The signing keys of each issuer, found through its OpenID discovery document (`jwks_uri`) and held by
 * jose's remote key set (cached for ten minutes; a key ID it has not seen refetches, at most every 30 s).
 * Held in memory per node; the first exchange after a start reads them.
 */
export class IssuerKeys {
  readonly #issuers = new Map<string, Promise<Discovered>>();

  async keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    const now = Date.now();
    let found = this.#issuers.get(issuer);
    if (found) {
      const discovered = await found.catch(() => undefined);
      if (discovered && now - discovered.at < DISCOVERY_TTL_MS) return discovered.keys;
      if (this.#issuers.get(issuer) === found) this.#issuers.delete(issuer);
    }
    found = this.#issuers.get(issuer) ?? discover(issuer, now);
    this.#issuers.set(issuer, found);
    try {
      return (await found).keys;
    } catch (error) {
      // A failure is not kept: the next exchange tries again.
      if (this.#issuers.get(issuer) === found) this.#issuers.delete(issuer);
      throw error;
    }
  }
}

async function discover(issuer: string, at: number): Promise<Discovered> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let document: unknown;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
    if (!response.ok) throw new IssuerUnreachable(`${url} answered ${response.status}.`);
    document = await response.json();
  } catch (error) {
    if (error instanceof IssuerUnreachable) throw error;
    throw new IssuerUnreachable(`${url} could not be read.`);
  }
  const { issuer: said, jwks_uri: jwksUri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  if (typeof said !== 'string' || said.replace(/\/+$/, '') !== issuer) {
    throw new IssuerUnreachable(`${url} names another issuer.`);
  }
  const checked = typeof jwksUri === 'string' ? checkIssuerUrl(jwksUri) : undefined;
  if (!checked?.ok) throw new IssuerUnreachable(`${url} has no usable jwks_uri.`);
  return { keys: createRemoteJWKSet(new URL(jwksUri as string), { timeoutDuration: FETCH_TIMEOUT_MS }), at };
}
