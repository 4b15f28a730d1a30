import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { Api, freshPerson, signIn, tokenRow } from './support.ts';

// Scopes (issue #24): the catalog page (Settings → Security → Scopes), the Generate Token dialog's Access
// section, the chips and the scope filter, and deleting a scope in use.

test('an Admin keeps the catalog, a Member generates a scoped token, and deleting the scope asks first', async ({
  page,
}) => {
  const tag = randomUUID().slice(0, 8);
  const reading = `e2e.orders-${tag}:read`;
  const adminOnly = `e2e.billing-${tag}`;

  await signIn(page, 'admin');
  await page.goto('/settings/security/scopes');
  await expect(page.getByRole('heading', { name: 'Scopes' })).toBeVisible();
  await page.getByRole('button', { name: 'Add scope' }).click();
  let dialog = page.getByRole('dialog', { name: 'Add scope' });
  await dialog.getByLabel('Name').fill('Not A Name');
  await dialog.getByRole('button', { name: 'Add scope' }).click();
  await expect(dialog.getByLabel('Name')).toHaveAccessibleDescription(/a lowercase letter/i);
  await dialog.getByLabel('Name').fill(reading);
  await dialog.getByLabel('Description').fill('Read the orders');
  await dialog.getByRole('button', { name: 'Add scope' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId(`scope-${reading}`)).toContainText('Read the orders');

  await page.getByRole('button', { name: 'Add scope' }).click();
  dialog = page.getByRole('dialog', { name: 'Add scope' });
  await dialog.getByLabel('Name').fill(adminOnly);
  await dialog.getByLabel('Lowest role').selectOption({ label: 'Admin' });
  await dialog.getByRole('button', { name: 'Add scope' }).click();
  await expect(page.getByTestId(`scope-${adminOnly}`)).toContainText('Admin');

  // A Member is offered Tessera's own scopes but SCIM, and only the catalog scopes their role reaches.
  const person = await freshPerson('member');
  await page.context().clearCookies();
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: 'Generate Token' }).first().click();
  const generate = page.getByRole('dialog', { name: 'Generate Token' });
  const access = generate.getByRole('group', { name: 'Access' });
  await expect(access.getByRole('checkbox', { name: /^Full API/ })).toBeChecked();
  await expect(access.getByRole('checkbox', { name: /^SCIM/ })).toHaveCount(0);
  await expect(access.getByRole('checkbox', { name: adminOnly })).toHaveCount(0);
  await expect(access.getByRole('checkbox', { name: reading })).toHaveCount(1);
  await expect(access).toContainText('Read the orders');
  await generate.getByLabel('Name').fill('Orders reader');
  await access.getByRole('checkbox', { name: /^Full API/ }).uncheck();
  await generate.getByRole('button', { name: 'Generate Token' }).click();
  await expect(access).toContainText('Choose at least one kind of access.');
  await access.getByRole('checkbox', { name: /^Read-only API/ }).check();
  await access.getByRole('checkbox', { name: reading }).check();
  await generate.getByRole('button', { name: 'Generate Token' }).click();
  const done = page.getByRole('dialog', { name: 'Token generated' });
  const secret = (await done.getByTestId('token-secret').textContent())!.trim();
  await done.getByRole('button', { name: 'Done' }).click();

  const row = tokenRow(page, 'Orders reader');
  await expect(row.getByTestId('scopes')).toHaveText(`Read-only API${reading}`);
  const check = await page.request.get(`/auth/check?scope=${encodeURIComponent(reading)}`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  expect(check.status()).toBe(200);
  expect(check.headers()['x-tessera-scopes']).toBe(`read_api ${reading}`);
  // The scope filter.
  await page.getByLabel('Scope', { exact: true }).selectOption({ label: 'Full API' });
  await expect(row).toHaveCount(0);
  await page.getByLabel('Scope', { exact: true }).selectOption({ label: reading });
  await expect(row).toHaveCount(1);

  // Deleting a scope that a token carries asks first, with the count.
  await page.context().clearCookies();
  await signIn(page, 'admin');
  await page.goto('/settings/security/scopes');
  await page.getByTestId(`scope-${reading}`).getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete scope “${reading}”?` });
  await expect(confirm).toContainText('1 active token carries it');
  await confirm.getByRole('button', { name: 'Delete scope' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(page.getByTestId(`scope-${reading}`)).toHaveCount(0);
  const after = await page.request.get(`/auth/check?scope=${encodeURIComponent(reading)}`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  expect(after.status()).toBe(403);

  // One not in use goes without a question.
  await page.getByTestId(`scope-${adminOnly}`).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId(`scope-${adminOnly}`)).toHaveCount(0);
  const admin = await Api.as('admin');
  const left = await admin.get<{ items: { name: string }[] }>('/api/scopes');
  expect(left.items.map((s) => s.name)).not.toContain(adminOnly);
  await admin.dispose();
});
