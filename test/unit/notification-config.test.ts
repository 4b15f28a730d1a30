import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('notification settings', () => {
  it('default to no SMTP, a 300-second interval and no private webhook addresses', () => {
    expect(loadConfig({}).notifications).toEqual({
      smtpUrl: undefined,
      mailFrom: 'tessera@localhost',
      publicUrl: undefined,
      allowPrivate: false,
      intervalSeconds: 300,
    });
  });

  it('take SMTP with a sender, an interval and the private-address switch', () => {
    const config = loadConfig({
      TESSERA_SMTP_URL: 'smtps://user:pw@mail.example.com:465',
      TESSERA_MAIL_FROM: 'Tessera <tessera@example.com>',
      TESSERA_NOTIFY_INTERVAL_SECONDS: '2',
      TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
    });
    expect(config.notifications).toMatchObject({
      smtpUrl: 'smtps://user:pw@mail.example.com:465',
      mailFrom: 'Tessera <tessera@example.com>',
      intervalSeconds: 2,
      allowPrivate: true,
    });
  });

  it('refuse each bad setting by name', () => {
    const cases: [Record<string, string>, string][] = [
      [{ TESSERA_SMTP_URL: 'http://mail.example.com', TESSERA_MAIL_FROM: 'a@b.c' }, 'TESSERA_SMTP_URL'],
      [{ TESSERA_SMTP_URL: 'smtp://mail.example.com' }, 'TESSERA_MAIL_FROM: required with TESSERA_SMTP_URL'],
      [{ TESSERA_NOTIFY_INTERVAL_SECONDS: '0' }, 'TESSERA_NOTIFY_INTERVAL_SECONDS'],
      [{ TESSERA_NOTIFY_INTERVAL_SECONDS: 'often' }, 'TESSERA_NOTIFY_INTERVAL_SECONDS'],
      [{ TESSERA_WEBHOOK_ALLOW_PRIVATE: 'maybe' }, 'TESSERA_WEBHOOK_ALLOW_PRIVATE'],
    ];
    for (const [env, named] of cases) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(named);
    }
  });
});
