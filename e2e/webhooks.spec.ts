import { randomUUID } from 'node:crypto';
import { expect as baseExpect, test } from '@playwright/test';
import { signIn } from './support.ts';

const expect = baseExpect.configure({ timeout: 15_000 });
test.describe.configure({ timeout: 120_000 });

// Settings → Security → Webhooks. The e2e server does not allow private addresses, so a webhook to
// 127.0.0.1 shows the address guard at work in its delivery log.

test('an Admin adds a webhook, sees its secret once, sends a test event, edits and deletes it', async ({
  page,
}) => {
  const url = `http://127.0.0.1:9/hooks/${randomUUID()}`;
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
  await expect(page).toHaveURL('/settings/security/webhooks');
  await expect(page).toHaveTitle(/Webhooks/);
  await expect(page.getByTestId('smtp-status')).toContainText('Email is not configured');

  await page.getByRole('button', { name: 'Add webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add webhook' });
  await dialog.getByLabel('URL').fill('ftp://nope');
  await dialog.getByRole('button', { name: 'Add webhook' }).click();
  await expect(dialog.getByText('must be an http:// or https:// URL')).toBeVisible();
  await dialog.getByLabel('URL').fill(url);
  await dialog.getByLabel('token.created').check();
  await dialog.getByRole('button', { name: 'Add webhook' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('webhook-secret')).toHaveText(/^whsec_/);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('webhook-secret')).toHaveCount(0);

  const row = page.getByTestId('webhook-row').filter({ hasText: url });
  await expect(row).toContainText('token.created, token.revoked, token.expiring');
  await row.getByRole('button', { name: 'Send test event' }).click();
  const attempt = row.getByTestId('attempt-row').first();
  await expect(attempt).toContainText('webhook.test');
  await expect(attempt).toContainText('127.0.0.1 is a private address');

  await row.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit webhook' });
  await edit.getByLabel('token.expiring').uncheck();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('token.created, token.revoked');
  await expect(row).not.toContainText('token.expiring');

  await row.getByRole('button', { name: 'Delete' }).click();
  await page
    .getByRole('dialog', { name: 'Delete webhook' })
    .getByRole('button', { name: 'Delete webhook' })
    .click();
  await expect(page.getByTestId('webhook-row').filter({ hasText: url })).toHaveCount(0);
});

test('a person turns off expiry warnings for their own tokens on Your account', async ({ page }) => {
  await signIn(page, 'member');
  await page.goto('/settings/account');
  const toggle = page.getByLabel('Email me before my personal tokens expire');
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await expect(page.getByRole('status').filter({ hasText: 'Expiry warnings off.' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Email me before my personal tokens expire')).not.toBeChecked();
  await page.getByLabel('Email me before my personal tokens expire').check();
  await expect(page.getByRole('status').filter({ hasText: 'Expiry warnings on.' })).toBeVisible();
});
