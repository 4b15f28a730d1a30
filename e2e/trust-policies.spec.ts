import { randomUUID } from 'node:crypto';
import { expect as baseExpect, test } from '@playwright/test';
import { Api, freshPerson, signIn } from './support.ts';

const expect = baseExpect.configure({ timeout: 10_000 });
test.describe.configure({ timeout: 90_000 });

// Keyless CI in the console: a service user's trust policies, from its row menu in Users.
test('an Admin adds a trust policy to a service user, sees a bad one refused by field, and deletes it', async ({
  page,
}) => {
  const name = `ci-e2e-${randomUUID().slice(0, 8)}`;
  const admin = await Api.as('admin');
  const account = await admin.post<{ id: string }>('/api/service-users', { name, role: 'member' });
  await signIn(page, 'admin');
  await page.goto(`/settings/security/users?user=${account.id}`);
  const row = page.getByTestId('user-row').first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  await row.getByRole('button', { name: `Actions for ${name}` }).click();
  await page.getByRole('menuitem', { name: 'Trust policies' }).click();

  const dialog = page.getByRole('dialog', { name: `Trust policies of ${name}` });
  await expect(dialog.getByText('None yet')).toBeVisible();
  const form = dialog.getByRole('form', { name: 'Add a trust policy' });
  await form.getByLabel('Audience').fill('https://tessera.example.com');
  await form.getByLabel('Subject (sub)').fill('repo:acme/app:ref:refs/heads/main');
  await form.getByLabel('Token lifetime (minutes)').fill('90');
  await form.getByRole('button', { name: 'Add trust policy' }).click();
  await expect(form.getByText('A whole number of minutes from 5 to 60.')).toBeVisible();

  // The server's rule, shown by its field: an issuer must use https.
  await form.getByLabel('Token lifetime (minutes)').fill('15');
  await form.getByLabel('Issuer').fill('http://issuer.example.com');
  await form.getByRole('button', { name: 'Add trust policy' }).click();
  await expect(form.getByText(/issuer: Must use https/)).toBeVisible();

  await form.getByLabel('Issuer').fill('https://token.actions.githubusercontent.com');
  await form.getByLabel(/Other conditions/).fill('environment = prod*');
  await form.getByRole('button', { name: 'Add trust policy' }).click();
  const policy = dialog.getByTestId('trust-policy');
  await expect(policy).toHaveCount(1);
  await expect(policy).toContainText('https://token.actions.githubusercontent.com');
  await expect(policy).toContainText('sub = repo:acme/app:ref:refs/heads/main');
  await expect(policy).toContainText('environment ~ prod*');
  await expect(policy).toContainText('tokens live 15 min');

  const saved = await admin.get<{ items: { conditions: unknown[] }[] }>(
    `/api/service-users/${account.id}/trust-policies`,
  );
  expect(saved.items[0]!.conditions).toEqual([
    { claim: 'sub', value: 'repo:acme/app:ref:refs/heads/main', match: 'exact' },
    { claim: 'environment', value: 'prod*', match: 'glob' },
  ]);

  await policy.getByRole('button', { name: /Delete the trust policy/ }).click();
  await expect(dialog.getByTestId('trust-policy')).toHaveCount(0);
  await expect(dialog.getByText('None yet')).toBeVisible();
  await admin.dispose();
});

test('Generate Token fences a token to networks: a bad block is refused by the field, the list shows the fence', async ({
  page,
}) => {
  const person = await freshPerson('member');
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('button', { name: 'Generate Token' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Generate Token' });
  await dialog.getByLabel('Name').fill('Fenced');
  const networks = dialog.getByLabel(/Allowed networks/);
  await networks.fill('10.0.0.0/33');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  await expect(dialog.getByText(/Entry 1: "10\.0\.0\.0\/33": the prefix length/)).toBeVisible();
  await expect(networks).toHaveAttribute('aria-invalid', 'true');

  await networks.fill('10.0.0.0/8, 2001:db8::/32');
  await dialog.getByRole('button', { name: 'Generate Token' }).click();
  const done = page.getByRole('dialog', { name: 'Token generated' });
  const secret = (await done.getByTestId('token-secret').textContent())!.trim();
  await done.getByRole('button', { name: 'Done' }).click();
  const row = page.getByTestId('token-row').filter({ hasText: 'Fenced' });
  await expect(row.getByTestId('allowed-networks')).toHaveText('2 networks');
  await expect(row.getByTestId('allowed-networks')).toHaveAttribute('title', '10.0.0.0/8, 2001:db8::/32');
  // The browser calls from 127.0.0.1: outside the fence.
  const me = await page.request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(401);
  expect((await me.json()).code).toBe('token_network');

  // Edit changes the fence later: one block, then none.
  await row.getByRole('button', { name: 'Actions for Fenced' }).click();
  await page.getByRole('menu').getByRole('menuitem', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit “Fenced”' });
  const field = edit.getByLabel(/Allowed networks/);
  await expect(field).toHaveValue('10.0.0.0/8, 2001:db8::/32');
  await field.fill('127.0.0.0/8');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  await expect(row.getByTestId('allowed-networks')).toHaveText('127.0.0.0/8');
  const inside = await page.request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(inside.status()).toBe(200);
  await row.getByRole('button', { name: 'Actions for Fenced' }).click();
  await page.getByRole('menu').getByRole('menuitem', { name: 'Edit' }).click();
  await edit.getByLabel(/Allowed networks/).fill('');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  await expect(row.getByTestId('allowed-networks')).toHaveCount(0);
});
