import { test, expect, screenshot } from './fixtures';

test('generate: the Nombre field is validated, then the new key arrives hidden', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await expect(page.getByText('Aún no tienes claves de API.')).toBeVisible();
  await screenshot(page, 'es-empty');
  await credentials.generateButton().click();
  const dialog = credentials.dialog();
  await expect(dialog.getByRole('heading', { name: 'Generar clave de API' })).toBeVisible();
  await expect(dialog.getByLabel('Nombre')).toBeFocused();
  await dialog.getByRole('button', { name: 'Generar' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Introduce un nombre.');
  await dialog.getByLabel('Nombre').fill('x'.repeat(101));
  await dialog.getByRole('button', { name: 'Generar' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('El nombre admite como máximo 100 caracteres.');
  await dialog.getByLabel('Nombre').fill('backup-nocturno');
  await screenshot(page, 'es-generate-dialog');
  await dialog.getByRole('button', { name: 'Generar' }).click();

  const notice = credentials.notice();
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('no hay forma de volver a mostrar la clave API');
  const hidden = (await credentials.noticeValue().textContent()) ?? '';
  expect(hidden).toMatch(/^mco_•+$/);
  await expect(credentials.row('backup-nocturno')).toBeVisible();
  await screenshot(page, 'es-new-key-hidden');
  // It does not go away by itself.
  await page.waitForTimeout(3000);
  await expect(notice).toBeVisible();
});
