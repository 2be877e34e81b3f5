import { test, expect, menu, createUser, apiSession, screenshot } from './fixtures';
import { base } from './constants';

test('"Crear usuario" checks the fields as the API does and shows the server\'s refusals in words', async ({ page, adminAccount, account, credentials }) => {
  await credentials.signIn(adminAccount);
  await menu(page, 'Usuarios');
  await page.getByRole('button', { name: 'Crear usuario' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Usuario', { exact: true }).fill('a b');
  await dialog.getByLabel('Contraseña inicial').fill('long-enough-1');
  await dialog.getByRole('button', { name: 'Crear', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('De 3 a 64 caracteres: letras, dígitos, «.», «_», «-» y «@».');
  await dialog.getByLabel('Usuario', { exact: true }).fill('valid-name');
  await dialog.getByLabel('Contraseña inicial').fill('short');
  await dialog.getByRole('button', { name: 'Crear', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Al menos 8 caracteres.');
  // Taken: the server refuses with `username_taken`.
  await dialog.getByLabel('Usuario', { exact: true }).fill(account.username);
  await dialog.getByLabel('Contraseña inicial').fill('long-enough-1');
  await dialog.getByRole('button', { name: 'Crear', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Ese nombre de usuario ya existe.');
  await screenshot(page, 'es-create-user');
  // An admin, created as such.
  const username = `adm-${process.pid}-${Date.now()}`;
  await dialog.getByLabel('Usuario', { exact: true }).fill(username);
  await dialog.getByLabel('Rol').selectOption('admin');
  await dialog.getByRole('button', { name: 'Crear', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: username });
  await expect(row.getByRole('cell').nth(1)).toHaveText('Administrador');
  await expect(page.getByRole('status').first()).toHaveText('Hecho.');
});

test('"Cambiar rol" makes a user an admin, whose keys act as one at once', async ({ page, adminAccount, credentials, request, playwright }) => {
  const target = await createUser(request);
  const theirs = await apiSession(playwright, target);
  expect((await theirs.get(`${base()}/api/v1/users`)).status()).toBe(403);
  await credentials.signIn(adminAccount);
  await menu(page, 'Usuarios');
  const row = page.getByRole('row').filter({ hasText: target.username });
  await row.getByRole('button', { name: `Cambiar rol ${target.username}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`¿Hacer administrador a «${target.username}»?`);
  await dialog.getByRole('button', { name: 'Cambiar rol' }).click();
  await expect(row.getByRole('cell').nth(1)).toHaveText('Administrador');
  await expect(row.getByRole('button', { name: `Cambiar rol ${target.username}` })).toBeFocused();
  expect((await theirs.get(`${base()}/api/v1/users`)).status()).toBe(200);
  await row.getByRole('button', { name: `Cambiar rol ${target.username}` }).click();
  await expect(dialog).toContainText(`¿Quitar a «${target.username}» el rol de administrador?`);
  await dialog.getByRole('button', { name: 'Cambiar rol' }).click();
  await expect(row.getByRole('cell').nth(1)).toHaveText('Usuario');
  expect((await theirs.get(`${base()}/api/v1/users`)).status()).toBe(403);
  await theirs.dispose();
});

test('"Restablecer contraseña" sets a new password; the old one stops working', async ({ page, adminAccount, account, credentials, playwright }) => {
  await credentials.signIn(adminAccount);
  await menu(page, 'Usuarios');
  const row = page.getByRole('row').filter({ hasText: account.username });
  await row.getByRole('button', { name: `Restablecer contraseña ${account.username}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Restablecer la contraseña de «${account.username}»`);
  await dialog.getByLabel('Nueva contraseña', { exact: true }).fill('short');
  await dialog.getByRole('button', { name: 'Restablecer' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Al menos 8 caracteres.');
  await dialog.getByLabel('Nueva contraseña', { exact: true }).fill('reset-by-admin-1');
  await dialog.getByRole('button', { name: 'Restablecer' }).click();
  await expect(dialog).toHaveCount(0);
  const api = await playwright.request.newContext();
  expect((await api.post(`${base()}/api/v1/auth/login`, { data: account })).status()).toBe(401);
  expect((await api.post(`${base()}/api/v1/auth/login`, { data: { username: account.username, password: 'reset-by-admin-1' } })).status()).toBe(200);
  await api.dispose();
});

test('"Ver claves" lists a user\'s keys and "Revocar" stops one at once', async ({ page, adminAccount, account, credentials, playwright }) => {
  const theirs = await apiSession(playwright, account);
  const created = await (await theirs.post(`${base()}/api/v1/api-keys`, { data: { name: 'their-ci' } })).json();
  await theirs.post(`${base()}/api/v1/api-keys`, { data: { name: 'their-other' } });
  const key = created.secret as string;
  const me = async () => (await theirs.get(`${base()}/api/v1/me`, { headers: { 'MC-Api-Key': key } })).status();
  expect(await me()).toBe(200);
  await credentials.signIn(adminAccount);
  await menu(page, 'Usuarios');
  const row = page.getByRole('row').filter({ hasText: account.username });
  await expect(row.getByRole('cell').nth(3)).toHaveText('2');
  await row.getByRole('button', { name: `Ver claves ${account.username}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Claves de «${account.username}»`);
  const keyRow = dialog.getByRole('row').filter({ hasText: 'their-ci' });
  await expect(keyRow).toContainText(created.data.hint);
  await screenshot(page, 'es-user-keys');
  await keyRow.getByRole('button', { name: 'Revocar their-ci' }).click();
  await expect(dialog).toContainText('¿Eliminar la clave «their-ci»?');
  await dialog.getByRole('button', { name: 'Revocar' }).click();
  await expect(dialog.getByRole('row').filter({ hasText: 'their-other' })).toBeVisible();
  await expect(dialog.getByRole('row').filter({ hasText: 'their-ci' })).toHaveCount(0);
  expect(await me()).toBe(401);
  await dialog.getByRole('button', { name: 'Cerrar' }).click();
  await expect(row.getByRole('cell').nth(3)).toHaveText('1');
  await theirs.dispose();
});
