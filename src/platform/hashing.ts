import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256: how secrets and session IDs are stored and looked up (one-shot: no Hash object). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function randomUrlSafe(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
