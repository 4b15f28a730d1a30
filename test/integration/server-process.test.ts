import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { signInOver, startTessera } from '../support/server-process.ts';

// The server as a user runs it: a real process, started twice on the same data, stopped with SIGTERM.
// On PGlite it uses a data directory; on PostgreSQL, DATABASE_URL (where demo data is off by default).

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-process-'));
  if (testEngine() === 'postgres') {
    database = await createTestDatabase();
    await database.handle.close();
    env = { DATABASE_URL: database.url!, TESSERA_DATA_DIR: dataDir };
  } else {
    env = { TESSERA_DATA_DIR: dataDir };
  }
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await database?.dispose().catch(() => {});
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

// A process start is slow on a loaded machine: the tests wait as long as startTessera does (60 s), and more.
describe('tessera as a process', { timeout: 120_000 }, () => {
  let secret = '';
  let tokenId = '';
  let password = '';

  it('starts, prints how to sign in, and the printed credentials work', async () => {
    const server = await startTessera(env);
    try {
      const { stderr } = server.output();
      expect(stderr).toContain(`Tessera is running at ${server.url}`);
      expect(stderr).toContain('Sign in as admin@example.com');
      password = /with the password (\S+)/.exec(stderr)![1]!;
      const session = await signInOver(server.url, 'admin@example.com', password);
      const created = await fetch(`${server.url}/api/tokens`, {
        method: 'POST',
        headers: session.headers,
        body: JSON.stringify({ name: 'Process test', kind: 'personal', expires_in_days: 30 }),
      });
      expect(created.status).toBe(201);
      ({ secret } = (await created.json()) as { secret: string });
      tokenId = (
        (await (
          await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${secret}` } })
        ).json()) as { token: { id: string } }
      ).token.id;
      const check = await fetch(`${server.url}/auth/check`, {
        headers: { authorization: `Bearer ${secret}`, 'user-agent': 'process-test/1' },
      });
      expect(check.status).toBe(200);
      expect(check.headers.get('x-tessera-user')).toBe('admin@example.com');
      // SIGTERM finishes in-flight work and writes the pending last use before exiting.
      expect(await server.stop('SIGTERM')).toBe(0);
      const { stdout } = server.output();
      for (const line of stdout.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
      expect(stdout + server.output().stderr).not.toContain(secret);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('starts again on the same data: same accounts, token and last use, no new password', async () => {
    const server = await startTessera(env);
    try {
      const { stderr } = server.output();
      expect(stderr).toContain('Sign in with the account created at first start.');
      expect(stderr).not.toContain('with the password');
      const session = await signInOver(server.url, 'admin@example.com', password);
      const token = (await (
        await fetch(`${server.url}/api/tokens/${tokenId}`, { headers: session.headers })
      ).json()) as {
        last_used_user_agent: string;
        status: string;
      };
      expect(token).toMatchObject({ status: 'active', last_used_user_agent: 'process-test/1' });
      expect(
        (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${secret}` } })).status,
      ).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('keeps no secret anywhere in the data directory', () => {
    if (testEngine() === 'postgres') return;
    expect(secret, 'the first test generated a token').toMatch(/^tsr_pat_/);
    const needle = Buffer.from(secret);
    const random = Buffer.from(secret.slice(8, -6));
    for (const file of filesUnder(dataDir)) {
      const content = readFileSync(file);
      expect(content.includes(needle), file).toBe(false);
      expect(content.includes(random), file).toBe(false);
    }
  });

  // The lock is the kernel's, on a file in the data directory: PIDs, which a process in another PID
  // namespace (another container on the same volume) cannot check, play no part.
  it.skipIf(testEngine() === 'postgres')(
    'refuses a second process on the same embedded database, whatever PID an old lock file names',
    async () => {
      const first = await startTessera(env);
      try {
        // What the PID check of earlier versions read as "the owner is gone" (a PID this namespace
        // cannot see): it took the data directory over.
        writeFileSync(join(dataDir, 'tessera.lock'), String(await deadPid()));
        const refused = await startTessera(env).then(
          async (second) => {
            await second.stop();
            return 'started';
          },
          (error: Error) => error.message,
        );
        expect(refused).toMatch(/exited with 1 before listening/);
        expect(refused).toContain(`The data directory ${dataDir} is in use by another Tessera process`);
        // A message for people, not a stack trace.
        expect(refused).not.toMatch(/\n\s+at /);

        // The kernel drops the lock as the killed process ends: the next start right after is accepted.
        expect(await first.stop('SIGKILL')).toBe(null);
        const restarted = await startTessera(env);
        expect(await restarted.stop()).toBe(0);
      } finally {
        await first.stop('SIGKILL');
      }
    },
  );

  it.skipIf(testEngine() === 'postgres')(
    'starts although an old lock file names a live process that is not Tessera',
    async () => {
      // Earlier versions refused this (a reused PID, or PID 1 in a container), until someone deleted it.
      writeFileSync(join(dataDir, 'tessera.lock'), String(process.pid));
      const server = await startTessera(env);
      try {
        expect(existsSync(join(dataDir, 'tessera.lock'))).toBe(false);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    },
  );
});

describe('tessera on a busy port', { timeout: 120_000 }, () => {
  it('exits with one line naming the port and how to choose another, before seeding anything', async () => {
    const busyDir = mkdtempSync(join(tmpdir(), 'tessera-busy-'));
    const holder = createServer();
    await new Promise<void>((done) => holder.listen({ host: '127.0.0.1', port: 0 }, done));
    const port = (holder.address() as AddressInfo).port;
    try {
      const busyEnv: Record<string, string> = { ...env, TESSERA_DATA_DIR: busyDir, PORT: String(port) };
      if (database) {
        // A database of its own: this start must find it empty afterwards.
        const fresh = await createTestDatabase();
        await fresh.handle.close();
        busyEnv.DATABASE_URL = fresh.url!;
        onTestFinished(() => fresh.dispose().catch(() => {}));
      }
      const refused = await startTessera(busyEnv).then(
        async (server) => {
          await server.stop();
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/exited with 1 before listening/);
      expect(refused).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(refused).toContain('PORT=8081 npm start');
      expect(refused).not.toMatch(/\n\s+at /);
      expect(refused).not.toContain('EADDRINUSE');

      // Nothing was seeded: the next start, on a free port, is still the first, and prints the password.
      const server = await startTessera({ ...busyEnv, PORT: '0' });
      try {
        expect(server.output().stderr).toMatch(/Sign in as admin@example.com\n\s+with the password \S+/);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      holder.close();
      rmSync(busyDir, { recursive: true, force: true });
    }
  });
});

/** The PID of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}
