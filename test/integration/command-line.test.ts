import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyPassword } from '../../src/accounts/passwords.ts';
import { AccountService } from '../../src/accounts/service.ts';
import type { AccountView } from '../../src/accounts/views.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { ChangeFeed } from '../../src/platform/change-feed.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { type DatabaseHandle, openDatabase } from '../../src/platform/database.ts';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { PASSWORD } from '../support/harness.ts';

// The account commands as an operator runs them on the server: a real `tessera` process on a real data
// directory (PGlite) or DATABASE_URL (PostgreSQL), with what they wrote read back from the database.

const BIN = resolve(import.meta.dirname, '../../bin/tessera.js');

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;
/** People by name, made once: every open of the embedded database on disk takes seconds. */
const people: Record<'ana' | 'bo' | 'cy' | 'dee', AccountView> = {} as never;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  if (testEngine() === 'postgres') {
    database = await createTestDatabase();
    await seed(database.handle);
    env = { DATABASE_URL: database.url! };
  } else {
    // The embedded database on disk, started from the migrated copy rather than a slow initdb.
    const handle = await openDatabase({
      dataDir,
      initialData: new Blob([readFileSync(inject('pgliteSnapshot'))]),
    });
    await seed(handle);
    await handle.close();
    env = { TESSERA_DATA_DIR: dataDir };
  }
});

afterAll(async () => {
  await database?.dispose().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

/** The database, while no command runs: the embedded one is one process's at a time. */
async function withDb<T>(use: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  if (database) return use(database.handle);
  const handle = await openDatabase({ dataDir });
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const accounts = (handle: DatabaseHandle) =>
  new AccountService({
    db: handle.db,
    clock: systemClock,
    audit: new AuditLog({ db: handle.db, clock: systemClock }),
    changes: new ChangeFeed(),
  });

/** Ana is a Member, Bo an Admin since deactivated, Cy a deactivated Member, Dee a signed-in Member. */
async function seed(handle: DatabaseHandle) {
  const service = accounts(handle);
  for (const [name, role] of [
    ['ana', 'member'],
    ['bo', 'admin'],
    ['cy', 'member'],
    ['dee', 'member'],
  ] as const) {
    const { account } = await service.createHuman(null, {
      email: `${name}@example.com`,
      name,
      password: PASSWORD,
      role,
    });
    people[name] = account;
  }
  for (const gone of [people.bo, people.cy]) {
    await sql`update accounts set deactivated_at = now() where id = ${gone.id}`.execute(handle.db);
  }
  await handle.db
    .insertInto('sessions')
    .values({
      id_hash: 'a'.repeat(64),
      account_id: people.dee.id,
      csrf_token: 'csrf',
      created_at: new Date(),
      expires_at: new Date(Date.now() + 3_600_000),
      ip: '127.0.0.1',
      user_agent: null,
    })
    .execute();
}

/** An account, the audit events about it since it was created, and how many sessions it has. */
async function stateOf(handle: DatabaseHandle, id: string) {
  const account = await handle.db
    .selectFrom('accounts')
    .select(['role', 'deactivated_at', 'password_hash'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const events = await handle.db
    .selectFrom('audit_events')
    .select(['action', 'actor_id', 'actor_label', 'actor_token_id', 'ip', 'user_agent', 'details'])
    .where('target_id', '=', id)
    .where('action', '!=', 'account.created')
    .orderBy('id')
    .execute();
  const sessions = await handle.db
    .selectFrom('sessions')
    .select('id_hash')
    .where('account_id', '=', id)
    .execute();
  return { account, events, sessions: sessions.length };
}

const commandLineActor = (command: string) => ({
  actor_id: null,
  actor_label: 'command line',
  actor_token_id: null,
  ip: null,
  user_agent: expect.stringMatching(new RegExp(`^tessera ${command} \\(command line; .+@.+\\)$`)),
});

describe('tessera make-admin', { timeout: 180_000 }, () => {
  it('makes an active person an Admin, recorded as done by the command line', async () => {
    const run = await tessera('make-admin', 'ANA@example.com');
    expect(run).toMatchObject({ code: 0, stdout: 'ANA@example.com is now an Admin.\n', stderr: '' });
    // Again: nothing to do, and nothing recorded.
    const again = await tessera('make-admin', 'ana@example.com');
    expect(again).toMatchObject({ code: 0, stdout: 'ana@example.com is already an active Admin.\n' });
    const { account, events } = await withDb((handle) => stateOf(handle, people.ana.id));
    expect(account.role).toBe('admin');
    expect(events).toEqual([
      {
        action: 'account.updated',
        ...commandLineActor('make-admin'),
        details: { changes: { role: { from: 'member', to: 'admin' } }, via: 'command line' },
      },
    ]);
  });

  it('reactivates a deactivated person only when told to', async () => {
    const refused = await tessera('make-admin', 'bo@example.com');
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'bo@example.com is deactivated. To reactivate them and make them an Admin, add --reactivate.\n',
    });
    // Bo was an Admin when deactivated: reactivating is all it takes.
    expect(await tessera('make-admin', '--reactivate', 'bo@example.com')).toMatchObject({
      code: 0,
      stdout: 'bo@example.com is reactivated.\n',
    });
    expect(await tessera('make-admin', 'cy@example.com', '--reactivate')).toMatchObject({
      code: 0,
      stdout: 'cy@example.com is reactivated and now an Admin.\n',
    });
    const [bo, cy] = await withDb(async (handle) => [
      await stateOf(handle, people.bo.id),
      await stateOf(handle, people.cy.id),
    ]);
    expect(bo.account).toMatchObject({ role: 'admin', deactivated_at: null });
    // The refusal recorded nothing.
    expect(bo.events).toEqual([
      { action: 'account.reactivated', ...commandLineActor('make-admin'), details: { via: 'command line' } },
    ]);
    expect(cy.account).toMatchObject({ role: 'admin', deactivated_at: null });
    expect(cy.events.map((e) => e.action)).toEqual(['account.reactivated', 'account.updated']);
  });

  it('names an unknown email, and shows its usage without one', async () => {
    expect(await tessera('make-admin', 'nobody@example.com')).toMatchObject({
      code: 1,
      stderr: 'Nobody has the email nobody@example.com.\n',
    });
    expect(await tessera('make-admin')).toMatchObject({
      code: 2,
      stderr: 'Usage: tessera make-admin [--reactivate] <email>\n',
    });
  });
});

describe('tessera reset-password', { timeout: 180_000 }, () => {
  it("sets a new password, prints it once, ends the person's sessions and is audited", async () => {
    const run = await tessera('reset-password', 'dee@example.com');
    expect(run.code).toBe(0);
    const password = /^New password for dee@example\.com: (\S+)\n$/.exec(run.stdout)?.[1];
    expect(password).toMatch(/^[\w-]{16}$/);
    expect(await tessera('reset-password', 'nobody@example.com')).toMatchObject({
      code: 1,
      stderr: 'Nobody has the email nobody@example.com.\n',
    });
    const { account, events, sessions } = await withDb((handle) => stateOf(handle, people.dee.id));
    expect(await verifyPassword(account.password_hash!, password!)).toBe(true);
    expect(await verifyPassword(account.password_hash!, PASSWORD)).toBe(false);
    expect(sessions).toBe(0);
    expect(events).toEqual([
      {
        action: 'account.password_reset',
        ...commandLineActor('reset-password'),
        details: { via: 'command line' },
      },
    ]);
    // The audit row holds no trace of the password.
    expect(JSON.stringify(events)).not.toContain(password);
  });
});
