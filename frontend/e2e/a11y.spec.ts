import AxeBuilder from '@axe-core/playwright';
import { test, expect, screenshot } from './fixtures';
import type { Page } from '@playwright/test';

async function noViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, what).toEqual([]);
}

test('axe finds no violations on any screen or dialog', async ({ page, account, credentials }) => {
  // Eight full-page axe scans: ~22 s on an idle 2-core machine, beyond the
  // default 30 s beside the CPU hogs of `just flake-hunt`.
  test.setTimeout(90_000);
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Iniciar sesión' })).toBeVisible();
  await noViolations(page, 'sign-in');
  await credentials.signIn(account);
  await noViolations(page, 'empty list');
  await credentials.generate('axe-key');
  await noViolations(page, 'list with a new-key notification');
  await credentials.revealedKey();
  await noViolations(page, 'revealed key');
  await credentials.row('axe-key').getByRole('button', { name: 'Editar clave API' }).click();
  await noViolations(page, 'rename dialog');
  await credentials.dialog().getByText('Opciones avanzadas').click();
  await credentials.dialog().getByLabel('Solo estos permisos').check();
  await noViolations(page, 'rename dialog, advanced options open');
  await page.keyboard.press('Escape');
  await credentials.row('axe-key').getByRole('button', { name: 'Rotar clave API' }).click();
  await noViolations(page, 'roll dialog');
  await page.keyboard.press('Escape');
  await credentials.row('axe-key').getByRole('button', { name: 'Eliminar clave de API' }).click();
  await noViolations(page, 'revoke dialog');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: /Menú de usuario/ }).click();
  await noViolations(page, 'user menu');
  await screenshot(page, 'es-user-menu');
  await page.keyboard.press('Escape');
  await credentials.notice().getByRole('button', { name: 'Descartar' }).click();
  await screenshot(page, 'es-list');
});
