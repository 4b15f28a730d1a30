import { MAX_EXPIRATION_DAYS } from './expiration.ts';
import type { TokenKind } from './token-kind.ts';

/** The longest an inactivity sweep may wait: ten years of disuse. */
export const MAX_UNUSED_DAYS = 3650;

/** What an Admin allows for one kind of token. */
export interface KindPolicy {
  /** The longest lifetime a new token may have, in days; null: up to the API's own 365. */
  max_days: number | null;
  /** Whether a token may never expire. */
  allow_never: boolean;
  /** The expiration the console preselects, in days; null: Never. */
  default_expires_in_days: number | null;
  /** Revoke tokens unused for this many days (never used: since creation); null: the sweep is off. */
  revoke_unused_after_days: number | null;
}

export type TokenPolicy = Record<TokenKind, KindPolicy>;

/** As Tessera comes: nothing limited beyond the API's 365 days, Never allowed, 30 days preselected, no sweep. */
export const DEFAULT_KIND_POLICY: KindPolicy = {
  max_days: null,
  allow_never: true,
  default_expires_in_days: 30,
  revoke_unused_after_days: null,
};

const KIND_WORD: Record<TokenKind, string> = { personal: 'personal', service: 'service' };

/** The longest lifetime a kind allows, in days (the API's own limit when the policy sets none). */
export const longestDays = (policy: KindPolicy) => policy.max_days ?? MAX_EXPIRATION_DAYS;

/**
 * Why a lifetime of `days` (null: never) breaks the policy, naming the limit; undefined when it is allowed.
 * The generation and rotation of a token both ask it.
 */
export function lifetimeProblem(
  policy: KindPolicy,
  kind: TokenKind,
  days: number | null,
): string | undefined {
  const longest = longestDays(policy);
  if (days === null) {
    return policy.allow_never
      ? undefined
      : `The token policy does not allow ${KIND_WORD[kind]} tokens that never expire; choose at most ${longest} days.`;
  }
  if (days > longest) {
    return `The token policy allows ${KIND_WORD[kind]} tokens to last at most ${longest} days.`;
  }
  return undefined;
}

/** The first thing wrong with a policy as a whole, by the field it is in; undefined when it holds. */
export function policyProblem(policy: TokenPolicy): { field: string; message: string } | undefined {
  for (const kind of ['personal', 'service'] as const) {
    const rule = policy[kind];
    const preset = rule.default_expires_in_days;
    if (preset === null && !rule.allow_never) {
      return {
        field: `${kind}.default_expires_in_days`,
        message: 'Never cannot be preselected while Never is not allowed.',
      };
    }
    if (preset !== null && preset > longestDays(rule)) {
      return {
        field: `${kind}.default_expires_in_days`,
        message: `The preselected expiration cannot be longer than the longest lifetime, ${longestDays(rule)} days.`,
      };
    }
  }
  return undefined;
}

/** Whether a token of this lifetime (created → expires, null: never) exceeds the policy now in force. */
export function exceedsPolicy(policy: KindPolicy, createdAt: Date, expiresAt: Date | null): boolean {
  if (expiresAt === null) return !policy.allow_never;
  if (policy.max_days === null) return false;
  return expiresAt.getTime() - createdAt.getTime() > policy.max_days * 86_400_000;
}
