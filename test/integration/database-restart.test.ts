import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBin, isRoot, type Postgres, startPostgres } from '../../scripts/postgres.ts';
import { testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// The fault test: two Tessera processes on one PostgreSQL of this file's own, under a light load
// of token requests and token generations, while PostgreSQL is shut down (`pg_ctl stop -m fast`) and
// started again. No 500 at any moment, 503 service_unavailable while it is down, everything answering
// within 5 s of its return, and no token lost. The cluster is its own (never the shared test server), so
// the file runs once, in the PGlite project.

const bin = findPostgresBin();
const skipReason =
  testEngine() === 'postgres'
    ? 'runs once, in the PGlite project (it starts a PostgreSQL of its own)'
    : !bin
      ? 'needs the PostgreSQL server binaries (initdb, pg_ctl)'
      : !isRoot
        ? 'needs root, to run PostgreSQL as the postgres user'
        : undefined;

const PASSWORD = 'restart test password 1234';
const TIMEOUT_MS = 1000;

interface Answer {
  node: 'a' | 'b';
  kind: 'check' | 'api' | 'generate';
  started: number;
  ended: number;
  status: number;
  code?: string;
  retryAfter: string | null;
  tokenId?: string;
}

let cluster: Postgres | undefined;
const nodes: TesseraProcess[] = [];

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  cluster?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL shut down and started again under load, on two nodes', () => {
  it('answers 503, never 500, recovers within 5 s and loses nothing', {
    timeout: 90_000,
  }, async (context) => {
    if (skipReason) return context.skip(skipReason);
    cluster = await startPostgres(bin!);
    const env = {
      DATABASE_URL: cluster.url,
      TESSERA_ADMIN_EMAIL: 'admin@example.com',
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_WEB_DIR: 'test/no-console',
      TESSERA_DB_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
      TESSERA_DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
    };
    // One after the other: the first start creates the Admin.
    const a = await startTessera(env);
    nodes.push(a);
    const b = await startTessera(env);
    nodes.push(b);
    const sessions = {
      a: await signInOver(a.url, 'admin@example.com', PASSWORD),
      b: await signInOver(b.url, 'admin@example.com', PASSWORD),
    };
    const urls = { a: a.url, b: b.url };
    const generate = (node: 'a' | 'b', name: string) =>
      fetch(`${urls[node]}/api/tokens`, {
        method: 'POST',
        headers: sessions[node].headers,
        body: JSON.stringify({ name, kind: 'personal', expires_in_days: 30 }),
        signal: AbortSignal.timeout(10_000),
      });
    const secrets: Record<'a' | 'b', string> = { a: '', b: '' };
    for (const node of ['a', 'b'] as const) {
      const created = await generate(node, `Load ${node}`);
      expect(created.status).toBe(201);
      secrets[node] = ((await created.json()) as { secret: string }).secret;
    }

    const answers: Answer[] = [];
    let running = true;
    let sequence = 0;
    const call = async (node: 'a' | 'b', kind: Answer['kind']) => {
      const started = performance.now();
      const bearer = { authorization: `Bearer ${secrets[node]}` };
      const response =
        kind === 'generate'
          ? await generate(node, `Token ${++sequence}`)
          : await fetch(`${urls[node]}${kind === 'check' ? '/auth/check' : '/api/me'}`, {
              headers: bearer,
              signal: AbortSignal.timeout(10_000),
            });
      const text = await response.text();
      const body = ((text && JSON.parse(text)) ?? {}) as { code?: string; token?: { id: string } };
      answers.push({
        node,
        kind,
        started,
        ended: performance.now(),
        status: response.status,
        code: body.code,
        retryAfter: response.headers.get('retry-after'),
        tokenId: response.status === 201 ? body.token?.id : undefined,
      });
    };
    // Two workers per node and kind, each a request at a time with a short pause: light and bounded.
    const workers = (['a', 'b'] as const).flatMap((node) =>
      (['check', 'api', 'generate'] as const).map(async (kind) => {
        while (running) {
          await call(node, kind);
          await pause(kind === 'generate' ? 100 : 20);
        }
      }),
    );

    await pause(1500);
    const stopping = performance.now();
    expect(cluster.halt()).toBe(true);
    const stopped = performance.now();
    await pause(3000);
    const starting = performance.now();
    expect(cluster.resume()).toBe(true);
    const back = performance.now();
    await pause(6500);
    running = false;
    await Promise.all(workers);

    const describe = (answer: Answer) =>
      `${answer.node} ${answer.kind} ${answer.status} ${answer.code ?? ''} at ${Math.round(answer.started - stopping)} ms`;
    // Never a 500 (nor any 5xx but 503), at any moment.
    const wrong = answers.filter((answer) => answer.status >= 500 && answer.status !== 503);
    expect(wrong.map(describe)).toEqual([]);
    // Before the stop, everything passed.
    const before = answers.filter((answer) => answer.ended < stopping);
    expect(before.length).toBeGreaterThan(10);
    expect(before.filter((answer) => answer.status >= 300).map(describe)).toEqual([]);
    // While it was down (past the moment the nodes notice, which the LISTEN connection's drop tells
    // them at once), 503 service_unavailable with Retry-After, on both nodes and every kind of request.
    const down = answers.filter((answer) => answer.started > stopped + 200 && answer.ended < starting);
    expect(down.length).toBeGreaterThan(10);
    for (const answer of down) {
      expect(answer.status, describe(answer)).toBe(503);
      expect(answer.code, describe(answer)).toBe('service_unavailable');
      expect(answer.retryAfter).toBe('5');
    }
    for (const node of ['a', 'b'] as const) {
      for (const kind of ['check', 'api', 'generate'] as const) {
        expect(down.some((answer) => answer.node === node && answer.kind === kind)).toBe(true);
      }
    }
    // Every 503 came while the database was down, or in the moments it took to come back.
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(answer.ended, describe(answer)).toBeGreaterThan(stopping);
      expect(answer.started, describe(answer)).toBeLessThan(back + 5000);
    }
    // From 5 s after its return, everything passes again, on both nodes.
    const after = answers.filter((answer) => answer.started > back + 5000);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((answer) => answer.status >= 300).map(describe)).toEqual([]);
    for (const node of ['a', 'b'] as const) expect(after.some((answer) => answer.node === node)).toBe(true);

    // Nothing lost: every token generated (201) before the stop is there, asked on either node.
    const generated = answers.filter((answer) => answer.tokenId && answer.ended < stopping);
    expect(generated.length).toBeGreaterThan(2);
    for (const [index, answer] of generated.entries()) {
      const node = index % 2 === 0 ? 'a' : 'b';
      const found = await fetch(`${urls[node]}/api/tokens/${answer.tokenId}`, {
        headers: sessions[node].headers,
      });
      expect(found.status, answer.tokenId).toBe(200);
    }

    // Each node logged the outage once as it began and once as it ended, and no request's stack.
    for (const node of nodes) {
      const lines = node.output().stdout.split('\n');
      const count = (text: string) => lines.filter((line) => line.includes(text)).length;
      expect(count('"msg":"database unavailable'), node.output().stdout.slice(-4000)).toBe(1);
      expect(count('"msg":"database available again"')).toBe(1);
      expect(count('"msg":"request failed"')).toBe(0);
    }
  });
});
