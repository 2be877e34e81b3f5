import { test, expect, screenshot } from './fixtures';

test('"Editar clave API": Enter saves, Escape cancels', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await credentials.generate('old-name');
  await credentials.row('old-name').getByRole('button', { name: 'Editar clave API' }).click();
  const dialog = credentials.dialog();
  await expect(dialog.getByRole('heading', { name: 'Editar clave API' })).toBeVisible();
  await expect(dialog.getByLabel('Nombre')).toHaveValue('old-name');
  await dialog.getByLabel('Nombre').fill('discarded');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(credentials.row('old-name')).toBeVisible();

  await credentials.row('old-name').getByRole('button', { name: 'Editar clave API' }).click();
  await dialog.getByLabel('Nombre').fill('   ');
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('alert')).toHaveText('Introduce un nombre.');
  await dialog.getByLabel('Nombre').fill('new-name');
  await screenshot(page, 'es-rename-dialog');
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(credentials.row('new-name')).toBeVisible();
  await page.reload();
  await expect(credentials.row('new-name')).toBeVisible();
  await expect(credentials.row('old-name')).toHaveCount(0);
});
