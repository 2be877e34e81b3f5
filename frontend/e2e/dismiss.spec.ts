import { test, expect } from './fixtures';

test('once dismissed, the key is nowhere: not in the DOM, storage or URL', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await credentials.generate('ephemeral');
  const key = await credentials.revealedKey();
  const body = key.slice(4);
  expect(await page.content()).toContain(body);
  await credentials.notice().getByRole('button', { name: 'Descartar' }).click();
  await expect(credentials.notice()).toHaveCount(0);
  expect(await page.content()).not.toContain(body);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toContain(body);
  expect(page.url()).not.toContain(body);
  await expect(credentials.generateButton()).toBeFocused();
  await expect(credentials.row('ephemeral')).toBeVisible();
});
