import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../src/notifications/index.ts';
import { sendSigned } from '../../src/notifications/webhook-sender.ts';

describe('the webhook address guard', () => {
  it('refuses loopback, link-local, private, metadata and reserved addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it('allows public addresses', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  describe('at delivery', () => {
    let port = 0;
    let hits = 0;
    const server = createServer((_request, response) => {
      hits++;
      response.end('ok');
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const message = (host: string) => ({
      url: `http://${host}:${port}/hook`,
      id: 'msg_1',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      body: '{}',
      timestamp: new Date(),
    });

    it('checks the address a name resolves to, and sends nothing there', async () => {
      const byName = await sendSigned(message('localhost'), false);
      expect(byName).toMatchObject({ ok: false, statusCode: null });
      expect(byName.error).toMatch(/private address/);
      const byAddress = await sendSigned(message('127.0.0.1'), false);
      expect(byAddress.error).toMatch(/private address/);
      expect(hits).toBe(0);
    });

    it('sends there when private addresses are allowed', async () => {
      const result = await sendSigned(message('localhost'), true);
      expect(result).toMatchObject({ ok: true, statusCode: 200, responseStart: 'ok', error: null });
      expect(hits).toBe(1);
    });
  });
});
