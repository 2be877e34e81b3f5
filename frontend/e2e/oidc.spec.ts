// Sign-in through the portal's identity provider, in Chromium, with the
// provider on another site (localhost) than Llavero (127.0.0.1): the browser
// applies its cross-site cookie rules exactly as in production.
import { test, expect, screenshot, menu } from './fixtures';
import { IDP_NAME } from './constants';

function idp(): string {
  const url = process.env.LLAVERO_E2E_IDP;
  if (!url) throw new Error('LLAVERO_E2E_IDP is unset: the global setup did not start the provider');
  return url;
}

test('a portal user signs in through the provider, generates a key that works, and signs out of both', async ({ page, credentials, request, baseURL }) => {
  expect(new URL(idp()).hostname).not.toBe(new URL(baseURL ?? '').hostname);
  await page.goto('/');
  const button = page.getByRole('link', { name: `Iniciar sesión con ${IDP_NAME}` });
  await expect(button).toBeVisible();
  await expect(page.getByLabel('Usuario')).toBeVisible();
  await button.click();

  // The provider's own sign-in page, on its own site.
  await expect(page).toHaveURL(new RegExp(`^${idp()}/interaction/`));
  await page.getByLabel('Login').fill('ana');
  await page.getByLabel('Password').fill('ana-password');
  await page.getByRole('button', { name: 'Continue' }).click();

  // Back at Llavero: a new user, an admin as the provider's groups say.
  await expect(page.getByRole('heading', { name: 'Credenciales de API' })).toBeVisible();
  expect(new URL(page.url()).host).toBe(new URL(baseURL ?? '').host);
  await credentials.generate('desde-el-portal');
  const key = await credentials.revealedKey();
  const me = await request.get('/api/v1/me', { headers: { 'MC-Api-Key': key } });
  expect(me.status()).toBe(200);
  const body = await me.json();
  expect(body.data.user.username).toBe('ana');
  expect(body.data.user.role).toBe('admin');
  expect(body.data.user.oidc).toBe(true);

  // Usuarios: she is marked as coming from the provider, with no password
  // to reset.
  await menu(page, 'Usuarios');
  const row = page.getByRole('row').filter({ hasText: /^ana/ });
  await expect(row.getByText('SSO')).toBeVisible();
  await expect(row.getByRole('button', { name: 'Cambiar rol ana' })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Restablecer contraseña ana' })).toHaveCount(0);
  await screenshot(page, 'es-users-sso');

  // Mi cuenta: no Llavero password to change.
  await menu(page, 'Mi cuenta');
  await expect(page.getByTestId('account-username')).toHaveText('ana');
  await expect(page.getByText('Inicia sesión con el proveedor de identidad; no tiene contraseña en Llavero.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cambiar contraseña' })).toBeHidden();

  // Signing out ends the provider's session too (it asks to confirm).
  await menu(page, 'Cerrar sesión');
  await expect(page).toHaveURL(new RegExp(`^${idp()}/session/end`));
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page.getByRole('heading', { name: 'Iniciar sesión' })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe('/login');
  // The provider forgot her: signing in asks for the password again.
  await page.getByRole('link', { name: `Iniciar sesión con ${IDP_NAME}` }).click();
  await expect(page.getByLabel('Login')).toBeVisible();
});

test('a failed provider sign-in shows why on the sign-in page', async ({ page }) => {
  // A callback this browser never started (no flow cookie, a made-up state).
  await page.goto('/api/v1/auth/oidc/callback?code=x&state=y');
  await expect(page).toHaveURL(/\/login\?error=oidc_state_invalid$/);
  await expect(page.getByRole('alert')).toHaveText(
    'No se pudo iniciar sesión con el proveedor de identidad. Vuelve a intentarlo.');
  await expect(page.getByRole('link', { name: `Iniciar sesión con ${IDP_NAME}` })).toBeVisible();
});

test('a landing path the browser would turn into another site lands on Llavero', async ({ page, baseURL }) => {
  // Browsers strip TAB from URLs: kept as it came, `/\t/evil.example`
  // would have sent the browser to //evil.example after signing in.
  await page.goto('/api/v1/auth/oidc/login?return_to=/%09/evil.example');
  await expect(page).toHaveURL(new RegExp(`^${idp()}/interaction/`));
  await page.getByLabel('Login').fill('ana');
  await page.getByLabel('Password').fill('ana-password');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Credenciales de API' })).toBeVisible();
  const landed = new URL(page.url());
  expect(landed.host).toBe(new URL(baseURL ?? '').host);
  expect(landed.hostname).not.toContain('evil');
});
