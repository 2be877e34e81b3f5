// Starts the real server for the browser tests: the debug binary on a port
// the OS picks (it prints the address it bound on stdout), a fresh SQLite
// database in a temporary directory of its own, the release build of the web
// app from dist/. The address reaches the tests as LLAVERO_E2E_BASE; the
// returned function stops the server and removes its data.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, API_ENDPOINT, SCOPES } from './constants';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const data = mkdtempSync(join(tmpdir(), 'llavero-e2e-'));
  const server = spawn('../target/debug/llavero', ['serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      LLAVERO_LISTEN: '127.0.0.1:0',
      LLAVERO_DATABASE_URL: `sqlite://${data}/llavero.db?mode=rwc`,
      LLAVERO_WEB_DIR: 'dist',
      // The portal API behind its gateway: what the credentials screen shows.
      LLAVERO_API_ENDPOINT: API_ENDPOINT,
      LLAVERO_ADMIN_USERNAME: 'admin',
      LLAVERO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      RUST_LOG: 'error',
      // many-keys.spec makes 120 keys in seconds; the per-minute limit itself
      // is tested in the API suite.
      LLAVERO_KEY_CREATE_PER_MINUTE: '0',
      // The portal's scopes, described in both languages (JSON, as the
      // configuration file's list of tables).
      LLAVERO_SCOPES: JSON.stringify(SCOPES),
      // limits.spec plays the gateway: this process's X-Forwarded-For is believed.
      LLAVERO_TRUSTED_PROXIES: '127.0.0.1',
    },
  });
  let stderr = '';
  server.stderr.on('data', (chunk) => { stderr += chunk; });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(data, { recursive: true, force: true });
  };
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the server did not listen within 60 s:\n${stderr}`)), 60_000);
      server.stdout.on('data', (chunk) => {
        out += chunk;
        const m = out.match(/^llavero: listening on (\S+)\r?\n/m);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before listening:\n${stderr}`));
      });
    });
    process.env.LLAVERO_E2E_BASE = base;
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}
