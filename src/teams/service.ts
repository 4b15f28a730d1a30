import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import { isoTime } from '../core/iso-time.ts';
import { hasControlCharacters } from '../core/names.ts';
import { accountHandle, type Caller, requireProvisioner, requireRole } from '../platform/caller.ts';
import type { ChangeFeed } from '../platform/change-feed.ts';
import type { Clock } from '../platform/clock.ts';
import { asConflict } from '../platform/database-errors.ts';
import { AppError, conflict, invalidField, notFound, taken } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import { isLostRace, retryLostRaces } from '../platform/transaction-retry.ts';
import {
  addTeamMembers,
  deleteTeam,
  findAccountNames,
  findPeople,
  insertTeam,
  insertTeamWith,
  listTeams,
  lockTeam,
  removeTeamPeople,
  updateTeam,
} from './queries.ts';

export const TEAM_NAME_MAX = 100;
/** Most people an audit entry names one by one; beyond, it counts them. */
const AUDIT_NAMES_MAX = 50;

/** A team as SCIM's Groups see it; its members are read separately (a team may hold thousands). */
export interface ProvisionedTeam {
  id: string;
  name: string;
  external_id: string | null;
  builtin: boolean;
}

/** A change to a team's people, in the order an identity provider sent it: IDs of people. */
export interface MemberChange {
  op: 'add' | 'remove' | 'replace';
  ids: string[];
}

/** What SCIM makes of a team: its name, its external ID, and changes to its people, in order. */
export interface TeamChange {
  name: string;
  external_id: string | null;
  members: MemberChange[];
}

const SCIM = { via: 'scim' } as const;

export interface TeamView {
  id: string;
  name: string;
  builtin: boolean;
  member_count: number;
  created_at: string;
}

export class TeamService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditLog;

  readonly #clock: Clock;
  readonly #changes: ChangeFeed;

  constructor(deps: { db: Kysely<Database>; audit: AuditLog; clock: Clock; changes: ChangeFeed }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#clock = deps.clock;
    this.#changes = deps.changes;
  }

  async list(): Promise<TeamView[]> {
    const rows = await listTeams(this.#db);
    return rows.map((row) => ({
      ...row,
      created_at: isoTime(row.created_at),
      member_count: Number(row.member_count ?? 0),
    }));
  }

  async create(caller: Caller | null, rawName: string): Promise<TeamView> {
    if (caller) requireRole(caller, 'admin');
    const name = checkTeamName(rawName);
    try {
      const team = await this.#db.transaction().execute(async (trx) => {
        const created = await insertTeam(trx, name);
        await this.#audit.record(trx, caller, 'team.created', {
          type: 'team',
          id: created.id,
          label: created.name,
        });
        return created;
      });
      return { ...team, created_at: isoTime(team.created_at), member_count: 0 };
    } catch (error) {
      throw asConflict(error, 'teams_name_key', () => teamExists(name));
    }
  }

  /** SCIM's create (src/scim): a team and its people; a name taken, ignoring case, is a 409. */
  async provision(
    caller: Caller,
    input: { name: string; external_id: string | null; member_ids: string[] },
  ): Promise<string> {
    requireProvisioner(caller);
    const name = checkTeamName(input.name);
    const externalId = checkExternalId(input.external_id);
    let added: string[] = [];
    const id = await this.#transaction(
      () => name,
      async (trx) => {
        const now = this.#clock.now();
        const created = await insertTeamWith(trx, {
          name,
          external_id: externalId,
          created_at: now,
          updated_at: now,
        });
        await checkPeople(trx, input.member_ids);
        added = await addTeamMembers(trx, created.id, input.member_ids);
        await this.#audit.record(trx, caller, 'team.created', teamTarget(created), {
          ...(await membersDetail(trx, added, [])),
          ...SCIM,
        });
        return created.id;
      },
    );
    await this.#publish(id, added, false);
    return id;
  }

  /**
   * SCIM's replace and patch: `change` turns the team as it is, read under lock, into its new name and
   * external ID and the changes to its people, all applied in one transaction or none. Public keeps its
   * name and everyone in it. `change` may run more than once, so it must only compute.
   */
  async reprovision(
    caller: Caller,
    id: string,
    change: (current: ProvisionedTeam) => TeamChange,
  ): Promise<void> {
    requireProvisioner(caller);
    let renamed = false;
    let added: string[] = [];
    let removed: string[] = [];
    let name = '';
    await this.#transaction(
      () => name,
      async (trx) => {
        const before = await lockTeam(trx, id);
        if (!before) throw notFound('Group');
        const target = change(before);
        name = checkTeamName(target.name);
        const externalId = checkExternalId(target.external_id);
        if (before.builtin && name !== before.name) throw builtinTeam('cannot be renamed');
        added = [];
        removed = [];
        for (const members of target.members) {
          if (members.op === 'remove') {
            if (before.builtin) throw builtinTeam('keeps everyone: nobody can be removed from it');
            removed.push(...(await removeTeamPeople(trx, id, { only: members.ids })));
            continue;
          }
          await checkPeople(trx, members.ids);
          if (members.op === 'replace') {
            const out = await removeTeamPeople(trx, id, { keep: members.ids });
            if (before.builtin && out.length > 0)
              throw builtinTeam('keeps everyone: nobody can be removed from it');
            removed.push(...out);
          }
          added.push(...(await addTeamMembers(trx, id, members.ids)));
        }
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (name !== before.name) changes.name = { from: before.name, to: name };
        if (externalId !== before.external_id)
          changes.external_id = { from: before.external_id, to: externalId };
        renamed = changes.name !== undefined;
        const membersChanged = added.length > 0 || removed.length > 0;
        if (Object.keys(changes).length === 0 && !membersChanged) return;
        await updateTeam(trx, id, { name, external_id: externalId }, this.#clock.now());
        await this.#audit.record(trx, caller, 'team.updated', teamTarget({ id, name }), {
          ...(Object.keys(changes).length > 0 ? { changes } : {}),
          ...(membersChanged ? await membersDetail(trx, added, removed) : {}),
          ...SCIM,
        });
      },
    );
    await this.#publish(id, added, renamed || removed.length > 0);
  }

  /** SCIM's delete: the team goes, and its members lose it; Public cannot go. */
  async deprovision(caller: Caller, id: string): Promise<void> {
    requireProvisioner(caller);
    await this.#transaction(undefined, async (trx) => {
      const team = await lockTeam(trx, id);
      if (!team) throw notFound('Group');
      if (team.builtin) throw builtinTeam('cannot be deleted');
      await deleteTeam(trx, id);
      await this.#audit.record(trx, caller, 'team.deleted', teamTarget(team), SCIM);
    });
    await this.#publish(id, [], true);
  }

  /**
   * After the commit: the team itself when its name or its people changed (every cache drops those in
   * it, removed people included), and each person added, whose cached teams do not name it yet.
   */
  async #publish(id: string, added: string[], team: boolean): Promise<void> {
    await Promise.all([
      ...(team ? [this.#changes.publish({ type: 'team', id })] : []),
      ...added.map((account) => this.#changes.publish({ type: 'account', id: account })),
    ]);
  }

  /** One transaction, run again when it loses a race; the name it was giving, when taken, is a 409. */
  async #transaction<T>(
    nameOf: (() => string) | undefined,
    work: (trx: Kysely<Database>) => Promise<T>,
  ): Promise<T> {
    try {
      return await retryLostRaces(() => this.#db.transaction().execute(work));
    } catch (error) {
      if (isLostRace(error)) {
        throw conflict('concurrent_change', 'Another change to this team got in the way. Try again.');
      }
      throw nameOf ? asConflict(error, 'teams_name_key', () => teamExists(nameOf())) : error;
    }
  }
}

function checkTeamName(rawName: string): string {
  const name = rawName.trim();
  if (!name) throw invalidField('name', 'A team needs a name.');
  if ([...name].length > TEAM_NAME_MAX)
    throw invalidField('name', `Must be at most ${TEAM_NAME_MAX} characters.`);
  if (hasControlCharacters(name)) throw invalidField('name', 'Must not contain control characters.');
  return name;
}

function checkExternalId(raw: string | null): string | null {
  const externalId = raw?.trim() || null;
  if (externalId && (externalId.length > 1000 || hasControlCharacters(externalId)))
    throw invalidField('external_id', 'Must be at most 1000 characters, without control characters.');
  return externalId;
}

const teamExists = (name: string) => taken('name', 'team_exists', `A team named "${name}" already exists.`);

const builtinTeam = (what: string) =>
  new AppError(400, 'builtin_team', `The built-in Public team ${what}.`, { field: 'name' });

const teamTarget = (team: { id: string; name: string }) => ({
  type: 'team' as const,
  id: team.id,
  label: team.name,
});

/** Every ID must be a person SCIM can see. */
async function checkPeople(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  const unique = [...new Set(ids)];
  const found = new Set((await findPeople(db, unique)).map((person) => person.id));
  const missing = unique.find((id) => !found.has(id));
  if (missing !== undefined) throw invalidField('members', `No user has the ID ${missing}.`);
}

/** Who joined and who left, named up to a limit, for the audit log. */
async function membersDetail(db: Kysely<Database>, added: string[], removed: string[]) {
  const handles = async (ids: string[]) =>
    (await findAccountNames(db, ids.slice(0, AUDIT_NAMES_MAX))).map((person) =>
      accountHandle({ ...person, internal_id: null }),
    );
  return {
    members_added: added.length,
    members_removed: removed.length,
    ...(added.length > 0 ? { added: await handles(added) } : {}),
    ...(removed.length > 0 ? { removed: await handles(removed) } : {}),
  };
}
