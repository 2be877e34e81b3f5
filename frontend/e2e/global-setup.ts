// Starts the real server for the browser tests: the debug binary on a port
// the OS picks (it prints the address it bound on stdout), a fresh SQLite
// database in a temporary directory of its own, the release build of the web
// app from dist/ — and the test OpenID provider (support/oidc-provider.mjs)
// on `localhost`, another site than the server's 127.0.0.1, as a portal's
// provider is. The addresses reach the tests as LLAVERO_E2E_BASE and
// LLAVERO_E2E_IDP; the returned function stops both and removes the data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, API_ENDPOINT, IDP_NAME, SCOPES } from './constants';

/** Runs `command`; resolves with the URL it prints after `prefix`. */
function listening(child: ChildProcess, prefix: string, what: string, stderr: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not listen within 60 s:\n${stderr()}`)), 60_000);
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const m = out.match(new RegExp(`^${prefix} (\\S+)\\r?\\n`, 'm'));
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before listening:\n${stderr()}`));
    });
  });
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const data = mkdtempSync(join(tmpdir(), 'llavero-e2e-'));
  let idpErr = '';
  const idp = spawn(process.execPath, ['e2e/support/oidc-provider.mjs'], { stdio: ['pipe', 'pipe', 'pipe'] });
  idp.stderr?.on('data', (chunk) => { idpErr += chunk; });
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server) await stopChild(server);
    await stopChild(idp);
    rmSync(data, { recursive: true, force: true });
  };
  try {
    const issuer = await listening(idp, 'oidc-provider: listening on', 'the test OpenID provider', () => idpErr);
    process.env.LLAVERO_E2E_IDP = issuer;
    let stderr = '';
    server = spawn('../target/debug/llavero', ['serve'], {
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
        // The webhook spec's receiver is on loopback, over plain http.
        LLAVERO_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8',
        LLAVERO_WEBHOOK_ALLOW_HTTP: 'true',
        // The portal's identity provider (its test client and users are in
        // support/oidc-provider.mjs); local sign-in stays on for the rest.
        LLAVERO_OIDC_ISSUER: issuer,
        LLAVERO_OIDC_CLIENT_ID: 'llavero',
        LLAVERO_OIDC_CLIENT_SECRET: 'llavero-test-client-secret-0123456789',
        LLAVERO_OIDC_NAME: IDP_NAME,
        LLAVERO_OIDC_SCOPES: 'openid profile email groups',
        LLAVERO_OIDC_ADMIN_VALUE: 'llavero-admins',
      },
    });
    server.stderr?.on('data', (chunk) => { stderr += chunk; });
    process.env.LLAVERO_E2E_BASE = await listening(server, 'llavero: listening on', 'the server', () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}
