import { expect as baseExpect, test } from '@playwright/test';
import { Api, signIn } from './support.ts';

const expect = baseExpect.configure({ timeout: 10_000 });
test.describe.configure({ timeout: 90_000 });

// Settings → Security → Token policy, and Generate Token following it. The policy is Tessera-wide: the test
// tightens only service tokens, within what other tests choose, and puts it back.

const OPEN = {
  max_days: null,
  allow_never: true,
  default_expires_in_days: 30,
  revoke_unused_after_days: null,
};

test.afterEach(async () => {
  const admin = await Api.as('admin');
  await admin.put('/api/settings/token-policy', { personal: OPEN, service: OPEN });
  await admin.dispose();
});

test('an Admin limits service tokens; Generate Token offers only what is allowed; what exceeds it is listed', async ({
  page,
}) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: 'Token policy' })
    .click();
  await expect(page).toHaveURL('/settings/security/token-policy');
  await expect(page.getByRole('heading', { name: 'Token policy' })).toBeVisible();

  const service = page.getByRole('group', { name: 'Service tokens' });
  await service.getByLabel('Longest lifetime (days)').fill('90');
  await service.getByLabel('Allow tokens that never expire').uncheck();
  await service.getByLabel('Preselected expiration').selectOption({ label: '60 days' });
  await expect(service.getByLabel('Preselected expiration').locator('option')).toHaveText([
    '30 days',
    '60 days',
    '90 days',
  ]);
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Token policy saved.' })).toBeVisible();

  // The demo workspace has service tokens that never expire or last a year: they exceed it now.
  const exceeding = page.getByTestId('exceeding-service');
  await expect(exceeding).toContainText(/\d+ active service tokens? exceeds? the saved policy/);
  await exceeding.getByRole('link', { name: 'See them' }).click();
  await expect(page).toHaveURL(/\/settings\/access-tokens\/service\?exceeds_policy=1/);
  await expect(page.getByTestId('exceeds-policy-filter')).toBeVisible();
  // The list holds exactly the tokens counted.
  const admin = await Api.as('admin');
  const listed = await admin.get<{ items: unknown[] }>(
    '/api/tokens?kind=service&exceeds_policy=true&limit=100',
  );
  const policy = await admin.get<{ exceeding: { service: number } }>('/api/settings/token-policy');
  await admin.dispose();
  expect(listed.items.length).toBe(policy.exceeding.service);
  await expect(page.getByTestId('token-row')).toHaveCount(policy.exceeding.service);

  // Generate Token follows the policy: no Never, nothing over 90 days, 60 days preselected.
  await page.getByRole('button', { name: 'Generate Token' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  await dialog.getByRole('radio', { name: 'Service' }).check();
  const expiration = dialog.getByRole('radiogroup', { name: 'Expiration' });
  await expect(expiration.locator('label')).toHaveText(['30 days', '60 days', '90 days', 'Custom']);
  await expect(expiration.getByRole('radio', { name: '60 days' })).toBeChecked();
  // Personal tokens are not limited.
  await dialog.getByRole('radio', { name: 'Personal' }).check();
  await expect(expiration.locator('label')).toHaveText([
    '30 days',
    '60 days',
    '90 days',
    '1 year',
    'Never',
    'Custom',
  ]);
  await expect(expiration.getByRole('radio', { name: '30 days' })).toBeChecked();
});

test('the inactivity sweep shows what it would revoke before it is turned on', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/security/token-policy');
  const personal = page.getByRole('group', { name: 'Personal tokens' });
  await expect(personal.getByLabel('Revoke tokens unused for')).not.toBeChecked();
  await personal.getByLabel('Personal tokens: days unused before the sweep revokes them').fill('1');
  await expect(page.getByTestId('sweep-preview-personal')).toContainText(
    /sweep would revoke (nothing now|\d+\+? personal tokens? now)/,
  );
  // Nothing was saved: the sweep stays off.
  const admin = await Api.as('admin');
  const policy = await admin.get<{ personal: { revoke_unused_after_days: number | null } }>(
    '/api/settings/token-policy',
  );
  await admin.dispose();
  expect(policy.personal.revoke_unused_after_days).toBeNull();
});

test('is for Admins: a Manager gets 403 and no link', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/settings/security/token-policy');
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Token policy' }),
  ).toHaveCount(0);
});
