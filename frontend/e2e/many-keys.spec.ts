import { test, expect } from './fixtures';
import { BASE } from '../playwright.config';

test('hundreds of keys stay usable: 50 at a time, then "Cargar más"', async ({ page, account, credentials, playwright }) => {
  const api = await playwright.request.newContext({ baseURL: BASE });
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
