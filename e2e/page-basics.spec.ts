import { expect, test } from '@playwright/test';
import { E2E_PASSWORD } from './env.ts';
import { freshPerson, generateToken, signIn, tokenRow } from './support.ts';

// What people expect of any web page: the tab names the page, and what they look at stays current.

test('each page has its own title', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page).toHaveTitle('Sign in · Tessera');
  await signIn(page, 'admin');
  for (const [path, title] of [
    ['/settings/access-tokens/personal', 'Access Tokens · Tessera'],
    ['/settings/access-tokens/service', 'Service Tokens · Tessera'],
    ['/settings/security/users', 'Users · Tessera'],
    ['/settings/audit-log', 'Audit log · Tessera'],
    ['/settings/account', 'Your account · Tessera'],
    ['/settings/nowhere', 'Not found · Tessera'],
  ] as const) {
    await page.goto(path);
    await expect(page, path).toHaveTitle(title);
  }
});

test('last use refreshes while the list stays open', async ({ page }) => {
  const person = await freshPerson('member');
  const { secret } = await generateToken(person, { name: 'Cron job' });
  await signIn(page, person);
  await page.clock.install();
  await page.goto('/settings/access-tokens/personal');
  const lastUsed = tokenRow(page, 'Cron job').getByTestId('last-used');
  await expect(lastUsed).toHaveText('Not used yet');

  const used = await page.request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(used.status()).toBe(200);
  // The server writes last use within a quarter second here (e2e/server.ts); the list reads it every 30 s.
  await page.waitForTimeout(1_000);
  await expect(lastUsed).toHaveText('Not used yet');
  await page.clock.runFor(31_000);
  await expect(lastUsed).toHaveText(/^Last used/);
});

test('your account: change your password; the current one is required and other sessions end', async ({
  page,
  browser,
}) => {
  const person = await freshPerson('member');
  await signIn(page, person);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  // A session of its own (the signIn helper would share this worker's cookie for the person).
  const login = await other.request.post('/api/auth/login', {
    data: { email: person.email, password: E2E_PASSWORD },
  });
  expect(login.status()).toBe(200);
  await otherPage.goto('/settings/access-tokens/personal');
  await expect(otherPage.getByRole('heading', { name: 'Access Tokens', exact: true })).toBeVisible();

  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: /^Account menu for / }).click();
  await page.getByRole('menuitem', { name: 'Your account' }).click();
  await expect(page).toHaveURL(/\/settings\/account$/);
  await expect(page.getByRole('region', { name: 'Your details' })).toContainText(person.email);

  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password', { exact: true }).fill('a brand new password');
  await form.getByLabel('New password again').fill('a brand new password');
  await form.getByRole('button', { name: 'Change password' }).click();
  const current = form.getByLabel('Current password');
  await expect(current).toHaveAccessibleDescription(/The current password is not right/);
  await expect(current).toBeFocused();
  // Still signed in: a wrong current password is not a session that ended.
  await expect(page).toHaveURL(/\/settings\/account$/);

  await current.fill(E2E_PASSWORD);
  await expect(current).not.toHaveAttribute('aria-invalid', 'true');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible();
  await expect(form.getByLabel('Current password')).toHaveValue('');

  // The other browser's session has ended: its next step leads to sign-in.
  await otherPage.getByRole('searchbox').fill('x');
  await expect(otherPage).toHaveURL(/\/sign-in\?next=/);
  await other.close();
  const signedIn = await page.request.post('/api/auth/login', {
    data: { email: person.email, password: 'a brand new password' },
  });
  expect(signedIn.status()).toBe(200);
});

test('the API page tries a change out with the console session', async ({ page }) => {
  const person = await freshPerson('member');
  await signIn(page, person);
  await page.goto('/api/docs#/Tokens/post_api_tokens');
  const operation = page.locator('#operations-Tokens-post_api_tokens');
  await expect(operation).toBeVisible({ timeout: 30_000 });
  if (!(await operation.locator('.body-param').isVisible())) {
    await operation.locator('.opblock-summary').click();
  }
  const body = operation.locator('textarea.body-param__text');
  await body.fill(JSON.stringify({ name: 'From the API page', kind: 'personal', expires_in_days: 30 }));
  await operation.getByRole('button', { name: 'Execute' }).click();
  await expect(operation.locator('.live-responses-table tbody .response-col_status').first()).toHaveText(
    '201',
    {
      timeout: 15_000,
    },
  );
  await page.goto('/settings/access-tokens/personal');
  await expect(tokenRow(page, 'From the API page')).toBeVisible();
});
