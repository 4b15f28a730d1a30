import { randomUUID } from 'node:crypto';
import { expect as baseExpect, type Page, test } from '@playwright/test';
import { Api, freshPerson, generateToken, openTooltip, PEOPLE, signIn } from './support.ts';

// The machine is shared while the suite runs: give a page's first load room, and each test time.
const expect = baseExpect.configure({ timeout: 10_000 });
test.describe.configure({ timeout: 90_000 });

// Settings → Security → Users. Tests that change something make their own accounts through the API,
// so they never depend on each other or on order.

const USERS = '/settings/security/users';

interface ApiAccount {
  id: string;
  name: string | null;
  internal_id: string | null;
}

const tag = () => randomUUID().slice(0, 8);

function userRow(page: Page, name: string) {
  return page
    .getByTestId('user-row')
    .filter({ has: page.getByTestId('user-name').getByText(name, { exact: true }) });
}

async function newServiceUser(name = `svc-e2e-${tag()}`): Promise<ApiAccount & { name: string }> {
  const admin = await Api.as('admin');
  const account = await admin.post<ApiAccount>('/api/service-users', { name, role: 'member' });
  await admin.dispose();
  return { ...account, name };
}

async function accountByName(name: string): Promise<ApiAccount> {
  const admin = await Api.as('admin');
  const page = await admin.get<{ items: ApiAccount[] }>(
    `/api/users?q=${encodeURIComponent(name)}&include_deactivated=true`,
  );
  await admin.dispose();
  const found = page.items.find((a) => a.name === name || a.internal_id === name);
  expect(found, `account ${name}`).toBeTruthy();
  return found!;
}

/**
 * The list oldest first: the demo workspace's accounts, whatever the other tests add meanwhile (the list
 * shows 25 a page, newest first by default).
 */
const DEMO_FIRST = `${USERS}?sort=created_at&order=asc`;

/** Open the Users page and wait for its first rows: a first load on a busy machine can take a while. */
async function openUsers(page: Page, url = USERS) {
  await page.goto(url);
  await expect(page.getByTestId('user-row').first()).toBeVisible({ timeout: 30_000 });
}

async function openRowMenu(page: Page, name: string) {
  await userRow(page, name)
    .getByRole('button', { name: `Actions for ${name}` })
    .click();
}

async function visibleNames(page: Page): Promise<string[]> {
  return page.getByTestId('user-row').getByTestId('user-name').allTextContents();
}

test.describe('as an Admin', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, 'admin');
  });

  test('the list shows avatar with status, name and email, type, role, teams and last active', async ({
    page,
  }) => {
    await openUsers(page, DEMO_FIRST);
    const table = page.getByRole('table', { name: 'Users' });
    await expect(table.getByRole('columnheader')).toHaveText([
      'User',
      'Type',
      'Role',
      'Teams',
      'Last Active',
      'Created',
      'Actions',
    ]);

    const maya = userRow(page, PEOPLE.manager.name);
    await expect(maya).toContainText(PEOPLE.manager.email);
    await expect(maya.getByRole('img', { name: 'Active' })).toBeVisible();
    await expect(maya.locator('.col-type .type-cell')).toHaveText('Human');
    await expect(maya.getByTestId('sign-in-methods')).toHaveText('Password');
    await expect(maya.locator('.col-role')).toHaveText('Manager');
    await expect(maya.locator('.col-teams')).toHaveText('Data Platform');

    // A service user with neither name nor email is shown by its internal ID.
    const legacy = userRow(page, 'svc-legacy-etl@service');
    await expect(legacy.locator('.col-type')).toHaveText('Service');
    await expect(legacy.getByRole('img', { name: 'Service user' })).toBeVisible();
    await expect(userRow(page, PEOPLE.admin.name)).toContainText('You');
    // Deactivated accounts are hidden until asked for.
    await expect(userRow(page, 'Jordan Lee')).toHaveCount(0);
    // Every column, the row menu included, fits at 1280 px without scrolling sideways.
    // (Other tests add people at the same time, so the row may be below the fold: scroll to it first.)
    const mayaMenu = maya.getByRole('button', { name: `Actions for ${PEOPLE.manager.name}` });
    await mayaMenu.scrollIntoViewIfNeeded();
    await expect(mayaMenu).toBeInViewport();

    // Last active: "Never" until the first sign-in, then a relative time with the exact one on focus.
    const person = await freshPerson('member');
    await openUsers(page, `${USERS}?q=${encodeURIComponent(person.name)}`);
    await expect(userRow(page, person.name).locator('.col-last-active')).toHaveText('Never');
    await (await Api.as({ email: person.email })).dispose();
    await page.reload();
    const lastActive = userRow(page, person.name).locator('.col-last-active');
    await expect(lastActive).toHaveText(/^(Less than a minute|1 minute) ago$/);
    await lastActive.getByRole('button').focus();
    await expect(openTooltip(page)).toContainText('Last sign-in or token use');
    await expect(openTooltip(page)).toContainText(/\d{4} at \d{1,2}:\d{2}:\d{2}.*UTC/);

    await page.setViewportSize({ width: 800, height: 900 });
    await openUsers(page, DEMO_FIRST);
    await expect(userRow(page, PEOPLE.manager.name)).toBeVisible();
    await page.screenshot({ path: 'test-results/users-800.png', fullPage: true });
    // Narrow, the Created column gives way to a sort menu.
    await expect(page.getByRole('columnheader', { name: 'Created' })).toBeHidden();
    await page.getByRole('combobox', { name: 'Sort' }).selectOption({ label: 'Sort: Oldest first' });
    await expect(page).toHaveURL(/sort=created_at&order=asc/);
    await expect(
      userRow(page, PEOPLE.manager.name).getByRole('button', { name: `Actions for ${PEOPLE.manager.name}` }),
    ).toBeInViewport();
    await userRow(page, PEOPLE.manager.name)
      .getByRole('button', { name: `Actions for ${PEOPLE.manager.name}` })
      .click();
    await expect(page.getByRole('menuitem', { name: 'Edit' })).toBeInViewport();
  });

  test('filters: role, team, only service users, show deactivated', async ({ page }) => {
    await openUsers(page, DEMO_FIRST);
    await expect(userRow(page, PEOPLE.manager.name)).toBeVisible();

    await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Admin' });
    await expect(page).toHaveURL(/role=admin/);
    await expect(userRow(page, PEOPLE.manager.name)).toHaveCount(0);
    await expect(userRow(page, 'Okta SCIM')).toBeVisible();
    for (const role of await page.getByTestId('user-row').locator('.col-role').allTextContents())
      expect(role).toBe('Admin');
    await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'All roles' });

    await page.getByRole('combobox', { name: 'Team' }).selectOption({ label: 'Analytics' });
    await expect(userRow(page, PEOPLE.member.name)).toBeVisible();
    await expect(userRow(page, 'svc-dbt')).toBeVisible();
    await expect(userRow(page, PEOPLE.manager.name)).toHaveCount(0);
    for (const teams of await page.getByTestId('user-row').locator('.col-teams').allTextContents())
      expect(teams).toContain('Analytics');
    await page.getByRole('combobox', { name: 'Team' }).selectOption({ label: 'All teams' });

    await page.getByLabel('Only service users').check();
    await expect(userRow(page, PEOPLE.manager.name)).toHaveCount(0);
    await expect(userRow(page, 'svc-airflow')).toBeVisible();
    for (const type of await page.getByTestId('user-row').locator('.col-type').allTextContents())
      expect(type).toBe('Service');

    // The deactivated service user appears only with "Show deactivated".
    await expect(userRow(page, 'svc-jenkins')).toHaveCount(0);
    await page.getByLabel('Show deactivated').check();
    const jenkins = userRow(page, 'svc-jenkins');
    await expect(jenkins.getByRole('img', { name: 'Deactivated' })).toBeVisible();
    await expect(jenkins).toContainText('Deactivated');
    await page.getByLabel('Only service users').uncheck();
    await expect(userRow(page, 'Jordan Lee').getByRole('img', { name: 'Deactivated' })).toBeVisible();
  });

  test('the arrow on the Service tab lands on Users filtered to that account, and the filter clears', async ({
    page,
  }) => {
    const airflow = await accountByName('svc-airflow');
    await page.goto('/settings/access-tokens/service');
    await expect(page.getByRole('link', { name: 'Open svc-airflow in Users' }).first()).toBeVisible({
      timeout: 30_000,
    });
    await page.getByRole('link', { name: 'Open svc-airflow in Users' }).first().click();
    await expect(page).toHaveURL(new RegExp(`${USERS}\\?user=${airflow.id}$`));
    await expect(page.getByTestId('user-filter')).toContainText('Showing only svc-airflow');
    await expect(page.getByTestId('user-row')).toHaveCount(1);
    await expect(userRow(page, 'svc-airflow')).toBeVisible();

    await page.getByRole('button', { name: 'Clear filter' }).click();
    await expect(page).toHaveURL(new RegExp(`${USERS}$`));
    await expect(page.getByTestId('user-filter')).toHaveCount(0);
    // Every account again (the first page: other tests add people, so not necessarily the demo's).
    await expect(page.getByTestId('user-row').nth(1)).toBeVisible();
  });

  test('Users filtered to a service user links to its tokens; a malformed ?user= says "No such account"', async ({
    page,
  }) => {
    const airflow = await accountByName('svc-airflow');
    await openUsers(page, `${USERS}?user=${airflow.id}`);
    await page.getByTestId('user-filter').getByRole('link', { name: 'Show its tokens' }).click();
    await expect(page).toHaveURL(new RegExp(`/settings/access-tokens/service\\?service_user=${airflow.id}$`));
    await expect(page.getByTestId('token-row').first()).toBeVisible();

    await page.goto(`${USERS}?user=not-an-id`);
    await expect(page.getByRole('heading', { name: 'No such account' })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('user-filter')).toContainText('Showing only an unknown account');
    await expect(page.getByText('Invalid UUID')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Show all users' }).click();
    await expect(page.getByTestId('user-row').nth(1)).toBeVisible();
  });

  test('sorts by name, role, last active and created', async ({ page }) => {
    // By name among the Managers: few enough for one page either way, whatever other tests add meanwhile.
    await openUsers(page, `${USERS}?role=manager`);
    const rows = page.getByTestId('user-row');
    await expect(rows.first()).toBeVisible();
    const ascending = await visibleNames(page);

    await page.getByRole('button', { name: 'User', exact: true }).click();
    await expect(page.getByRole('columnheader', { name: 'User' })).toHaveAttribute('aria-sort', 'descending');
    // Tests running beside this one add accounts to the same server: compare the ones both lists show.
    const reversed = async () => {
      const shown = await visibleNames(page);
      const kept = shown.filter((name) => ascending.includes(name));
      const expected = [...ascending].reverse().filter((name) => shown.includes(name));
      if (kept.length * 2 < ascending.length) return `only ${kept.length} of ${ascending.length} still shown`;
      return kept.join(', ') === expected.join(', ')
        ? 'reversed'
        : `${kept.join(', ')} instead of ${expected.join(', ')}`;
    };
    await expect.poll(reversed).toBe('reversed');

    await openUsers(page, USERS);
    await page.getByRole('button', { name: 'Role', exact: true }).click();
    await expect(page.getByRole('columnheader', { name: 'Role' })).toHaveAttribute('aria-sort', 'ascending');
    await expect(rows.first().locator('.col-role')).toHaveText('Admin');
    await page.getByRole('button', { name: 'Role', exact: true }).click();
    await expect(rows.first().locator('.col-role')).toHaveText('Member');

    const times = (column: string) =>
      rows.locator(`.${column}`).evaluateAll((cells) =>
        cells.map((cell) => {
          const at = cell.querySelector('time')?.getAttribute('datetime');
          return at ? Date.parse(at) : null;
        }),
      );
    const isSorted = (values: (number | null)[], direction: 1 | -1) => {
      const known = values.filter((v): v is number => v !== null);
      return known.every((v, i) => i === 0 || (v - known[i - 1]!) * direction >= 0);
    };

    await page.getByRole('button', { name: 'Last Active', exact: true }).click();
    await expect(page).toHaveURL(/sort=last_active_at&order=desc/);
    await expect(page.getByRole('columnheader', { name: 'Last Active' })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    await expect(rows.first().locator('.col-last-active time')).toBeVisible();
    // By the minute of the last activity, then by id (docs/DECISIONS.md): within a minute, either order.
    const minutes = (values: (number | null)[]) =>
      values.map((v) => (v === null ? null : Math.floor(v / 60_000)));
    await expect.poll(async () => isSorted(minutes(await times('col-last-active')), -1)).toBe(true);

    // Newest first, then oldest: the second click once the header shows the first (a click before
    // the re-render toggled the old order again on a loaded machine).
    await page.getByRole('button', { name: 'Created', exact: true }).click();
    await expect(page).toHaveURL(/sort=created_at&order=desc/);
    await expect(page.getByRole('columnheader', { name: 'Created' })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    await page.getByRole('button', { name: 'Created', exact: true }).click();
    await expect(page).toHaveURL(/sort=created_at&order=asc/);
    await expect(page.getByRole('columnheader', { name: 'Created' })).toHaveAttribute(
      'aria-sort',
      'ascending',
    );
    await expect(rows.first()).toContainText('svc-legacy-etl@service');
    await expect.poll(async () => isSorted(await times('col-created'), 1)).toBe(true);
  });

  test('Add → Service User without a first token: Skip finishes', async ({ page }) => {
    const name = `svc-e2e-${tag()}`;
    await openUsers(page, USERS);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Service User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Service User' });
    await dialog.getByLabel('Name').fill(name);
    await expect(dialog.getByText(`It will be ${name}@service.`)).toBeVisible();
    await dialog.getByLabel('Email (optional)').fill(`${name}@example.com`);
    await dialog.getByRole('radio', { name: 'Manager' }).check();
    await dialog.getByLabel('Analytics').check();
    await dialog.getByRole('button', { name: 'Add service user' }).click();

    await expect(dialog.getByTestId('created-internal-id')).toHaveText(`${name}@service`);
    await expect(page.getByRole('status').filter({ hasText: `Service user “${name}” added.` })).toBeVisible();
    await dialog.getByRole('button', { name: 'Skip' }).click();
    await expect(dialog).toBeHidden();
    await page.getByRole('searchbox', { name: /Search users/ }).fill(name);
    await expect(page).toHaveURL(new RegExp(`q=${name}`));

    const row = userRow(page, name);
    await expect(row).toBeVisible();
    await expect(row.locator('.col-type')).toHaveText('Service');
    await expect(row.locator('.col-role')).toHaveText('Manager');
    await expect(row.locator('.col-teams')).toHaveText('Analytics');
    await expect(row.locator('.col-last-active')).toHaveText('Never');
  });

  test('Add → Service User with its first token shows the secret once', async ({ page }) => {
    const name = `svc-e2e-${tag()}`;
    await openUsers(page, USERS);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Service User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Service User' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByRole('button', { name: 'Add service user' }).click();
    await dialog.getByRole('button', { name: 'Generate first token' }).click();

    const generate = page.getByRole('dialog', { name: 'Generate Token' });
    await expect(generate.getByLabel('Service User')).toHaveValue(name);
    await generate.getByLabel('Name').fill('Nightly load');
    await generate.getByRole('button', { name: 'Generate Token' }).click();
    const done = page.getByRole('dialog', { name: 'Token generated' });
    await expect(done.getByTestId('token-secret')).toHaveText(/^tsr_svc_\w+$/);
    await done.getByRole('button', { name: 'Done' }).click();
    await expect(done).toBeHidden();

    const account = await accountByName(name);
    const admin = await Api.as('admin');
    const tokens = await admin.get<{ items: { name: string }[] }>(
      `/api/tokens?kind=service&service_user_id=${account.id}`,
    );
    await admin.dispose();
    expect(tokens.items.map((t) => t.name)).toEqual(['Nightly load']);
  });

  test('Add → Service User shows a taken internal ID next to its field', async ({ page }) => {
    await openUsers(page, USERS);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Service User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Service User' });
    await dialog.getByLabel('Name').fill('Another Airflow');
    await dialog.getByLabel('Internal ID (optional)').fill('svc-airflow');
    await dialog.getByRole('button', { name: 'Add service user' }).click();
    const field = dialog.getByLabel('Internal ID (optional)');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(/svc-airflow@service is already taken/);
    await expect(field).toBeFocused();
  });

  test('Add → Service User named in Japanese gets a short random internal ID', async ({ page }) => {
    // Names need not be unique; the internal ID is, and is drawn at random for this one.
    const name = 'デプロイ担当';
    await openUsers(page, USERS);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Service User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Service User' });
    await dialog.getByLabel('Name').fill(name);
    await expect(dialog.getByText(/it will be a short random one, like svc-7kq2@service/)).toBeVisible();
    await dialog.getByRole('button', { name: 'Add service user' }).click();
    await expect(dialog.getByTestId('created-internal-id')).toHaveText(/^svc-[a-z2-9]{4}@service$/);
    await expect(page.getByRole('status').filter({ hasText: `Service user “${name}” added.` })).toBeVisible();
  });

  test('Add → User: a taken email is shown by the field; a generated password is shown once with Copy', async ({
    page,
    context,
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const name = `E2E Person ${tag()}`;
    await openUsers(page, USERS);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('menuitem', { name: 'User', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add User' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Email').fill(PEOPLE.manager.email);
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await expect(dialog.getByLabel('Email')).toHaveAccessibleDescription(/already has this email/);

    const email = `e2e-${tag()}@tessera.test`;
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByLabel('Security').check();
    await dialog.getByRole('button', { name: 'Add user' }).click();

    const added = page.getByRole('dialog', { name: 'User added' });
    const password = await added.getByTestId('initial-password').textContent();
    expect(password?.length).toBeGreaterThanOrEqual(12);
    await added.getByRole('button', { name: 'Copy' }).click();
    await expect(added.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
    await added.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('searchbox', { name: /Search users/ }).fill(email);

    const row = userRow(page, name);
    await expect(row).toContainText(email);
    await expect(row.locator('.col-teams')).toHaveText('Security');
    // The password works: the new person can sign in with it.
    const response = await page.request.post('/api/auth/login', { data: { email, password } });
    expect(response.status()).toBe(200);
  });

  test('Edit changes role, teams and name; the row updates without a reload', async ({ page }) => {
    const person = await freshPerson('member');
    await openUsers(page, `${USERS}?q=${encodeURIComponent(person.name)}`);
    await openRowMenu(page, person.name);
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${person.name}` });
    const renamed = `${person.name} (ops)`;
    await dialog.getByLabel('Name').fill(renamed);
    await dialog.getByRole('radio', { name: 'Manager' }).check();
    await dialog.getByLabel('Platform Engineering').check();
    await dialog.getByLabel('Data Platform').check();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `Saved “${renamed}”.` })).toBeVisible();

    const row = userRow(page, renamed);
    await expect(row.locator('.col-role')).toHaveText('Manager');
    await expect(row.locator('.col-teams')).toContainText('Data Platform');
    await expect(row.locator('.col-teams')).toContainText('Platform Engineering');
  });

  test('nobody changes their own role: the role is locked in Edit for yourself', async ({ page }) => {
    await openUsers(page, DEMO_FIRST);
    await openRowMenu(page, PEOPLE.admin.name);
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${PEOPLE.admin.name}` });
    await expect(dialog.getByRole('radio', { name: 'Member' })).toBeDisabled();
    await expect(dialog.getByText('Nobody changes their own role')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });

  test('Deactivate asks to type "deactivate"; Reactivate brings the account back', async ({ page }) => {
    const person = await freshPerson('member');
    await generateToken({ email: person.email }, { name: 'Laptop' });
    await openUsers(page, `${USERS}?q=${encodeURIComponent(person.name)}`);
    await openRowMenu(page, person.name);
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    const dialog = page.getByRole('dialog', { name: `Deactivate ${person.name}?` });
    await expect(dialog).toContainText('1 active personal token is revoked');
    const confirm = dialog.getByRole('button', { name: 'Deactivate' });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Type deactivate to confirm').fill('deactiv');
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Type deactivate to confirm').fill('deactivate');
    await confirm.click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `“${person.name}” deactivated.` })).toBeVisible();
    await expect(userRow(page, person.name)).toHaveCount(0);

    await page.getByLabel('Show deactivated').check();
    const row = userRow(page, person.name);
    await expect(row.getByRole('img', { name: 'Deactivated' })).toBeVisible();
    await openRowMenu(page, person.name);
    await page.getByRole('menuitem', { name: 'Reactivate' }).click();
    await expect(page.getByRole('status').filter({ hasText: `“${person.name}” reactivated.` })).toBeVisible();
    await expect(row.getByRole('img', { name: 'Active' })).toBeVisible();
  });

  test('a service user with active tokens cannot be deactivated: the dialog says so before asking anything', async ({
    page,
  }) => {
    const service = await newServiceUser();
    await generateToken('admin', { name: 'Pipeline', kind: 'service', service_user_id: service.id });
    await openUsers(page, `${USERS}?user=${service.id}`);
    await openRowMenu(page, service.name);
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    const dialog = page.getByRole('dialog', { name: `${service.name} cannot be deactivated yet` });
    await expect(dialog).toContainText(`${service.name} still has 1 active token. Revoke it first`);
    await expect(dialog.getByLabel('Type deactivate to confirm')).toHaveCount(0);
    await dialog.getByRole('link', { name: 'Show its active tokens' }).click();
    await expect(page).toHaveURL(/\/settings\/access-tokens\/service\?service_user=.*&status=active/);
    await expect(page.getByTestId('token-row').filter({ hasText: 'Pipeline' })).toHaveCount(1);
  });

  test('Generate Token for a service user from its row', async ({ page }) => {
    const service = await newServiceUser();
    await openUsers(page, `${USERS}?q=${service.name}`);
    await page.getByLabel('Only service users').check();
    await openRowMenu(page, service.name);
    await page.getByRole('menuitem', { name: 'Generate Token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Generate Token' });
    await expect(dialog.getByLabel('Service User')).toHaveValue(service.name);
    await expect(dialog.getByRole('radio', { name: 'Personal' })).toHaveCount(0);
    await dialog.getByLabel('Name').fill('Deploy');
    await dialog.getByRole('button', { name: 'Generate Token' }).click();
    await expect(
      page.getByRole('dialog', { name: 'Token generated' }).getByTestId('token-secret'),
    ).toHaveText(/^tsr_svc_/);
  });

  test('works from the keyboard: Add menu, dialog focus, Escape', async ({ page }) => {
    await openUsers(page, USERS);
    await expect(page.getByTestId('user-row').first()).toBeVisible();
    await page.getByRole('button', { name: 'Add', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('menuitem', { name: 'Service User' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('menuitem', { name: 'User', exact: true })).toBeFocused();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add User' });
    await expect(dialog.getByLabel('Name')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeFocused();
  });
});

test('a Manager reads the list without admin actions', async ({ page }) => {
  await signIn(page, 'manager');
  await openUsers(page, DEMO_FIRST);
  await expect(userRow(page, PEOPLE.member.name)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Users' }).getByRole('columnheader')).toHaveText([
    'User',
    'Type',
    'Role',
    'Teams',
    'Last Active',
    'Created',
  ]);
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Actions for/ })).toHaveCount(0);
});

test('a Member gets a 403 page at the Users URL and no Users link', async ({ page }) => {
  await signIn(page, 'member');
  await page.goto(USERS);
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'You don’t have access to this page' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Users' })).toHaveCount(0);
  await expect(
    page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Users', exact: true }),
  ).toHaveCount(0);
});
