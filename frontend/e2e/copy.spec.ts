import { test, expect, screenshot } from './fixtures';
import { base } from './constants';

test('the clipboard icon copies a key that authenticates, and the list shows that use', async ({ page, account, credentials, playwright }) => {
  await credentials.signIn(account);
  await credentials.generate('copied-key');
  await credentials.notice().getByRole('button', { name: 'Copiar clave API' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copiado al portapapeles' })).toBeVisible();
  const key = await credentials.clipboard();
  expect(key).toMatch(/^mco_[0-9A-Za-z]{36}$/);

  const api = await playwright.request.newContext();
  const me = await api.get(`${base()}/api/v1/me`, { headers: { 'MC-Api-Key': key } });
  expect(me.status()).toBe(200);
  expect((await me.json()).data.user.username).toBe(account.username);

  // Last uses are written in batches (about once a second): reload until shown.
  const row = credentials.row('copied-key');
  await expect(async () => {
    await page.reload();
    await expect(row.getByRole('cell').nth(1)).toHaveText('127.0.0.1', { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(row.getByRole('cell').nth(2)).toHaveText(/\d{1,2}\/\d{1,2}\/\d{4}/);
  await screenshot(page, 'es-list-used');
  await api.dispose();
});
