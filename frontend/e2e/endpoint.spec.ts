import { test, expect } from './fixtures';
import { base } from './constants';

test('the endpoint URL is shown atop the list and its clipboard icon copies it', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await expect(page.getByTestId('endpoint-url')).toHaveText(`${base()}/api/v1`);
  await page.getByRole('button', { name: 'Copiar URL del endpoint' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copiado al portapapeles' })).toBeVisible();
  expect(await credentials.clipboard()).toBe(`${base()}/api/v1`);
});
