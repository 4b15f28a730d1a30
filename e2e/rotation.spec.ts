import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { E2E_BASE_URL } from './env.ts';
import { freshPerson, generateToken, markPage, openTooltip, signIn, tokenRow } from './support.ts';

// Rotation and descriptions (issue 22): Rotate in the row menu with a grace period, the new secret shown
// once, the old row saying when it stops and what replaced it; a description set at generation, shown
// under the name, searched, and edited with the name. Every test works on a person of its own.

const rowOf = (page: Page, id: string) => page.locator(`[data-token-id="${id}"]`);

async function openMenu(page: Page, row: ReturnType<Page['locator']>, name: string) {
  await row.getByRole('button', { name: `Actions for ${name}` }).click();
  return page.getByRole('menu');
}

async function authenticates(secret: string): Promise<number> {
  const response = await fetch(`${E2E_BASE_URL}/api/me`, { headers: { authorization: `Bearer ${secret}` } });
  return response.status;
}

test('Rotate with a grace period: the new secret once, the old row stops later and names its replacement', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const person = await freshPerson('member');
  const old = await generateToken(person, { name: 'Deploy key', description: 'Pushes the site' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  const oldRow = rowOf(page, old.token.id);
  await expect(oldRow.getByTestId('token-description')).toHaveText('Pushes the site');
  const notReloaded = await markPage(page);

  const menu = await openMenu(page, oldRow, 'Deploy key');
  await menu.getByRole('menuitem', { name: 'Rotate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rotate “Deploy key”' });
  await expect(dialog.getByRole('radio')).toHaveCount(4);
  for (const label of ['Immediately', '1 hour', '24 hours', '7 days']) {
    await expect(dialog.getByRole('radio', { name: label })).toBeVisible();
  }
  await expect(dialog.getByRole('radio', { name: '1 hour' })).toBeChecked();
  await dialog.getByRole('radio', { name: '24 hours' }).check();
  await expect(dialog.getByTestId('grace-preview')).toContainText('The old secret works until');
  await dialog.getByRole('radio', { name: '1 hour' }).check();
  await dialog.getByRole('button', { name: 'Rotate token' }).click();

  const shown = page.getByRole('dialog', { name: 'Token rotated' });
  const secret = (await shown.getByTestId('token-secret').textContent())!.trim();
  expect(secret).toMatch(/^tsr_pat_/);
  await shown.getByRole('button', { name: 'Copy' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  const downloading = page.waitForEvent('download');
  await shown.getByRole('button', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('deploy-key-token.txt');
  expect(readFileSync(await download.path(), 'utf8').trim()).toBe(secret);
  await shown.getByRole('button', { name: 'Done' }).click();

  // Both secrets work during the grace period.
  expect(await authenticates(old.secret)).toBe(200);
  expect(await authenticates(secret)).toBe(200);

  const rows = tokenRow(page, 'Deploy key');
  await expect(rows).toHaveCount(2);
  const note = oldRow.getByTestId('rotation-note');
  await expect(note).toHaveText(/^Replaced — stops in (59 minutes|1 hour)$/);
  await expect(oldRow.locator('.badge')).toHaveText('Active');
  await note.hover();
  await expect(openTooltip(page)).toContainText('Replaced by “Deploy key”');
  const newRow = page.locator(`[data-testid="token-row"]:not([data-token-id="${old.token.id}"])`);
  await expect(newRow.getByTestId('rotation-note')).toHaveText('Replaces “Deploy key”');
  await expect(newRow.getByTestId('token-description')).toHaveText('Pushes the site');

  // The old token is not offered for another rotation, nor the new one's Restore later.
  await page.mouse.move(1, 1, { steps: 5 });
  const oldMenu = await openMenu(page, oldRow, 'Deploy key');
  await expect(oldMenu.getByRole('menuitem')).toHaveText(['Edit', 'Revoke']);
  await page.keyboard.press('Escape');
  await notReloaded();
});

test('Rotate immediately: the old secret stops at once and its row turns Revoked', async ({ page }) => {
  const person = await freshPerson('member');
  const old = await generateToken(person, { name: 'Leaky key' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  const oldRow = rowOf(page, old.token.id);
  await (await openMenu(page, oldRow, 'Leaky key')).getByRole('menuitem', { name: 'Rotate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rotate “Leaky key”' });
  await dialog.getByRole('radio', { name: 'Immediately' }).check();
  await expect(dialog.getByTestId('grace-preview')).toContainText('stops authenticating at once');
  await dialog.getByRole('button', { name: 'Rotate token' }).click();
  await expect(page.getByRole('dialog', { name: 'Token rotated' })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(oldRow.locator('.badge')).toHaveText('Revoked');
  await expect(oldRow.getByTestId('rotation-note')).toHaveText('Replaced');
  expect(await authenticates(old.secret)).toBe(401);
});

test('a description at generation, shown under the name and found by the search; Edit changes it and the name', async ({
  page,
}) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Taken name' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: 'Generate Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  await dialog.getByLabel('Name').fill('Backup job');
  const description = dialog.getByLabel('Description');
  await description.fill('x'.repeat(501));
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(dialog.getByText('Description must be at most 500 characters.')).toBeVisible();
  await expect(description).toBeFocused();
  await description.fill('Nightly database backups\nto the archive bucket');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await page.getByRole('dialog', { name: 'Token generated' }).getByRole('button', { name: 'Done' }).click();

  const row = tokenRow(page, 'Backup job');
  await expect(row.getByTestId('token-description')).toHaveText(
    'Nightly database backups\nto the archive bucket',
  );

  await page.getByRole('searchbox').fill('archive bucket');
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await expect(row).toBeVisible();
  await page.getByRole('searchbox').fill('');
  await expect(page.getByTestId('token-row')).toHaveCount(2);

  await (await openMenu(page, row, 'Backup job')).getByRole('menuitem', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit “Backup job”' });
  await expect(edit.getByLabel('Name')).toHaveValue('Backup job');
  await edit.getByLabel('Name').fill('taken name');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit.getByText('A token named "taken name" already exists.')).toBeVisible();
  await edit.getByLabel('Name').fill('Backup job (prod)');
  await edit.getByLabel('Description').fill('Backups of the production database');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  const renamed = tokenRow(page, 'Backup job (prod)');
  await expect(renamed.getByTestId('token-description')).toHaveText('Backups of the production database');
});
