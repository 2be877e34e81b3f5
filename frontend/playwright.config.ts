// Playwright drives Debian's Chromium (never a downloaded browser) against
// the real server, on a fresh SQLite database, serving the release build of
// the web app from frontend/dist.
import { defineConfig } from '@playwright/test';

export const PORT = Number(process.env.LLAVERO_E2E_PORT ?? 18088);
export const BASE = `http://127.0.0.1:${PORT}`;
export const ADMIN_PASSWORD = 'e2e-admin-password';

export default defineConfig({
  testDir: './e2e',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  timeout: 30_000,
  use: {
    baseURL: BASE,
    locale: 'es-ES',
    permissions: ['clipboard-read', 'clipboard-write'],
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-dev-shm-usage',
             '--no-first-run', '--disable-background-networking', '--disable-component-update',
             '--disable-sync'],
    },
  },
  webServer: {
    command: 'rm -rf e2e/.data && exec ../target/debug/llavero serve',
    url: `${BASE}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      LLAVERO_LISTEN: `127.0.0.1:${PORT}`,
      LLAVERO_DATABASE_URL: 'sqlite://e2e/.data/llavero.db?mode=rwc',
      LLAVERO_WEB_DIR: 'dist',
      LLAVERO_ADMIN_USERNAME: 'admin',
      LLAVERO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      RUST_LOG: 'error',
    },
  },
});
