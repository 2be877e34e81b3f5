// "Rotar clave API": a new secret for the same key, shown once in the same
// hidden notification; the old secret keeps working through the grace.
import { test, expect, screenshot } from './fixtures';
import { base } from './constants';

test('roll with a 1-hour grace: both secrets work, the list says until when', async ({ page, account, credentials, request }) => {
  await credentials.signIn(account);
  await credentials.generate('despliegue');
  const old = await credentials.revealedKey();
  await credentials.notice().getByRole('button', { name: 'Descartar' }).click();

  await credentials.row('despliegue').getByRole('button', { name: 'Rotar clave API' }).click();
  const dialog = credentials.dialog();
  await expect(dialog.getByRole('heading', { name: 'Rotar clave API' })).toBeVisible();
  await expect(dialog).toContainText('despliegue');
  await dialog.getByLabel('1 hora').check();
  await screenshot(page, 'es-roll-dialog');
  await dialog.getByRole('button', { name: 'Rotar' }).click();
  await expect(dialog).toHaveCount(0);
  // The same hidden notification as a new key.
  const hidden = (await credentials.noticeValue().textContent()) ?? '';
  expect(hidden).toMatch(/^mco_•+$/);
  const fresh = await credentials.revealedKey();
  expect(fresh).not.toBe(old);
  await expect(credentials.row('despliegue')).toContainText('Secreto anterior válido hasta');
  await expect(page.getByRole('row')).toHaveCount(2);

  // Both secrets authenticate, as the same key.
  for (const key of [old, fresh]) {
    const res = await request.get(`${base()}/api/v1/forward-auth`, { headers: { 'MC-Api-Key': key } });
    expect(res.status()).toBe(200);
  }
  const ids = await Promise.all([old, fresh].map(async (key) =>
    (await request.get(`${base()}/api/v1/forward-auth`, { headers: { 'MC-Api-Key': key } })).headers()['x-llavero-key-id']));
  expect(ids[0]).toBe(ids[1]);
  await screenshot(page, 'es-rolled');
});

test('roll with no grace: the old secret stops at once', async ({ account, credentials, request }) => {
  await credentials.signIn(account);
  await credentials.generate('inmediata');
  const old = await credentials.revealedKey();
  await credentials.row('inmediata').getByRole('button', { name: 'Rotar clave API' }).click();
  await credentials.dialog().getByLabel('Nada: deja de funcionar ahora').check();
  await credentials.dialog().getByRole('button', { name: 'Rotar' }).click();
  const fresh = await credentials.revealedKey();
  const refused = await request.get(`${base()}/api/v1/forward-auth`, { headers: { 'MC-Api-Key': old } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['x-llavero-error']).toBe('key_revoked');
  const allowed = await request.get(`${base()}/api/v1/forward-auth`, { headers: { 'MC-Api-Key': fresh } });
  expect(allowed.status()).toBe(200);
});
