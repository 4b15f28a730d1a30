import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, SECOND } from '../support/clock.ts';
import { type Session, setupHarness } from '../support/harness.ts';
import { startReceiver, startSmtpSink } from '../support/notification-sinks.ts';

// Emails through a real SMTP server in this process (over TCP), webhooks to a real HTTP receiver that
// checks each signature by hand. The tests drive the background jobs themselves, with the test clock.

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  smtp = await startSmtpSink();
  receiver = await startReceiver();
});
afterAll(async () => {
  await smtp?.close();
  await receiver?.close();
});

const h = setupHarness({
  env: () => ({
    TESSERA_SMTP_URL: smtp.url,
    TESSERA_MAIL_FROM: 'Tessera <tessera@example.com>',
    TESSERA_PUBLIC_URL: 'https://tessera.example.com',
    TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
  }),
});

const notifications = () => h.services.notifications;

/** Empty the outbox and send what is due, as the background job does each second. */
async function deliver() {
  await notifications().delivery.run();
}

function reset() {
  smtp.mails.length = 0;
  receiver.received.length = 0;
  receiver.state.respond = () => 200;
}

async function createWebhook(admin: Session, events: string[], url = receiver.url) {
  const response = await h.request({ url: '/api/webhooks', session: admin, body: { url, events } });
  expect(response.statusCode).toBe(201);
  const created = response.json() as { webhook: { id: string }; secret: string };
  receiver.state.secret = created.secret;
  return created;
}

async function attemptsOf(admin: Session, id: string) {
  const response = await h.request({ url: `/api/webhooks/${id}/attempts`, session: admin });
  expect(response.statusCode).toBe(200);
  return response.json().items as {
    delivery_id: string;
    event_id: string;
    status_code: number | null;
    delivery_status: string;
    error: string | null;
    response_start: string | null;
  }[];
}

describe('webhooks', () => {
  it('are created by Admins with a secret shown once, listed without it, changed and deleted', async () => {
    reset();
    const admin = await h.session('admin');
    const member = await h.session('member');
    const body = { url: receiver.url, events: ['token.revoked'] };
    expect((await h.request({ url: '/api/webhooks', session: member, body })).statusCode).toBe(403);
    expect((await h.request({ url: '/api/webhooks', session: member })).statusCode).toBe(403);
    const { webhook, secret } = await createWebhook(admin, ['token.revoked']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const list = await h.request({ url: '/api/webhooks', session: admin });
    expect(list.json().items).toEqual([
      expect.objectContaining({ id: webhook.id, url: receiver.url, enabled: true }),
    ]);
    expect(list.body).not.toContain(secret.slice(6));
    const patched = await h.request({
      method: 'PATCH',
      url: `/api/webhooks/${webhook.id}`,
      session: admin,
      body: { events: ['token.created', 'account.created'] },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().events).toEqual(['token.created', 'account.created']);
    const actions = await h.database.handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', webhook.id)
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['webhook.created', 'webhook.updated']);
    const deleted = await h.request({ method: 'DELETE', url: `/api/webhooks/${webhook.id}`, session: admin });
    expect(deleted.statusCode).toBe(204);
    expect((await h.request({ url: `/api/webhooks/${webhook.id}`, session: admin })).statusCode).toBe(404);
  });

  it('refuse each bad input naming the field, and write nothing', async () => {
    const admin = await h.session('admin');
    const cases: [unknown, string][] = [
      [{ events: ['token.revoked'] }, 'url'],
      [{ url: 'ftp://example.com/hook', events: ['token.revoked'] }, 'url'],
      [{ url: 'not a url', events: ['token.revoked'] }, 'url'],
      [{ url: 'https://user:pw@example.com/hook', events: ['token.revoked'] }, 'url'],
      [{ url: `https://example.com/${'a'.repeat(2000)}`, events: ['token.revoked'] }, 'url'],
      [{ url: 'https://example.com/hook' }, 'events'],
      [{ url: 'https://example.com/hook', events: [] }, 'events'],
      [{ url: 'https://example.com/hook', events: ['token.sneezed'] }, 'events'],
      [{ url: 'https://example.com/hook', events: ['token.revoked', 'token.revoked'] }, 'events'],
      [{ url: 'https://example.com/hook', events: ['token.revoked'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const response = await h.request({ url: '/api/webhooks', session: admin, body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().code).toBe('invalid_request');
      // An array's bad item is named with its index: `events.0`.
      expect(response.json().details.field).toMatch(new RegExp(`^${field}(\\.\\d+)?$`));
    }
    const { webhook } = await createWebhook(admin, ['token.revoked']);
    for (const [body, field] of [
      [{ url: 'gopher://example.com' }, 'url'],
      [{ events: [] }, 'events'],
      [{ enabled: 'yes' }, 'enabled'],
    ] as const) {
      const response = await h.request({
        method: 'PATCH',
        url: `/api/webhooks/${webhook.id}`,
        session: admin,
        body,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().details.field).toBe(field);
    }
    const rows = await h.database.handle.db.selectFrom('webhooks').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ url: receiver.url, events: ['token.revoked'], enabled: true });
    const badId = await h.request({ url: '/api/webhooks/nope/attempts', session: admin });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().details.field).toBe('id');
  });

  it('deliver a revocation signed per Standard Webhooks, with the token and never its secret', async () => {
    reset();
    const admin = await h.session('admin');
    const member = await h.session('member');
    const { webhook } = await createWebhook(admin, ['token.revoked', 'token.created']);
    const { token, secret } = await h.generate(member, { name: 'deploy-bot' });
    const revoked = await h.request({
      url: `/api/tokens/${token.id}/revoke`,
      session: member,
      body: { reason: 'no longer needed' },
    });
    expect(revoked.statusCode).toBe(200);
    // The outbox holds both events before anything is sent.
    const outbox = await h.database.handle.db
      .selectFrom('notification_events')
      .select('type')
      .where('type', 'like', 'token.%')
      .execute();
    expect(outbox.map((e) => e.type).sort()).toEqual(['token.created', 'token.revoked']);
    await deliver();
    expect(receiver.received.map((r) => r.payload.type).sort()).toEqual(['token.created', 'token.revoked']);
    for (const hook of receiver.received) {
      expect(hook.signatureValid).toBe(true);
      expect(hook.body).not.toContain(secret);
      expect(hook.body).not.toContain(secret.slice(-20));
    }
    const hook = receiver.received.find((r) => r.payload.type === 'token.revoked')!;
    expect(hook.payload.data).toMatchObject({
      token: { id: token.id, name: 'deploy-bot', kind: 'personal', owner: { id: member.account.id } },
      actor: { id: member.account.id },
      reason: 'no longer needed',
    });
    expect(Number(hook.timestamp)).toBe(Math.floor(h.clock.now().getTime() / 1000));
    // A wrong secret does not verify: the check above can fail.
    const { verifySignature } = await import('../support/notification-sinks.ts');
    expect(
      verifySignature(
        'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        { id: hook.id, timestamp: hook.timestamp, signature: 'v1,xxxx' },
        hook.body,
      ),
    ).toBe(false);
    const log = await attemptsOf(admin, webhook.id);
    expect(log).toHaveLength(2);
    expect(log.every((a) => a.status_code === 200 && a.delivery_status === 'delivered')).toBe(true);
    // Delivered once: another run sends nothing.
    await deliver();
    expect(receiver.received).toHaveLength(2);
  });

  it('retry with backoff and the same webhook-id; only 2xx is success and redirects are not followed', async () => {
    reset();
    const admin = await h.session('admin');
    const { webhook } = await createWebhook(admin, ['token.created']);
    const answers = [500, 302, 200];
    receiver.state.respond = () => answers.shift() ?? 200;
    const member = await h.session('member');
    await h.generate(member, { name: 'retried' });
    await deliver();
    expect(receiver.received).toHaveLength(1);
    // Not due yet: the first retry waits.
    await deliver();
    expect(receiver.received).toHaveLength(1);
    h.clock.advance(15 * SECOND);
    await deliver();
    expect(receiver.received).toHaveLength(2);
    h.clock.advance(30 * SECOND);
    await deliver();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    const log = await attemptsOf(admin, webhook.id);
    expect(log.map((a) => a.status_code)).toEqual([200, 302, 500]);
    expect(log[2]!.response_start).toBe('answer 500');
    expect(log[0]!.delivery_status).toBe('delivered');
  });

  it('give up after 24 hours, disable the webhook and email the Admins; a failed delivery can be resent', async () => {
    reset();
    const admin = await h.session('admin');
    const { webhook } = await createWebhook(admin, ['token.created']);
    receiver.state.respond = () => 503;
    const member = await h.session('member');
    await h.generate(member, { name: 'never-arrives' });
    await deliver();
    for (let hour = 0; hour < 25; hour++) {
      h.clock.advance(HOUR);
      await deliver();
    }
    const row = await h.database.handle.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', webhook.id)
      .executeTakeFirstOrThrow();
    expect(row.enabled).toBe(false);
    expect(row.disabled_reason).toBe('failing for 24 hours');
    const tries = receiver.received.length;
    expect(tries).toBeGreaterThan(10);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    await deliver();
    const disabledMail = smtp.mails.filter((m) => m.subject === 'Tessera: a webhook was disabled');
    expect(disabledMail.map((m) => m.to[0])).toEqual([admin.account.email]);
    expect(disabledMail[0]!.raw).toContain(receiver.url);
    // Nothing more is tried while it is disabled.
    h.clock.advance(2 * HOUR);
    await deliver();
    expect(receiver.received).toHaveLength(tries);
    const [last] = await attemptsOf(admin, webhook.id);
    expect(last!.delivery_status).toBe('failed');
    const whileDisabled = await h.request({
      url: `/api/webhooks/${webhook.id}/deliveries/${last!.delivery_id}/resend`,
      session: admin,
      body: {},
    });
    expect(whileDisabled.statusCode).toBe(409);
    const enabled = await h.request({
      method: 'PATCH',
      url: `/api/webhooks/${webhook.id}`,
      session: admin,
      body: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    receiver.state.respond = () => 204;
    const resent = await h.request({
      url: `/api/webhooks/${webhook.id}/deliveries/${last!.delivery_id}/resend`,
      session: admin,
      body: {},
    });
    expect(resent.statusCode).toBe(202);
    await deliver();
    expect(receiver.received).toHaveLength(tries + 1);
    expect(receiver.received.at(-1)!.id).toBe(last!.event_id);
    const again = await h.request({
      url: `/api/webhooks/${webhook.id}/deliveries/${crypto.randomUUID()}/resend`,
      session: admin,
      body: {},
    });
    expect(again.statusCode).toBe(404);
  });

  it('send a test event to the one webhook asked', async () => {
    reset();
    const admin = await h.session('admin');
    const first = await createWebhook(admin, ['token.created']);
    const other = await createWebhook(admin, ['token.created']);
    const response = await h.request({
      url: `/api/webhooks/${first.webhook.id}/test`,
      session: admin,
      body: {},
    });
    expect(response.statusCode).toBe(202);
    receiver.state.secret = first.secret;
    await deliver();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ id: response.json().event_id, signatureValid: true });
    expect(receiver.received[0]!.payload.type).toBe('webhook.test');
    expect(await attemptsOf(admin, other.webhook.id)).toEqual([]);
  });

  it('send each attempt once when two nodes deliver at the same moment, and are forgotten after 30 days', async () => {
    reset();
    const admin = await h.session('admin');
    const { webhook } = await createWebhook(admin, ['token.created']);
    const member = await h.session('member');
    for (const name of ['one', 'two', 'three']) await h.generate(member, { name });
    await Promise.all([deliver(), deliver(), deliver()]);
    await deliver();
    expect(receiver.received.map((r) => (r.payload.data.token as { name: string }).name).sort()).toEqual([
      'one',
      'three',
      'two',
    ]);
    expect(await attemptsOf(admin, webhook.id)).toHaveLength(3);
    h.clock.advance(31 * DAY);
    await notifications().delivery.purge();
    expect(await attemptsOf(admin, webhook.id)).toEqual([]);
    const left = await h.database.handle.db.selectFrom('notification_events').select('id').execute();
    expect(left).toEqual([]);
  });

  it('send account events', async () => {
    reset();
    const admin = await h.session('admin');
    await createWebhook(admin, ['account.created', 'account.deactivated', 'account.reactivated']);
    const person = await h.person({ email: 'newcomer@example.com' });
    for (const action of ['deactivate', 'reactivate']) {
      const response = await h.request({
        url: `/api/users/${person.id}/${action}`,
        session: admin,
        body: {},
      });
      expect(response.statusCode, action).toBe(200);
    }
    await deliver();
    const mine = receiver.received.filter((r) => (r.payload.data.account as { id: string }).id === person.id);
    // Deliveries run side by side: the order of arrival is not promised.
    expect(mine.map((r) => r.payload.type).sort()).toEqual([
      'account.created',
      'account.deactivated',
      'account.reactivated',
    ]);
    expect(mine.find((r) => r.payload.type === 'account.created')!.payload.data.account).toMatchObject({
      email: 'newcomer@example.com',
      kind: 'human',
    });
  });
});

describe('security notices', () => {
  it('tell the owner their token was revoked by someone else, or rotated; not what they did themselves', async () => {
    reset();
    const admin = await h.session('admin');
    const member = await h.session('member');
    const mine = await h.generate(member, { name: 'revoked-by-me' });
    const rotated = await h.generate(member, { name: 'rotated-one' });
    const theirs = await h.generate(member, { name: 'revoked-by-deactivation' });
    await h.request({ url: `/api/tokens/${mine.token.id}/revoke`, session: member, body: {} });
    const rotation = await h.request({
      url: `/api/tokens/${rotated.token.id}/rotate`,
      session: member,
      body: { grace_period_minutes: 0 },
    });
    expect(rotation.statusCode).toBe(201);
    const deactivated = await h.request({
      url: `/api/users/${member.account.id}/deactivate`,
      session: admin,
      body: {},
    });
    expect(deactivated.statusCode).toBe(200);
    await deliver();
    const subjects = smtp.mails.map((m) => m.subject).sort();
    expect(subjects).toEqual([
      'Tessera: your token "revoked-by-deactivation" was revoked',
      // The rotation's replacement, revoked with its owner.
      'Tessera: your token "rotated-one" was revoked',
      'Tessera: your token "rotated-one" was rotated',
    ]);
    expect(smtp.mails.every((m) => m.to[0] === member.account.email)).toBe(true);
    const revokedMail = smtp.mails.find((m) => m.subject.includes('revoked-by-deactivation'))!;
    expect(revokedMail.raw).toContain(`by ${admin.account.email}`);
    expect(revokedMail.raw).toContain('reason: owner deactivated');
    expect(revokedMail.raw).toContain('Content-Type: text/html');
    expect(revokedMail.raw).toContain('Content-Type: text/plain');
    // The notice links to the token's own page.
    expect(revokedMail.raw).toContain(
      `The token: https://tessera.example.com/settings/access-tokens/personal/${theirs.token.id}`,
    );
    const rotatedMail = smtp.mails.find((m) => m.subject.endsWith('"rotated-one" was rotated'))!;
    expect(rotatedMail.raw).toContain(`/settings/access-tokens/personal/${rotated.token.id}`);
    for (const mail of smtp.mails) {
      for (const s of [mine.secret, theirs.secret, rotated.secret, rotation.json().secret]) {
        expect(mail.raw).not.toContain(s);
      }
    }
  });
});

describe('expiry warnings', () => {
  async function expiring(session: Session, name: string, days: number, kind = 'personal', extra = {}) {
    const { token } = await h.generate(session, { name, kind, expires_in_days: days, ...extra });
    return token;
  }

  it('send each threshold once, ever, in one email per recipient listing all their tokens', async () => {
    reset();
    const member = await h.session('member');
    const a = await expiring(member, 'pipeline-a', 3);
    const b = await expiring(member, 'pipeline-b', 5);
    await expiring(member, 'far-away', 30);
    const claimed = await notifications().expiryWarnings.run();
    expect(claimed).toHaveLength(2);
    expect(claimed.every((c) => c.thresholdDays === 7)).toBe(true);
    await deliver();
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual([member.account.email]);
    expect(mail.subject).toBe('Tessera: 2 tokens expire soon');
    expect(mail.raw).toContain('pipeline-a');
    expect(mail.raw).toContain('pipeline-b');
    expect(mail.raw).not.toContain('far-away');
    expect(mail.raw).toContain('Expires in 3 days');
    expect(mail.raw).toContain('UTC');
    expect(mail.raw).toContain('Not used yet');
    // Each token links to its own page, whose actions menu rotates it.
    for (const token of [a, b]) {
      const page = `https://tessera.example.com/settings/access-tokens/personal/${token.id}`;
      expect(mail.raw).toContain(`Rotate it: ${page}`);
      expect(mail.raw).toContain(`<a href="${page}">Rotate it in Tessera</a>`);
    }
    // Again, and again after time passes within the same threshold: nothing new.
    expect(await notifications().expiryWarnings.run()).toEqual([]);
    h.clock.advance(HOUR);
    expect(await notifications().expiryWarnings.run()).toEqual([]);
    await deliver();
    expect(smtp.mails).toHaveLength(1);
    // Within a day of its expiry: the 1-day warning, for pipeline-a alone.
    h.clock.advance(2 * DAY + 12 * HOUR);
    expect(await notifications().expiryWarnings.run()).toEqual([{ tokenId: a.id, thresholdDays: 1 }]);
    await deliver();
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails[1]!.subject).toBe('Tessera: your token "pipeline-a" expires soon');
    // Expired: the "expired" notice, once.
    h.clock.advance(DAY);
    expect(await notifications().expiryWarnings.run()).toEqual([{ tokenId: a.id, thresholdDays: 0 }]);
    expect(await notifications().expiryWarnings.run()).toEqual([]);
    await deliver();
    expect(smtp.mails.at(-1)!.subject).toBe('Tessera: your token "pipeline-a" has expired');
  });

  it('are claimed once when two nodes run at the same moment', async () => {
    reset();
    const member = await h.session('member');
    for (const name of ['race-1', 'race-2', 'race-3']) await expiring(member, name, 2);
    const runs = await Promise.all([
      notifications().expiryWarnings.run(),
      notifications().expiryWarnings.run(),
      notifications().expiryWarnings.run(),
    ]);
    expect(runs.flat()).toHaveLength(3);
    await Promise.all([deliver(), deliver()]);
    await deliver();
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.subject).toBe('Tessera: 3 tokens expire soon');
  });

  it('go to a service user with an email and to every Admin; personal ones obey the owner’s switch', async () => {
    reset();
    const admin = await h.session('admin');
    const otherAdmin = await h.person({ role: 'admin' });
    const svc = await h.serviceUser({ email: 'ci-team@example.com' });
    await expiring(admin, 'ci-deploy', 2, 'service', { service_user_id: svc.id });
    const member = await h.session('member');
    await expiring(member, 'quiet-one', 2);
    const off = await h.request({
      method: 'PUT',
      url: '/api/me/notifications',
      session: member,
      body: { expiry_warnings: false },
    });
    expect(off.json()).toEqual({ expiry_warnings: false });
    const bad = await h.request({ method: 'PUT', url: '/api/me/notifications', session: member, body: {} });
    expect(bad.json().details.field).toBe('expiry_warnings');
    await notifications().expiryWarnings.run();
    await deliver();
    const recipients = smtp.mails.map((m) => m.to[0]).sort();
    expect(recipients).toEqual([admin.account.email, otherAdmin.email, 'ci-team@example.com'].sort());
    expect(smtp.mails.every((m) => m.raw.includes('ci-deploy'))).toBe(true);
    expect(smtp.mails.some((m) => m.raw.includes('quiet-one'))).toBe(false);
  });

  it('send token.expiring and token.expired webhooks', async () => {
    reset();
    const admin = await h.session('admin');
    await createWebhook(admin, ['token.expiring', 'token.expired']);
    const token = await expiring(admin, 'hooked', 1);
    await notifications().expiryWarnings.run();
    h.clock.advance(DAY + SECOND);
    await notifications().expiryWarnings.run();
    await deliver();
    const sent = receiver.received.map((r) => [r.payload.type, r.payload.data.threshold_days]);
    expect(sent.sort()).toEqual([
      ['token.expired', 0],
      ['token.expiring', 1],
    ]);
    expect(receiver.received.every((r) => (r.payload.data.token as { id: string }).id === token.id)).toBe(
      true,
    );
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });

  it('use the Admins’ thresholds, refusing bad ones naming the field', async () => {
    const admin = await h.session('admin');
    const member = await h.session('member');
    expect((await h.request({ url: '/api/settings/notifications', session: member })).statusCode).toBe(403);
    const read = await h.request({ url: '/api/settings/notifications', session: admin });
    expect(read.json()).toEqual({ expiry_thresholds_days: [7, 1], smtp_configured: true });
    for (const body of [
      {},
      { expiry_thresholds_days: [0] },
      { expiry_thresholds_days: [400] },
      { expiry_thresholds_days: [7, 7] },
      { expiry_thresholds_days: [1.5] },
      { expiry_thresholds_days: 'soon' },
    ]) {
      const response = await h.request({
        method: 'PUT',
        url: '/api/settings/notifications',
        session: admin,
        body,
      });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().details.field).toMatch(/^expiry_thresholds_days(\.\d+)?$/);
    }
    const put = await h.request({
      method: 'PUT',
      url: '/api/settings/notifications',
      session: admin,
      body: { expiry_thresholds_days: [1, 30, 7] },
    });
    expect(put.json()).toEqual({ expiry_thresholds_days: [30, 7, 1], smtp_configured: true });
    reset();
    await expiring(member, 'month-out', 20);
    expect(await notifications().expiryWarnings.run()).toEqual([
      expect.objectContaining({ thresholdDays: 30 }),
    ]);
  });
});
