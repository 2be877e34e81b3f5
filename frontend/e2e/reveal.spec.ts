import { test, expect, screenshot } from './fixtures';

test('the eye icon reveals and hides the new key', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await credentials.generate('reveal-me');
  const key = await credentials.revealedKey();
  await expect(credentials.notice().getByRole('button', { name: 'Ocultar clave API' })).toBeVisible();
  await screenshot(page, 'es-new-key-revealed');
  await credentials.notice().getByRole('button', { name: 'Ocultar clave API' }).click();
  await expect(credentials.noticeValue()).not.toHaveText(key);
  expect(await page.content()).not.toContain(key.slice(4));
});
