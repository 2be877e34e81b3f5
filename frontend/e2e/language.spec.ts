import { test, expect, screenshot } from './fixtures';

test('the switch changes the language and it is remembered', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'API credentials' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Generate API key' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'API credentials' })).toBeVisible();
  await page.getByRole('button', { name: 'Generate API key' }).click();
  await page.getByRole('dialog').getByLabel('Name').fill('english-key');
  await page.getByRole('dialog').getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('new-key')).toContainText('Your new API key');
  await screenshot(page, 'en-new-key-hidden');
  await page.getByRole('row').filter({ hasText: 'english-key' }).getByRole('button', { name: 'Delete API key' }).click();
  await screenshot(page, 'en-revoke-dialog');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Español' }).click();
  await expect(page.getByRole('heading', { name: 'Credenciales de API' })).toBeVisible();
});

test('an English browser starts in English', async ({ browser, account }) => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'en-sign-in');
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'API credentials' })).toBeVisible();
  await screenshot(page, 'en-empty');
  await context.close();
});
