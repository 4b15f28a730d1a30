import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// A real `tessera` process killed with SIGKILL in the middle of load, then started again on the same data.
// PGlite only: the embedded database lives in the process and dies with it, which is the crash that can
// lose data. With PostgreSQL, Tessera keeps nothing but pending last uses in memory (the same code path as
// here), and the database's own durability is PostgreSQL's; each process start costs seconds, too.

const FLUSH_MS = 200;
/** Scheduling slack on a loaded 2-core machine, on top of the flush window itself. */
const SLACK_MS = 1000;
const PASSWORD = 'crash-test-admin-password';

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
  env = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_DEMO: '0',
    TESSERA_ADMIN_EMAIL: 'admin@example.com',
    TESSERA_ADMIN_PASSWORD: PASSWORD,
    TESSERA_LAST_USED_FLUSH_MS: String(FLUSH_MS),
    TESSERA_LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  // A failed test must not leave a server holding the data directory (stop() is a no-op once exited).
  for (const server of running) await server.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Generated {
  id: string;
  secret: string;
}

const running = new Set<TesseraProcess>();

async function start(): Promise<{ server: TesseraProcess; headers: Record<string, string> }> {
  // startTessera reads the URL from the info-level "tessera listening" line.
  const server = await startTessera({ ...env, TESSERA_LOG_LEVEL: 'info' }, 120_000);
  running.add(server);
  const { headers } = await signInOver(server.url, 'admin@example.com', PASSWORD);
  return { server, headers };
}

async function tokenOf(url: string, headers: Record<string, string>, id: string) {
  const response = await fetch(`${url}/api/tokens/${id}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, string | null> };
}

describe.skipIf(testEngine() === 'postgres')('crashes', () => {
  let survivors: Generated[] = [];
  let restarted: Awaited<ReturnType<typeof start>> | undefined;
  /** When each successful use of a token was sent. */
  const usesOf = new Map<string, number[]>();
  let killedAt = 0;

  it('loses no generated token and at most a flush window of last uses to kill -9 under load', {
    timeout: 180_000,
  }, async () => {
    const { server, headers } = await start();
    const generate = async (name: string): Promise<Generated | undefined> => {
      const response = await fetch(`${server.url}/api/tokens`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name, kind: 'personal', expires_in_days: 30 }),
      });
      if (response.status !== 201) return undefined;
      const { token, secret } = (await response.json()) as { token: { id: string }; secret: string };
      return { id: token.id, secret };
    };
    // Tokens to use during the load.
    const used: Generated[] = [];
    for (let i = 0; i < 6; i++) used.push((await generate(`used-${i}`))!);

    const generated: Generated[] = [];
    let stop = false;
    let counter = 0;
    const generator = async () => {
      while (!stop) {
        try {
          const made = await generate(`load-${counter++}`);
          if (made) generated.push(made);
        } catch {
          // The connection died with the server: the response never arrived, so nothing is promised.
        }
      }
    };
    const user = async (worker: number) => {
      for (let n = 0; !stop; n++) {
        const token = used[(worker + n) % used.length]!;
        const agent = `crash-test/${worker}-${n}`;
        const sentAt = Date.now();
        try {
          const response = await fetch(`${server.url}/auth/check`, {
            headers: { authorization: `Bearer ${token.secret}`, 'user-agent': agent },
          });
          if (response.status === 200) usesOf.set(token.id, [...(usesOf.get(token.id) ?? []), sentAt]);
        } catch {}
      }
    };
    const workers = [generator(), generator(), generator(), user(0), user(1), user(2)];
    await new Promise((resolve) => setTimeout(resolve, 2500));
    killedAt = Date.now();
    await server.stop('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(generated.length).toBeGreaterThan(0);
    survivors = [...used, ...generated];

    // The same data directory opens again: the kernel dropped the dead process's lock.
    const again = await start();
    restarted = again;
    {
      const listed = new Set<string>();
      for (let cursor: string | null = ''; cursor !== null; ) {
        const page = (await (
          await fetch(
            `${again.server.url}/api/tokens?kind=personal&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
            {
              headers: again.headers,
            },
          )
        ).json()) as { items: { id: string; status: string }[]; next_cursor: string | null };
        for (const item of page.items) if (item.status === 'active') listed.add(item.id);
        cursor = page.next_cursor;
      }
      expect(survivors.filter((token) => !listed.has(token.id))).toEqual([]);
      // The last answered generations were the closest to the kill: their secrets authenticate.
      for (const token of [...used, ...generated.slice(-5)]) {
        const check = await fetch(`${again.server.url}/api/introspect`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: token.secret }),
        });
        expect(((await check.json()) as { active: boolean }).active, token.id).toBe(true);
      }
      // Every use sent more than a flush window (plus slack) before the kill was written: the stored last
      // use is at least the latest of those.
      const cutoff = killedAt - FLUSH_MS - SLACK_MS;
      let checked = 0;
      for (const [id, sent] of usesOf) {
        const before = sent.filter((t) => t <= cutoff);
        if (before.length === 0) continue;
        const { body } = await tokenOf(again.server.url, again.headers, id);
        expect(Date.parse(body.last_used_at!), id).toBeGreaterThanOrEqual(Math.max(...before) - 5);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    }
  });

  it('loses nothing to a graceful stop: SIGTERM writes every pending last use', {
    timeout: 120_000,
  }, async () => {
    // The server restarted after the crash (one process start fewer).
    const first = restarted ?? (await start());
    const uses: { token: Generated; agent: string; sentAt: number }[] = [];
    for (const [i, token] of survivors.slice(0, 10).entries()) {
      const agent = `graceful/${i}`;
      const sentAt = Date.now();
      const response = await fetch(`${first.server.url}/auth/check`, {
        headers: { authorization: `Bearer ${token.secret}`, 'user-agent': agent },
      });
      expect(response.status).toBe(200);
      uses.push({ token, agent, sentAt });
    }
    // At once, well inside the flush window: only the shutdown can write these.
    expect(await first.server.stop('SIGTERM')).toBe(0);

    const second = await start();
    try {
      for (const use of uses) {
        const { body } = await tokenOf(second.server.url, second.headers, use.token.id);
        expect(body.last_used_user_agent).toBe(use.agent);
        expect(Date.parse(body.last_used_at!)).toBeGreaterThanOrEqual(use.sentAt - 5);
      }
    } finally {
      await second.server.stop('SIGTERM');
    }
  });
});
