import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../support/database.ts';
import { eventually, startReceiver, startSmtpSink } from '../support/notification-sinks.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// A real `tessera` process, as `npm start` runs it, with SMTP pointing at a sink in this process and a
// 2-second notification interval; killed with SIGKILL while a webhook delivery is in flight, after the
// change committed, and started again on the same data. PGlite only, as test/integration/crash.test.ts
// explains: the embedded database dies with the process.

const PASSWORD = 'notify-crash-admin-password';
const running = new Set<TesseraProcess>();
let dataDir: string;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-notify-crash-'));
  smtp = await startSmtpSink();
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const server of running) await server.stop('SIGKILL');
  await smtp?.close();
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const server = await startTessera(
    {
      TESSERA_DATA_DIR: dataDir,
      TESSERA_DEMO: '0',
      TESSERA_ADMIN_EMAIL: 'admin@example.com',
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_SMTP_URL: smtp.url,
      TESSERA_MAIL_FROM: 'tessera@example.com',
      TESSERA_PUBLIC_URL: 'https://tessera.example.com',
      TESSERA_NOTIFY_INTERVAL_SECONDS: '2',
      TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
    },
    120_000,
  );
  running.add(server);
  const { headers } = await signInOver(server.url, 'admin@example.com', PASSWORD);
  return { server, headers };
}

async function post(url: string, headers: Record<string, string>, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

describe.skipIf(testEngine() === 'postgres')('notifications across kill -9', () => {
  it('sends the 7-day warning within seconds, delivers an event whose delivery a crash cut, once, with its id', {
    timeout: 240_000,
  }, async () => {
    const first = await start();
    expect(first.server.output().stdout).not.toContain('no email is sent');
    const created = (await post(`${first.server.url}/api/webhooks`, first.headers, {
      url: receiver.url,
      events: ['token.revoked'],
    })) as { secret: string };
    receiver.state.secret = created.secret;

    // A token expiring in 3 days: the 7-day warning names it within seconds.
    const expiring = (await post(`${first.server.url}/api/tokens`, first.headers, {
      name: 'sunday-pipeline',
      kind: 'personal',
      expires_in_days: 3,
    })) as { secret: string };
    await eventually(() => smtp.mails.length > 0, 'the 7-day warning', 30_000);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['admin@example.com']);
    expect(smtp.mails[0]!.raw).toContain('sunday-pipeline');
    expect(smtp.mails[0]!.raw).toMatch(/Expires in [23] days/);
    expect(smtp.mails[0]!.raw).not.toContain(expiring.secret);

    // The revocation commits; its delivery starts and the receiver holds it; the process dies.
    receiver.state.respond = () => (receiver.received.length === 1 ? 'hang' : 200);
    const doomed = (await post(`${first.server.url}/api/tokens`, first.headers, {
      name: 'doomed',
      kind: 'personal',
      expires_in_days: 30,
    })) as { token: { id: string }; secret: string };
    await post(`${first.server.url}/api/tokens/${doomed.token.id}/revoke`, first.headers, {
      reason: 'crash test',
    });
    await eventually(() => receiver.received.length === 1, 'the first delivery attempt', 30_000);
    expect(await first.server.stop('SIGKILL')).toBeNull();
    running.delete(first.server);
    const cut = receiver.received[0]!;
    expect(cut.payload.type).toBe('token.revoked');

    // Started again: the delivery is tried again once its claim lapses, with the same webhook-id.
    const second = await start();
    await eventually(() => receiver.received.length >= 2, 'the delivery after the restart', 60_000);
    const delivered = receiver.received[1]!;
    expect(delivered.id).toBe(cut.id);
    expect(delivered.signatureValid).toBe(true);
    expect(delivered.payload.data).toMatchObject({ token: { id: doomed.token.id, name: 'doomed' } });
    expect(delivered.body).not.toContain(doomed.secret);

    // Several intervals later: nothing sent twice, neither the event nor the warning.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(receiver.received).toHaveLength(2);
    expect(smtp.mails.filter((m) => m.raw.includes('sunday-pipeline'))).toHaveLength(1);
    const log = await fetch(`${second.server.url}/api/webhooks`, { headers: second.headers });
    const [webhook] = ((await log.json()) as { items: { id: string; failing_since: string | null }[] }).items;
    const attempts = await fetch(`${second.server.url}/api/webhooks/${webhook!.id}/attempts`, {
      headers: second.headers,
    });
    const items = ((await attempts.json()) as { items: { status_code: number; delivery_status: string }[] })
      .items;
    expect(items).toEqual([expect.objectContaining({ status_code: 200, delivery_status: 'delivered' })]);
  });
});
