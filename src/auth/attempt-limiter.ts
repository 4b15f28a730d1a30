import type { Clock } from '../platform/clock.ts';

/** How many failures one key may have in a window; `max: 0` turns the limit off. */
export interface FailureLimit {
  max: number;
  windowMs: number;
}

interface Bucket {
  /** When the window opened: at the key's first failure. */
  start: number;
  failures: number;
}

/** The most keys one limit holds; beyond it the oldest are forgotten (a flood cannot grow memory). */
const MAX_KEYS = 100_000;

/**
 * Counts failures (never successes) per key in fixed windows that open at a key's first failure. Once a
 * key has `max` failures, `retryAfter` says how many seconds remain in its window; callers refuse the
 * key's attempts until then. Held in this process's memory: each node of a cluster counts on its own,
 * so N nodes behind a load balancer allow up to N × max (docs/SECURITY.md).
 */
export class FailureCounter {
  readonly #limit: FailureLimit;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: FailureLimit, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  get enabled(): boolean {
    return this.#limit.max > 0;
  }

  /** Seconds until the key may try again, or 0 when it is under its limit. */
  retryAfter(key: string): number {
    // No failures anywhere (the usual case): nothing to look up, not even the time.
    if (!this.enabled || this.#buckets.size === 0) return 0;
    const bucket = this.#current(key, this.#clock.now().getTime());
    if (!bucket || bucket.failures < this.#limit.max) return 0;
    const remaining = bucket.start + this.#limit.windowMs - this.#clock.now().getTime();
    return Math.max(1, Math.ceil(remaining / 1000));
  }

  fail(key: string): void {
    if (!this.enabled) return;
    const now = this.#clock.now().getTime();
    const bucket = this.#current(key, now);
    if (bucket) {
      bucket.failures++;
      return;
    }
    if (this.#buckets.size >= MAX_KEYS) this.#evict(now);
    this.#buckets.set(key, { start: now, failures: 1 });
  }

  get size(): number {
    return this.#buckets.size;
  }

  clear(): void {
    this.#buckets.clear();
  }

  #current(key: string, now: number): Bucket | undefined {
    const bucket = this.#buckets.get(key);
    if (bucket && now - bucket.start >= this.#limit.windowMs) {
      this.#buckets.delete(key);
      return undefined;
    }
    return bucket;
  }

  /**
   * Maps keep insertion order and a bucket is inserted when its window opens, so the oldest windows come
   * first: drop the ended ones from the front, and if that frees too little, the oldest tenth (amortized
   * constant time per failure, however many distinct keys an attacker sends).
   */
  #evict(now: number): void {
    let toDrop = Math.max(1, Math.floor(MAX_KEYS / 10));
    for (const [key, bucket] of this.#buckets) {
      const ended = now - bucket.start >= this.#limit.windowMs;
      if (!ended && toDrop <= 0) break;
      this.#buckets.delete(key);
      toDrop--;
    }
  }
}

export interface AttemptLimits {
  /** Failed token or session authentications per client address. */
  authPerAddress: FailureLimit;
  /** Failed uses of one known token (revoked, expired, owner deactivated). */
  authPerToken: FailureLimit;
  /** Failed sign-ins per client address. */
  signInPerAddress: FailureLimit;
  /** Failed sign-ins per email address. */
  signInPerEmail: FailureLimit;
  /**
   * Single sign-on starts per client address, finished or not: each start stores a pending sign-in row
   * until it expires, so an address may not store them without bound.
   */
  ssoStartsPerAddress: FailureLimit;
}

export type LimitName =
  | 'auth_address'
  | 'auth_token'
  | 'sign_in_address'
  | 'sign_in_email'
  | 'sso_start_address';

/**
 * Brute-force limits for credentials. Only failures count: valid tokens and right passwords never use up
 * a budget, so valid traffic is limited only from an address (or for an account) that is failing.
 */
export class AttemptLimiter {
  readonly #counters: Record<LimitName, FailureCounter>;

  constructor(limits: AttemptLimits, clock: Clock) {
    this.#counters = {
      auth_address: new FailureCounter(limits.authPerAddress, clock),
      auth_token: new FailureCounter(limits.authPerToken, clock),
      sign_in_address: new FailureCounter(limits.signInPerAddress, clock),
      sign_in_email: new FailureCounter(limits.signInPerEmail, clock),
      sso_start_address: new FailureCounter(limits.ssoStartsPerAddress, clock),
    };
  }

  /** Whether `key` is over `limit` now, and if so its Retry-After seconds. */
  blocked(limit: LimitName, key: string): { limit: LimitName; retryAfter: number } | undefined {
    const retryAfter = this.#counters[limit].retryAfter(key);
    return retryAfter > 0 ? { limit, retryAfter } : undefined;
  }

  fail(limit: LimitName, key: string): void {
    this.#counters[limit].fail(key);
  }

  clear(): void {
    for (const counter of Object.values(this.#counters)) counter.clear();
  }
}

/** Emails differ only in case for the sign-in lookup, so they share one budget. */
export const emailKey = (email: string) => email.trim().toLowerCase();
