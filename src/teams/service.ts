import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import { isoTime } from '../core/iso-time.ts';
import { hasControlCharacters } from '../core/names.ts';
import { type Caller, requireRole } from '../platform/caller.ts';
import { asConflict } from '../platform/database-errors.ts';
import { invalidField, taken } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import { insertTeam, listTeams } from './queries.ts';

export const TEAM_NAME_MAX = 100;

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

  constructor(deps: { db: Kysely<Database>; audit: AuditLog }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
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
    const name = rawName.trim();
    if (!name) throw invalidField('name', 'A team needs a name.');
    if ([...name].length > TEAM_NAME_MAX)
      throw invalidField('name', `Must be at most ${TEAM_NAME_MAX} characters.`);
    // Team names travel comma-separated in X-Tessera-Teams, so a comma would split one team in two.
    if (hasControlCharacters(name) || name.includes(',')) {
      throw invalidField('name', 'Must not contain commas or control characters.');
    }
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
      throw asConflict(error, 'teams_name_key', () =>
        taken('name', 'team_exists', `A team named "${name}" already exists.`),
      );
    }
  }
}
