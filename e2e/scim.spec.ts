import { randomUUID } from 'node:crypto';
import { expect as baseExpect, type Page, request, test } from '@playwright/test';
import { E2E_BASE_URL } from './env.ts';
import { Api, signIn } from './support.ts';

const expect = baseExpect.configure({ timeout: 10_000 });
test.describe.configure({ timeout: 90_000 });

// People an identity provider manages through SCIM, as the console shows them on Settings → Security →
// Users: a SCIM badge, and in Edit their name, email and status read-only with their external ID, role and
// teams still editable. The person is created through /scim/v2 with a SCIM-only token, as a provider would.

const USERS = '/settings/security/users';

async function provisioned(): Promise<{
  id: string;
  name: string;
  email: string;
  externalId: string;
  actor: string;
}> {
  const tag = randomUUID().slice(0, 8);
  const admin = await Api.as('admin');
  const serviceUser = await admin.post<{ id: string }>('/api/service-users', { name: `svc-scim-e2e-${tag}` });
  const { secret } = await admin.post<{ secret: string }>('/api/tokens', {
    name: 'SCIM',
    kind: 'service',
    service_user_id: serviceUser.id,
    expires_in_days: 30,
    scopes: ['scim'],
  });
  await admin.dispose();
  const scim = await request.newContext({
    baseURL: E2E_BASE_URL,
    extraHTTPHeaders: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
  });
  const person = { name: `Scim Person ${tag}`, email: `scim-${tag}@tessera.test`, externalId: `00u${tag}` };
  const response = await scim.post('/scim/v2/Users', {
    data: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: person.email,
      name: { givenName: 'Scim', familyName: `Person ${tag}` },
      displayName: person.name,
      externalId: person.externalId,
      active: true,
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  const { id } = (await response.json()) as { id: string };
  await scim.dispose();
  return { id, ...person, actor: `svc-scim-e2e-${tag}@service` };
}

function userRow(page: Page, name: string) {
  return page
    .getByTestId('user-row')
    .filter({ has: page.getByTestId('user-name').getByText(name, { exact: true }) });
}

test.describe('people provisioned through SCIM', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, 'admin');
  });

  test('carry a SCIM badge; Edit shows their identity read-only and still changes their role', async ({
    page,
  }) => {
    const person = await provisioned();
    await page.goto(`${USERS}?q=${encodeURIComponent(person.name)}`);
    const row = userRow(page, person.name);
    await expect(row).toBeVisible({ timeout: 30_000 });
    const badge = row.getByText('SCIM', { exact: true });
    await expect(badge).toBeVisible();
    await expect(badge).toHaveAttribute('title', /identity provider/);

    await row.getByRole('button', { name: `Actions for ${person.name}` }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${person.name}` });
    await expect(dialog.getByText('come from your identity provider through SCIM')).toBeVisible();
    const value = (label: string) => dialog.locator(`dt:text-is("${label}") + dd`);
    await expect(value('Name')).toHaveText(person.name);
    await expect(value('Email')).toHaveText(person.email);
    await expect(value('Status')).toHaveText('Active');
    await expect(value('External ID')).toHaveText(person.externalId);
    // Nothing to type the name or email into: they are the provider's.
    await expect(dialog.getByRole('textbox')).toHaveCount(0);

    await dialog.getByRole('radio', { name: 'Manager' }).check();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(row.locator('.col-role')).toHaveText('Manager');
    await expect(row.getByText('SCIM', { exact: true })).toBeVisible();
  });

  test("the audit log names the provider's service user and marks the change via SCIM", async ({ page }) => {
    const person = await provisioned();
    await page.goto(`/settings/audit-log?target=${person.id}`);
    const row = page.getByTestId('audit-row').filter({ hasText: 'Added account' });
    await expect(row).toHaveCount(1, { timeout: 30_000 });
    await expect(row.locator('.col-actor')).toContainText(person.actor);
    await expect(row.locator('.col-action')).toContainText('Person · member · via SCIM');
  });

  test('people added in the console carry no badge and keep their name and email editable', async ({
    page,
  }) => {
    await page.goto(`${USERS}?q=${encodeURIComponent('Maya Chen')}`);
    const row = userRow(page, 'Maya Chen');
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row.getByText('SCIM', { exact: true })).toHaveCount(0);
    await row.getByRole('button', { name: 'Actions for Maya Chen' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Maya Chen' });
    await expect(dialog.getByLabel('Name')).toBeEditable();
    await expect(dialog.getByText('come from your identity provider')).toHaveCount(0);
    await page.keyboard.press('Escape');
  });
});
