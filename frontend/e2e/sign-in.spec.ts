import { test, expect, screenshot } from './fixtures';
import { ADMIN_PASSWORD, base } from './constants';

test('wrong credentials get a clear message, right ones open the credentials screen', async ({ page, account, credentials }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Iniciar sesión' })).toBeVisible();
  await screenshot(page, 'es-sign-in');
  await page.getByLabel('Usuario').fill(account.username);
  await page.getByLabel('Contraseña').fill('not-the-password');
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page.getByRole('alert')).toHaveText('Usuario o contraseña incorrectos.');
  await credentials.signIn(account);
  await expect(page).toHaveURL(/\/credentials$/);
});

test('the session survives a reload and sign-out ends it', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Credenciales de API' })).toBeVisible();
  await page.getByRole('button', { name: /Menú de usuario/ }).click();
  await page.getByRole('menuitem', { name: 'Cerrar sesión' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/credentials');
  await expect(page).toHaveURL(/\/login$/);
});

test('the user menu at the top right leads to "Credenciales de API"', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await page.goto('/');
  const menu = page.getByRole('button', { name: /Menú de usuario/ });
  const box = await menu.boundingBox();
  expect(box && box.x > 1280 / 2).toBeTruthy();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await page.getByRole('menuitem', { name: 'Credenciales de API' }).click();
  await expect(page).toHaveURL(/\/credentials$/);
});

test('a disabled account is told so (the server says account_disabled)', async ({ page, account, playwright }) => {
  const admin = await playwright.request.newContext({ baseURL: base() });
  expect((await admin.post('/api/v1/auth/login', { data: { username: 'admin', password: ADMIN_PASSWORD } })).status()).toBe(200);
  const users = await (await admin.get('/api/v1/users?limit=200')).json();
  const id = users.data.find((u: { username: string }) => u.username === account.username).id;
  expect((await admin.patch(`/api/v1/users/${id}`, { data: { disabled: true } })).status()).toBe(200);
  await admin.dispose();
  await page.goto('/');
  await page.getByLabel('Usuario').fill(account.username);
  await page.getByLabel('Contraseña').fill(account.password);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page.getByRole('alert')).toHaveText('Esta cuenta está deshabilitada. Consulta con un administrador.');
});
