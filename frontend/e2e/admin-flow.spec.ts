import { test, expect, menu, CredentialsPage, screenshot } from './fixtures';
import { base } from './constants';

// The whole story, in the web app only: an admin creates a user,
// sees that user sign in and generate a key in the activity log, disables
// the user (the key stops at once), re-enables them, and changes their own
// password.
test('an admin creates a user, watches them in the log, disables and re-enables them, and changes their own password', async ({ page, browser, playwright, adminAccount, credentials }) => {
  test.setTimeout(90_000);
  await credentials.signIn(adminAccount);
  await menu(page, 'Usuarios');
  await expect(page).toHaveURL(/\/users$/);
  const username = `nuevo-${process.pid}-${Date.now()}`;
  await page.getByRole('button', { name: 'Crear usuario' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Usuario', { exact: true }).fill(username);
  await dialog.getByLabel('Contraseña inicial').fill('initial-pass-1');
  await dialog.getByRole('button', { name: 'Crear', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: username });
  await expect(row).toContainText('Activo');
  await expect(row.getByRole('cell').nth(1)).toHaveText('Usuario');

  // The new user, in their own browser, signs in and generates a key.
  const theirs = await browser.newContext({ baseURL: base() });
  const them = new CredentialsPage(await theirs.newPage());
  await them.signIn({ username, password: 'initial-pass-1' });
  await them.generate('their-key');
  const key = await them.revealedKey();
  await theirs.close();

  // The admin sees both in the activity log, filtered to that user.
  await menu(page, 'Actividad');
  await expect(page).toHaveURL(/\/activity$/);
  await page.getByLabel('Usuario', { exact: true }).selectOption({ label: username });
  const log = page.locator('table.activity');
  await expect(log.getByRole('row').filter({ hasText: 'Creó una clave' })).toContainText('their-key');
  await expect(log.getByRole('row').filter({ hasText: 'Inició sesión' })).toContainText(username);
  await expect(log.getByRole('row').filter({ hasText: 'Creó un usuario' })).toContainText(adminAccount.username);

  // Disabling says what happens to the keys, and the key stops at once.
  const api = await playwright.request.newContext();
  const me = async () => (await api.get(`${base()}/api/v1/me`, { headers: { 'MC-Api-Key': key } })).status();
  expect(await me()).toBe(200);
  await menu(page, 'Usuarios');
  await row.getByRole('button', { name: `Deshabilitar ${username}` }).click();
  await expect(dialog).toContainText(`¿Deshabilitar a «${username}»?`);
  await expect(dialog).toContainText('sus claves (1) dejarán de funcionar al instante');
  await dialog.getByRole('button', { name: 'Deshabilitar' }).click();
  await expect(row).toContainText('Deshabilitado');
  expect(await me()).toBe(401);

  // Enabled again, the key works again.
  await row.getByRole('button', { name: `Habilitar ${username}` }).click();
  await dialog.getByRole('button', { name: 'Habilitar' }).click();
  await expect(row).toContainText('Activo');
  expect(await me()).toBe(200);
  await api.dispose();

  // The admin changes their own password, and it is the one that works.
  await menu(page, 'Mi cuenta');
  await expect(page).toHaveURL(/\/account$/);
  await page.getByLabel('Contraseña actual').fill(adminAccount.password);
  await page.getByLabel('Nueva contraseña', { exact: true }).fill('brand-new-pass-1');
  await page.getByLabel('Repite la nueva contraseña').fill('brand-new-pass-1');
  await page.getByRole('button', { name: 'Cambiar contraseña' }).click();
  await expect(page.getByText('Contraseña cambiada. Tus otras sesiones se han cerrado.')).toBeVisible();
  await menu(page, 'Cerrar sesión');
  await expect(page).toHaveURL(/\/login$/);
  await credentials.signIn({ username: adminAccount.username, password: 'brand-new-pass-1' });
  await screenshot(page, 'es-credentials-admin');
});
