import { test, expect } from './fixtures';

test('generate and revoke with the keyboard only; dialogs trap and return focus', async ({ page, account, credentials }) => {
  await credentials.signIn(account);
  await credentials.generateButton().focus();
  await page.keyboard.press('Enter');
  const dialog = credentials.dialog();
  await expect(dialog.getByLabel('Nombre')).toBeFocused();
  // Focus stays inside the dialog however far you tab.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Shift+Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await dialog.getByLabel('Nombre').focus();
  await page.keyboard.type('keyboard-key');
  await page.keyboard.press('Enter');
  await expect(credentials.row('keyboard-key')).toBeVisible();

  const del = credentials.row('keyboard-key').getByRole('button', { name: 'Eliminar clave de API' });
  await del.focus();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('button', { name: 'Cancelar' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(del).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Eliminar', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(credentials.row('keyboard-key')).toHaveCount(0);
  await expect(credentials.generateButton()).toBeFocused();
});
