import { test, expect, screenshot } from './fixtures';
import { base } from './constants';

test('"Eliminar clave de API" asks, then the key disappears and stops working', async ({ page, account, credentials, playwright }) => {
  await credentials.signIn(account);
  await credentials.generate('doomed');
  await credentials.notice().getByRole('button', { name: 'Copiar clave API' }).click();
  const key = await credentials.clipboard();
  const api = await playwright.request.newContext();
  expect((await api.get(`${base()}/api/v1/me`, { headers: { 'MC-Api-Key': key } })).status()).toBe(200);

  await credentials.row('doomed').getByRole('button', { name: 'Eliminar clave de API' }).click();
  const dialog = credentials.dialog();
  await expect(dialog.getByRole('heading', { name: 'Eliminar clave de API' })).toBeVisible();
  await expect(dialog).toContainText('«doomed»');
  await screenshot(page, 'es-revoke-dialog');
  await dialog.getByRole('button', { name: 'Cancelar' }).click();
  await expect(credentials.row('doomed')).toBeVisible();

  await credentials.row('doomed').getByRole('button', { name: 'Eliminar clave de API' }).click();
  await dialog.getByRole('button', { name: 'Eliminar', exact: true }).click();
  await expect(credentials.row('doomed')).toHaveCount(0);
  const refused = await api.get(`${base()}/api/v1/me`, { headers: { 'MC-Api-Key': key } });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).detail).toContain('revoked');
  await api.dispose();
});
