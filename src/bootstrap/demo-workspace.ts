import type { Kysely } from 'kysely';
import { insertAccount, OWNER_DEACTIVATED_REASON, setAccountTeams } from '../accounts/index.ts';
import { insertAuditEvents, type NewAuditEvent } from '../audit/index.ts';
import type { Role } from '../core/roles.ts';
import { generateSecret, secretHint } from '../core/secret.ts';
import { sha256Hex } from '../platform/hashing.ts';
import type { Database } from '../platform/schema.ts';
import { insertTeam } from '../teams/index.ts';
import {
  type HourTally,
  insertCatalogScope,
  insertToken,
  type OriginTally,
  writeUsage,
} from '../tokens/index.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface DemoAccount {
  key: string;
  kind: 'human' | 'service';
  name: string | null;
  email: string | null;
  internalId?: string;
  role: Role;
  teams: string[];
  avatar?: string;
  createdDaysAgo: number;
  lastActiveAgo?: number;
  deactivatedDaysAgo?: number;
}

interface DemoToken {
  owner: string;
  name: string;
  createdAgo: number;
  /** Whole days from creation; undefined: never expires. */
  days?: number;
  lastUsedAgo?: number;
  revokedAgo?: number;
  reason?: string;
  /** Default `['api']`. */
  scopes?: string[];
  ip?: string;
  userAgent?: string;
  description?: string;
}

const TEAMS = ['Data Platform', 'Analytics', 'Security', 'Platform Engineering'];

const ACCOUNTS: DemoAccount[] = [
  {
    key: 'admin',
    kind: 'human',
    name: 'Alex Rivera',
    email: '',
    role: 'admin',
    teams: ['Security', 'Platform Engineering'],
    avatar: '/avatars/alex-rivera.svg',
    createdDaysAgo: 420,
    lastActiveAgo: 7 * MINUTE,
  },
  {
    key: 'maya',
    kind: 'human',
    name: 'Maya Chen',
    email: 'maya.chen@example.com',
    role: 'manager',
    teams: ['Data Platform'],
    avatar: '/avatars/maya-chen.svg',
    createdDaysAgo: 380,
    lastActiveAgo: 30 * MINUTE,
  },
  {
    key: 'sam',
    kind: 'human',
    name: 'Sam Okafor',
    email: 'sam.okafor@example.com',
    role: 'member',
    teams: ['Analytics'],
    createdDaysAgo: 240,
    lastActiveAgo: 2 * DAY,
  },
  {
    key: 'priya',
    kind: 'human',
    name: 'Priya Nair',
    email: 'priya.nair@example.com',
    role: 'member',
    teams: ['Analytics', 'Data Platform'],
    createdDaysAgo: 6,
  },
  {
    key: 'jordan',
    kind: 'human',
    name: 'Jordan Lee',
    email: 'jordan.lee@example.com',
    role: 'member',
    teams: ['Platform Engineering'],
    createdDaysAgo: 300,
    lastActiveAgo: 15 * DAY,
    deactivatedDaysAgo: 14,
  },
  {
    key: 'airflow',
    kind: 'service',
    name: 'svc-airflow',
    email: 'svc-airflow@example.com',
    role: 'member',
    teams: ['Data Platform'],
    createdDaysAgo: 400,
  },
  {
    key: 'dbt',
    kind: 'service',
    name: 'svc-dbt',
    email: null,
    role: 'member',
    teams: ['Analytics'],
    createdDaysAgo: 200,
  },
  {
    key: 'legacy',
    kind: 'service',
    name: null,
    email: null,
    internalId: 'svc-legacy-etl',
    role: 'member',
    teams: ['Data Platform'],
    createdDaysAgo: 500,
  },
  {
    key: 'github',
    kind: 'service',
    name: 'GitHub Actions',
    email: 'ci@example.com',
    internalId: 'github-actions',
    role: 'manager',
    teams: ['Platform Engineering'],
    avatar: '/avatars/github-actions.svg',
    createdDaysAgo: 360,
  },
  {
    key: 'okta',
    kind: 'service',
    name: 'Okta SCIM',
    email: 'okta@example.com',
    internalId: 'svc-okta-scim',
    role: 'admin',
    teams: ['Security'],
    createdDaysAgo: 90,
  },
  {
    key: 'terraform',
    kind: 'service',
    name: 'svc-terraform',
    email: 'terraform@example.com',
    role: 'admin',
    teams: ['Platform Engineering'],
    createdDaysAgo: 150,
  },
  {
    key: 'jenkins',
    kind: 'service',
    name: 'svc-jenkins',
    email: null,
    role: 'member',
    teams: [],
    createdDaysAgo: 700,
    deactivatedDaysAgo: 30,
  },
];

const TOKENS: DemoToken[] = [
  // Alex's personal tokens: every state and age the lists describe.
  {
    owner: 'admin',
    name: 'CI/CD Pipeline Token',
    description: 'Builds and deploys the web app from GitHub Actions.',
    // 65 days left: "Expires in 2 months", the reference pages' own example.
    createdAgo: 25 * DAY,
    days: 90,
    lastUsedAgo: 26 * HOUR,
    ip: '10.20.4.17',
    userAgent: 'python-requests/2.32.3',
  },
  {
    owner: 'admin',
    name: 'Local Development',
    createdAgo: 200 * DAY,
    lastUsedAgo: 7 * MINUTE,
    ip: '192.168.1.24',
    userAgent: 'curl/8.5.0',
  },
  { owner: 'admin', name: 'Data export script', createdAgo: 27 * DAY, days: 30 },
  {
    owner: 'admin',
    name: 'Staging smoke tests',
    createdAgo: 10 * DAY,
    days: 365,
    lastUsedAgo: 3 * HOUR,
    ip: '10.20.7.3',
    userAgent: 'k6/0.54.0',
  },
  {
    owner: 'admin',
    name: 'Grafana dashboard sync',
    description: 'Reads token metrics for the Platform dashboard.',
    scopes: ['read_api'],
    createdAgo: 40 * DAY,
    days: 60,
    lastUsedAgo: 2 * HOUR,
    ip: '10.20.9.41',
    userAgent: 'Grafana/11.3.0',
  },
  {
    owner: 'admin',
    name: 'Old laptop',
    createdAgo: 150 * DAY,
    days: 365,
    lastUsedAgo: 61 * DAY,
    revokedAgo: 40 * DAY,
    reason: 'Laptop retired',
    ip: '192.168.1.77',
    userAgent: 'tessera-cli/0.3.1',
  },
  {
    owner: 'admin',
    name: 'Jupyter scratch',
    createdAgo: 12 * DAY,
    days: 30,
    revokedAgo: 5 * DAY,
    reason: 'Not needed',
  },
  {
    owner: 'admin',
    name: 'Quarterly report notebook',
    createdAgo: 190 * DAY,
    days: 90,
    lastUsedAgo: 125 * DAY,
    ip: '10.20.4.88',
    userAgent: 'python-requests/2.31.0',
  },
  { owner: 'admin', name: 'Terraform experiment', createdAgo: 120 * DAY, days: 60 },
  {
    owner: 'maya',
    name: 'Warehouse admin script',
    createdAgo: 60 * DAY,
    days: 90,
    lastUsedAgo: 30 * MINUTE,
    ip: '10.20.5.12',
    userAgent: 'python-requests/2.32.3',
  },
  {
    owner: 'maya',
    name: 'dbt Cloud',
    createdAgo: 100 * DAY,
    days: 60,
    lastUsedAgo: 45 * DAY,
    ip: '34.201.10.7',
    userAgent: 'dbt-cloud/1.0',
  },
  { owner: 'sam', name: 'Notebook access', createdAgo: 3 * DAY, days: 30 },
  {
    owner: 'sam',
    name: 'Old CLI',
    createdAgo: 80 * DAY,
    lastUsedAgo: 70 * DAY,
    revokedAgo: 60 * DAY,
    reason: 'Replaced by Notebook access',
    ip: '10.20.6.2',
    userAgent: 'curl/8.4.0',
  },
  {
    owner: 'jordan',
    name: 'Laptop CLI',
    createdAgo: 90 * DAY,
    days: 365,
    lastUsedAgo: 15 * DAY,
    revokedAgo: 14 * DAY,
    reason: OWNER_DEACTIVATED_REASON,
    ip: '10.20.3.9',
    userAgent: 'httpie/3.2.2',
  },
  // Service tokens.
  {
    owner: 'airflow',
    name: 'Airflow DAG Orchestration',
    createdAgo: 1 * HOUR,
    // Generated through the API for 31 days; 30 days 23 hours left: "Expires in 30 days", the reference
    // page's own example.
    days: 31,
    lastUsedAgo: 3 * MINUTE,
    ip: '10.30.1.5',
    userAgent: 'apache-airflow/2.10.2',
  },
  {
    owner: 'airflow',
    name: 'Airflow backfill',
    createdAgo: 300 * DAY,
    // "Last used 1 day ago", the reference pages' example, on the Service tab too.
    lastUsedAgo: 30 * HOUR,
    ip: '10.30.1.6',
    userAgent: 'apache-airflow/2.10.2',
  },
  {
    owner: 'airflow',
    name: 'Airflow staging',
    createdAgo: 30 * DAY,
    days: 150,
    lastUsedAgo: 12 * DAY,
    revokedAgo: 10 * DAY,
    reason: 'Staging environment torn down',
    ip: '10.31.1.5',
    userAgent: 'apache-airflow/2.9.3',
  },
  {
    owner: 'dbt',
    name: 'dbt nightly build',
    scopes: ['warehouse:read', 'warehouse:write'],
    createdAgo: 30 * DAY,
    days: 365,
    lastUsedAgo: 9 * HOUR,
    ip: '10.30.2.11',
    userAgent: 'dbt/1.8.7',
  },
  { owner: 'dbt', name: 'dbt CI', createdAgo: 20 * DAY, days: 90 },
  {
    owner: 'legacy',
    name: 'Legacy ETL loader',
    createdAgo: 200 * DAY,
    days: 90,
    lastUsedAgo: 150 * DAY,
    ip: '10.9.0.4',
    userAgent: 'Java/1.8.0_392',
  },
  {
    owner: 'legacy',
    name: 'Legacy ETL (old key)',
    createdAgo: 400 * DAY,
    days: 365,
    lastUsedAgo: 310 * DAY,
    revokedAgo: 300 * DAY,
    reason: 'Key rotated',
    ip: '10.9.0.4',
    userAgent: 'Java/1.8.0_292',
  },
  {
    owner: 'github',
    name: 'Deploy to production',
    description: 'The release job of acme/web. Ask #platform before revoking.',
    createdAgo: 50 * DAY,
    days: 60,
    lastUsedAgo: 20 * MINUTE,
    ip: '140.82.112.4',
    userAgent: 'GitHub-Actions/2.320.0',
  },
  { owner: 'github', name: 'Release workflow', createdAgo: 1 * DAY, days: 90 },
  {
    owner: 'okta',
    name: 'Okta SCIM provisioning',
    createdAgo: 90 * DAY,
    lastUsedAgo: 1 * HOUR,
    scopes: ['scim'],
    ip: '52.12.8.30',
    userAgent: 'Okta SCIM Client 1.0.0',
  },
  {
    owner: 'terraform',
    name: 'Terraform Cloud',
    createdAgo: 100 * DAY,
    days: 365,
    lastUsedAgo: 6 * DAY,
    ip: '75.2.98.97',
    userAgent: 'HashiCorp Terraform/1.9.8',
  },
  {
    owner: 'jenkins',
    name: 'Jenkins build',
    createdAgo: 200 * DAY,
    days: 365,
    lastUsedAgo: 61 * DAY,
    revokedAgo: 60 * DAY,
    reason: 'Jenkins decommissioned',
    ip: '10.8.0.2',
    userAgent: 'Jenkins/2.426.3',
  },
  {
    owner: 'jenkins',
    name: 'Jenkins deploy',
    createdAgo: 250 * DAY,
    days: 90,
    lastUsedAgo: 170 * DAY,
    ip: '10.8.0.2',
    userAgent: 'Jenkins/2.414.1',
  },
];

/**
 * The demo workspace: people in all three roles, service users with and without name and email, and
 * tokens in every state and age, dated in the past so the lists show real ages. Their secrets are
 * generated and thrown away — only the hashes exist, as for any token.
 */
/** The demo's catalog of upstream scopes: what the proxies in front of its APIs ask for. */
const DEMO_SCOPES: { name: string; description: string; min_role: Role }[] = [
  { name: 'warehouse:read', description: 'Query the data warehouse.', min_role: 'member' },
  {
    name: 'warehouse:write',
    description: 'Load and change tables in the data warehouse.',
    min_role: 'member',
  },
  { name: 'deploy:production', description: 'Deploy services to production.', min_role: 'admin' },
];

export async function seedDemoWorkspace(
  db: Kysely<Database>,
  now: Date,
  admin: { adminEmail: string; passwordHash: string },
  /** Tests pass one that remembers the secrets, to prove the seeded tokens behave as their status says. */
  newSecret: (kind: 'personal' | 'service', name: string) => string = (kind) => generateSecret(kind),
): Promise<void> {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const teamIds = new Map<string, string>();
  for (const name of TEAMS) teamIds.set(name, (await insertTeam(db, name)).id);

  const ids = new Map<string, string>();
  const labels = new Map<string, string>();
  const audit: NewAuditEvent[] = [];
  const event = (
    at: Date,
    action: string,
    actor: string | null,
    target: NewAuditEvent['target_type'],
    targetId: string,
    label: string,
    details: Record<string, unknown> = {},
  ): NewAuditEvent => ({
    at,
    action,
    actor_id: actor ? ids.get(actor)! : null,
    actor_label: actor ? labels.get(actor)! : null,
    actor_token_id: null,
    target_type: target,
    target_id: targetId,
    target_label: label,
    ip: actor ? '10.20.0.15' : null,
    user_agent: actor
      ? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 Chrome/131 Safari/537.36'
      : null,
    details,
  });

  for (const account of ACCOUNTS) {
    const email = account.key === 'admin' ? admin.adminEmail : account.email;
    const internalId = account.kind === 'service' ? `${account.internalId ?? account.name}@service` : null;
    const createdAt = ago(account.createdDaysAgo * DAY);
    // Every use of a token moves its owner's last activity (the last-used flush does it): a service user
    // whose tokens were used is not "Never" active.
    const uses = TOKENS.filter((t) => t.owner === account.key && t.lastUsedAgo !== undefined).map(
      (t) => t.lastUsedAgo!,
    );
    if (account.lastActiveAgo !== undefined) uses.push(account.lastActiveAgo);
    const lastActiveAgo = uses.length > 0 ? Math.min(...uses) : undefined;
    const { id } = await insertAccount(db, {
      kind: account.kind,
      email,
      name: account.name,
      internal_id: internalId,
      avatar_url: account.avatar ?? null,
      role: account.role,
      password_hash: account.kind === 'human' ? admin.passwordHash : null,
      created_at: createdAt,
      created_by: ids.get('admin') ?? null,
      last_active_at: lastActiveAgo === undefined ? null : ago(lastActiveAgo),
      deactivated_at: account.deactivatedDaysAgo === undefined ? null : ago(account.deactivatedDaysAgo * DAY),
      deactivated_by: account.deactivatedDaysAgo === undefined ? null : (ids.get('admin') ?? null),
    });
    ids.set(account.key, id);
    labels.set(account.key, internalId ?? email ?? id);
    await setAccountTeams(
      db,
      id,
      account.teams.map((t) => teamIds.get(t)!),
    );
    if (account.key !== 'admin') {
      audit.push(
        event(createdAt, 'account.created', 'admin', 'account', id, labels.get(account.key)!, {
          kind: account.kind,
          role: account.role,
        }),
      );
    }
    if (account.deactivatedDaysAgo !== undefined) {
      audit.push(
        event(
          ago(account.deactivatedDaysAgo * DAY),
          'account.deactivated',
          'admin',
          'account',
          id,
          labels.get(account.key)!,
        ),
      );
    }
  }

  for (const scope of DEMO_SCOPES) await insertCatalogScope(db, scope, ago(300 * DAY));
  const hours: HourTally[] = [];
  const origins: OriginTally[] = [];
  for (const token of TOKENS) {
    const owner = ACCOUNTS.find((a) => a.key === token.owner)!;
    const kind = owner.kind === 'human' ? 'personal' : 'service';
    const secret = newSecret(kind, token.name);
    const createdAt = ago(token.createdAgo);
    const creator = kind === 'personal' ? token.owner : 'admin';
    const revokedBy =
      token.reason === OWNER_DEACTIVATED_REASON ? null : kind === 'personal' ? token.owner : 'admin';
    const { id } = await insertToken(db, {
      kind,
      owner_id: ids.get(token.owner)!,
      name: token.name,
      description: token.description ?? null,
      secret_hash: sha256Hex(secret),
      hint: secretHint(secret),
      scopes: token.scopes ?? ['api'],
      created_at: createdAt,
      created_by: ids.get(creator)!,
      expires_at: token.days === undefined ? null : new Date(createdAt.getTime() + token.days * DAY),
      revoked_at: token.revokedAgo === undefined ? null : ago(token.revokedAgo),
      revoked_by: token.revokedAgo === undefined || !revokedBy ? null : ids.get(revokedBy)!,
      revoked_reason: token.reason ?? null,
      last_used_at: token.lastUsedAgo === undefined ? null : ago(token.lastUsedAgo),
      last_used_ip: token.lastUsedAgo === undefined ? null : (token.ip ?? null),
      last_used_user_agent: token.lastUsedAgo === undefined ? null : (token.userAgent ?? null),
    });
    if (token.lastUsedAgo !== undefined) usageHistory(id, token, now, hours, origins);
    const label = `${token.name} (${labels.get(token.owner)})`;
    audit.push(
      event(createdAt, 'token.created', creator, 'token', id, label, {
        kind,
        scopes: token.scopes ?? ['api'],
      }),
    );
    if (token.revokedAgo !== undefined) {
      audit.push(
        event(ago(token.revokedAgo), 'token.revoked', revokedBy, 'token', id, label, {
          reason: token.reason ?? null,
          ...(revokedBy ? {} : { by: 'system' }),
        }),
      );
    }
  }
  audit.sort((a, b) => a.at.getTime() - b.at.getTime());
  await insertAuditEvents(db, audit);
  await writeUsage(db, hours, origins);
}

/** The kept usage window (src/tokens/usage.ts). */
const USAGE_DAYS = 90;
const OTHER_ORIGINS = [
  { ip: '10.20.4.31', userAgent: 'python-requests/2.32.3' },
  { ip: '192.0.2.44', userAgent: 'curl/8.5.0' },
];

/** A number from 0 to 1 that is always the same for the same inputs: the demo looks alike on every start. */
function wobble(seed: string, n: number): number {
  let h = 2166136261 ^ n;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1000) / 1000;
}

/**
 * Usage for the token's last 90 days up to its last use: the busy ones (used in the last few hours) every
 * hour, more in working hours; the others once a day, as a nightly job would. Their origins, with counts.
 */
function usageHistory(id: string, token: DemoToken, now: Date, hours: HourTally[], origins: OriginTally[]) {
  const last = now.getTime() - token.lastUsedAgo!;
  const first = Math.max(now.getTime() - token.createdAgo, now.getTime() - USAGE_DAYS * DAY);
  if (last < first) return;
  const busy = token.lastUsedAgo! <= 3 * HOUR;
  const base = 20 + Math.round(wobble(token.name, 0) * 200);
  let total = 0;
  for (let hour = last - (last % HOUR); hour >= first - (first % HOUR); hour -= HOUR) {
    const n = hour / HOUR;
    const hourOfDay = new Date(hour).getUTCHours();
    if (!busy && hourOfDay !== 3) continue;
    const daytime = hourOfDay >= 8 && hourOfDay < 19 ? 3 : 1;
    const uses = busy
      ? Math.round(base * daytime * (0.5 + wobble(token.name, n)))
      : 1 + Math.round(wobble(token.name, n) * 4);
    const failures = wobble(token.name, -n) > 0.97 ? 1 + Math.round(wobble(token.name, n + 1) * 5) : 0;
    hours.push({ tokenId: id, hour, uses, failures });
    total += uses;
  }
  const ip = token.ip ?? '10.20.0.15';
  const mainUses = busy ? Math.round(total * 0.9) : total;
  origins.push({
    tokenId: id,
    ip,
    userAgent: token.userAgent ?? '',
    firstSeen: first,
    lastSeen: last,
    uses: mainUses,
  });
  if (!busy) return;
  OTHER_ORIGINS.forEach((other, i) => {
    const lastSeen = Math.max(first, last - (i + 1) * 5 * HOUR);
    origins.push({
      tokenId: id,
      ip: other.ip,
      userAgent: other.userAgent,
      firstSeen: Math.min(first + (i + 1) * 7 * DAY, lastSeen),
      lastSeen,
      uses: Math.round((total - mainUses) / (i + 2)),
    });
  });
}
