import AxeBuilder from '@axe-core/playwright';
import { test, expect, menu, screenshot } from './fixtures';
import type { Page } from '@playwright/test';

async function noViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, what).toEqual([]);
}

test('axe finds no violations on "Actividad", "Usuarios", "Mi cuenta" and their dialogs', async ({ page, adminAccount, account, credentials }) => {
  test.setTimeout(120_000);
  await credentials.signIn(adminAccount);
  await menu(page, 'Actividad');
  await expect(page.locator('table.activity tbody tr').first()).toBeVisible();
  await noViolations(page, 'activity');
  await menu(page, 'Usuarios');
  const row = page.getByRole('row').filter({ hasText: account.username });
  await expect(row).toBeVisible();
  await noViolations(page, 'users');
  await screenshot(page, 'es-users');
  await page.getByRole('button', { name: 'Crear usuario' }).click();
  await noViolations(page, 'create user dialog');
  await page.keyboard.press('Escape');
  for (const action of ['Ver claves', 'Cambiar rol', 'Deshabilitar', 'Restablecer contraseña']) {
    await row.getByRole('button', { name: `${action} ${account.username}` }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await noViolations(page, `${action} dialog`);
    if (action === 'Deshabilitar') await screenshot(page, 'es-disable-user');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    // Escape hands focus back to the row's button.
    await expect(row.getByRole('button', { name: `${action} ${account.username}` })).toBeFocused();
  }
  await menu(page, 'Mi cuenta');
  await noViolations(page, 'my account');
  await page.getByRole('button', { name: 'English' }).click();
  await menu(page, 'Users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await expect(row).toBeVisible();
  await noViolations(page, 'users, in English');
  await screenshot(page, 'en-users');
});

test('the users page works from the keyboard alone', async ({ page, adminAccount, account, credentials }) => {
  await credentials.signIn(adminAccount);
  await page.goto('/users');
  const row = page.getByRole('row').filter({ hasText: account.username });
  const keys = row.getByRole('button', { name: `Ver claves ${account.username}` });
  await keys.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toContainText(`Claves de «${account.username}»`);
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Cerrar' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(keys).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(row.getByRole('button', { name: `Cambiar rol ${account.username}` })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Cancelar' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Cambiar rol' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Cancelar' })).toBeFocused();
});
