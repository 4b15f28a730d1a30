import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import { isoTime } from '../core/iso-time.ts';
import type { Role } from '../core/roles.ts';
import { SCOPE_DESCRIPTION_MAX, scopeNameProblem } from '../core/scopes.ts';
import { type Caller, requireRole } from '../platform/caller.ts';
import type { ChangeFeed } from '../platform/change-feed.ts';
import type { Clock } from '../platform/clock.ts';
import { asConflict } from '../platform/database-errors.ts';
import { invalidField, notFound, taken } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import {
  findScope,
  insertCatalogScope,
  listScopes,
  lockScope,
  removeScopeFromTokens,
} from './scope-queries.ts';

export interface ScopeView {
  name: string;
  description: string;
  min_role: Role;
  /** Active tokens that carry it. */
  token_count: number;
  created_at: string;
  updated_at: string;
}

export interface ScopeInput {
  name: string;
  description?: string | undefined;
  min_role: Role;
}

export interface ScopeChange {
  description?: string | undefined;
  min_role?: Role | undefined;
}

/**
 * The catalog of upstream scopes (Settings → Security → Scopes): Admins change it; anyone signed in may read
 * it, since the console offers a person the scopes their role reaches. Every change is published, and every
 * node then reads every token's effective scopes again on its next use.
 */
export class ScopeCatalog {
  readonly #deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog; changes: ChangeFeed };

  constructor(deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog; changes: ChangeFeed }) {
    this.#deps = deps;
  }

  async list(_caller: Caller): Promise<ScopeView[]> {
    const rows = await listScopes(this.#deps.db, this.#deps.clock.now());
    return rows.map(scopeView);
  }

  async create(caller: Caller, input: ScopeInput): Promise<ScopeView> {
    requireRole(caller, 'admin');
    const problem = scopeNameProblem(input.name);
    if (problem) throw invalidField('name', problem);
    const description = checkDescription(input.description ?? '');
    const { db, clock, audit } = this.#deps;
    const now = clock.now();
    try {
      await db.transaction().execute(async (trx) => {
        await insertCatalogScope(trx, { name: input.name, description, min_role: input.min_role }, now);
        await audit.record(trx, caller, 'scope.created', null, {
          name: input.name,
          min_role: input.min_role,
        });
      });
    } catch (error) {
      throw asConflict(error, 'scopes_pkey', () =>
        taken('name', 'scope_taken', `There is already a scope "${input.name}".`),
      );
    }
    await this.#deps.changes.publish({ type: 'scopes' });
    return this.#get(input.name);
  }

  async update(caller: Caller, name: string, change: ScopeChange): Promise<ScopeView> {
    requireRole(caller, 'admin');
    const description = change.description === undefined ? undefined : checkDescription(change.description);
    const { db, clock, audit } = this.#deps;
    await db.transaction().execute(async (trx) => {
      const before = await lockScope(trx, name);
      if (!before) throw notFound('Scope');
      await trx
        .updateTable('scopes')
        .set({
          ...(description !== undefined ? { description } : {}),
          ...(change.min_role !== undefined ? { min_role: change.min_role } : {}),
          updated_at: clock.now(),
        })
        .where('name', '=', name)
        .execute();
      await audit.record(trx, caller, 'scope.updated', null, {
        name,
        ...(change.min_role !== undefined && change.min_role !== before.min_role
          ? { min_role: { from: before.min_role, to: change.min_role } }
          : {}),
        ...(description !== undefined && description !== before.description ? { description: true } : {}),
      });
    });
    await this.#deps.changes.publish({ type: 'scopes' });
    return this.#get(name);
  }

  /** Deletes the scope and takes it off every token; answers how many active tokens carried it. */
  async delete(caller: Caller, name: string): Promise<{ token_count: number }> {
    requireRole(caller, 'admin');
    const { db, clock, audit } = this.#deps;
    const carried = await db.transaction().execute(async (trx) => {
      const before = await findScope(trx, name, clock.now());
      if (!before || !(await lockScope(trx, name))) throw notFound('Scope');
      await removeScopeFromTokens(trx, name);
      await trx.deleteFrom('scopes').where('name', '=', name).execute();
      await audit.record(trx, caller, 'scope.deleted', null, { name, token_count: before.token_count });
      return before.token_count;
    });
    await this.#deps.changes.publish({ type: 'scopes' });
    return { token_count: carried };
  }

  async #get(name: string): Promise<ScopeView> {
    const row = await findScope(this.#deps.db, name, this.#deps.clock.now());
    if (!row) throw notFound('Scope');
    return scopeView(row);
  }
}

function checkDescription(description: string): string {
  const trimmed = description.trim();
  if (trimmed.length > SCOPE_DESCRIPTION_MAX) {
    throw invalidField('description', `At most ${SCOPE_DESCRIPTION_MAX} characters.`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    throw invalidField('description', 'One line, no control characters.');
  return trimmed;
}

function scopeView(row: {
  name: string;
  description: string;
  min_role: Role;
  token_count: number;
  created_at: Date;
  updated_at: Date;
}): ScopeView {
  return {
    name: row.name,
    description: row.description,
    min_role: row.min_role,
    token_count: row.token_count,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
