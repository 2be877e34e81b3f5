// Revoking a key in the web app sends a signed key.revoked webhook, which
// the official Standard Webhooks library (Python `standardwebhooks`, in the
// venv `just setup` makes) verifies in the receiver the test starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test, expect } from './fixtures';
import { ADMIN_PASSWORD, base } from './constants';

const PYTHON = '../target/ci-venv/bin/python';
const RECEIVER = '../crates/llavero-server/tests/support/webhook_receiver.py';

type Delivery = { verified: boolean; id: string; body: { type: string; data: Record<string, unknown> } };

function startReceiver(): Promise<{ child: ChildProcess; port: number; lines: Delivery[] }> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`just setup\``);
  const child = spawn(PYTHON, [RECEIVER, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Delivery[] = [];
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    let port = 0;
    rl.on('line', (line) => {
      if (!port) {
        port = Number(line.replace('listening ', ''));
        resolve({ child, port, lines });
      } else {
        lines.push(JSON.parse(line));
      }
    });
    child.on('error', reject);
  });
}

test('revoking in the web app sends a signed key.revoked', async ({ page, account, credentials, playwright }) => {
  const receiver = await startReceiver();
  try {
    const admin = await playwright.request.newContext();
    expect((await admin.post(`${base()}/api/v1/auth/login`, { data: { username: 'admin', password: ADMIN_PASSWORD } })).status()).toBe(200);
    const created = await admin.post(`${base()}/api/v1/webhooks`, {
      data: { url: `http://127.0.0.1:${receiver.port}/hooks`, events: ['key.revoked'] },
    });
    expect(created.status()).toBe(201);
    const { data: hook, secret } = await created.json();
    expect(secret).toMatch(/^whsec_/);
    const put = await fetch(`http://127.0.0.1:${receiver.port}/_secret`, { method: 'PUT', body: secret });
    expect(put.status).toBe(204);

    await credentials.signIn(account);
    await credentials.generate('webhooked');
    const key = await credentials.revealedKey();
    const me = await (await admin.get(`${base()}/api/v1/me`, { headers: { 'MC-Api-Key': key } })).json();
    const keyId = me.data.api_key.id;

    await credentials.row('webhooked').getByRole('button', { name: 'Eliminar clave de API' }).click();
    await credentials.dialog().getByRole('button', { name: 'Eliminar', exact: true }).click();
    await expect(credentials.row('webhooked')).toHaveCount(0);

    await expect
      .poll(() => receiver.lines.filter((d) => d.body?.data?.api_key_id === keyId).length, { timeout: 10_000 })
      .toBe(1);
    const delivery = receiver.lines.find((d) => d.body?.data?.api_key_id === keyId)!;
    expect(delivery.verified).toBe(true);
    expect(delivery.body.type).toBe('key.revoked');
    expect(delivery.body.data.reason).toBe('revoked');
    expect(delivery.id).toMatch(/^msg_/);
    expect(JSON.stringify(delivery)).not.toContain(key);
    expect(receiver.lines.every((d) => d.verified)).toBe(true);

    expect((await admin.delete(`${base()}/api/v1/webhooks/${hook.id}`)).status()).toBe(204);
    await admin.dispose();
  } finally {
    receiver.child.kill();
  }
});
