import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { checkSecret } from '../src/core/secret.ts';
import { Api, freshPerson, generateToken, signIn, tokenRow } from './support.ts';

// The Generate Token dialog (SPEC §2 "Shown once", §5): fields, errors by the field, the secret once with
// Copy and Download.

test('a Member generates a personal token: default 30 days, the secret once, Copy and Download', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const person = await freshPerson('member');
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await expect(page.getByRole('heading', { name: 'No personal access tokens yet' })).toBeVisible();
  await page.getByRole('button', { name: 'Generate Token' }).first().click();

  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  // Members get neither Type nor the scope SCIM; Full API is preselected.
  await expect(dialog.getByText('Type', { exact: true })).toHaveCount(0);
  await expect(dialog.getByRole('checkbox', { name: /^SCIM/ })).toHaveCount(0);
  await expect(dialog.getByRole('checkbox', { name: /^Full API/ })).toBeChecked();
  await expect(dialog.getByRole('radio', { name: '30 days' })).toBeChecked();
  await expect(dialog.getByRole('radiogroup', { name: 'Expiration' }).getByRole('radio')).toHaveCount(6);
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await dialog.getByLabel('Name').fill('CI/CD Pipeline');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();

  const done = page.getByRole('dialog', { name: 'Token generated' });
  await expect(done).toContainText('you will not be able to see it again');
  const secret = (await done.getByTestId('token-secret').textContent())!.trim();
  expect(secret).toMatch(/^tsr_pat_/);
  await expect(done.getByTestId('usage-example')).toHaveText(
    `curl -H "Authorization: Bearer ${secret}" ${new URL(page.url()).origin}/api/me`,
  );
  expect(checkSecret(secret).valid).toBe(true);

  await done.getByRole('button', { name: 'Copy' }).click();
  await expect(done.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  const downloading = page.waitForEvent('download');
  await done.getByRole('button', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('ci-cd-pipeline-token.txt');
  expect(readFileSync(await download.path(), 'utf8').trim()).toBe(secret);

  await done.getByRole('button', { name: 'Done' }).click();
  await expect(done).toHaveCount(0);
  // The new token is in the list, and its secret is nowhere on the page any more.
  const row = tokenRow(page, 'CI/CD Pipeline');
  await expect(row.getByTestId('expiration')).toHaveText('Expires in 29 days');
  await expect(row.getByTestId('last-used')).toHaveText('Not used yet');
  await expect(page.getByText(secret)).toHaveCount(0);

  // The secret works.
  const me = await page.request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
});

test('errors show next to their field: required name, and a duplicate name from the server', async ({
  page,
}) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Reporting' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: 'Generate Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  const name = dialog.getByLabel('Name');

  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveAccessibleDescription(/Name is required\./);

  // Another case of the same name: the server's 409 name_taken, shown by the name.
  await name.fill('REPORTING');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(name).toHaveAccessibleDescription(/A token named "REPORTING" already exists\./);
  await expect(name).toBeFocused();
  await expect(page.getByRole('dialog', { name: 'Token generated' })).toHaveCount(0);

  // The message was about the name as it was: editing it clears it.
  await name.press('End');
  await name.press('s');
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByText('already exists')).toHaveCount(0);

  await name.fill('Reporting (new)');
  await dialog.getByRole('radio', { name: 'Never' }).check();
  await expect(dialog.getByTestId('expiration-preview')).toContainText('Never expires');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(page.getByRole('dialog', { name: 'Token generated' })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(tokenRow(page, 'Reporting (new)').getByTestId('expiration')).toHaveText('Never');
});

test('an Admin generates a service token with the scope SCIM for a chosen service user', async ({ page }) => {
  const admin = await Api.as('admin');
  const internal = `svc-gen-${Date.now()}`;
  await admin.post('/api/service-users', { name: internal });
  await admin.dispose();
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service');
  await page.getByRole('button', { name: 'Generate Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  // Opened from the Service tab, the type is Service already.
  await expect(dialog.getByRole('radio', { name: 'Service' })).toBeChecked();
  await dialog.getByLabel('Name').fill('Directory sync');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(dialog.getByLabel('Service User')).toHaveAccessibleDescription(
    'Choose the service user this token is for.',
  );
  await dialog.getByLabel('Service User').selectOption({ label: internal });
  await dialog.getByRole('radio', { name: '90 days' }).check();
  await dialog.getByRole('checkbox', { name: /^Full API/ }).uncheck();
  await dialog.getByRole('checkbox', { name: /^SCIM/ }).check();
  await dialog.getByRole('button', { name: 'Generate Token' }).click();

  const done = page.getByRole('dialog', { name: 'Token generated' });
  await expect(done.getByTestId('token-secret')).toHaveText(/^tsr_svc_/);
  await done.getByRole('button', { name: 'Done' }).click();
  await page.getByLabel('Service user').selectOption({ label: internal });
  const row = tokenRow(page, 'Directory sync');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('scopes')).toHaveText('SCIM');
  await expect(row.getByTestId('expiration')).toHaveText(/^Expires in 2 months/);
  await expect(row.getByRole('cell').first()).toContainText(internal);
});

test('an Admin can switch the type to Personal, and a Member’s dialog has no Type at all', async ({
  page,
}) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: 'Generate Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  await expect(dialog.getByRole('radio', { name: 'Personal' })).toBeChecked();
  await expect(dialog.getByLabel('Service User')).toHaveCount(0);
  await dialog.getByRole('radio', { name: 'Service' }).check();
  await expect(dialog.getByLabel('Service User')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
});

test('closing the dialog in any way returns the focus to the button that opened it', async ({ page }) => {
  const person = await freshPerson('member');
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  const opener = page.getByRole('button', { name: 'Generate Token' }).first();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  const closers: [string, () => Promise<void>][] = [
    ['Escape', () => page.keyboard.press('Escape')],
    ['Cancel', () => dialog.getByRole('button', { name: 'Cancel' }).click()],
    ['×', () => dialog.getByRole('button', { name: 'Close' }).click()],
  ];
  for (const [how, close] of closers) {
    await opener.click();
    await expect(dialog.getByLabel('Name')).toBeFocused();
    await close();
    await expect(dialog, how).toHaveCount(0);
    await expect(opener, `focus after ${how}`).toBeFocused();
  }
  await opener.click();
  await dialog.getByLabel('Name').fill('Focus check');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await page.getByRole('dialog', { name: 'Token generated' }).getByRole('button', { name: 'Done' }).click();
  // The list's empty state (with its own Generate button) became a table: the header's button takes it.
  await expect(page.getByRole('button', { name: 'Generate Token' }).first()).toBeFocused();
});

test('a custom expiration date, and a long name without spaces that wraps instead of overflowing', async ({
  page,
}) => {
  const person = await freshPerson('member');
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: 'Generate Token' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  const longName = `deploy-${'x'.repeat(90)}`;
  await dialog.getByLabel('Name').fill(longName);
  await dialog.getByRole('radio', { name: 'Custom' }).check();
  const date = dialog.getByLabel('Expiration date');
  const in45 = new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10);
  await date.fill(in45);
  await expect(dialog.getByTestId('expiration-preview')).toContainText('Expires');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();

  const done = page.getByRole('dialog', { name: 'Token generated' });
  await expect(done.getByTestId('token-secret')).toBeVisible();
  const overflow = await done.evaluate((element) => element.scrollWidth - element.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const toast = page.getByRole('status').filter({ hasText: longName });
  await expect(toast).toBeVisible();
  const toastBox = (await toast.boundingBox())!;
  expect(toastBox.x + toastBox.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await done.getByRole('button', { name: 'Done' }).click();
  await expect(tokenRow(page, longName).getByTestId('expiration')).toHaveText(
    /Expires in (44|45) days|Expires in 1 month/,
  );
});
