import { CompiledQuery, type Kysely, type LogEvent } from 'kysely';
import { type AccountListFilter, listAccounts } from '../../src/accounts/queries.ts';
import type { Database } from '../../src/platform/schema.ts';
import { listTokens, type TokenListFilter } from '../../src/tokens/queries.ts';

type TokenCase = Omit<TokenListFilter, 'limit' | 'now' | 'ownerId'> & { own?: boolean };
type AccountCase = Omit<AccountListFilter, 'limit'>;

export interface ListCase {
  name: string;
  /** The request the console makes (as the seeded Admin). */
  path: string;
  tokens?: TokenCase;
  accounts?: AccountCase;
}

const tokensBy = { sort: 'created_at', order: 'desc' } as const;
const usersBy = { includeDeactivated: false, sort: 'name', order: 'asc' } as const;

/** The lists at scale: first page, a name search, a status filter, sort by last use; tokens and users. */
export const LIST_CASES: ListCase[] = [
  {
    name: 'service tokens, first page',
    path: '/api/tokens?kind=service',
    tokens: { kind: 'service', ...tokensBy },
  },
  {
    name: 'service tokens, search "deploy"',
    path: '/api/tokens?kind=service&q=deploy',
    tokens: { kind: 'service', q: 'deploy', ...tokensBy },
  },
  {
    name: 'service tokens, search with no match',
    path: '/api/tokens?kind=service&q=zzzz',
    tokens: { kind: 'service', q: 'zzzz', ...tokensBy },
  },
  {
    name: 'service tokens, status=revoked',
    path: '/api/tokens?kind=service&status=revoked',
    tokens: { kind: 'service', statuses: ['revoked'], ...tokensBy },
  },
  {
    name: 'service tokens, by last used',
    path: '/api/tokens?kind=service&sort=last_used_at&order=desc',
    tokens: { kind: 'service', sort: 'last_used_at', order: 'desc' },
  },
  {
    name: 'own tokens, first page',
    path: '/api/tokens?kind=personal',
    tokens: { kind: 'personal', own: true, ...tokensBy },
  },
  {
    name: 'own tokens, search "backup"',
    path: '/api/tokens?kind=personal&q=backup',
    tokens: { kind: 'personal', own: true, q: 'backup', ...tokensBy },
  },
  {
    name: 'own tokens, status=expired',
    path: '/api/tokens?kind=personal&status=expired',
    tokens: { kind: 'personal', own: true, statuses: ['expired'], ...tokensBy },
  },
  {
    name: 'own tokens, by last used',
    path: '/api/tokens?kind=personal&sort=last_used_at&order=desc',
    tokens: { kind: 'personal', own: true, sort: 'last_used_at', order: 'desc' },
  },
  { name: 'users, first page', path: '/api/users', accounts: { ...usersBy } },
  {
    name: 'users, search "person 12"',
    path: '/api/users?q=person%2012',
    accounts: { ...usersBy, q: 'person 12' },
  },
  { name: 'users, search "svc-7"', path: '/api/users?q=svc-7', accounts: { ...usersBy, q: 'svc-7' } },
  { name: 'users, role=manager', path: '/api/users?role=manager', accounts: { ...usersBy, role: 'manager' } },
  {
    name: 'users, with deactivated',
    path: '/api/users?include_deactivated=true',
    accounts: { ...usersBy, includeDeactivated: true },
  },
  {
    name: 'users, by last activity',
    path: '/api/users?sort=last_active_at&order=desc',
    accounts: { ...usersBy, sort: 'last_active_at', order: 'desc' },
  },
];

/** A query log for openDatabase that keeps the last query, to EXPLAIN exactly what a list ran. */
export function queryRecorder() {
  let last: CompiledQuery | undefined;
  return {
    log: (event: LogEvent) => {
      last = event.query;
    },
    take(): CompiledQuery {
      const query = last;
      if (!query) throw new Error('no query was logged');
      last = undefined;
      return query;
    },
  };
}

export interface Plan {
  name: string;
  sql: string;
  plan: string;
  seqScans: string[];
  /** The database's own execution time for the query, from EXPLAIN ANALYZE. */
  executionMs: number;
}

/**
 * Runs each list query the way the services do (same builder functions, same parameters, first page
 * of 50), then EXPLAIN (ANALYZE) on the SQL it produced.
 */
export async function explainLists(
  db: Kysely<Database>,
  recorder: ReturnType<typeof queryRecorder>,
  adminId: string,
): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const { name, tokens, accounts } of LIST_CASES) {
    if (tokens) {
      const { own, ...filter } = tokens;
      await listTokens(db, { ...filter, limit: 50, now: new Date(), ...(own ? { ownerId: adminId } : {}) });
    } else if (accounts) {
      await listAccounts(db, { ...accounts, limit: 50 });
    }
    const query = recorder.take();
    const result = await db.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain (analyze, costs off) ${query.sql}`, [...query.parameters]),
    );
    const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
    const seqScans = [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!);
    const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
    plans.push({ name, sql: query.sql, plan, seqScans, executionMs });
  }
  return plans;
}
