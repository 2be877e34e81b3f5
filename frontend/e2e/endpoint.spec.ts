import { test, expect } from './fixtures';
import { API_ENDPOINT } from './constants';

test('the configured API endpoint (LLAVERO_API_ENDPOINT) is shown atop the list and its clipboard icon copies it', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await expect(page.getByTestId('endpoint-url')).toHaveText(API_ENDPOINT);
  await page.getByRole('button', { name: 'Copiar URL del endpoint' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copiado al portapapeles' })).toBeVisible();
  expect(await credentials.clipboard()).toBe(API_ENDPOINT);
});
