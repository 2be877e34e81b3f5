import { test, expect, menu, createUser, screenshot } from './fixtures';

test('"Actividad" shows my own events in words, newest first, and filters by action', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await credentials.generate('log-key');
  await credentials.row('log-key').getByRole('button', { name: 'Editar clave API' }).click();
  await credentials.dialog().getByLabel('Nombre').fill('log-key-2');
  await credentials.dialog().getByRole('button', { name: 'Guardar' }).click();
  await expect(credentials.dialog()).toHaveCount(0);
  await menu(page, 'Actividad');
  const rows = page.locator('table.activity tbody tr');
  await expect(rows.first()).toContainText('Cambió una clave');
  await expect(rows.first()).toContainText('log-key-2');
  await expect(rows.first()).toContainText('name: log-key → log-key-2');
  await expect(rows.nth(1)).toContainText('Creó una clave');
  await expect(rows.nth(2)).toContainText('Inició sesión');
  for (const row of await rows.all()) await expect(row).toContainText(account.username);
  await expect(rows.first().getByRole('cell').nth(5)).toHaveText('127.0.0.1');
  // No "Usuario" filter for a plain user.
  await expect(page.getByLabel('Usuario', { exact: true })).toHaveCount(0);
  await page.getByLabel('Acción').selectOption({ label: 'Creó una clave' });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('log-key-2');
  await page.getByLabel('Acción').selectOption({ label: 'Todas las acciones' });
  await expect(rows).toHaveCount(3);
});

test('a plain user never sees what other users did', async ({ page, account, credentials, request }) => {
  const other = await createUser(request);
  await credentials.signIn(account);
  await menu(page, 'Actividad');
  await expect(page.locator('table.activity tbody tr').first()).toBeVisible();
  await expect(page.locator('table.activity')).not.toContainText(other.username);
  await expect(page.locator('table.activity')).not.toContainText('Creó un usuario');
});

test('an admin filters the log by user; in English the actions are in English', async ({ page, adminAccount, account, credentials }) => {
  await credentials.signIn(adminAccount);
  await menu(page, 'Actividad');
  await page.getByLabel('Usuario', { exact: true }).selectOption({ label: account.username });
  const rows = page.locator('table.activity tbody tr');
  await expect(rows.first()).toContainText('Creó un usuario');
  await expect(rows.first()).toContainText(account.username);
  await screenshot(page, 'es-activity');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(rows.first()).toContainText('Created a user');
  await expect(page.getByRole('columnheader', { name: 'Key used' })).toBeVisible();
  await expect(page.getByLabel('Action')).toBeVisible();
});
