import { test, expect } from './fixtures';

test('the app runs under a strict Content-Security-Policy with no inline script', async ({ page }) => {
  const res = await page.goto('/');
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res?.headers()['x-content-type-options']).toBe('nosniff');
  await expect(page.getByRole('heading', { name: 'Iniciar sesión' })).toBeVisible();
  const inline = await page.evaluate(() => document.querySelectorAll('script:not([src])').length);
  expect(inline).toBe(0);
});
