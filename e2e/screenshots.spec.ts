import { expect, type Page, test } from '@playwright/test';
import { generateSecret } from '../src/core/secret.ts';
import { E2E_PASSWORD } from './env.ts';
import { Api, generateToken, openTooltip, PEOPLE, signIn, tokenRow } from './support.ts';

// Screenshots of the console for the README, taken from the demo workspace. They go to test-results/
// unless UPDATE_SCREENSHOTS=1 asks for the README's own (docs/screenshots/): a test run leaves the
// checkout as it found it.

const DIR = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';
test.describe.configure({ mode: 'serial' });

async function shoot(page: Page, name: string, fullPage = true) {
  // No blinking caret or half-finished animation in the pictures.
  await page.addStyleTag({ content: '*{caret-color:transparent!important;animation:none!important}' });
  await page.screenshot({ path: `${DIR}/${name}`, fullPage, animations: 'disabled' });
}

test('personal and service token lists, with a tooltip open', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const row = tokenRow(page, 'CI/CD Pipeline Token');
  await row.getByTestId('expiration').getByRole('button').hover();
  await expect(openTooltip(page)).toBeVisible();
  await shoot(page, 'personal-tokens.png');

  await page.mouse.move(1, 1, { steps: 10 });
  await page.goto('/settings/access-tokens/service');
  await tokenRow(page, 'Release workflow').getByTestId('last-used').getByRole('button').hover();
  await expect(openTooltip(page)).toContainText('Created');
  await shoot(page, 'service-tokens.png');
});

test('Users and the audit log', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/security/users');
  await expect(page.getByTestId('user-row').first()).toBeVisible({ timeout: 30_000 });
  await shoot(page, 'users.png');
  await page.goto('/settings/audit-log');
  await expect(page.getByTestId('audit-row').first()).toBeVisible({ timeout: 30_000 });
  await shoot(page, 'audit-log.png', false);
});

test('the Service tab at 800 px wide', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 900 });
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service');
  await expect(page.getByTestId('token-row').first()).toBeVisible();
  await shoot(page, 'service-tokens-800.png');
});

test('Generate Token, the form and the secret shown once', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service');
  await page.getByRole('button', { name: 'Generate Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  await dialog.getByLabel('Name').fill('Terraform production');
  await dialog.getByLabel('Service User').selectOption({ label: 'svc-terraform' });
  await dialog.getByRole('radio', { name: '90 days' }).check();
  await shoot(page, 'generate-token.png', false);
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(page.getByRole('dialog', { name: 'Token generated' })).toBeVisible();
  await shoot(page, 'generate-token-secret.png', false);
});

test('the row menu and the delete confirmation', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  await tokenRow(page, 'Old laptop').getByRole('button', { name: 'Actions for Old laptop' }).click();
  await expect(page.getByRole('menu')).toBeVisible();
  await shoot(page, 'row-menu.png', false);
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await expect(page.getByRole('dialog', { name: 'Delete “Old laptop”?' })).toBeVisible();
  await shoot(page, 'delete-token.png', false);
});

test('a Member at the Service URL', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 600 });
  await signIn(page, 'member');
  await page.goto('/settings/access-tokens/service');
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
  await shoot(page, 'service-tokens-forbidden.png');
});

test('your account, and sign-in after a session ended', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  // A session of its own, not the worker's shared one: this test ends it.
  const login = await page.context().request.post('/api/auth/login', {
    data: { email: PEOPLE.manager.email, password: E2E_PASSWORD },
  });
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  await page.goto('/settings/account');
  await expect(page.getByRole('form', { name: 'Change password' })).toBeVisible();
  await shoot(page, 'your-account.png', false);

  await page.context().request.post('/api/auth/logout', { headers: { 'x-csrf-token': csrf_token } });
  await page.getByRole('link', { name: 'Access Tokens' }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'Your session ended' })).toBeVisible();
  await shoot(page, 'session-ended.png', false);
});

// After the demo's own pictures: it rotates a demo token, which the shots above show as the demo left it. The replacement is deleted
// afterwards, so the admin's list keeps the demo's nine rows for the tests that count them.
test('Rotate: the grace period, and the replaced row with its tooltip', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const old = tokenRow(page, 'Staging smoke tests');
  await old.getByRole('button', { name: 'Actions for Staging smoke tests' }).click();
  await page.getByRole('menuitem', { name: 'Rotate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rotate “Staging smoke tests”' });
  await dialog.getByRole('radio', { name: '1 hour' }).check();
  await shoot(page, 'rotate-token.png', false);
  await dialog.getByRole('button', { name: 'Rotate token' }).click();
  await expect(page.getByRole('dialog', { name: 'Token rotated' })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();
  const note = page.getByTestId('rotation-note').filter({ hasText: 'Replaced — stops' });
  await note.hover();
  await expect(openTooltip(page)).toContainText('Replaced by “Staging smoke tests”');
  await shoot(page, 'rotated-token.png');

  const api = await Api.as('admin');
  const { items } = await api.get<{ items: { id: string; replaces: unknown }[] }>(
    `/api/tokens?kind=personal&q=${encodeURIComponent('Staging smoke tests')}`,
  );
  const replacement = items.find((token) => token.replaces !== null)!;
  await api.post(`/api/tokens/${replacement.id}/revoke`);
  await api.delete(`/api/tokens/${replacement.id}`);
  await api.dispose();
});

test('the token policy, and leaked secrets found in a pasted log', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/security/token-policy');
  await expect(page.getByTestId('exceeding-service')).toBeVisible({ timeout: 30_000 });
  const personal = page.getByRole('group', { name: 'Personal tokens' });
  await personal.getByLabel('Personal tokens: days unused before the sweep revokes them').fill('30');
  await expect(page.getByTestId('sweep-preview-personal')).toBeVisible();
  await shoot(page, 'token-policy.png');

  // Last in this file: the token it generates is not in the other pictures.
  const { secret } = await generateToken('admin', { name: 'Deploy script (leaked)' });
  await page.goto('/settings/security/leaked-secrets');
  await page
    .getByLabel('Text with secrets')
    .fill(
      `2026-12-04T09:14:02Z deploy.sh: curl -H "Authorization: Bearer ${secret}" https://tessera.example.com/api/me\n` +
        `2026-12-04T09:14:03Z + export TESSERA_TOKEN=${generateSecret('service')}`,
    );
  await page.getByRole('button', { name: 'Find secrets' }).click();
  await expect(page.getByTestId('leaked-row')).toHaveCount(2);
  // The pasted text would show the secret in the picture: clear the box, keep the findings.
  await page.getByLabel('Text with secrets').fill('');
  await shoot(page, 'leaked-secrets.png');
});
