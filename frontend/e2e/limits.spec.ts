// Key limits in the web app: "Opciones avanzadas" in the generate and edit
// dialogs (expiry, scopes, allowed addresses), shown in the list, and
// enforced when the key is used — here through forward-auth, with this test
// playing the gateway (the server trusts 127.0.0.1's X-Forwarded-For).
import { test, expect, screenshot } from './fixtures';
import { base } from './constants';

test('generate with an expiry, two scopes and one network; see them listed; be refused elsewhere', async ({ page, account, credentials, request }) => {
  await credentials.signIn(account);
  await credentials.generateButton().click();
  const dialog = credentials.dialog();
  await dialog.getByLabel('Nombre').fill('facturación');
  // Closed by default: the user guide's flow does not change.
  await expect(dialog.getByLabel('Caducidad', { exact: true })).toBeHidden();
  await dialog.getByText('Opciones avanzadas').click();
  await dialog.getByLabel('Caducidad', { exact: true }).selectOption({ label: '90 días' });
  await expect(dialog.getByLabel('Todos los privilegios del usuario')).toBeChecked();
  await dialog.getByLabel('Solo estos permisos').check();
  // Nothing chosen yet: refused here, before any round trip.
  await dialog.getByRole('button', { name: 'Generar' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Elige al menos un permiso.');
  await dialog.getByLabel(/compute:read/).check();
  await dialog.getByLabel(/compute:write/).check();
  await dialog.getByLabel('Direcciones IP permitidas').fill('203.0.113.0/24');
  await screenshot(page, 'es-advanced-options');
  await dialog.getByRole('button', { name: 'Generar' }).click();
  const secret = await credentials.revealedKey();

  const row = credentials.row('facturación');
  await expect(row.getByText('compute:read', { exact: true })).toBeVisible();
  await expect(row.getByText('compute:write', { exact: true })).toBeVisible();
  await expect(row).toContainText('203.0.113.0/24');
  // 90 days from now, in the user's locale.
  const in90 = new Date(Date.now() + 90 * 86_400_000).toLocaleDateString('es');
  await expect(row).toContainText(in90);
  await credentials.notice().getByRole('button', { name: 'Descartar' }).click();
  await screenshot(page, 'es-list-limits');

  // Used through a gateway: from inside the network, with its scopes...
  const check = (ip: string, scope = '') =>
    request.get(`${base()}/api/v1/forward-auth${scope}`, { headers: { 'MC-Api-Key': secret, 'X-Forwarded-For': ip } });
  const inside = await check('203.0.113.9');
  expect(inside.status()).toBe(200);
  expect(inside.headers()['x-llavero-scopes']).toBe('compute:read compute:write');
  // ...refused from another address, and where another scope is needed.
  const outside = await check('198.51.100.7');
  expect(outside.status()).toBe(403);
  expect(outside.headers()['x-llavero-error']).toBe('ip_not_allowed');
  const dns = await check('203.0.113.9', '?scope=dns:edit');
  expect(dns.status()).toBe(403);
  expect(dns.headers()['x-llavero-error']).toBe('scope_missing');

  // Edited back to every privilege, anywhere: the next use says so.
  await row.getByRole('button', { name: 'Editar clave API' }).click();
  await dialog.getByText('Opciones avanzadas').click();
  await expect(dialog.getByLabel('Solo estos permisos')).toBeChecked();
  await dialog.getByLabel('Todos los privilegios del usuario').check();
  await dialog.getByLabel('Direcciones IP permitidas').fill('');
  await dialog.getByRole('button', { name: 'Guardar' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row.getByText('compute:read', { exact: true })).toHaveCount(0);
  const anywhere = await check('198.51.100.7', '?scope=dns:edit');
  expect(anywhere.status()).toBe(200);
  expect(anywhere.headers()['x-llavero-scopes']).toBe('*');
});

test('limit an existing key to one network in "Editar clave API", and be refused from another address', async ({ account, credentials, request }) => {
  await credentials.signIn(account);
  await credentials.generate('oficina');
  const secret = await credentials.revealedKey();
  const from = (ip: string) =>
    request.get(`${base()}/api/v1/forward-auth`, { headers: { 'MC-Api-Key': secret, 'X-Forwarded-For': ip } });
  expect((await from('198.51.100.7')).status()).toBe(200);

  await credentials.row('oficina').getByRole('button', { name: 'Editar clave API' }).click();
  const dialog = credentials.dialog();
  await dialog.getByText('Opciones avanzadas').click();
  await dialog.getByLabel('Direcciones IP permitidas').fill('192.0.2.0/24');
  await dialog.getByRole('button', { name: 'Guardar' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(credentials.row('oficina')).toContainText('192.0.2.0/24');

  // The very next use from elsewhere is refused; from inside, allowed.
  const outside = await from('198.51.100.7');
  expect(outside.status()).toBe(403);
  expect(outside.headers()['x-llavero-error']).toBe('ip_not_allowed');
  expect((await from('192.0.2.44')).status()).toBe(200);
});

test('a bad network is refused in words, and nothing is created', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await credentials.generateButton().click();
  const dialog = credentials.dialog();
  await dialog.getByLabel('Nombre').fill('mal');
  await dialog.getByText('Opciones avanzadas').click();
  await dialog.getByLabel('Direcciones IP permitidas').fill('10.0.0.0/33');
  await dialog.getByRole('button', { name: 'Generar' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Revisa las direcciones IP');
  await page.keyboard.press('Escape');
  await expect(page.getByText('Aún no tienes claves de API.')).toBeVisible();
});

test('the list marks expired keys and warns about keys expiring within 7 days', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  // Through the API the web app uses (the page's session).
  const create = (name: string, ms: number) =>
    page.request.post('/api/v1/api-keys', { data: { name, expires_at: new Date(Date.now() + ms).toISOString() } });
  expect((await create('pronto', 3 * 86_400_000)).status()).toBe(201);
  expect((await create('efímera', 1500)).status()).toBe(201);
  expect((await create('lejana', 200 * 86_400_000)).status()).toBe(201);
  await page.waitForTimeout(2000);
  await page.reload();
  await expect(credentials.row('pronto')).toContainText('Caduca pronto');
  await expect(credentials.row('efímera')).toContainText('Caducada');
  await expect(credentials.row('lejana')).not.toContainText('Caduca pronto');
  await expect(credentials.row('lejana')).not.toContainText('Caducada');
  await screenshot(page, 'es-list-expiry');
});

test('a slow scope catalogue still reaches the dialog: it opens once the scopes are known', async ({ page, account, credentials }) => {
  // The catalogue answers 1.5 s late (the server's real answer, held back).
  await page.route('**/api/v1/scopes', async (route) => {
    const answer = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.fulfill({ response: answer });
  });
  await credentials.signIn(account);
  await credentials.generateButton().click();
  const dialog = credentials.dialog();
  await dialog.getByText('Opciones avanzadas').click();
  await dialog.getByLabel('Solo estos permisos').check();
  await expect(dialog.getByLabel(/dns:edit/)).toBeVisible();
});
