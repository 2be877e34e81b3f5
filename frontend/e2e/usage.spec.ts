// A key's detail: a program uses the key from three addresses; its owner
// selects the key and sees today's count, the 30-day chart (with its data
// as a table), the three addresses with their counts, refused attempts by
// reason — and a `key_new_address` event for each address.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, screenshot } from './fixtures';
import { base } from './constants';

test('the owner opens a key and sees where and how much it was used', async ({ page, account, credentials, request }) => {
  await credentials.signIn(account);
  await credentials.generate('facturacion');
  const key = await credentials.revealedKey();
  await credentials.notice().getByRole('button', { name: 'Descartar' }).click();

  // A program behind the gateway (a trusted proxy at 127.0.0.1), from three addresses.
  for (const ip of ['203.0.113.10', '203.0.113.10', '198.51.100.20', '2001:db8::30']) {
    const res = await request.get(`${base()}/api/v1/forward-auth/v1/invoices`, { headers: { 'MC-Api-Key': key, 'X-Forwarded-For': ip } });
    expect(res.status()).toBe(200);
  }
  // Usage is written in batches: wait for the flush.
  const id = await credentials.row('facturacion').getAttribute('data-key-id');
  await expect.poll(async () => {
    const usage = await (await page.request.get(`/api/v1/api-keys/${id}/usage`)).json();
    return usage.data.days[0]?.uses ?? 0;
  }).toBe(4);

  await credentials.row('facturacion').getByRole('button', { name: 'facturacion' }).click();
  const dialog = credentials.dialog();
  await expect(dialog.getByRole('heading', { name: 'Uso de la clave' })).toBeVisible();
  await expect(dialog.getByTestId('uses-today')).toHaveText('Hoy: 4 usos');
  await expect(dialog.getByRole('img', { name: 'Usos en los últimos 30 días (UTC): 4' })).toBeVisible();
  const addresses = dialog.locator('table.addresses tbody tr');
  await expect(addresses).toHaveCount(3);
  await expect(addresses.filter({ hasText: '203.0.113.10' })).toContainText('2');
  await expect(addresses.filter({ hasText: '198.51.100.20' })).toContainText('1');
  await expect(addresses.filter({ hasText: '2001:db8::30' })).toContainText('1');
  await expect(dialog).toContainText('Ninguno.');
  await dialog.getByText('Ver los datos por día').click();
  const today = new Date().toISOString().slice(0, 10);
  await expect(dialog.getByRole('row', { name: new RegExp(`${today} 4 0`) })).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => v.id), 'usage dialog').toEqual([]);
  await screenshot(page, 'es-usage');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  // Focus returns to the key's name.
  await expect(credentials.row('facturacion').getByRole('button', { name: 'facturacion' })).toBeFocused();

  const log = await (await page.request.get('/api/v1/activity?limit=200')).json();
  const news = log.data.filter((e: { action: string }) => e.action === 'key_new_address');
  expect(news.map((e: { ip: string }) => e.ip).sort()).toEqual(['198.51.100.20', '2001:db8::30', '203.0.113.10']);
});

test('refused attempts show by reason, in English too', async ({ page, account, credentials, request }) => {
  await credentials.signIn(account);
  await credentials.generate('solo-lectura');
  const key = await credentials.revealedKey();
  const id = await credentials.row('solo-lectura').getAttribute('data-key-id');
  await page.request.patch(`/api/v1/api-keys/${id}`, { data: { scopes: ['compute:read'] } });
  for (let i = 0; i < 2; i++) {
    const res = await request.get(`${base()}/api/v1/forward-auth?scope=dns:edit`, { headers: { 'MC-Api-Key': key } });
    expect(res.status()).toBe(403);
  }
  await expect.poll(async () => {
    const usage = await (await page.request.get(`/api/v1/api-keys/${id}/usage`)).json();
    return usage.data.days[0]?.refused?.SCOPE_MISSING ?? 0;
  }).toBe(2);
  await page.getByRole('button', { name: 'English' }).click();
  await credentials.row('solo-lectura').getByRole('button', { name: 'solo-lectura' }).click();
  const dialog = credentials.dialog();
  await expect(dialog.getByRole('heading', { name: 'Key usage' })).toBeVisible();
  await expect(dialog.getByTestId('uses-today')).toHaveText('Today: 0 uses');
  await expect(dialog.getByRole('listitem')).toHaveText('Permission missing: 2');
  await expect(dialog).toContainText('Not used from any address yet.');
  await screenshot(page, 'en-usage-refused');
});
