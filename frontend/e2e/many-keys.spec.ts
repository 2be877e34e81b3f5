import { test, expect } from './fixtures';
import { base } from './constants';

test('hundreds of keys stay usable: 50 at a time, then "Cargar más"', async ({ page, account, credentials, playwright }) => {
  const api = await playwright.request.newContext({ baseURL: base() });
  const login = await api.post('/api/v1/auth/login', { data: { username: account.username, password: account.password } });
  expect(login.status()).toBe(200);
  for (let i = 0; i < 120; i++) {
    const res = await api.post('/api/v1/api-keys', { data: { name: `bulk-${String(i).padStart(3, '0')}` } });
    expect(res.status()).toBe(201);
  }
  await credentials.signIn(account);
  await expect(page.getByRole('row')).toHaveCount(51);
  await page.getByRole('button', { name: 'Cargar más' }).click();
  await expect(page.getByRole('row')).toHaveCount(101);
  await page.getByRole('button', { name: 'Cargar más' }).click();
  await expect(page.getByRole('row')).toHaveCount(121);
  await expect(page.getByRole('button', { name: 'Cargar más' })).toHaveCount(0);
  await expect(credentials.row('bulk-000')).toBeVisible();
  await api.dispose();
});

test('a double click on "Cargar más" loads the next page once', async ({ page, account, credentials, playwright }) => {
  const api = await playwright.request.newContext({ baseURL: base() });
  await api.post('/api/v1/auth/login', { data: { username: account.username, password: account.password } });
  for (let i = 0; i < 60; i++) {
    expect((await api.post('/api/v1/api-keys', { data: { name: `dbl-${String(i).padStart(3, '0')}` } })).status()).toBe(201);
  }
  // The next page answers slowly, so both clicks land while it is loading.
  await page.route('**/api/v1/api-keys?*cursor=*', async (route) => {
    await new Promise((r) => setTimeout(r, 400));
    await route.continue();
  });
  await credentials.signIn(account);
  await expect(page.getByRole('row')).toHaveCount(51);
  const more = page.getByRole('button', { name: 'Cargar más' });
  await more.dblclick();
  await expect(more).toHaveCount(0);
  await expect(page.getByRole('row')).toHaveCount(61);
  const names = await page.getByRole('row').allInnerTexts();
  expect(new Set(names).size).toBe(names.length);
  await api.dispose();
});
