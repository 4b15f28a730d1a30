import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditLog, AuditTarget } from '../audit/index.ts';
import { checkTokenDescription } from '../core/description.ts';
import { DAY_MS, expiresAt, MAX_EXPIRATION_DAYS } from '../core/expiration.ts';
import { checkTokenName } from '../core/names.ts';
import { checkNetworks } from '../core/networks.ts';
import { MAX_GRACE_PERIOD_MINUTES } from '../core/rotation.ts';
import { generateSecret, secretHint } from '../core/secret.ts';
import type { TokenSort } from '../core/sorts.ts';
import type { TokenKind } from '../core/token-kind.ts';
import { type TokenStatus, tokenStatus } from '../core/token-status.ts';
import { accountHandle, type Caller, isAdmin, requireRole } from '../platform/caller.ts';
import type { ChangeFeed } from '../platform/change-feed.ts';
import type { Clock } from '../platform/clock.ts';
import { asConflict } from '../platform/database-errors.ts';
import { AppError, conflict, forbidden, invalidField, notFound, taken } from '../platform/errors.ts';
import { sha256Hex } from '../platform/hashing.ts';
import { decodeCursor } from '../platform/keyset.ts';
import type { Database } from '../platform/schema.ts';
import type { LastUsedRecorder } from './last-used.ts';
import { checkLifetime } from './policy.ts';
import { lockKindPolicy, readTokenPolicy } from './policy-queries.ts';
import {
  deleteIfInactive,
  findTokenById,
  insertToken,
  listTokens,
  lockToken,
  markReplaced,
  restoreIfRevoked,
  revokeIfActive,
  type TokenWithOwner,
  updateTokenFields,
} from './queries.ts';
import { checkScopeList, checkUpstreamScopes } from './scope-rules.ts';
import { type TokenView, tokenView } from './views.ts';

export interface GenerateTokenInput {
  name: string;
  description?: string | null | undefined;
  kind: TokenKind;
  expires_in_days: number | null;
  service_user_id?: string | undefined;
  scopes?: string[] | undefined;
  allowed_networks?: readonly string[] | null | undefined;
}

/** A token a CI job earned with its OIDC token (src/federation): issued by no one, for minutes. */
export interface FederatedTokenInput {
  serviceUserId: string;
  trustPolicyId: string;
  lifetimeMinutes: number;
  /** The claims that earned it: kept on the token and in the audit log. */
  claims: Record<string, unknown>;
  /** The trust policy's scopes. */
  scopes: readonly string[];
  /** Run in the token's transaction first (spend the JWT's `jti`): the two commit together or not at all. */
  before: (trx: Kysely<Database>) => Promise<void>;
}

export interface RotateTokenInput {
  grace_period_minutes: number;
  /** Left out: as long as the old token's lifetime; null: never. */
  expires_in_days?: number | null | undefined;
}

export interface UpdateTokenInput {
  name?: string | undefined;
  description?: string | null | undefined;
  allowed_networks?: readonly string[] | null | undefined;
}

export interface TokenListQuery {
  kind: TokenKind;
  q?: string | undefined;
  scope?: string | undefined;
  status?: TokenStatus[] | undefined;
  service_user_id?: string | undefined;
  /** Only the tokens whose lifetime the token policy would not allow now. */
  exceeds_policy?: boolean | undefined;
  sort: TokenSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string | undefined;
}

export interface TokenServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  lastUsed: LastUsedRecorder;
  changes: ChangeFeed;
}

/**
 * Generating, listing and changing tokens. Personal tokens belong to their human owner alone (even an
 * Admin gets 404 for someone else's); service tokens are for Admins.
 */
export class TokenService {
  readonly #deps: TokenServiceDeps;

  constructor(deps: TokenServiceDeps) {
    this.#deps = deps;
  }

  async generate(caller: Caller, input: GenerateTokenInput): Promise<{ token: TokenView; secret: string }> {
    const { db, clock, audit } = this.#deps;
    const name = checkTokenName(input.name);
    if (!name.ok) throw invalidField('name', name.message);
    const description = checkTokenDescription(input.description ?? null);
    if (!description.ok) throw invalidField('description', description.message);
    const days = input.expires_in_days;
    checkDaysRange(days);
    const allowedNetworks = checkAllowedNetworks(input.allowed_networks);
    const scopes = checkScopeList(input.scopes);
    if (scopes.includes('scim') && !isAdmin(caller)) {
      throw new AppError(403, 'forbidden', 'scopes: only Admins can generate tokens with the scope "scim".', {
        field: 'scopes',
        scope: 'scim',
      });
    }
    if (input.kind === 'personal') {
      if (input.service_user_id)
        throw invalidField('service_user_id', 'Only a service token has a service user.');
      if (caller.principal.account.kind !== 'human') {
        throw forbidden('Personal tokens belong to people; a service user has service tokens.');
      }
    } else {
      requireRole(caller, 'admin');
      if (!input.service_user_id)
        throw invalidField('service_user_id', 'A service token needs a service user.');
    }

    const secret = generateSecret(input.kind);
    const secretHash = sha256Hex(secret);
    const now = clock.now();
    let id: string;
    try {
      id = await db.transaction().execute(async (trx) => {
        // Under a share lock: a policy saved meanwhile waits for this token, which the count of tokens
        // exceeding it then includes.
        checkLifetime(await lockKindPolicy(trx, input.kind), input.kind, days);
        const owner =
          input.kind === 'personal'
            ? await lockPerson(trx, caller.principal.account)
            : await lockServiceUser(trx, input.service_user_id!);
        const ownerRole = input.kind === 'personal' ? caller.principal.account.role : owner.role;
        await checkUpstreamScopes(trx, scopes, ownerRole);
        const inserted = await insertToken(trx, {
          kind: input.kind,
          owner_id: owner.id,
          name: name.name,
          description: description.description,
          secret_hash: secretHash,
          hint: secretHint(secret),
          scopes,
          created_at: now,
          created_by: caller.principal.account.id,
          expires_at: expiresAt(now, days),
          allowed_networks: allowedNetworks ?? null,
        });
        await audit.record(trx, caller, 'token.created', tokenTarget(inserted.id, name.name, owner), {
          kind: input.kind,
          expires_at: expiresAt(now, days)?.toISOString() ?? null,
          scopes,
          ...(allowedNetworks ? { allowed_networks: allowedNetworks } : {}),
        });
        return inserted.id;
      });
    } catch (error) {
      throw asConflict(error, 'tokens_owner_name_key', () => nameTaken(name.name, input.kind));
    }
    // Nobody can have sent this secret before now, but if its hash was ever remembered as unknown,
    // it is forgotten here and on every node before the secret leaves this response.
    await this.#deps.changes.publish({ type: 'secret', hash: secretHash });
    return { token: await this.get(caller, id), secret };
  }

  /**
   * A service token for a CI job that proved who it is (src/federation decides that): an ordinary service
   * token, named for when it was issued, that expires on its own after the policy's minutes. Audited as
   * created by nobody, from `origin`, with the policy and the claims.
   */
  async issueFederated(
    origin: { ip: string; userAgent: string | null },
    input: FederatedTokenInput,
  ): Promise<{ token: TokenView; secret: string; expiresIn: number }> {
    const { db, clock, audit } = this.#deps;
    const secret = generateSecret('service');
    const secretHash = sha256Hex(secret);
    const now = clock.now();
    const expires = new Date(now.getTime() + input.lifetimeMinutes * MINUTE_MS);
    // Unique among the owner's tokens without asking: the instant, and a part of the secret's hash.
    const name = `federated ${now.toISOString().slice(0, 19).replace('T', ' ')} ${secretHash.slice(0, 6)}`;
    const id = await db.transaction().execute(async (trx) => {
      await input.before(trx);
      const owner = await lockServiceUser(trx, input.serviceUserId);
      const inserted = await insertToken(trx, {
        kind: 'service',
        owner_id: owner.id,
        name,
        description: null,
        secret_hash: secretHash,
        hint: secretHint(secret),
        scopes: [...input.scopes],
        created_at: now,
        created_by: null,
        expires_at: expires,
        trust_policy_id: input.trustPolicyId,
        federated_claims: JSON.stringify(input.claims),
      });
      await audit.record(trx, origin, 'token.created', tokenTarget(inserted.id, name, owner), {
        kind: 'service',
        expires_at: expires.toISOString(),
        scopes: input.scopes,
        via: 'federation',
        trust_policy_id: input.trustPolicyId,
        claims: input.claims,
      });
      return inserted.id;
    });
    await this.#deps.changes.publish({ type: 'secret', hash: secretHash });
    const row = await findTokenById(db, id);
    if (!row) throw notFound('Token');
    return { token: this.#view(row, now), secret, expiresIn: input.lifetimeMinutes * 60 };
  }

  async list(
    caller: Caller,
    query: TokenListQuery,
  ): Promise<{ items: TokenView[]; next_cursor: string | null }> {
    const { db, clock } = this.#deps;
    if (query.kind === 'service') requireRole(caller, 'admin');
    else if (query.service_user_id)
      throw invalidField('service_user_id', 'Only service tokens have a service user.');
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor)
      throw invalidField('cursor', 'Not a cursor from this list; start again without it.');
    const now = clock.now();
    const exceeding = query.exceeds_policy ? (await readTokenPolicy(db))[query.kind] : undefined;
    const { rows, nextCursor } = await listTokens(db, {
      ...(exceeding ? { exceeding } : {}),
      kind: query.kind,
      ownerId: query.kind === 'personal' ? caller.principal.account.id : query.service_user_id,
      q: query.q,
      ...(query.scope !== undefined ? { scope: query.scope } : {}),
      statuses: query.status,
      sort: query.sort,
      order: query.order,
      limit: query.limit,
      cursor,
      now,
    });
    return {
      items: rows.map((row) => this.#view(row, now)),
      next_cursor: nextCursor,
    };
  }

  /**
   * The inactivity sweep's dry run (Admins): every active token of a kind, anyone's, unused for `days`
   * days (never used: since its creation), least recently used first.
   */
  async listUnused(
    caller: Caller,
    query: { kind: TokenKind; days: number; limit: number; cursor?: string | undefined },
  ): Promise<{ items: TokenView[]; next_cursor: string | null }> {
    requireRole(caller, 'admin');
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor)
      throw invalidField('cursor', 'Not a cursor from this list; start again without it.');
    const now = this.#deps.clock.now();
    const { rows, nextCursor } = await listTokens(this.#deps.db, {
      kind: query.kind,
      unusedForDays: query.days,
      sort: 'last_used_at',
      order: 'asc',
      limit: query.limit,
      cursor,
      now,
    });
    return { items: rows.map((row) => this.#view(row, now)), next_cursor: nextCursor };
  }

  async get(caller: Caller, id: string): Promise<TokenView> {
    const row = await this.#loadVisible(caller, id);
    return this.#view(row, this.#deps.clock.now());
  }

  async revoke(caller: Caller, id: string, reason: string | null): Promise<TokenView> {
    const row = await this.#loadVisible(caller, id);
    const now = this.#deps.clock.now();
    const done = await this.#deps.db.transaction().execute(async (trx) => {
      if (!(await revokeIfActive(trx, id, now, caller.principal.account.id, reason))) return undefined;
      await this.#deps.audit.record(trx, caller, 'token.revoked', targetOf(row), { reason });
      // Read back in the transaction: a delete that commits right after must not turn this success into 404.
      return findTokenById(trx, id);
    });
    if (!done) return this.#refuse(caller, id, 'revoke');
    await this.#deps.changes.publish({ type: 'token', id });
    return this.#view(done, now);
  }

  async restore(caller: Caller, id: string): Promise<TokenView> {
    const row = await this.#loadVisible(caller, id);
    const now = this.#deps.clock.now();
    const done = await this.#deps.db.transaction().execute(async (trx) => {
      // Shares the owner's row lock with deactivation, so a restore cannot slip in beside one.
      const owner = await trx
        .selectFrom('accounts')
        .select('deactivated_at')
        .where('id', '=', row.owner_id)
        .forShare()
        .executeTakeFirst();
      if (owner?.deactivated_at) {
        throw conflict(
          'owner_deactivated',
          'The owner of this token is deactivated; reactivate the account first.',
        );
      }
      if (!(await restoreIfRevoked(trx, id, now))) return undefined;
      await this.#deps.audit.record(trx, caller, 'token.restored', targetOf(row));
      return findTokenById(trx, id);
    });
    if (!done) return this.#refuse(caller, id, 'restore');
    await this.#deps.changes.publish({ type: 'token', id });
    return this.#view(done, now);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    const row = await this.#loadVisible(caller, id);
    const now = this.#deps.clock.now();
    const done = await this.#deps.db.transaction().execute(async (trx) => {
      if (!(await deleteIfInactive(trx, id, now))) return false;
      await this.#deps.audit.record(trx, caller, 'token.deleted', targetOf(row), {
        kind: row.kind,
        status: tokenStatus(row, now),
        owner_id: row.owner_id,
      });
      return true;
    });
    if (!done) await this.#refuse(caller, id, 'delete');
    await this.#deps.changes.publish({ type: 'token', id });
  }

  /**
   * A new token in the place of an old one: same name, owner, kind and description, a new secret, and by
   * default the same lifetime length. The old token is revoked ("rotated", by the system) at the end of
   * the grace period, written now as its `revoked_at`. The old row is locked, so of two rotations one waits
   * and then finds it replaced.
   */
  async rotate(
    caller: Caller,
    id: string,
    input: RotateTokenInput,
  ): Promise<{ token: TokenView; secret: string }> {
    await this.#loadVisible(caller, id);
    return this.#rotate(caller, id, input);
  }

  /** The calling token rotates itself: possession of its secret is the permission (a pipeline, no person). */
  async rotateSelf(caller: Caller, input: RotateTokenInput): Promise<{ token: TokenView; secret: string }> {
    const token = caller.principal.token;
    if (caller.principal.via !== 'token' || !token) {
      throw forbidden('Only a token can rotate itself: send it as the bearer token.');
    }
    return this.#rotate(caller, token.id, input);
  }

  async #rotate(
    caller: Caller,
    id: string,
    input: RotateTokenInput,
  ): Promise<{ token: TokenView; secret: string }> {
    const { db, clock, audit } = this.#deps;
    const grace = input.grace_period_minutes;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD_MINUTES) {
      throw invalidField(
        'grace_period_minutes',
        `Must be a whole number of minutes from 0 to ${MAX_GRACE_PERIOD_MINUTES} (7 days).`,
      );
    }
    if (input.expires_in_days !== undefined) checkDaysRange(input.expires_in_days);
    const now = clock.now();
    const stopsAt = new Date(now.getTime() + grace * MINUTE_MS);
    const result = await db.transaction().execute(async (trx) => {
      const old = await lockToken(trx, id);
      if (!old) throw notFound('Token');
      const status = tokenStatus(old, now);
      if (old.replaced_by !== null) {
        throw conflict(
          'already_rotated',
          'This token has already been rotated; rotate its replacement instead.',
          {
            status,
          },
        );
      }
      if (status !== 'active') {
        throw conflict('status_conflict', `Only an active token can be rotated; this one is ${status}.`, {
          status,
        });
      }
      const owner =
        old.kind === 'personal'
          ? await lockPerson(trx, { id: old.owner_id })
          : await lockServiceUser(trx, old.owner_id);
      const expires =
        input.expires_in_days === undefined
          ? old.expires_at === null
            ? null
            : new Date(now.getTime() + (old.expires_at.getTime() - old.created_at.getTime()))
          : expiresAt(now, input.expires_in_days);
      // The replacement obeys today's policy, whether its lifetime was asked for or kept from the old one.
      const lifetimeDays =
        input.expires_in_days !== undefined
          ? input.expires_in_days
          : expires === null
            ? null
            : Math.ceil((expires.getTime() - now.getTime()) / DAY_MS);
      checkLifetime(await lockKindPolicy(trx, old.kind), old.kind, lifetimeDays);
      const secret = generateSecret(old.kind);
      const secretHash = sha256Hex(secret);
      const row = await findTokenById(trx, id);
      // The old token gives up its name first: names are unique among tokens not replaced.
      const newId = randomUUID();
      await markReplaced(trx, id, newId, stopsAt);
      const inserted = await insertToken(trx, {
        id: newId,
        kind: old.kind,
        owner_id: old.owner_id,
        name: old.name,
        description: old.description,
        secret_hash: secretHash,
        hint: secretHint(secret),
        scopes: row!.scopes,
        created_at: now,
        created_by: caller.principal.account.id,
        expires_at: expires,
      });
      await audit.record(trx, caller, 'token.rotated', targetOf(row!), {
        replaced_by: inserted.id,
        grace_period_minutes: grace,
        stops_at: stopsAt.toISOString(),
        expires_at: expires?.toISOString() ?? null,
        self: caller.principal.token?.id === id,
        owner_id: owner.id,
      });
      return { newId: inserted.id, secret, secretHash };
    });
    // The old token's verification changes (it now stops at `stopsAt`) on every node; the new secret's
    // hash is forgotten wherever it was remembered as unknown, before the secret leaves this response.
    await this.#deps.changes.publish({ type: 'token', id });
    await this.#deps.changes.publish({ type: 'secret', hash: result.secretHash });
    const token = await findTokenById(db, result.newId);
    if (!token) throw notFound('Token');
    return { token: this.#view(token, now), secret: result.secret };
  }

  /** Rename a token or change its description; the permission is revoke's. */
  async update(caller: Caller, id: string, input: UpdateTokenInput): Promise<TokenView> {
    const row = await this.#loadVisible(caller, id);
    const fields: { name?: string; description?: string | null; allowed_networks?: string[] | null } = {};
    if (input.name !== undefined) {
      const name = checkTokenName(input.name);
      if (!name.ok) throw invalidField('name', name.message);
      fields.name = name.name;
    }
    if (input.description !== undefined) {
      const description = checkTokenDescription(input.description);
      if (!description.ok) throw invalidField('description', description.message);
      fields.description = description.description;
    }
    if (input.allowed_networks !== undefined) {
      fields.allowed_networks = checkAllowedNetworks(input.allowed_networks);
    }
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (
      fields.allowed_networks !== undefined &&
      JSON.stringify(fields.allowed_networks) !== JSON.stringify(row.allowed_networks)
    ) {
      changes.allowed_networks = { from: row.allowed_networks, to: fields.allowed_networks };
    }
    if (fields.name !== undefined && fields.name !== row.name)
      changes.name = { from: row.name, to: fields.name };
    if (fields.description !== undefined && fields.description !== row.description) {
      changes.description = { from: row.description, to: fields.description };
    }
    const now = this.#deps.clock.now();
    if (Object.keys(changes).length === 0) return this.#view(row, now);
    let done: TokenWithOwner | undefined;
    try {
      done = await this.#deps.db.transaction().execute(async (trx) => {
        await updateTokenFields(trx, id, fields);
        await this.#deps.audit.record(trx, caller, 'token.updated', targetOf(row), { changes });
        return findTokenById(trx, id);
      });
    } catch (error) {
      throw asConflict(error, 'tokens_owner_name_key', () => nameTaken(fields.name ?? row.name, row.kind));
    }
    if (!done) throw notFound('Token');
    // The name is part of what a verification says (GET /api/me, the principal).
    await this.#deps.changes.publish({ type: 'token', id });
    return this.#view(done, now);
  }

  /** The view of a row read from the database, with what this node has seen since and not yet written. */
  #view(row: TokenWithOwner, now: Date): TokenView {
    return tokenView(row, now, this.#deps.lastUsed.pending(row.id));
  }

  async #loadVisible(caller: Caller, id: string): Promise<TokenWithOwner> {
    const row = await findTokenById(this.#deps.db, id);
    if (!row) throw notFound('Token');
    if (row.kind === 'personal' && row.owner_id !== caller.principal.account.id) throw notFound('Token');
    if (row.kind === 'service' && !isAdmin(caller)) throw forbidden('Service tokens are managed by Admins.');
    return row;
  }

  /** The change did not apply: say why, from the token as it is now. */
  async #refuse(caller: Caller, id: string, action: 'revoke' | 'restore' | 'delete'): Promise<never> {
    const current = await this.#loadVisible(caller, id);
    const status = tokenStatus(current, this.#deps.clock.now());
    const messages = {
      revoke: `Only an active token can be revoked; this one is ${status}.`,
      restore:
        status === 'expired'
          ? 'An expired token cannot be restored; generate a new one.'
          : status === 'revoked'
            ? 'This token was replaced by rotation; its replacement took its place.'
            : 'Only a revoked token can be restored; this one is active.',
      delete: 'An active token cannot be deleted; revoke it first.',
    };
    throw conflict('status_conflict', messages[action], { status });
  }
}

/**
 * The caller's own account, share-locked like a restore does: a deactivation (which locks it for update and
 * revokes every active token) either finishes first, and this refuses, or waits and then revokes this token
 * too. The request authenticated before it got here, so the check must be repeated under the lock.
 */
async function lockPerson<T extends { id: string }>(db: Kysely<Database>, account: T): Promise<T> {
  const row = await db
    .selectFrom('accounts')
    .select('deactivated_at')
    .where('id', '=', account.id)
    .forShare()
    .executeTakeFirst();
  if (!row || row.deactivated_at) {
    throw conflict('owner_deactivated', 'Your account has been deactivated; it can have no new token.');
  }
  return account;
}

async function lockServiceUser(db: Kysely<Database>, id: string) {
  const owner = await db
    .selectFrom('accounts')
    .select(['id', 'kind', 'role', 'deactivated_at', 'email', 'name', 'internal_id'])
    .where('id', '=', id)
    .forShare()
    .executeTakeFirst();
  if (owner?.kind !== 'service') throw invalidField('service_user_id', 'No service user has this ID.');
  if (owner.deactivated_at) {
    throw conflict(
      'owner_deactivated',
      `${accountHandle(owner)} is deactivated; reactivate it to give it a token.`,
    );
  }
  return owner;
}

const MINUTE_MS = 60 * 1000;

/** Canonical CIDR blocks, or null for anywhere; undefined when the field was left out. */
function checkAllowedNetworks(list: readonly string[] | null | undefined): string[] | null | undefined {
  if (list === undefined || list === null) return list;
  const checked = checkNetworks(list);
  if (!checked.ok) throw invalidField('allowed_networks', checked.message);
  return checked.networks;
}

function checkDaysRange(days: number | null): void {
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRATION_DAYS)) {
    throw invalidField(
      'expires_in_days',
      `Must be a whole number of days from 1 to ${MAX_EXPIRATION_DAYS}, or null for never.`,
    );
  }
}

function nameTaken(name: string, kind: TokenKind) {
  return taken(
    'name',
    'name_taken',
    `A token named "${name}" already exists${kind === 'service' ? ' for this service user' : ''}.`,
  );
}

function tokenTarget(
  id: string,
  name: string,
  owner: { email: string | null; name: string | null; internal_id: string | null },
): AuditTarget {
  return { type: 'token', id, label: `${name} (${accountHandle(owner)})` };
}

function targetOf(row: TokenWithOwner): AuditTarget {
  return tokenTarget(row.id, row.name, {
    email: row.owner_email,
    name: row.owner_name,
    internal_id: row.owner_internal_id,
  });
}
