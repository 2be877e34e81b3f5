import { test, expect } from './fixtures';
import { BASE } from '../playwright.config';

test('the endpoint URL is shown atop the list and its clipboard icon copies it', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await expect(page.getByTestId('endpoint-url')).toHaveText(`${BASE}/api/v1`);
  await page.getByRole('button', { name: 'Copiar URL del endpoint' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copiado al portapapeles' })).toBeVisible();
  expect(await credentials.clipboard()).toBe(`${BASE}/api/v1`);
});
