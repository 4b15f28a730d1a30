import { randomUUID } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Api, listTokens, signIn } from './support.ts';

// axe-core on every page of the console, with its default rules (WCAG 2.x A and AA, contrast included,
// and its best practices): no violation.

async function expectNoViolations(page: Page, what: string) {
  // Wait for what the page loads (lists, charts) before checking what is on it.
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
  const { violations } = await new AxeBuilder({ page }).analyze();
  const found = violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  }));
  expect(found, what).toEqual([]);
}

test('the sign-in pages', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: /sign in/i }).first()).toBeVisible();
  await expectNoViolations(page, '/sign-in');
  await page.goto('/sign-in/error?reason=access_denied');
  await expectNoViolations(page, '/sign-in/error');
});

const ADMIN_PAGES = [
  '/settings/access-tokens/personal',
  '/settings/access-tokens/service',
  'personal token',
  'service token',
  '/settings/security/users',
  '/settings/audit-log',
  '/settings/security/leaked-secrets',
  '/settings/security/token-policy',
  '/settings/security/webhooks',
  '/settings/security/scopes',
  '/settings/account',
  '/settings/nowhere',
];

for (const which of ADMIN_PAGES) {
  test(`an Admin's ${which}`, async ({ page }) => {
    let path = which;
    if (which.endsWith(' token')) {
      const kind = which === 'personal token' ? 'personal' : 'service';
      const used = (await listTokens('admin', kind)).find((t) => t.last_used_at !== null)!;
      path = `/settings/access-tokens/${kind}/${used.id}`;
    }
    await signIn(page, 'admin');
    await page.goto(path);
    await expect(page.locator('h1').first()).toBeVisible();
    await expectNoViolations(page, path);
  });
}

test('the pages a Member sees, the 403 page included', async ({ page }) => {
  await signIn(page, 'member');
  for (const path of ['/settings/access-tokens/personal', '/settings/access-tokens/service']) {
    await page.goto(path);
    await expect(page.locator('h1').first()).toBeVisible();
    await expectNoViolations(page, path);
  }
});

test("an Admin's trust-policies dialog on Users", async ({ page }) => {
  const name = `ci-a11y-${randomUUID().slice(0, 8)}`;
  const admin = await Api.as('admin');
  const account = await admin.post<{ id: string }>('/api/service-users', { name, role: 'member' });
  await admin.dispose();
  await signIn(page, 'admin');
  await page.goto(`/settings/security/users?user=${account.id}`);
  const row = page.getByTestId('user-row').first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  await row.getByRole('button', { name: `Actions for ${name}` }).click();
  await page.getByRole('menuitem', { name: 'Trust policies' }).click();
  const dialog = page.getByRole('dialog', { name: `Trust policies of ${name}` });
  await expect(dialog.getByText('None yet')).toBeVisible();
  await expectNoViolations(page, 'the trust-policies dialog');
});
