import type { TrustCondition } from '../platform/schema.ts';

/** Claims a condition may not name: the issuer, audience and times are checked on every JWT already. */
export const CHECKED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti']);

export const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** `*` any run of characters (`/` included), `?` any one; everything else itself. */
function globPattern(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else source += char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A claim as text: strings as they are, numbers and booleans written out; anything else matches nothing. */
function claimTexts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((item) => claimTexts(item));
  return [];
}

export function conditionHolds(condition: TrustCondition, claims: Record<string, unknown>): boolean {
  const texts = claimTexts(claims[condition.claim]);
  if (condition.match === 'exact') return texts.includes(condition.value);
  const pattern = globPattern(condition.value);
  return texts.some((text) => pattern.test(text));
}

/** The conditions a JWT's claims do not meet, with what was expected and what came: for the audit log. */
export function failedConditions(conditions: readonly TrustCondition[], claims: Record<string, unknown>) {
  return conditions
    .filter((condition) => !conditionHolds(condition, claims))
    .map((condition) => ({
      claim: condition.claim,
      expected: condition.value,
      match: condition.match,
      actual: claims[condition.claim] ?? null,
    }));
}
