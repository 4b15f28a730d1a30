import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeUntil } from '../../src/core/time-phrases.ts';
import { testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// The client commands as people and pipelines run them: the real `tessera` binary, a separate process for
// each command, against one real server for the whole file. Nothing is mocked; what a command changed is
// read back through the API.

const BIN = resolve(import.meta.dirname, '../../bin/tessera.js');
const PASSWORD = 'client-commands-admin-password';
const DAY = 86_400_000;

let workDir: string;
let server: TesseraProcess;
let adminSecret: string;
let memberSecret: string;
/** Every secret the tests hold, none of which may show up where the command did not create it. */
const secrets: string[] = [];
/** Everything every command wrote. */
const transcript: string[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `tessera` process. Its config directory is `config` under the work directory unless `env` says. */
function tessera(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: workDir,
          XDG_CONFIG_HOME: join(workDir, 'config'),
          ...options.env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        transcript.push(stdout, stderr);
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
    child.stdin!.end(options.stdin ?? '');
  });
}

const as = (token: string) => ({ env: { TESSERA_URL: server.url, TESSERA_TOKEN: token } });

async function api<T>(path: string, token: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as T };
}

interface TokenJson {
  id: string;
  name: string;
  kind: string;
  status: string;
  created_at: string;
  expires_at: string | null;
  revoked_reason: string | null;
  owner: { internal_id: string | null };
}

// The client speaks only HTTP to a server whose own tests run on both engines: what this file checks does
// not depend on the database, so it runs once, on the embedded one (the suite's time is bounded).
const onPostgres = testEngine() === 'postgres';

beforeAll(async () => {
  if (onPostgres) return;
  workDir = mkdtempSync(join(tmpdir(), 'tessera-client-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: join(workDir, 'data'),
    TESSERA_DEMO: '0',
    TESSERA_ADMIN_EMAIL: 'admin@example.com',
    TESSERA_ADMIN_PASSWORD: PASSWORD,
  };
  server = await startTessera(env, 120_000);
  const admin = await signInOver(server.url, 'admin@example.com', PASSWORD);
  const post = async <T>(headers: Record<string, string>, path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  adminSecret = (
    await post<{ secret: string }>(admin.headers, '/api/tokens', { name: 'terminal', expires_in_days: 30 })
  ).secret;
  await post(admin.headers, '/api/users', {
    email: 'mo@example.com',
    name: 'Mo',
    password: PASSWORD,
    role: 'member',
  });
  const member = await signInOver(server.url, 'mo@example.com', PASSWORD);
  memberSecret = (
    await post<{ secret: string }>(member.headers, '/api/tokens', { name: 'mine', expires_in_days: 30 })
  ).secret;
  secrets.push(adminSecret, memberSecret);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.skipIf(onPostgres)('the tessera client', { timeout: 240_000 }, () => {
  it('signs in with a token from standard input, stores it for its owner only, and signs out', async () => {
    // Not signed in yet: told how, with exit status 4.
    const before = await tessera(['tokens', 'list']);
    expect(before).toMatchObject({ code: 4, stdout: '' });
    expect(before.stderr).toContain('error: not_signed_in: Not signed in: run `tessera login --server URL`');

    // A token the server refuses is not stored.
    const refused = await tessera(['login', '--server', server.url], { stdin: 'tsr_pat_nottherightshape\n' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^error: token_malformed: /);
    expect(existsSync(join(workDir, 'config/tessera/config.json'))).toBe(false);

    const login = await tessera(['login', '--server', `${server.url}/`], { stdin: `${adminSecret}\n` });
    expect(login).toMatchObject({ code: 0, stdout: '' });
    expect(login.stderr).toContain(`Signed in to ${server.url} as Admin <admin@example.com> (Admin).`);
    const file = join(workDir, 'config/tessera/config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(workDir, 'config/tessera')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ server: server.url, token: adminSecret });

    const whoami = await tessera(['whoami']);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(
      new RegExp(
        `^Admin <admin@example.com> \\(Admin\\) on ${server.url}\nToken "terminal" \\(…\\w{4}\\), expires in \\d+ days\n$`,
      ),
    );
    const me = JSON.parse((await tessera(['whoami', '--json'])).stdout);
    expect(me).toMatchObject({
      via: 'token',
      account: { email: 'admin@example.com' },
      token: { name: 'terminal' },
    });

    // TESSERA_URL and TESSERA_TOKEN win over the stored login.
    const override = await tessera(['whoami'], as(memberSecret));
    expect(override.stdout).toMatch(/^Mo <mo@example.com> \(Member\) on /);

    // Without a config directory given, it is ~/.config/tessera.
    const home = await tessera(['whoami'], { env: { XDG_CONFIG_HOME: '' } });
    expect(home.code).toBe(4);

    const logout = await tessera(['logout'], { env: { XDG_CONFIG_HOME: join(workDir, 'elsewhere') } });
    expect(logout).toMatchObject({ code: 0, stderr: 'Not signed in: nothing to forget.\n' });
  });

  it('creates a token whose standard output is exactly the secret', async () => {
    const run = await tessera(['tokens', 'create', '--name', 'laptop', '--expires', '90d']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^tsr_pat_[0-9A-Za-z]+$/);
    const secret = run.stdout;
    secrets.push(secret);
    expect(run.stderr).toMatch(
      /^Created personal token "laptop" \([0-9a-f-]{36}\), expiring in \d months\. /,
    );
    expect(run.stderr).not.toContain(secret);
    const offline = await tessera(['check-secret'], { stdin: secret });
    expect(offline).toMatchObject({ code: 0, stdout: 'valid personal token format (checksum matches)\n' });
    const me = await api<{ token: TokenJson }>('/api/me', secret);
    expect(me.status).toBe(200);
    expect(me.body.token.name).toBe('laptop');
    expect(Date.parse(me.body.token.expires_at!) - Date.parse(me.body.token.created_at)).toBe(90 * DAY);

    // Service tokens for a service user named by its internal ID's slug; --json gives the API's object.
    const airflow = await tessera([
      'service-users',
      'create',
      '--name',
      'Airflow',
      '--internal-id',
      'svc-airflow',
    ]);
    expect(airflow.code).toBe(0);
    expect(airflow.stderr).toBe('Created service user svc-airflow@service.\n');
    const service = await tessera([
      'tokens',
      'create',
      '--name',
      'deploy',
      '--service-user',
      'svc-airflow',
      '--expires',
      'never',
      '--scope',
      'read_api',
      '--scope',
      'scim',
      '--json',
    ]);
    expect(service.code).toBe(0);
    const generated = JSON.parse(service.stdout);
    secrets.push(generated.secret);
    expect(generated.token).toMatchObject({
      kind: 'service',
      name: 'deploy',
      expires_at: null,
      scopes: ['read_api', 'scim'],
    });
    expect(generated.token.owner.internal_id).toBe('svc-airflow@service');

    const bad = await tessera(['tokens', 'create', '--name', 'x', '--expires', '400d']);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('--expires: "400d" is not a whole number of days');
    const taken = await tessera(['tokens', 'create', '--name', 'LAPTOP']);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toMatch(/^error: name_taken: name: /);
  });

  it('lists tokens as a table with relative times, and as the API objects', async () => {
    const table = await tessera(['tokens', 'list']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+STATUS\s+EXPIRES\s+LAST USED\s+SCOPES\s+ID$/);
    expect(rows.map((row) => row.split(/\s{2,}/)[0])).toEqual(['laptop', 'terminal']);
    const json = await tessera(['tokens', 'list', '--json']);
    const items = JSON.parse(json.stdout) as TokenJson[];
    const laptop = items.find((token) => token.name === 'laptop')!;
    expect(rows[0]).toMatch(
      new RegExp(
        `^laptop\\s+active\\s+${timeUntil(new Date(laptop.expires_at!), new Date())}\\s+` +
          `(less than a minute ago|\\d+ minutes? ago)\\s+api\\s+${laptop.id}$`,
      ),
    );
    expect(table.stdout).not.toContain('\u001b[');
    // The very objects the API answers with.
    const fromApi = await api<{ items: TokenJson[] }>('/api/tokens?kind=personal', adminSecret);
    expect(laptop).toEqual(fromApi.body.items.find((token) => token.name === 'laptop'));

    const service = await tessera(['tokens', 'list', '--service-user', 'Airflow']);
    expect(service.stdout).toMatch(
      /^NAME\s+STATUS\s+EXPIRES\s+LAST USED\s+SCOPES\s+OWNER\s+ID\ndeploy\s+active\s+never\s+never\s+read_api scim\s+svc-airflow@service\s+/,
    );
    const none = await tessera(['tokens', 'list', '--status', 'revoked']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'No personal tokens.\n' });
    expect((await tessera(['tokens', 'list', '--status', 'gone'])).code).toBe(2);
  });

  it('revokes by name, and a revoked token gets exit status 4', async () => {
    // An Admin's own personal "deploy" and Airflow's "deploy": the name alone is ambiguous.
    const mine = await tessera(['tokens', 'create', '--name', 'deploy']);
    secrets.push(mine.stdout);
    const ambiguous = await tessera(['tokens', 'revoke', 'deploy', '--yes']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(
      /^error: ambiguous: "deploy" names 2 tokens; give one of these IDs instead:\n {2}[0-9a-f-]{36} {2}personal token of admin@example.com, active\n {2}[0-9a-f-]{36} {2}service token of svc-airflow@service, active\n$/,
    );
    expect((await tessera(['tokens', 'revoke', 'deploy', '--kind', 'service', '--yes'])).code).toBe(0);

    // Without a terminal to ask at, a revoke needs --yes.
    const unasked = await tessera(['tokens', 'revoke', 'laptop']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('Add --yes to confirm without a terminal.');

    const laptopSecret = secrets[2]!;
    const revoke = await tessera(['tokens', 'revoke', 'laptop', '--reason', 'left on a train', '--yes']);
    expect(revoke).toMatchObject({ code: 0, stdout: '' });
    expect(revoke.stderr).toMatch(/^Revoked token "laptop" \([0-9a-f-]{36}\)\.\n$/);
    const listed = JSON.parse((await tessera(['tokens', 'list', '--status', 'revoked', '--json'])).stdout);
    expect(listed).toMatchObject([{ name: 'laptop', status: 'revoked', revoked_reason: 'left on a train' }]);
    // Revoked again: the server's code and message.
    const again = await tessera(['tokens', 'revoke', 'laptop', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: status_conflict: /);

    for (const args of [['whoami'], ['tokens', 'list']]) {
      const run = await tessera(args, as(laptopSecret));
      expect(run).toMatchObject({ code: 4, stdout: '' });
      expect(run.stderr).toMatch(/^error: token_revoked: /);
    }
    expect((await api('/api/me', laptopSecret)).status).toBe(401);

    // Restored, it works again; then revoked and deleted for good.
    expect((await tessera(['tokens', 'restore', 'laptop'])).code).toBe(0);
    expect((await tessera(['whoami'], as(laptopSecret))).code).toBe(0);
    expect((await tessera(['tokens', 'revoke', 'laptop', '--yes'])).code).toBe(0);
    const deleted = await tessera(['tokens', 'delete', 'laptop', '--yes']);
    expect(deleted.stderr).toMatch(/^Deleted token "laptop"/);
    const gone = await tessera(['tokens', 'delete', 'laptop', '--yes']);
    expect(gone).toMatchObject({ code: 1 });
    expect(gone.stderr).toContain('error: not_found: No token you can see is called "laptop".');
  });

  it('gives a Member asking for service tokens exit status 4, with the server’s code and message', async () => {
    const run = await tessera(['tokens', 'list', '--kind', 'service'], as(memberSecret));
    expect(run).toMatchObject({
      code: 4,
      stdout: '',
      stderr: 'error: forbidden: This needs the admin role.\n',
    });
    expect((await tessera(['users', 'list'], as(memberSecret))).code).toBe(4);
    // Their own tokens, by name, are theirs to see.
    const own = await tessera(['tokens', 'revoke', 'mine', '--yes'], as(memberSecret));
    expect(own.code).toBe(0);
  });

  it('lists accounts, and deactivates and reactivates a service user by name', async () => {
    const users = await tessera(['users', 'list']);
    expect(users.code).toBe(0);
    expect(users.stdout.split('\n')[0]).toMatch(
      /^NAME\s+EMAIL \/ INTERNAL ID\s+KIND\s+ROLE\s+STATUS\s+LAST ACTIVE\s+ACTIVE TOKENS\s+ID$/,
    );
    expect(users.stdout).toMatch(/\nMo\s+mo@example.com\s+human\s+Member\s+active\s/);
    const deactivate = await tessera(['service-users', 'deactivate', 'Airflow', '--yes']);
    expect(deactivate).toMatchObject({ code: 0, stderr: 'Deactivated svc-airflow@service.\n' });
    const listed = JSON.parse(
      (await tessera(['service-users', 'list', '--include-deactivated', '--json'])).stdout,
    );
    expect(listed).toMatchObject([{ internal_id: 'svc-airflow@service', status: 'deactivated' }]);
    expect((await tessera(['service-users', 'reactivate', 'svc-airflow@service'])).code).toBe(0);
    // A person is not a service user.
    const person = await tessera(['service-users', 'deactivate', 'mo@example.com', '--yes']);
    expect(person.code).toBe(1);
    expect(person.stderr).toContain('No service user you can see is called "mo@example.com".');
  });

  it('answers a mistyped flag or command with exit status 2 and a suggestion', async () => {
    const flag = await tessera(['tokens', 'list', '--jsn']);
    expect(flag).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: unknown option '--jsn'\n(Did you mean --json?)\n",
    });
    const create = await tessera(['tokens', 'create', '--nmae', 'x']);
    expect(create).toMatchObject({
      code: 2,
      stderr: "error: unknown option '--nmae'\n(Did you mean --name?)\n",
    });
    const command = await tessera(['tokns', 'list']);
    expect(command).toMatchObject({
      code: 2,
      stderr: "error: unknown command 'tokns'\n(Did you mean tokens?)\n",
    });
    const help = await tessera(['tokens', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Example:\n  $ tessera tokens create --name laptop --expires 90d > token.txt',
    );
  });

  it('completes commands, options and option values in bash', async () => {
    const script = await tessera(['completion', 'bash']);
    const complete = (words: string[]) =>
      new Promise<string>((done, fail) => {
        const child = execFile(
          'bash',
          [
            '-c',
            `eval "$(cat)"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tessera; echo "\${COMPREPLY[*]}"`,
          ],
          (error, stdout) => (error ? fail(error) : done(stdout.trim())),
        );
        child.stdin!.end(script.stdout);
      });
    expect(await complete(['tessera', 'tok'])).toBe('tokens');
    expect(await complete(['tessera', 'tokens', 're'])).toBe('revoke restore revoke-leaked');
    expect(await complete(['tessera', 'tokens', 'rot'])).toBe('rotate');
    expect(await complete(['tessera', 'tokens', 'list', '--kind', ''])).toBe('personal service');
    expect(await complete(['tessera', 'tokens', 'create', '--name', 'x', '--e'])).toBe('--expires');
    expect((await tessera(['completion', 'zsh'])).stdout).toContain('compdef _tessera tessera');
    expect((await tessera(['completion', 'fish'])).code).toBe(2);
  });

  it('never shows a secret except where create prints it', async () => {
    // Each secret appears only as the whole standard output of its create, or inside its --json object.
    const shown = transcript.filter((text) => secrets.some((secret) => text.includes(secret)));
    expect(shown.length).toBe(secrets.length - 2);
    for (const text of shown) {
      expect(secrets.includes(text) || secrets.includes(JSON.parse(text).secret)).toBe(true);
    }
    expect(server.output().stdout + server.output().stderr).not.toContain(adminSecret);
  });

  it('colours and asks only at a terminal', async () => {
    // util-linux's `script` runs the command on a pseudo-terminal; its standard input is typed there.
    const atTerminal = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) =>
      new Promise<Run>((done) => {
        const command = [process.execPath, BIN, ...args].map((arg) => `'${arg}'`).join(' ');
        const child = execFile(
          'script',
          ['-qec', command, '/dev/null'],
          {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: workDir,
              XDG_CONFIG_HOME: join(workDir, 'config'),
              TERM: 'xterm',
              ...options.env,
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) => {
            transcript.push(stdout, stderr);
            done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
          },
        );
        child.stdin!.end(options.stdin ?? '');
      });
    const coloured = await atTerminal(['tokens', 'list']);
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain('\u001b[32mactive\u001b[0m');
    const plain = await atTerminal(['tokens', 'list'], { env: { NO_COLOR: '1' } });
    expect(plain.stdout).toMatch(/terminal\s+active\s/);
    expect(plain.stdout).not.toContain('\u001b[');

    const created = await tessera(['tokens', 'create', '--name', 'asked']);
    secrets.push(created.stdout);
    const asked = await atTerminal(['tokens', 'revoke', 'asked'], { stdin: 'y\n' });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/Revoke personal token "asked" \([0-9a-f-]{36}\)\? \[y\/N\] /);
    expect(asked.stdout).toContain('Revoked token "asked"');
    const listed = JSON.parse((await tessera(['tokens', 'list', '--status', 'revoked', '--json'])).stdout);
    expect(listed.map((token: TokenJson) => token.name)).toContain('asked');
  });

  it('rotates by name, printing only the new secret, and revokes leaked secrets found in a log', async () => {
    const created = await tessera(['tokens', 'create', '--name', 'rotating', '--description', 'nightly job']);
    expect(created.code).toBe(0);
    const old = created.stdout;
    secrets.push(old);
    const rotated = await tessera(['tokens', 'rotate', 'rotating', '--grace', '0']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^tsr_pat_[0-9A-Za-z]+$/);
    secrets.push(rotated.stdout);
    expect(rotated.stderr).toMatch(
      /^Rotated token "rotating": the new one is [0-9a-f-]{36}; the old secret stopped at once\./,
    );
    expect((await api('/api/me', old)).status).toBe(401);
    const me = await api<{ token: TokenJson & { description: string | null } }>('/api/me', rotated.stdout);
    expect(me.status).toBe(200);
    expect(me.body.token.description).toBe('nightly job');
    expect((await tessera(['tokens', 'rotate', 'rotating', '--grace', '9d'])).code).toBe(2);

    const leaked = (await tessera(['tokens', 'create', '--name', 'leaked'])).stdout;
    secrets.push(leaked);
    const log = `12:00:01 curl -H "Authorization: Bearer ${leaked}" https://example.com\n12:00:02 tsr_pat_notarealone\n`;
    const revoked = await tessera(['tokens', 'revoke-leaked'], { stdin: log });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain(
      `Sent the personal secret ending in …${leaked.slice(-4)} to be revoked.`,
    );
    expect(revoked.stderr).toContain('1 secret sent');
    expect(revoked.stdout).toBe('');
    expect((await api('/api/me', leaked)).status).toBe(401);
  });

  it('signs out: the stored login is gone, the token itself still works', async () => {
    const logout = await tessera(['logout']);
    expect(logout).toMatchObject({
      code: 0,
      stderr: `Signed out of ${server.url}: removed ${join(workDir, 'config/tessera/config.json')}.\n`,
    });
    expect(existsSync(join(workDir, 'config/tessera/config.json'))).toBe(false);
    expect((await tessera(['whoami'])).code).toBe(4);
    expect((await api('/api/me', adminSecret)).status).toBe(200);
  });
});
