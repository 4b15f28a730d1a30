import { networkFence } from '../../core/networks.ts';
import type { Role } from '../../core/roles.ts';
import { effectiveScopes } from '../../core/scopes.ts';
import type { Principal } from '../../platform/caller.ts';
import type { Change } from '../../platform/change-feed.ts';
import type { LastUse } from '../../tokens/index.ts';
import type { PrincipalAccountRow } from '../principal.ts';
import type { TokenPrincipalRow, VerifiedTokenRow } from './queries.ts';

/** A verified token: its row and its owner as of the last lookup or change, and who it makes the caller. */
export interface Verification {
  token: VerifiedTokenRow;
  account: PrincipalAccountRow;
  /**
   * Shared by every request this verification serves, so frozen: a request must not change what the
   * next one sees. Any change to the token or its owner drops the verification, and its principal.
   */
  principal: Principal;
  /**
   * The last use noted through this verification: newer than the row's, which the cache does not update.
   * `GET /api/me` shows it without asking the last-used recorder.
   */
  pendingUse: LastUse | undefined;
  /** Whether a client address is within the token's allowed networks; null: any address is. */
  fence: ((address: string) => boolean) | null;
}

/** The verification of a row just read. */
export function verificationOf({ token, account }: TokenPrincipalRow): Verification {
  return {
    token,
    account,
    principal: tokenPrincipal(token, account),
    pendingUse: undefined,
    fence: fenceOf(token),
  };
}

function fenceOf(token: VerifiedTokenRow): Verification['fence'] {
  return token.allowed_networks === null ? null : networkFence(token.allowed_networks);
}

/** What a principal shows of its account: one object per owner, shared by the owner's entries. */
function shownAccount(account: PrincipalAccountRow): Principal['account'] {
  const { deactivated_at: _, ...shown } = account;
  return shown;
}

/** Effective scopes alike, one frozen copy (most tokens end up with one of a few). */
const sharedScopes = new Map<string, readonly string[]>();

function tokenPrincipal(
  token: VerifiedTokenRow,
  account: PrincipalAccountRow,
  shown = shownAccount(account),
): Principal {
  const { id, kind, name, created_at, expires_at } = token;
  const catalog = new Map<string, Role>();
  for (const pair of token.scope_roles) {
    const space = pair.lastIndexOf(' ');
    catalog.set(pair.slice(0, space), pair.slice(space + 1) as Role);
  }
  // Worked out once per lookup, not per request: a role or catalog change drops the entry.
  let scopes = effectiveScopes(token.scopes, account.role, catalog);
  const key = scopes.join('\n');
  const known = sharedScopes.get(key);
  if (known) scopes = known as string[];
  else if (sharedScopes.size < 10_000) sharedScopes.set(key, Object.freeze(scopes));
  return deepFreeze({
    account: shown,
    via: 'token',
    token: { id, kind, name, scopes, created_at, expires_at },
    session: null,
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}

interface Entry extends Verification {
  hash: string;
  cachedAt: number;
  /** The value of `#placed` when this entry was last put at the back of the eviction order. */
  movedAt: number;
  /** Handed to `takeStale` for a refresh that has not come back yet. */
  refreshing: boolean;
}

/** The hashes cached for one owner, so a role, team or deactivation change drops them all at once. */
interface OwnerEntry {
  account: PrincipalAccountRow;
  /** The account as its tokens' principals show it. */
  shown: Principal['account'];
  hashes: Set<string>;
}

export interface VerificationCacheOptions {
  /** Most verified tokens kept; the least recently used goes first. 0 turns the cache off. */
  maxEntries: number;
  /** Longest an entry is trusted without a change notice (0: no limit). A backstop for hand edits. */
  ttlMs: number;
  /** How long an unknown secret (with a valid checksum) is remembered as unknown (0: never). */
  negativeTtlMs: number;
  /** Most unknown secrets remembered at once. */
  maxNegative?: number;
  /** Monotonic milliseconds; tests may pass their own. */
  now?: () => number;
}

export const UNKNOWN = Symbol('unknown');

const DEFAULT_MAX_NEGATIVE = 10_000;

/**
 * In-process cache of token verifications, keyed by the SHA-256 of the secret. It stores facts (the
 * token's timestamps, the owner's role, teams and deactivation), never decisions: status and expiry are
 * worked out again on every request against the current time.
 *
 * Staleness is ruled out by invalidation, not by time: every change that matters is published on the
 * ChangeFeed after its transaction commits (and reaches other nodes through NOTIFY), and drops the
 * entries it touches. A lookup that was already on its way to the database when a change arrived could
 * bring back the state from before it; the epoch, bumped by every invalidation, tells `remember` to
 * throw such a result away instead of caching it.
 */
export class VerificationCache {
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxNegative: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #hashByTokenId = new Map<string, string>();
  readonly #owners = new Map<string, OwnerEntry>();
  /** Unknown secrets: hash → when to forget it. */
  readonly #unknown = new Map<string, number>();
  #epoch = 0;
  #available = true;
  /** Entries put at the back of the eviction order so far (inserted or moved): the LRU's clock. */
  #placed = 0;
  /** Entries used past `#refreshAfterMs`, waiting for `takeStale`. */
  readonly #stale = new Set<string>();
  readonly #refreshAfterMs: number;

  constructor(options: VerificationCacheOptions) {
    this.#maxEntries = options.maxEntries;
    this.#ttlMs = options.ttlMs;
    this.#refreshAfterMs = (options.ttlMs * 3) / 4;
    this.#negativeTtlMs = options.negativeTtlMs;
    this.#maxNegative = Math.min(options.maxNegative ?? DEFAULT_MAX_NEGATIVE, options.maxEntries);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Changes whenever anything is invalidated; read it before a database lookup, pass it to `remember`. */
  get epoch(): number {
    return this.#epoch;
  }

  get size(): number {
    return this.#entries.size;
  }

  get unknownSize(): number {
    return this.#unknown.size;
  }

  /** False while change notices cannot arrive (the listener is down): nothing is served or stored. */
  get available(): boolean {
    return this.#available && this.#maxEntries > 0;
  }

  /** A cached verification, UNKNOWN for a secret recently found not to exist, or undefined. */
  lookup(hash: string): Verification | typeof UNKNOWN | undefined {
    if (!this.available) return undefined;
    const entry = this.#entries.get(hash);
    if (entry) {
      if (this.#ttlMs > 0) {
        const age = this.#now() - entry.cachedAt;
        if (age > this.#ttlMs) {
          this.#drop(hash);
          return undefined;
        }
        // Read again in the background before the TTL runs out (see `takeStale`): an entry in use
        // never expires, so the tokens cached together at start-up do not all miss together a TTL later.
        if (age > this.#refreshAfterMs && !entry.refreshing) {
          entry.refreshing = true;
          this.#stale.add(hash);
        }
      }
      // Most recently used goes to the end, so eviction takes the coldest first. Moving an entry on every
      // hit costs a delete and an insert on the hot path; it only moves once a quarter of the cache has
      // been placed behind it. So an entry used at least once per three quarters of the cache's turnover
      // is never evicted, which is what LRU is for.
      if (this.#placed - entry.movedAt > this.#maxEntries >>> 2) {
        this.#entries.delete(hash);
        this.#entries.set(hash, entry);
        entry.movedAt = ++this.#placed;
      }
      return entry;
    }
    const forgetAt = this.#unknown.get(hash);
    if (forgetAt !== undefined) {
      if (this.#now() < forgetAt) return UNKNOWN;
      this.#unknown.delete(hash);
    }
    return undefined;
  }

  /**
   * Store what the database said (a row, or nothing for an unknown secret), unless something was
   * invalidated since `epoch` was read: then the answer may predate that change and is not kept.
   * Returns the stored verification, or undefined when nothing was stored.
   */
  remember(hash: string, found: TokenPrincipalRow | undefined, epoch: number): Verification | undefined {
    if (!this.available || epoch !== this.#epoch) return undefined;
    if (!found) {
      if (this.#negativeTtlMs <= 0 || this.#maxNegative <= 0) return;
      this.#unknown.delete(hash);
      this.#unknown.set(hash, this.#now() + this.#negativeTtlMs);
      while (this.#unknown.size > this.#maxNegative) this.#unknown.delete(this.#unknown.keys().next().value!);
      return undefined;
    }
    this.#unknown.delete(hash);
    this.#drop(hash);
    // An owner already cached is as current as this row: any change since would have dropped it.
    let owner = this.#owners.get(found.account.id);
    if (!owner) {
      owner = { account: found.account, shown: shownAccount(found.account), hashes: new Set() };
      this.#owners.set(found.account.id, owner);
    }
    owner.hashes.add(hash);
    // Entries of one owner share the account object (one copy of role and teams per account).
    // Every field in the literal: V8 then keeps them all in the object itself.
    const entry: Entry = {
      hash,
      token: found.token,
      account: owner.account,
      principal: tokenPrincipal(found.token, owner.account, owner.shown),
      pendingUse: undefined,
      fence: fenceOf(found.token),
      cachedAt: this.#now(),
      movedAt: ++this.#placed,
      refreshing: false,
    };
    this.#entries.set(hash, entry);
    this.#hashByTokenId.set(found.token.id, hash);
    while (this.#entries.size > this.#maxEntries) this.#drop(this.#entries.keys().next().value!);
    return entry;
  }

  /**
   * The hashes of entries used after three quarters of their TTL, for the refresher to read again in one
   * query and hand back to `refreshed`. The TTL is a backstop for changes no notice announced (a row
   * edited by hand, a notice lost in a crash); refreshing ahead of it keeps that bound without turning it
   * into a wave of misses on the request path.
   */
  takeStale(): string[] {
    const hashes = [...this.#stale].filter((hash) => this.#entries.has(hash));
    this.#stale.clear();
    return hashes;
  }

  /**
   * What the database says now for hashes from `takeStale` (`found` by hash; undefined: the read failed).
   * A row replaces its entry with a new TTL, and the owner's shared account with the one just read; a
   * token gone drops its entry. If anything was invalidated since `epoch`, or the read failed, the
   * entries stay as they were and are handed out again on their next use.
   */
  refreshed(
    hashes: readonly string[],
    found: Map<string, TokenPrincipalRow> | undefined,
    epoch: number,
  ): void {
    for (const hash of hashes) {
      const entry = this.#entries.get(hash);
      if (!entry) continue;
      if (!found || epoch !== this.#epoch || !this.available) {
        entry.refreshing = false;
        continue;
      }
      const row = found.get(hash);
      if (!row) {
        this.#drop(hash);
        continue;
      }
      const owner = this.#owners.get(row.account.id);
      if (owner) owner.account = row.account;
      this.remember(hash, row, epoch);
    }
  }

  apply(change: Change): void {
    this.#epoch++;
    switch (change.type) {
      case 'token': {
        const hash = this.#hashByTokenId.get(change.id);
        if (hash) this.#drop(hash);
        break;
      }
      case 'account': {
        const owner = this.#owners.get(change.id);
        if (owner) for (const hash of [...owner.hashes]) this.#drop(hash);
        break;
      }
      case 'team':
        // Rare (a rename or a deletion), so a walk over the owners rather than an index by team.
        for (const owner of [...this.#owners.values()]) {
          if (owner.account.teams.some((team) => team.id === change.id)) {
            for (const hash of [...owner.hashes]) this.#drop(hash);
          }
        }
        break;
      case 'secret':
        this.#unknown.delete(change.hash);
        this.#drop(change.hash);
        break;
      case 'scopes':
        // The catalog changed (rare): every token's effective scopes may have, so all are read again.
        this.clear();
        break;
    }
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#stale.clear();
    this.#hashByTokenId.clear();
    this.#owners.clear();
    this.#unknown.clear();
  }

  /** While change notices cannot arrive, serve nothing; when they can again, start from empty. */
  setAvailable(available: boolean): void {
    this.clear();
    this.#available = available;
  }

  #drop(hash: string): void {
    const entry = this.#entries.get(hash);
    if (!entry) return;
    this.#entries.delete(hash);
    if (this.#hashByTokenId.get(entry.token.id) === hash) this.#hashByTokenId.delete(entry.token.id);
    const owner = this.#owners.get(entry.account.id);
    if (owner) {
      owner.hashes.delete(hash);
      if (owner.hashes.size === 0) this.#owners.delete(entry.account.id);
    }
  }
}
