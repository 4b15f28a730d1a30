// A CI platform's OIDC issuer for the tests, on loopback: a discovery document and a JWKS, and JWTs shaped
// like GitHub Actions' signed with its key (or, to be refused, with a key it never published).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface CiIssuer {
  issuer: string;
  /** How many times the JWKS was fetched: the keys are cached. */
  jwksFetches: number;
  /** A GitHub-Actions-shaped JWT for acme/app on `ref`, valid for 5 minutes from `now`. */
  sign(options: {
    now: Date;
    claims?: JWTPayload;
    ref?: string;
    audience?: string;
    foreignKey?: boolean;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function startCiIssuer(): Promise<CiIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ci-key-1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const state = { jwksFetches: 0 };
  const server: Server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') {
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks` }));
    } else if (request.url === '/.well-known/jwks') {
      state.jwksFetches++;
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    get jwksFetches() {
      return state.jwksFetches;
    },
    async sign({ now, claims = {}, ref = 'refs/heads/main', audience = 'tessera', foreignKey = false }) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({
        sub: `repo:acme/app:ref:${ref}`,
        repository: 'acme/app',
        repository_owner: 'acme',
        ref,
        ref_type: 'branch',
        sha: 'a1b2c3d4e5f6',
        workflow: 'deploy',
        event_name: 'push',
        run_id: '1234567890',
        actor: 'octocat',
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'ci-key-1', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setNotBefore(iat - 5)
        .setExpirationTime(iat + 300)
        .sign(foreignKey ? foreign.privateKey : privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
