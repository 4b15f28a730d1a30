import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// docs/PROXIES.md's recipes, run as written: a real Tessera process, two upstreams that record what
// reaches them, and Debian's nginx and Caddy configured with the recipe blocks of the doc (only the
// addresses changed). The attacks of issue #31 (items 1, 2 and 8) are sent through each proxy as raw
// request targets — Node's HTTP client sends the path as given, without normalizing it.
// PGlite only: the proxies' behaviour does not depend on the database, and a process start costs seconds.

const NGINX = '/usr/sbin/nginx';
const CADDY = '/usr/bin/caddy';
const DOC = resolve(import.meta.dirname, '../../docs/PROXIES.md');
const PASSWORD = 'proxies-test-admin-password';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** An upstream service: answers 200 and remembers every request that reached it. */
class Upstream {
  readonly seen: Seen[] = [];
  private server: Server;
  port = 0;

  constructor(name: string) {
    this.server = createServer((req, res) => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      res.setHeader('content-type', 'text/plain');
      res.end(`upstream ${name}`);
    });
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

/** The text of the block marked `<!-- recipe: name -->` in docs/PROXIES.md. */
function recipe(name: string): string {
  const doc = readFileSync(DOC, 'utf8');
  const match = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(doc);
  if (!match) throw new Error(`docs/PROXIES.md has no block marked <!-- recipe: ${name} -->`);
  return match[1]!;
}

/** The recipe with its addresses replaced; each must be there, so the doc cannot drift from the test. */
function withAddresses(text: string, name: string, replacements: [string, string][]): string {
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`docs/PROXIES.md's ${name} recipe no longer has "${from}"`);
    text = text.replaceAll(from, to);
  }
  return text;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

interface Proxy {
  port: number;
  child: ChildProcess;
  output(): string;
}

/** Start a proxy process and wait until its port accepts connections. */
async function startProxy(command: string, args: string[], env: NodeJS.ProcessEnv, port: number) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${command} did not listen on ${port}:\n${output}`);
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return { port, child, output: () => output } satisfies Proxy;
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function stopProxy(proxy: Proxy | undefined): Promise<void> {
  if (!proxy || proxy.child.exitCode !== null || proxy.child.signalCode !== null) return;
  const exited = once(proxy.child, 'exit');
  proxy.child.kill('SIGTERM');
  await exited;
}

/**
 * The nginx of issue #31: the usual `X-Original-URI $request_uri` in place of the recipe's own path
 * header, so that a client's X-Forwarded-Uri passes through to Tessera untouched.
 */
const usualNginxSetting = (text: string) =>
  withAddresses(text, 'nginx', [
    ['proxy_set_header X-Forwarded-Uri    $request_uri;', 'proxy_set_header X-Original-URI $request_uri;'],
    ['proxy_set_header X-Original-URI     "";', ''],
    ['proxy_set_header X-Original-URL     "";', ''],
  ]);

function startNginx(
  dir: string,
  ports: Ports,
  change: (text: string) => string = (text) => text,
): Promise<Proxy> {
  const server = withAddresses(change(recipe('nginx')), 'nginx', [
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${ports.tessera};`],
    ['server 127.0.0.1:9001;', `server 127.0.0.1:${ports.scim};`],
    ['server 127.0.0.1:9002;', `server 127.0.0.1:${ports.app};`],
    ['server 127.0.0.1:9003;', `server 127.0.0.1:${ports.orders};`],
    ['listen 80;', `listen 127.0.0.1:${ports.proxy};`],
  ]);
  // The main configuration around the recipe: one process in the foreground, every file in `dir`.
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${server}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return startProxy(
    NGINX,
    ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    { PATH: process.env.PATH ?? '' },
    ports.proxy,
  );
}

function startCaddy(dir: string, ports: Ports): Promise<Proxy> {
  const site = withAddresses(recipe('caddy'), 'caddy', [
    ['api.example.com {', `http://127.0.0.1:${ports.proxy} {`],
    ['127.0.0.1:8080', `127.0.0.1:${ports.tessera}`],
    ['127.0.0.1:9001', `127.0.0.1:${ports.scim}`],
    ['127.0.0.1:9002', `127.0.0.1:${ports.app}`],
    ['127.0.0.1:9003', `127.0.0.1:${ports.orders}`],
  ]);
  // No admin endpoint, no certificates, and nothing written outside `dir`.
  const caddyfile = `{
	admin off
	auto_https off
	storage file_system ${dir}/storage
}

${site}
`;
  writeFileSync(join(dir, 'Caddyfile'), caddyfile);
  return startProxy(
    CADDY,
    ['run', '--adapter', 'caddyfile', '--config', join(dir, 'Caddyfile')],
    {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
    ports.proxy,
  );
}

interface Ports {
  tessera: number;
  scim: number;
  app: number;
  orders: number;
  proxy: number;
}

/** One request with the target exactly as given (no normalization, no encoding). */
function send(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

const available = (path: string) => existsSync(path);
const proxies = [
  { name: 'nginx', binary: NGINX, start: startNginx, clearsUnknownTesseraHeaders: false },
  { name: 'Caddy', binary: CADDY, start: startCaddy, clearsUnknownTesseraHeaders: true },
];
const onPostgres = testEngine() === 'postgres';
const anyProxy = !onPostgres && proxies.some((p) => available(p.binary));

let workDir = '';
let tessera: TesseraProcess | undefined;
const scim = new Upstream('scim');
const app = new Upstream('app');
const orders = new Upstream('orders');
/** Issue #24: a token with only the upstream scope orders:read, and a revoked token. */
let ordersToken = '';
let ordersTokenId = '';
let revokedToken = '';
/** A `scim` token, and the token of a Member service user. */
let scimToken = '';
let memberToken = '';
let memberTokenId = '';
let scimTokenId = '';
/** Issue #19: a service user in a team named outside Latin-1, and the IDs of that team and of Public. */
const UNICODE_TEAM = 'Équipe Données 日本';
let unicodeToken = '';
let unicodeTeamId = '';
let publicTeamId = '';

beforeAll(async () => {
  if (!anyProxy) return;
  workDir = mkdtempSync(join(tmpdir(), 'tessera-proxies-'));
  await Promise.all([scim.start(), app.start(), orders.start()]);
  tessera = await startTessera(
    {
      TESSERA_DATA_DIR: join(workDir, 'data'),
      TESSERA_DEMO: '0',
      TESSERA_ADMIN_EMAIL: 'admin@example.com',
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_TRUST_PROXY: '127.0.0.1',
    },
    120_000,
  );
  const { headers } = await signInOver(tessera.url, 'admin@example.com', PASSWORD);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${tessera!.url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string; secret: string; token: { id: string } };
  };
  const provisioner = await post('/api/service-users', { name: 'Okta', role: 'admin' });
  const member = await post('/api/service-users', { name: 'Reporting', role: 'member' });
  const scimCreated = await post('/api/tokens', {
    name: 'SCIM',
    kind: 'service',
    service_user_id: provisioner.id,
    scopes: ['scim'],
    expires_in_days: 30,
  });
  const memberCreated = await post('/api/tokens', {
    name: 'Reports',
    kind: 'service',
    service_user_id: member.id,
    expires_in_days: 30,
  });
  scimToken = scimCreated.secret;
  scimTokenId = scimCreated.token.id;
  memberToken = memberCreated.secret;
  memberTokenId = memberCreated.token.id;
  const unicodeTeam = await post('/api/teams', { name: UNICODE_TEAM });
  unicodeTeamId = unicodeTeam.id;
  const unicodeMember = await post('/api/service-users', {
    name: 'Données',
    role: 'member',
    team_ids: [unicodeTeamId],
  });
  unicodeToken = (
    await post('/api/tokens', {
      name: 'Unicode',
      kind: 'service',
      service_user_id: unicodeMember.id,
      expires_in_days: 30,
    })
  ).secret;
  const teams = (await (await fetch(`${tessera.url}/api/teams`, { headers })).json()) as {
    items: { id: string; name: string }[];
  };
  publicTeamId = teams.items.find((team) => team.name === 'Public')!.id;

  await post('/api/scopes', { name: 'orders:read', description: 'Read orders', min_role: 'member' });
  const ordersCreated = await post('/api/tokens', {
    name: 'Orders reader',
    kind: 'service',
    service_user_id: member.id,
    expires_in_days: 30,
    scopes: ['orders:read'],
  });
  ordersToken = ordersCreated.secret;
  ordersTokenId = ordersCreated.token.id;
  const revoked = await post('/api/tokens', {
    name: 'Revoked',
    kind: 'service',
    service_user_id: member.id,
    expires_in_days: 30,
  });
  revokedToken = revoked.secret;
  const revocation = await fetch(`${tessera.url}/api/tokens/${revoked.token.id}/revoke`, {
    method: 'POST',
    headers,
    body: '{}',
  });
  if (revocation.status !== 200) throw new Error(`revoke: ${revocation.status} ${await revocation.text()}`);
}, 180_000);

afterAll(async () => {
  await tessera?.stop('SIGKILL');
  if (anyProxy) await Promise.all([scim.stop(), app.stop(), orders.stop()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.skipIf(onPostgres)('docs/PROXIES.md recipes', () => {
  for (const proxy of proxies) {
    const missing = !available(proxy.binary);
    const title = missing ? `${proxy.name} (skipped: ${proxy.binary} is not installed)` : proxy.name;

    describe.skipIf(missing)(title, { timeout: 60_000 }, () => {
      let running: Proxy | undefined;
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      const get = (path: string, headers: Record<string, string> = {}) => send(running!.port, path, headers);

      beforeAll(async () => {
        const dir = join(workDir, proxy.name.toLowerCase());
        mkdirSync(dir, { recursive: true });
        const port = await freePort();
        const tesseraPort = Number(new URL(tessera!.url).port);
        running = await proxy.start(dir, {
          tessera: tesseraPort,
          scim: scim.port,
          app: app.port,
          orders: orders.port,
          proxy: port,
        });
      }, 60_000);
      afterAll(() => stopProxy(running));
      beforeEach(() => {
        scim.seen.length = 0;
        app.seen.length = 0;
        orders.seen.length = 0;
      });

      // Issue #24: scopes through the proxy.
      it('lets a token with the required scope reach its location, with its identity and scopes', async () => {
        const response = await get('/orders/42', {
          ...bearer(ordersToken),
          'X-Tessera-Scopes': 'orders:read orders:write api',
          'X-Tessera-User': 'root@example.com',
        });
        expect(response.status, running!.output()).toBe(200);
        expect(response.body).toBe('upstream orders');
        expect(orders.seen).toHaveLength(1);
        const { headers } = orders.seen[0]!;
        expect(headers).toMatchObject({
          'x-tessera-user': 'reporting@service',
          'x-tessera-role': 'member',
          'x-tessera-token-id': ordersTokenId,
          'x-tessera-scopes': 'orders:read',
        });
        expect(headers.authorization).toBeUndefined();
        expect(headers['x-tessera-required-scope']).toBeUndefined();
      });

      it('answers 403 insufficient_scope with WWW-Authenticate for a token without the location’s scope', async () => {
        // A full-power token is Tessera's API's, not every upstream's; the client cannot lower the bar.
        const response = await get('/orders/42', {
          ...bearer(memberToken),
          'X-Tessera-Required-Scope': 'api',
        });
        expect(response.status).toBe(403);
        expect(response.headers['www-authenticate']).toMatch(
          /^Bearer realm="tessera", error="insufficient_scope", error_description="[^"]+", scope="orders:read"$/,
        );
        expect(orders.seen).toEqual([]);
        // A token with only an upstream scope opens no location that does not ask for it, whatever it sends.
        const elsewhere = await get('/admin/x', {
          ...bearer(ordersToken),
          'X-Tessera-Required-Scope': 'orders:read',
        });
        expect(elsewhere.status).toBe(403);
        expect(elsewhere.headers['www-authenticate']).toContain('scope="api"');
        expect(app.seen).toEqual([]);
      });

      it('answers 401 with the reason for a revoked token', async () => {
        for (const path of ['/orders/42', '/admin/x']) {
          const response = await get(path, bearer(revokedToken));
          expect(response.status).toBe(401);
          expect(response.headers['www-authenticate']).toBe(
            'Bearer realm="tessera", error="invalid_token", error_description="This token has been revoked."',
          );
        }
        expect(orders.seen).toEqual([]);
        expect(app.seen).toEqual([]);
      });

      it('lets a `scim` token reach /scim/v2/Users, with Tessera’s headers and without the token', async () => {
        const response = await get('/scim/v2/Users?filter=userName%20eq%20%22a%22', bearer(scimToken));
        expect(response.status, running!.output()).toBe(200);
        expect(response.body).toBe('upstream scim');
        expect(app.seen).toEqual([]);
        expect(scim.seen).toHaveLength(1);
        const { url, headers } = scim.seen[0]!;
        expect(url).toBe('/scim/v2/Users?filter=userName%20eq%20%22a%22');
        expect(headers).toMatchObject({
          'x-tessera-user': 'okta@service',
          'x-tessera-kind': 'service',
          'x-tessera-role': 'admin',
          'x-tessera-token-id': scimTokenId,
        });
        expect(headers.authorization).toBeUndefined();
      });

      it('refuses a request without a token, and lets a full-scope token through to the app', async () => {
        expect((await get('/admin/x')).status).toBe(401);
        expect((await get('/scim/v2/Users')).status).toBe(401);
        const admitted = await get('/admin/x', bearer(memberToken));
        expect(admitted.status).toBe(200);
        expect(admitted.body).toBe('upstream app');
        expect(scim.seen).toEqual([]);
        expect(app.seen.map((s) => s.url)).toEqual(['/admin/x']);
      });

      it('never lets a client-sent X-Tessera-* header reach the upstream, nor the token', async () => {
        const forged = {
          'X-Tessera-User': 'root@example.com',
          'X-Tessera-Kind': 'personal',
          'X-Tessera-Role': 'admin',
          'X-Tessera-Teams': 'Admins',
          'X-Tessera-Team-Ids': unicodeTeamId,
          'X-Tessera-Token-Id': 'forged',
          ...(proxy.clearsUnknownTesseraHeaders ? { 'X-Tessera-Scope': 'everything' } : {}),
        };
        const response = await get('/admin/x', { ...bearer(memberToken), ...forged });
        expect(response.status).toBe(200);
        const { headers } = app.seen[0]!;
        expect(headers).toMatchObject({
          'x-tessera-user': 'reporting@service',
          'x-tessera-kind': 'service',
          'x-tessera-role': 'member',
          'x-tessera-teams': 'Public',
          'x-tessera-team-ids': publicTeamId,
          'x-tessera-token-id': memberTokenId,
        });
        expect(headers['x-tessera-scope']).toBeUndefined();
        expect(headers.authorization).toBeUndefined();
        expect(JSON.stringify(headers)).not.toContain(memberToken);
      });

      it('lets a member of a team named outside Latin-1 through, the team percent-encoded', async () => {
        // Issue #19: Node refused to send this team's name, and the proxy turned Tessera's 500 into one.
        const response = await get('/admin/x', bearer(unicodeToken));
        expect(response.status, running!.output()).toBe(200);
        expect(response.body).toBe('upstream app');
        const { headers } = app.seen[0]!;
        expect(headers['x-tessera-user']).toBe('donnees@service');
        const teams = (headers['x-tessera-teams'] as string).split(',');
        const ids = (headers['x-tessera-team-ids'] as string).split(',');
        expect([...teams].sort()).toEqual(['%C3%89quipe Donn%C3%A9es %E6%97%A5%E6%9C%AC', 'Public']);
        // Decoded as docs/PROXIES.md tells an upstream to, each name stands at its ID's place.
        const byId = new Map(ids.map((id, i) => [id, decodeURIComponent(teams[i]!)]));
        expect(byId).toEqual(
          new Map([
            [unicodeTeamId, UNICODE_TEAM],
            [publicTeamId, 'Public'],
          ]),
        );
      });

      // Item 1: the client names its own path header.
      it.each([
        ['X-Forwarded-Uri', '/scim/v2/x'],
        ['X-Original-URI', '/scim/v2/x'],
        ['X-Original-URL', 'https://api.example.com/scim/v2/x'],
      ])('keeps a `scim` token that sends %s: %s out of /admin/x', async (header, value) => {
        const response = await get('/admin/x', { ...bearer(scimToken), [header]: value });
        expect(response.status).toBe(403);
        expect(app.seen).toEqual([]);
        expect(scim.seen).toEqual([]);
      });

      // Item 2: dot segments, encoded dots and encoded slashes, which both proxies route to /admin/x.
      it.each([
        '/scim/v2/../../admin/x',
        '/scim/v2/%2e%2e/%2e%2e/admin/x',
        '/scim/v2/%2E%2E/%2E%2E/admin/x',
        '/scim/v2/..%2f..%2fadmin/x',
        '/scim/v2/..%2F..%2Fadmin/x',
        '/scim/v2/./../../admin/x',
        '/scim/v2//../../admin/x',
        '/scim/v2/..;/..;/admin/x',
        // Decoded twice, this would read /scim/v2/x to Tessera while the proxy routes it to /admin/.
        '/admin/%252e%252e/scim/v2/x',
      ])('keeps a `scim` token out of the app via %s', async (path) => {
        const response = await get(path, bearer(scimToken));
        expect(response.status, response.body).toBe(403);
        expect(app.seen).toEqual([]);
      });

      it('routes a double-encoded dot segment under /scim/v2 to the SCIM service, as Tessera reads it', async () => {
        // Decoded once, by the proxy and by Tessera alike: the segment `%2e%2e`, not `..`.
        const response = await get('/scim/v2/%252e%252e/%252e%252e/admin/x', bearer(scimToken));
        expect(response.status).toBe(200);
        expect(app.seen).toEqual([]);
        expect(scim.seen).toHaveLength(1);
      });
    });
  }
});

describe.skipIf(onPostgres || !available(NGINX))(
  'nginx with the usual X-Original-URI setting instead',
  () => {
    let running: Proxy | undefined;
    beforeAll(async () => {
      const dir = join(workDir, 'nginx-usual');
      mkdirSync(dir, { recursive: true });
      const ports = {
        tessera: Number(new URL(tessera!.url).port),
        scim: scim.port,
        app: app.port,
        orders: orders.port,
      };
      running = await startNginx(dir, { ...ports, proxy: await freePort() }, usualNginxSetting);
    }, 60_000);
    afterAll(() => stopProxy(running));
    beforeEach(() => {
      scim.seen.length = 0;
      app.seen.length = 0;
    });

    it('does not let a client-sent X-Forwarded-Uri carry a `scim` token to /admin/x', async () => {
      // The reproduction of item 1: Tessera sees the client's X-Forwarded-Uri and nginx's X-Original-URI.
      const response = await send(running!.port, '/admin/x', {
        authorization: `Bearer ${scimToken}`,
        'X-Forwarded-Uri': '/scim/v2/x',
      });
      expect(response.status).toBe(403);
      expect(app.seen).toEqual([]);
    });

    it('refuses even an honest SCIM request, as the header Tessera reads is not set', async () => {
      const response = await send(running!.port, '/scim/v2/Users', { authorization: `Bearer ${scimToken}` });
      expect(response.status).toBe(403);
      expect(scim.seen).toEqual([]);
      // A full-scope token does not depend on the path, and passes.
      const member = await send(running!.port, '/admin/x', { authorization: `Bearer ${memberToken}` });
      expect(member.status).toBe(200);
    });
  },
);
