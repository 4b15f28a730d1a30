// Single sign-on in Chromium, through a real OpenID provider: panva's oidc-provider with its development
// login and consent pages (test/support/oidc-provider.ts). The spec starts its own Tessera with single
// sign-on on and password sign-in off, on another port, and the provider on `localhost` — another site
// than Tessera's 127.0.0.1, so cookies cross sites as they do in real life. Only this file pays for them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { startOidcProvider, type TestProvider } from '../test/support/oidc-provider.ts';
import { startTessera, type TesseraProcess } from '../test/support/server-process.ts';

test.describe.configure({ mode: 'serial' });

const BUTTON = 'Sign in with Test IdP';
const MAPPING = { 'tessera-admins': { role: 'admin' }, 'data-eng': { role: 'manager', teams: ['Data'] } };

let provider: TestProvider;
let tessera: TesseraProcess;
let url: string;
let dataDir: string;
let admin: { cookie: string; csrf: string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A session opened through the provider without a browser: the API client the tests set things up with. */
async function apiSession(login: string): Promise<{ cookie: string; csrf: string }> {
  const start = await fetch(`${url}/api/auth/oidc/start`, { redirect: 'manual' });
  const browser = start.headers.getSetCookie()[0]!.split(';')[0]!;
  const answer = await provider.authorize(start.headers.get('location')!, login);
  const back = await fetch(answer, { redirect: 'manual', headers: { cookie: browser } });
  const session = back.headers.getSetCookie().find((c) => c.startsWith('tessera_session='));
  if (!session) throw new Error(`no session for ${login}: ${back.headers.get('location')}`);
  const cookie = session.split(';')[0]!;
  const me = (await (await fetch(`${url}/api/me`, { headers: { cookie } })).json()) as { csrf_token: string };
  return { cookie, csrf: me.csrf_token };
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

test.beforeAll(async () => {
  // A first start of the embedded database is seconds of CPU; the machine may be busy with other tests.
  test.setTimeout(240_000);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider({
    redirectUri: `${url}/api/auth/oidc/callback`,
    postLogoutRedirectUri: `${url}/sign-in`,
    host: 'localhost',
  });
  const person = (email: string, name: string, groups: string[] = []) => ({
    email,
    email_verified: true,
    name,
    groups,
  });
  provider.people.set('alex', person('admin@sso.test', 'Alex Admin', ['tessera-admins']));
  provider.people.set('maya', person('maya@sso.test', 'Maya Member'));
  provider.people.set('dana', person('dana@sso.test', 'Dana Promoted', ['tessera-admins']));
  provider.people.set('leo', person('leo@sso.test', 'Leo Leaver'));
  provider.people.set('grace', person('grace@sso.test', 'Grace New', ['data-eng']));
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-sso-'));
  tessera = await startTessera(
    {
      PORT: String(port),
      TESSERA_DATA_DIR: dataDir,
      TESSERA_DEMO: '0',
      TESSERA_ADMIN_EMAIL: 'admin@sso.test',
      TESSERA_ADMIN_PASSWORD: 'e2e-sso-unused-password',
      TESSERA_PUBLIC_URL: url,
      TESSERA_OIDC_ISSUER: provider.issuer,
      TESSERA_OIDC_CLIENT_ID: provider.clientId,
      TESSERA_OIDC_CLIENT_SECRET: provider.clientSecret,
      TESSERA_OIDC_SCOPES: 'openid email profile groups',
      TESSERA_OIDC_BUTTON: BUTTON,
      TESSERA_OIDC_AUTO_CREATE: '1',
      TESSERA_OIDC_GROUPS_CLAIM: 'groups',
      TESSERA_OIDC_GROUP_MAPPING: JSON.stringify(MAPPING),
      TESSERA_PASSWORD_SIGN_IN: '0',
    },
    180_000,
  );
  // The first Admin (created with a password at the first start) is linked by their verified email.
  admin = await apiSession('alex');
  await call('POST', '/api/teams', { name: 'Data' });
  for (const [email, name] of [
    ['maya@sso.test', 'Maya Member'],
    ['dana@sso.test', 'Dana Promoted'],
    ['leo@sso.test', 'Leo Leaver'],
  ]) {
    await call('POST', '/api/users', { email, name, role: 'member' });
  }
});

test.afterAll(async () => {
  await tessera?.stop();
  await provider?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test.beforeEach(async ({ page }) => {
  // The provider's development pages import a web font; there is no Internet here.
  await page.route('https://fonts.googleapis.com/**', (route) => route.abort());
});

/** From Tessera's sign-in page through the provider's login and consent pages. */
async function signInThroughProvider(page: Page, login: string, options: { cancel?: boolean } = {}) {
  await page.getByRole('link', { name: BUTTON }).click();
  await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  if (options.cancel) {
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    return;
  }
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function adminPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const [name, value] = admin.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url }]);
  const page = await context.newPage();
  return page;
}

test('shows the button instead of the password form, and signs in through the provider', async ({ page }) => {
  await page.goto(`${url}/settings/access-tokens/personal`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await expect(page.getByRole('link', { name: BUTTON })).toBeVisible();
  await expect(page.getByLabel('Password')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeHidden();
  await page.screenshot({ path: 'test-results/sso-sign-in.png' });

  await signInThroughProvider(page, 'maya');
  await expect(page).toHaveURL(`${url}/settings/access-tokens/personal`);
  await expect(page.getByRole('heading', { name: 'Access Tokens', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Account menu for Maya Member' })).toBeVisible();
});

test('creates a person at their first sign-in, with the role and team of their group', async ({
  page,
  browser,
}) => {
  await page.goto(`${url}/sign-in`);
  await signInThroughProvider(page, 'grace');
  await expect(page.getByRole('button', { name: 'Account menu for Grace New' })).toBeVisible();

  const adminView = await adminPage(browser);
  await adminView.goto(`${url}/settings/security/users`);
  const row = adminView.getByTestId('user-row').filter({ hasText: 'grace@sso.test' });
  await expect(row).toContainText('Manager');
  await expect(row).toContainText('Data');
  await expect(row.getByTestId('sign-in-methods')).toHaveText('SSO');
  // The first Admin was created with a password and has since signed in through the provider.
  const alex = adminView.getByTestId('user-row').filter({ hasText: 'admin@sso.test' });
  await expect(alex.getByTestId('sign-in-methods')).toHaveText('SSO · Password');

  await adminView.goto(`${url}/settings/audit-log`);
  const created = adminView
    .getByRole('row')
    .filter({ hasText: 'Added account' })
    .filter({ hasText: 'grace@sso.test' });
  await expect(created).toContainText('Single sign-on');
  await expect(created).toContainText('Person · manager');
  await adminView.context().close();
});

test('maps a group to a role at every sign-in, and the audit log shows the change', async ({
  page,
  browser,
}) => {
  await page.goto(`${url}/sign-in`);
  await signInThroughProvider(page, 'dana');
  await expect(page.getByRole('button', { name: 'Account menu for Dana Promoted' })).toBeVisible();
  // An Admin now: the Audit log is in the navigation.
  await expect(page.getByRole('link', { name: 'Audit log' })).toBeVisible();

  const adminView = await adminPage(browser);
  await adminView.goto(`${url}/settings/audit-log`);
  const changed = adminView
    .getByRole('row')
    .filter({ hasText: 'Changed account' })
    .filter({ hasText: 'dana@sso.test' });
  await expect(changed).toContainText('role: member → admin');
  await expect(changed).toContainText('Single sign-on');
  await adminView.context().close();
});

test('refuses a deactivated person with a page that says so', async ({ page }) => {
  const users = await call<{ items: { id: string; email: string }[] }>('GET', '/api/users?q=leo');
  await call('POST', `/api/users/${users.items[0]!.id}/deactivate`);
  await page.goto(`${url}/sign-in`);
  await signInThroughProvider(page, 'leo');
  await expect(page).toHaveURL(`${url}/sign-in/error?reason=deactivated`);
  await expect(page.getByRole('heading', { name: 'Your account is deactivated' })).toBeVisible();
  await page.screenshot({ path: 'test-results/sso-refused.png' });
  await page.getByRole('link', { name: 'Back to sign-in' }).click();
  await expect(page).toHaveURL(`${url}/sign-in`);
});

test('refuses a tampered state, and nobody is signed in', async ({ page }) => {
  // The provider's redirect back, edited on its way to the browser (a route cannot catch a redirect).
  provider.tamperRedirect((callback) => {
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    return callback;
  });
  try {
    await page.goto(`${url}/sign-in`);
    await signInThroughProvider(page, 'maya');
    await expect(page).toHaveURL(`${url}/sign-in/error?reason=invalid_state`);
  } finally {
    provider.tamperRedirect(undefined);
  }
  await expect(page.getByRole('heading', { name: 'The sign-in could not be verified' })).toBeVisible();
  await page.goto(`${url}/settings/access-tokens/personal`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test('shows a cancelled sign-in (access_denied) as a page', async ({ page }) => {
  await page.goto(`${url}/sign-in`);
  await signInThroughProvider(page, 'maya', { cancel: true });
  await expect(page).toHaveURL(`${url}/sign-in/error?reason=access_denied`);
  await expect(
    page.getByRole('heading', { name: 'Your identity provider did not let you in' }),
  ).toBeVisible();
  await expect(page.getByRole('link', { name: 'Try again' })).toBeVisible();
});

test('signs out of Tessera and of the provider', async ({ page }) => {
  await page.goto(`${url}/sign-in`);
  await signInThroughProvider(page, 'maya');
  await expect(page.getByRole('button', { name: 'Account menu for Maya Member' })).toBeVisible();

  await page.getByRole('button', { name: 'Account menu for Maya Member' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  // The provider's own sign-out page, reached through its end_session_endpoint.
  await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/session/end`));
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(`${url}/sign-in`);
  await expect(page.getByRole('link', { name: BUTTON })).toBeVisible();

  await page.goto(`${url}/settings/access-tokens/personal`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  // The provider forgot them too: it asks who they are again.
  await page.getByRole('link', { name: BUTTON }).click();
  await expect(page.locator('input[name="login"]')).toBeVisible();
});
