import { test, expect } from './fixtures';
import { base } from './constants';

test('/docs renders every operation offline, from this server only', async ({ page }) => {
  const foreign: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(base()) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  await page.goto('/docs');
  await expect(page).toHaveURL(/\/docs\/$/);
  await expect(page.getByRole('heading', { name: /Llavero API/ })).toBeVisible();
  for (const summary of ['Generate an API key', 'List my API keys', 'Revoke one of my API keys', 'Verify a presented API key', 'Sign in']) {
    await expect(page.getByText(summary, { exact: true })).toBeVisible();
  }
  expect(foreign).toEqual([]);
});
