// Shared fixtures: a fresh user per test (created through the admin API), a
// page object for the credentials screen, and helpers for screenshots.
import { test as baseTest, expect, type Page, type APIRequestContext } from '@playwright/test';
import { ADMIN_PASSWORD, base } from './constants';

export { expect };

export type Account = { username: string; password: string };

let counter = 0;

/** Creates a user through the admin API (a fresh one per test keeps tests independent). */
export async function createUser(request: APIRequestContext, role: 'user' | 'admin' = 'user'): Promise<Account> {
  const admin = await request.post(`${base()}/api/v1/auth/login`, {
    data: { username: 'admin', password: ADMIN_PASSWORD },
  });
  expect(admin.status()).toBe(200);
  const username = `u${process.pid}-${Date.now()}-${counter++}`;
  const password = `pw-${username}-secret`;
  const res = await request.post(`${base()}/api/v1/users`, { data: { username, password, role } });
  expect(res.status()).toBe(201);
  await request.post(`${base()}/api/v1/auth/logout`);
  return { username, password };
}

/** The "Credenciales de API" screen, by role and accessible name. */
export class CredentialsPage {
  constructor(readonly page: Page) {}

  async signIn(account: Account, labels = { user: 'Usuario', pass: 'Contraseña', submit: 'Iniciar sesión' }) {
    await this.page.goto('/');
    await this.page.getByLabel(labels.user).fill(account.username);
    await this.page.getByLabel(labels.pass).fill(account.password);
    await this.page.getByRole('button', { name: labels.submit }).click();
    await expect(this.page.getByRole('heading', { name: 'Credenciales de API' })).toBeVisible();
  }

  generateButton() { return this.page.getByRole('button', { name: 'Generar clave de API' }); }
  dialog() { return this.page.getByRole('dialog'); }
  notice() { return this.page.getByTestId('new-key'); }
  noticeValue() { return this.page.getByTestId('new-key-value'); }
  row(name: string) { return this.page.getByRole('row').filter({ hasText: name }); }

  async generate(name: string) {
    await this.generateButton().click();
    await this.dialog().getByLabel('Nombre').fill(name);
    await this.dialog().getByRole('button', { name: 'Generar' }).click();
    await expect(this.notice()).toBeVisible();
    await expect(this.dialog()).toHaveCount(0);
  }

  /** Reveals the new key and returns it. */
  async revealedKey(): Promise<string> {
    await this.notice().getByRole('button', { name: 'Mostrar clave API' }).click();
    const value = (await this.noticeValue().textContent()) ?? '';
    expect(value).toMatch(/^mco_[0-9A-Za-z]{36}$/);
    return value;
  }

  async clipboard(): Promise<string> {
    return this.page.evaluate(() => navigator.clipboard.readText());
  }
}

/** Opens the user menu and follows one of its items. */
export async function menu(page: Page, item: string | RegExp) {
  await page.getByRole('button', { name: /Menú de usuario|User menu/ }).click();
  await page.getByRole('menuitem', { name: item, exact: typeof item === 'string' }).click();
}

/** Signs in through the API with a fresh request context; returns it. */
export async function apiSession(playwright: { request: { newContext(): Promise<APIRequestContext> } }, account: Account) {
  const api = await playwright.request.newContext();
  const res = await api.post(`${base()}/api/v1/auth/login`, { data: account });
  expect(res.status()).toBe(200);
  return api;
}

export const test = baseTest.extend<{ account: Account; adminAccount: Account; credentials: CredentialsPage }>({
  baseURL: async ({}, use) => use(base()),
  // Every test runs under the server's Content-Security-Policy and fails on
  // any violation Chromium reports.
  page: async ({ page }, use) => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    await use(page);
    expect(violations, 'Content-Security-Policy violations').toEqual([]);
  },
  account: async ({ request }, use) => use(await createUser(request)),
  // A fresh admin per test: tests may change its password or role without
  // touching the shared `admin` the fixtures sign in with.
  adminAccount: async ({ request }, use) => use(await createUser(request, 'admin')),
  credentials: async ({ page }, use) => use(new CredentialsPage(page)),
});

/**
 * Saves a screenshot for the README under docs/screenshots/ — only in
 * `just screenshots` (LLAVERO_SCREENSHOTS=1), so a test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string) {
  if (process.env.LLAVERO_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: `../docs/screenshots/${name}.png`, fullPage: false });
}
