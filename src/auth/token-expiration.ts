import type { FastifyReply } from 'fastify';
import type { Verification } from './verification/index.ts';

/**
 * The header every answer to a token-authenticated request carries, as GitHub's
 * `github-authentication-token-expiration` does, so that clients can warn before their token stops working.
 */
export const TOKEN_EXPIRATION_HEADER = 'tessera-token-expiration';

// A verification never changes while it lives (any change drops it), so its header value is formatted once.
const formatted = new WeakMap<Verification, string | null>();

/** The token's expiry as an RFC 9110 HTTP date (IMF-fixdate), or null for a token that never expires. */
export function tokenExpiration(verification: Verification): string | null {
  let value = formatted.get(verification);
  if (value === undefined) {
    const expiresAt = verification.token.expires_at;
    // Date#toUTCString is IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
    value = expiresAt ? expiresAt.toUTCString() : null;
    formatted.set(verification, value);
  }
  return value;
}

/** Sets `Tessera-Token-Expiration` on an answer the token authenticated; nothing for a token without expiry. */
export function setTokenExpiration(reply: FastifyReply, verification: Verification): void {
  const value = tokenExpiration(verification);
  if (value !== null) reply.header(TOKEN_EXPIRATION_HEADER, value);
}
