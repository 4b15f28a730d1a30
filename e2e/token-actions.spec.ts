import { expect, type Page, test } from '@playwright/test';
import { Api, freshPerson, generateToken, markPage, signIn, tokenRow } from './support.ts';

// Row actions (SPEC §2): Revoke from Active, Restore from Revoked, Delete from Revoked or Expired behind a
// confirmation naming the token. Each ends in a short message, and the row changes without a reload.
// Every test works on tokens of its own (a new person or service user), so tests never disturb each other.

async function openMenu(page: Page, name: string) {
  await tokenRow(page, name)
    .getByRole('button', { name: `Actions for ${name}` })
    .click();
  return page.getByRole('menu');
}

test('Revoke an active token, then Restore it, without reloading the page', async ({ page }) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Nightly export' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  const row = tokenRow(page, 'Nightly export');
  await expect(row.locator('.badge')).toHaveText('Active');
  const notReloaded = await markPage(page);

  const menu = await openMenu(page, 'Nightly export');
  await expect(menu.getByRole('menuitem')).toHaveText(['Rotate', 'Edit', 'Revoke']);
  await menu.getByRole('menuitem', { name: 'Revoke' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke “Nightly export”?' });
  await expect(dialog).toContainText('Anything using “Nightly export” will stop authenticating at once.');
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Token “Nightly export” revoked.' })).toBeVisible();
  await expect(row.locator('.badge')).toHaveText('Revoked');
  await expect(row.getByRole('img', { name: 'Revoked' })).toBeVisible();

  const menu2 = await openMenu(page, 'Nightly export');
  await expect(menu2.getByRole('menuitem')).toHaveText(['Edit', 'Restore', 'Delete']);
  await menu2.getByRole('menuitem', { name: 'Restore' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Token “Nightly export” restored.' }),
  ).toBeVisible();
  await expect(row.locator('.badge')).toHaveText('Active');
  await notReloaded();
});

test('Delete a revoked token after a confirmation that names it', async ({ page }) => {
  const person = await freshPerson('member');
  const { token } = await generateToken(person, { name: 'Old deploy key' });
  await generateToken(person, { name: 'Keeper' });
  const api = await Api.as(person);
  await api.post(`/api/tokens/${token.id}/revoke`);
  await api.dispose();
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await expect(tokenRow(page, 'Old deploy key').locator('.badge')).toHaveText('Revoked');
  const notReloaded = await markPage(page);

  await (await openMenu(page, 'Old deploy key')).getByRole('menuitem', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete “Old deploy key”?' });
  await expect(dialog).toContainText('The token “Old deploy key” will be removed for good.');
  // Cancel keeps it.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(tokenRow(page, 'Old deploy key')).toHaveCount(1);

  await (await openMenu(page, 'Old deploy key')).getByRole('menuitem', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete token' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Token “Old deploy key” deleted.' })).toBeVisible();
  await expect(tokenRow(page, 'Old deploy key')).toHaveCount(0);
  await expect(tokenRow(page, 'Keeper')).toHaveCount(1);
  await notReloaded();
});

test('Delete an expired token (the demo’s “dbt Cloud”), and an expired token offers only Edit and Delete', async ({
  page,
}) => {
  await signIn(page, 'manager');
  await page.goto('/settings/access-tokens/personal');
  const row = tokenRow(page, 'dbt Cloud');
  await expect(row.locator('.badge')).toHaveText('Expired');
  const menu = await openMenu(page, 'dbt Cloud');
  await expect(menu.getByRole('menuitem')).toHaveText(['Edit', 'Delete']);
  await menu.getByRole('menuitem', { name: 'Delete' }).click();
  await page
    .getByRole('dialog', { name: 'Delete “dbt Cloud”?' })
    .getByRole('button', { name: 'Delete token' })
    .click();
  await expect(page.getByRole('status').filter({ hasText: 'Token “dbt Cloud” deleted.' })).toBeVisible();
  await expect(row).toHaveCount(0);
});

test('the row menu works with the keyboard alone', async ({ page }) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Keyboard token' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  const trigger = tokenRow(page, 'Keyboard token').getByRole('button', {
    name: 'Actions for Keyboard token',
  });
  await trigger.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Rotate' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Edit' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Revoke' })).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Revoke “Keyboard token”?' });
  await expect(dialog).toBeVisible();
  // Escape closes the dialog and gives the focus back.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(trigger).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Rotate' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Edit' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Revoke' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Revoke token' }).focus();
  await page.keyboard.press('Enter');
  await expect(tokenRow(page, 'Keyboard token').locator('.badge')).toHaveText('Revoked');
});

test('Revoke a service token on the Service tab, filtered to its service user', async ({ page }) => {
  const admin = await Api.as('admin');
  const serviceUser = await admin.post<{ id: string }>('/api/service-users', {
    name: `svc-e2e-${Date.now()}`,
  });
  await admin.post('/api/tokens', {
    name: 'Pipeline key',
    kind: 'service',
    service_user_id: serviceUser.id,
    expires_in_days: 90,
  });
  await admin.dispose();
  await signIn(page, 'admin');
  await page.goto(`/settings/access-tokens/service?service_user=${serviceUser.id}`);
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await (await openMenu(page, 'Pipeline key')).getByRole('menuitem', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Token “Pipeline key” revoked.' })).toBeVisible();
  await expect(tokenRow(page, 'Pipeline key').locator('.badge')).toHaveText('Revoked');
});

test('a double click on Revoke token, then on Delete token, sends each request once', async ({ page }) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Double clicked' });
  await signIn(page, person);
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && request.url().includes('/api/tokens/')) {
      sent.push(`${request.method()} ${new URL(request.url()).pathname.replace(/[0-9a-f-]{36}/, ':id')}`);
    }
  });
  await page.goto('/settings/access-tokens/personal');

  await (await openMenu(page, 'Double clicked')).getByRole('menuitem', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Revoke token' }).dblclick();
  await expect(page.getByRole('status').filter({ hasText: 'Token “Double clicked” revoked.' })).toBeVisible();
  await expect(tokenRow(page, 'Double clicked').locator('.badge')).toHaveText('Revoked');

  await (await openMenu(page, 'Double clicked')).getByRole('menuitem', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete token' }).dblclick();
  await expect(page.getByRole('status').filter({ hasText: 'Token “Double clicked” deleted.' })).toBeVisible();
  await expect(tokenRow(page, 'Double clicked')).toHaveCount(0);

  expect(sent).toEqual(['POST /api/tokens/:id/revoke', 'DELETE /api/tokens/:id']);
  await expect(page.locator('.toast-error')).toHaveCount(0);
});
