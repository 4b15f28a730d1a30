import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/cli/client/api-client.ts';
import { colourFor, Output } from '../../src/cli/client/output.ts';
import { configDirectory, connectionFrom, serverUrl } from '../../src/cli/client/stored-login.ts';
import { expirationDays } from '../../src/cli/client/token-commands.ts';

/** A stream that keeps what is written, and says whether it is a terminal. */
function sink(isTTY: boolean) {
  let text = '';
  return {
    isTTY,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  } as unknown as NodeJS.WritableStream & { isTTY: boolean; text(): string };
}

describe('the client output', () => {
  it('is coloured only at a terminal, and never with NO_COLOR', () => {
    expect(colourFor({ isTTY: true }, {})).toBe(true);
    expect(colourFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourFor({ isTTY: false }, {})).toBe(false);
    expect(colourFor({}, {})).toBe(false);
  });

  it('pads table columns by what shows, whatever the colour codes', () => {
    const out = sink(true);
    const output = new Output(out, sink(false), {});
    output.table(
      ['NAME', 'STATUS', 'ID'],
      [
        ['a', output.paint('active', 'green'), '1'],
        ['longer', output.paint('revoked', 'red'), '2'],
      ],
    );
    const plain = stripVTControlCharacters(out.text());
    expect(out.text()).toContain('\u001b[32mactive\u001b[0m');
    expect(plain).toBe('NAME    STATUS   ID\na       active   1\nlonger  revoked  2\n');
  });

  it('says times as the console does', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    const output = new Output(sink(false), sink(false), {}, () => now);
    expect(output.when(null, 'never')).toBe('never');
    expect(output.when('2026-12-01T12:00:00Z', 'never')).toBe('3 days ago');
    expect(output.when('2027-12-04T12:00:00Z', 'never')).toBe('in 1 year');
  });
});

describe('the client settings', () => {
  it('reads --expires as whole days, a year, or never', () => {
    expect(expirationDays('30d')).toBe(30);
    expect(expirationDays('90 days')).toBe(90);
    expect(expirationDays('1y')).toBe(365);
    expect(expirationDays('never')).toBeNull();
    for (const bad of ['0d', '366d', '2y', '30', '1.5d', 'soon']) {
      expect(() => expirationDays(bad)).toThrow(/^--expires: /);
    }
  });

  it('keeps the config in XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configDirectory({ XDG_CONFIG_HOME: '/x/config' })).toBe('/x/config/tessera');
    // The XDG spec: a relative path is ignored.
    expect(configDirectory({ XDG_CONFIG_HOME: 'relative' })).toMatch(/\/\.config\/tessera$/);
  });

  it('takes an http(s) server URL, without credentials in it', () => {
    expect(serverUrl('https://tessera.example.com/')).toBe('https://tessera.example.com');
    expect(serverUrl('http://127.0.0.1:8080/tessera//')).toBe('http://127.0.0.1:8080/tessera');
    expect(() => serverUrl('tessera.example.com')).toThrow(/--server/);
    expect(() => serverUrl('https://me:tsr_pat_x@tessera.example.com')).toThrow(/standard input/);
  });

  it('lets TESSERA_URL and TESSERA_TOKEN stand in for a login, and says exit 4 without them', () => {
    const env = {
      XDG_CONFIG_HOME: '/nonexistent',
      TESSERA_URL: 'https://t.example/',
      TESSERA_TOKEN: 'tsr_pat_x',
    };
    expect(connectionFrom(env)).toEqual({ server: 'https://t.example', token: 'tsr_pat_x' });
    expect(() => connectionFrom({ XDG_CONFIG_HOME: '/nonexistent' })).toThrow(
      expect.objectContaining({ exitStatus: 4, code: 'not_signed_in' }),
    );
  });
});

describe('the API client', () => {
  it('names an unreachable server, and a refusal that is not the API’s, without the token', async () => {
    const secret = 'tsr_pat_never_in_a_message';
    const proxy = createServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>');
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const { port } = proxy.address() as AddressInfo;
    try {
      const refused = new ApiClient({ server: `http://127.0.0.1:${port}`, token: secret });
      const error = await refused.request('GET', '/api/me').catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 502, code: 'http_502', exitStatus: 1 });
      expect((error as Error).message).toBe('The server answered 502.');
    } finally {
      await new Promise((done) => proxy.close(done));
    }
    // The port is closed now: nobody answers there.
    const gone = await new ApiClient({ server: `http://127.0.0.1:${port}`, token: secret })
      .request('GET', '/api/me')
      .catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'unreachable', exitStatus: 1 });
    expect((gone as Error).message).toBe(`Could not reach http://127.0.0.1:${port}: ECONNREFUSED.`);
  });
});

describe('the expiry warning', () => {
  async function answering(expiration: string | undefined) {
    const server = createServer((_request, response) => {
      response
        .writeHead(200, {
          'content-type': 'application/json',
          ...(expiration ? { 'tessera-token-expiration': expiration } : {}),
        })
        .end('{"ok":true}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return server;
  }
  const now = new Date('2026-12-01T12:00:00Z');

  it('warns once on standard error when the token expires within 7 days, not otherwise', async () => {
    for (const [expiration, expected] of [
      ['Thu, 03 Dec 2026 12:00:00 GMT', 1],
      ['Mon, 07 Dec 2026 12:00:00 GMT', 1],
      ['Wed, 09 Dec 2026 12:00:00 GMT', 0],
      [undefined, 0],
      ['not a date', 0],
    ] as const) {
      const server = await answering(expiration);
      const lines: string[] = [];
      try {
        const { port } = server.address() as AddressInfo;
        const client = new ApiClient(
          { server: `http://127.0.0.1:${port}`, token: 'tsr_pat_x' },
          { warn: (line) => lines.push(line), now: () => now },
        );
        await client.request('GET', '/api/me');
        await client.request('GET', '/api/me');
      } finally {
        await new Promise((done) => server.close(done));
      }
      expect(lines, String(expiration)).toHaveLength(expected);
      if (expected) {
        expect(lines[0]).toMatch(/^warning: this token expires in \d days \(2026-12-0\dT12:00:00\.000Z\)/);
        expect(lines[0]).not.toContain('tsr_pat_x');
      }
    }
  });
});
