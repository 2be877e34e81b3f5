import { test, expect, menu, apiSession, screenshot } from './fixtures';
import { base } from './constants';

test('"Mi cuenta" changes my password: wrong current, mismatch and short are refused in words', async ({ page, account, credentials, playwright }) => {
  await credentials.signIn(account);
  await menu(page, 'Mi cuenta');
  await expect(page.getByTestId('account-username')).toHaveText(account.username);
  await expect(page.getByTestId('account-role')).toHaveText('Usuario');
  const change = page.getByRole('button', { name: 'Cambiar contraseña' });
  await page.getByLabel('Contraseña actual').fill('not-my-password');
  await page.getByLabel('Nueva contraseña', { exact: true }).fill('new-password-1');
  await page.getByLabel('Repite la nueva contraseña').fill('new-password-2');
  await change.click();
  await expect(page.getByRole('alert').first()).toHaveText('Las contraseñas no coinciden.');
  await page.getByLabel('Repite la nueva contraseña').fill('new-password-1');
  await change.click();
  await expect(page.getByRole('alert').first()).toHaveText('La contraseña actual no es correcta.');
  await page.getByLabel('Contraseña actual').fill(account.password);
  await page.getByLabel('Nueva contraseña', { exact: true }).fill('short');
  await page.getByLabel('Repite la nueva contraseña').fill('short');
  await change.click();
  await expect(page.getByRole('alert').first()).toHaveText('Al menos 8 caracteres.');
  await screenshot(page, 'es-account');
  await page.getByLabel('Nueva contraseña', { exact: true }).fill('new-password-1');
  await page.getByLabel('Repite la nueva contraseña').fill('new-password-1');
  await change.click();
  await expect(page.getByText('Contraseña cambiada. Tus otras sesiones se han cerrado.')).toBeVisible();
  await expect(page.getByLabel('Contraseña actual')).toHaveValue('');
  // This session stays; the new password is the one that works.
  await page.reload();
  await expect(page.getByTestId('account-username')).toHaveText(account.username);
  const fresh = await playwright.request.newContext();
  expect((await fresh.post(`${base()}/api/v1/auth/login`, { data: account })).status()).toBe(401);
  expect((await fresh.post(`${base()}/api/v1/auth/login`, { data: { username: account.username, password: 'new-password-1' } })).status()).toBe(200);
  await fresh.dispose();
});

test('"Cerrar sesión en todas partes" ends my other sessions and this one', async ({ page, account, credentials, playwright }) => {
  const elsewhere = await apiSession(playwright, account);
  expect((await elsewhere.get(`${base()}/api/v1/me`)).status()).toBe(200);
  await credentials.signIn(account);
  await menu(page, 'Mi cuenta');
  await page.getByRole('button', { name: 'Cerrar sesión en todas partes' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect((await elsewhere.get(`${base()}/api/v1/me`)).status()).toBe(401);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);
  await elsewhere.dispose();
});
