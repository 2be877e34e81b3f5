// Round trip through the TypeScript client generated from openapi/llavero.json:
// sign in, create a key, list it, see the key refused a rename, rename and
// narrow it signed in, verify it with a required scope, roll it with a grace
// and verify both secrets, revoke it, see verify answer REVOKED for both, and
// read its usage. `npm run generate` writes generated/ (not committed);
// `tsc --noEmit` type-checks this file against it first.
import createClient from 'openapi-fetch';
import type { paths } from './generated/llavero';

const base = process.env.LLAVERO_URL!;
const adminPassword = process.env.LLAVERO_ADMIN_PASSWORD!;
const verifyToken = process.env.LLAVERO_VERIFY_TOKEN!;
let passed = 0;

function check(cond: boolean, what: string): void {
  if (!cond) {
    console.error(`typescript client round trip failed: ${what}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok  ${what}`);
}

const api = createClient<paths>({ baseUrl: base });

const login = await api.POST('/api/v1/auth/login', { body: { username: 'admin', password: adminPassword } });
const cookie = (login.response.headers.get('set-cookie') ?? '').split(';')[0];
check(login.response.status === 200 && cookie.startsWith('llavero_session='), 'sign in with the session cookie');

const created = await api.POST('/api/v1/api-keys', { body: { name: 'ts-client' }, headers: { cookie } });
const secret = created.data?.secret ?? '';
const id = created.data?.data.id ?? '';
check(created.response.status === 201 && secret.startsWith('mco_'), 'create a key; the secret comes once');

const byKey = { 'MC-Api-Key': secret };
const me = await api.GET('/api/v1/me', { headers: byKey });
check(me.data?.data.api_key?.id === id, 'the key authenticates GET /me');

const list = await api.GET('/api/v1/api-keys', { params: { query: { limit: 10 } }, headers: byKey });
check(!!list.data?.data.some((k) => k.id === id), 'list shows it');

const refused = await api.PATCH('/api/v1/api-keys/{id}', { params: { path: { id } }, body: { name: 'by-key' }, headers: byKey });
check(refused.response.status === 403 && refused.error?.code === 'key_not_allowed', 'the key cannot rename keys (403 key_not_allowed)');

const renamed = await api.PATCH('/api/v1/api-keys/{id}', {
  params: { path: { id } },
  body: { name: 'ts-renamed', scopes: ['compute:read'], allowed_cidrs: ['203.0.113.0/24'] },
  headers: { cookie },
});
check(
  renamed.data?.data.name === 'ts-renamed' && renamed.data.data.scopes?.[0] === 'compute:read' && renamed.data.data.allowed_cidrs[0] === '203.0.113.0/24',
  'rename it and limit it to a scope and a network (signed in)',
);

const gateway = { Authorization: `Bearer ${verifyToken}` };
const valid = await api.POST('/api/v1/verify', { body: { key: secret, client_ip: '203.0.113.11', required_scope: 'compute:read' }, headers: gateway });
check(valid.data?.data.code === 'VALID' && valid.data.data.valid, 'verify says VALID');
const missing = await api.POST('/api/v1/verify', { body: { key: secret, client_ip: '203.0.113.11', required_scope: 'compute:write' }, headers: gateway });
check(missing.data?.data.code === 'SCOPE_MISSING', 'verify says SCOPE_MISSING for another scope');

const rolled = await api.POST('/api/v1/api-keys/{id}/roll', { params: { path: { id } }, body: { grace_seconds: 60 }, headers: { cookie } });
const fresh = rolled.data?.secret ?? '';
check(
  rolled.response.status === 201 && rolled.data?.data.id === id && fresh.startsWith('mco_') && fresh !== secret && !!rolled.data.data.previous_secret_expires_at,
  'roll it with a 60 s grace: same key, new secret',
);
for (const key of [secret, fresh]) {
  const both = await api.POST('/api/v1/verify', { body: { key, client_ip: '203.0.113.11' }, headers: gateway });
  check(both.data?.data.code === 'VALID', 'verify says VALID for each secret');
}

const revoked = await api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } }, headers: { cookie } });
check(revoked.response.status === 204, 'revoke it');

for (const key of [secret, fresh]) {
  const after = await api.POST('/api/v1/verify', { body: { key }, headers: gateway });
  check(after.data?.data.code === 'REVOKED' && !after.data.data.valid, 'verify says REVOKED for each secret');
}
// Six uses (three direct calls, three verifies), one SCOPE_MISSING, two REVOKED.
let day: { uses: number; refused: Record<string, number> } | undefined;
let addresses: string[] = [];
for (let i = 0; i < 100; i++) {
  const usage = await api.GET('/api/v1/api-keys/{id}/usage', { params: { path: { id } }, headers: { cookie } });
  day = usage.data?.data.days[0];
  addresses = (usage.data?.data.addresses ?? []).map((a) => a.ip).sort();
  if (day?.refused.REVOKED === 2) break;
  await new Promise((r) => setTimeout(r, 50));
}
check(
  day?.uses === 6 && day.refused.SCOPE_MISSING === 1 && addresses.join(' ') === '127.0.0.1 203.0.113.11',
  'its usage: today\'s uses, refusals by reason, two addresses',
);
console.log(`typescript client round trip: ${passed} passed, 0 failed`);
