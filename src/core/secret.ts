import { encodeBase62, isBase62, randomBase62 } from './base62.ts';
import { crc32 } from './crc32.ts';
import type { TokenKind } from './token-kind.ts';

/**
 * A secret is `tsr_pat_` or `tsr_svc_`, 32 random base62 characters (190 bits) and a 6-character base62
 * CRC-32 of everything before it: `tsr_pat_<32 random><6 checksum>`, 46 characters in all. The checksum
 * lets a scanner or the server reject a mistyped or made-up string without a database lookup.
 */
export const SECRET_PREFIXES: Record<TokenKind, string> = { personal: 'tsr_pat_', service: 'tsr_svc_' };
export const SECRET_RANDOM_LENGTH = 32;
export const SECRET_CHECKSUM_LENGTH = 6;
export const SECRET_LENGTH = 8 + SECRET_RANDOM_LENGTH + SECRET_CHECKSUM_LENGTH;
export const SECRET_HINT_LENGTH = 4;

export type SecretCheck =
  | { valid: true; kind: TokenKind }
  | { valid: false; reason: 'prefix' | 'length' | 'characters' | 'checksum' };

export function secretChecksum(body: string): string {
  return encodeBase62(crc32(body), SECRET_CHECKSUM_LENGTH);
}

const defaultRandomBytes = (size: number) => globalThis.crypto.getRandomValues(new Uint8Array(size));

export function generateSecret(kind: TokenKind, randomBytes = defaultRandomBytes): string {
  const body = SECRET_PREFIXES[kind] + randomBase62(SECRET_RANDOM_LENGTH, randomBytes);
  return body + secretChecksum(body);
}

/** Offline check of a string's shape and checksum; says nothing of whether the token exists. */
export function checkSecret(candidate: string): SecretCheck {
  const kind = secretKind(candidate);
  if (!kind) return { valid: false, reason: 'prefix' };
  if (candidate.length !== SECRET_LENGTH) return { valid: false, reason: 'length' };
  const rest = candidate.slice(8);
  if (!isBase62(rest)) return { valid: false, reason: 'characters' };
  const body = candidate.slice(0, -SECRET_CHECKSUM_LENGTH);
  if (secretChecksum(body) !== candidate.slice(-SECRET_CHECKSUM_LENGTH))
    return { valid: false, reason: 'checksum' };
  return { valid: true, kind };
}

function secretKind(candidate: string): TokenKind | undefined {
  if (candidate.startsWith(SECRET_PREFIXES.personal)) return 'personal';
  if (candidate.startsWith(SECRET_PREFIXES.service)) return 'service';
  return undefined;
}

/** The last characters, shown in lists so people can tell their tokens apart. */
export function secretHint(secret: string): string {
  return secret.slice(-SECRET_HINT_LENGTH);
}

const SECRET_LIKE = /tsr_(?:pat|svc)_[0-9A-Za-z]+/g;

/** Text with anything shaped like a Tessera secret blanked, e.g. a token pasted into a URL by mistake. */
export const redactSecrets = (text: string) => text.replace(SECRET_LIKE, 'tsr_[redacted]');

/** The most secrets one search for leaked secrets looks at. */
export const MAX_LEAKED_SECRETS = 100;

const SECRET_CANDIDATE = /tsr_(?:pat|svc)_[0-9A-Za-z]+/g;

/**
 * Every well-formed secret in a text (a log, a diff), with a valid checksum, once each, in the order they
 * first appear. A candidate glued to more letters or digits is not a secret: it is cut where it ends.
 */
export function findSecrets(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(SECRET_CANDIDATE)) {
    const candidate = match[0];
    const before = match.index > 0 ? text[match.index - 1]! : '';
    if (/[0-9A-Za-z_]/.test(before)) continue;
    if (checkSecret(candidate).valid) found.add(candidate);
  }
  return [...found];
}
