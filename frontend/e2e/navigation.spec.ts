import { test, expect, menu } from './fixtures';

test('the user menu lists the pages in order; each has a URL that survives reload and back', async ({ page, adminAccount, credentials }) => {
  await credentials.signIn(adminAccount);
  await page.getByRole('button', { name: /Menú de usuario/ }).click();
  await expect(page.getByRole('menuitem')).toHaveText(['Credenciales de API', 'Actividad', 'Usuarios', 'Mi cuenta', 'Cerrar sesión']);
  await expect(page.getByRole('menuitem', { name: 'Credenciales de API' })).toHaveAttribute('aria-current', 'page');
  await page.keyboard.press('Escape');
  for (const [item, path, heading] of [['Actividad', 'activity', 'Actividad'], ['Usuarios', 'users', 'Usuarios'], ['Mi cuenta', 'account', 'Mi cuenta']]) {
    await menu(page, item);
    await expect(page).toHaveURL(new RegExp(`/${path}$`));
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  }
  await page.goBack();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Usuarios' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Actividad' })).toBeVisible();
});

test('a plain user has no "Usuarios": not in the menu, and its URL shows the credentials', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await page.getByRole('button', { name: /Menú de usuario/ }).click();
  await expect(page.getByRole('menuitem')).toHaveText(['Credenciales de API', 'Actividad', 'Mi cuenta', 'Cerrar sesión']);
  await page.goto('/users');
  await expect(page).toHaveURL(/\/credentials$/);
  await expect(page.getByRole('heading', { name: 'Credenciales de API' })).toBeVisible();
});

test('signed out, a page URL asks to sign in first, then opens that page', async ({ page, account }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Usuario').fill(account.username);
  await page.getByLabel('Contraseña').fill(account.password);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-username')).toHaveText(account.username);
  await expect(page.getByTestId('account-role')).toHaveText('Usuario');
});
