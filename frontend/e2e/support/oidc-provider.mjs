// A real OpenID provider for Llavero's tests: the certified `oidc-provider`
// package on a loopback port, with test clients, test users, a plain sign-in
// page and, under /evil/<mode>, fronts that hand out broken ID tokens.
//
// Started by the API tests (crates/llavero-server/tests/api/oidc.rs), by
// Playwright's global setup and by .ci/with-server. It prints
// `oidc-provider: listening on URL` once it serves, and stops on SIGTERM or,
// when its stdin is a pipe, when that closes (so a test that dies never
// leaves it behind).
//
// Settings (environment):
//   OIDC_HOST               host name in the issuer (default localhost: another
//                           site than Llavero's 127.0.0.1, as in production)
//   OIDC_CLAIMS_IN_ID_TOKEN `1`: profile and group claims go in the ID token
//                           too (else only userinfo has them, as many
//                           providers do)
//
// Test clients (all confidential, client_secret_basic, PKCE required):
//   llavero       the one every test uses
//   llavero-slow  its codes expire after 1 second
// Both are "native" clients, so a loopback redirect URI matches on any port
// (RFC 8252 §7.3): Llavero's tests bind port 0.
//
// Test users: `PUT /test/users/<login>` with JSON {password, claims} adds or
// changes one (claims: preferred_username, email, groups, …; `sub` is
// "sub-<login>" unless given). `DELETE /test/sessions` is not needed: every
// test uses its own provider or its own browser context.
//
// The /evil/<mode> fronts: each an issuer of its own, passing everything
// through the real provider — its sign-in page, its codes, its tokens — so
// that the answers are consistent (the authorization response's `iss` is
// the front's), except that the token answer's ID token is re-signed with
// the front's own key (published in the front's JWKS) after one change:
//   good    none (the control: this must sign in)
//   sig     signed with a key that is not published
//   iss     another issuer
//   aud     another audience
//   nonce   another nonce
//   expired expired ten minutes ago
//   hang    the token endpoint never answers
import { fstatSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const host = process.env.OIDC_HOST ?? 'localhost';
const claimsInIdToken = process.env.OIDC_CLAIMS_IN_ID_TOKEN === '1';
export const SECRET = 'llavero-test-client-secret-0123456789';

const users = new Map();
function putUser(login, { password, claims = {} }) {
  const sub = claims.sub ?? `sub-${login}`;
  users.set(login, { password, claims: { ...claims, sub } });
}
putUser('ana', { password: 'ana-password', claims: { preferred_username: 'ana', email: 'ana@example.com', groups: ['staff', 'llavero-admins'] } });
putUser('beto', { password: 'beto-password', claims: { preferred_username: 'beto', email: 'beto@example.com', groups: ['staff'] } });
const bySub = (sub) => [...users.values()].find((u) => u.claims.sub === sub);

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
const loginForm = (uid, error) => page('Test provider: sign in', `
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Login <input name="login" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Continue</button></form>`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) { body += chunk; if (body.length > 10_000) break; }
  return new URLSearchParams(body);
}
async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body || '{}');
}
function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://${host}:${server.address().port}`;

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-1', alg: 'RS256', use: 'sig' };

const callback = '/api/v1/auth/oidc/callback';
const MODES = ['good', 'sig', 'iss', 'aud', 'nonce', 'expired', 'hang'];
const client = (id) => ({
  client_id: id,
  client_secret: SECRET,
  application_type: 'native',
  redirect_uris: [`http://127.0.0.1${callback}`, `http://localhost${callback}`,
    ...MODES.map((m) => `http://localhost/evil/${m}/back`)],
  post_logout_redirect_uris: ['http://127.0.0.1/login', 'http://localhost/login'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(base, {
  clients: [client('llavero'), client('llavero-slow')],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['llavero-test-provider-cookie-key'] },
  pkce: { required: () => true },
  conformIdTokenClaims: !claimsInIdToken,
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email', 'email_verified'], groups: ['groups'] },
  features: {
    devInteractions: { enabled: false },
    // Pages of our own: the defaults load fonts from a CDN.
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Test provider: sign out', `${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Test provider: signed out', '<p>You are signed out.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Test provider: error', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
  ttl: {
    AuthorizationCode: (ctx, token, c) => (c.clientId === 'llavero-slow' ? 1 : 60),
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const user = bySub(sub);
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ ...user.claims }) };
  },
});
provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));

// The /evil/<mode> fronts' own signing key, and one they never publish.
const evilKey = (await jose.generateKeyPair('RS256', { extractable: true }));
const evilJwk = { ...(await jose.exportJWK(evilKey.publicKey)), kid: 'evil-1', alg: 'RS256', use: 'sig' };
const unpublished = (await jose.generateKeyPair('RS256')).privateKey;
const hanging = new Set();

// Where each sign-in through a front goes back to, by its state.
const returnTo = new Map();

async function evil(req, res, mode, rest) {
  const issuer = `${base}/evil/${mode}`;
  const back = `${issuer}/back`;
  const url = new URL(req.url, base);
  if (rest === '/.well-known/openid-configuration') {
    const real = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
    return send(res, 200, 'application/json', JSON.stringify({
      ...real, issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
    }));
  }
  if (rest === '/jwks') return send(res, 200, 'application/json', JSON.stringify({ keys: [evilJwk] }));
  if (rest === '/auth') {
    // To the real provider, which is to send the browser back here.
    returnTo.set(url.searchParams.get('state'), url.searchParams.get('redirect_uri'));
    url.searchParams.set('redirect_uri', back);
    return send(res, 302, 'text/plain', '', { location: `${base}/auth?${url.searchParams}` });
  }
  if (rest === '/back') {
    const to = new URL(returnTo.get(url.searchParams.get('state')) ?? 'http://invalid/');
    for (const [k, v] of url.searchParams) to.searchParams.set(k, k === 'iss' ? issuer : v);
    return send(res, 302, 'text/plain', '', { location: to.toString() });
  }
  if (rest === '/token' && req.method === 'POST') {
    if (mode === 'hang') { hanging.add(res); return undefined; }
    const form = await readForm(req);
    form.set('redirect_uri', back);
    const answer = await fetch(`${base}/token`, {
      method: 'POST', body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: req.headers.authorization ?? '' },
    });
    const tokens = await answer.json();
    if (!answer.ok || !tokens.id_token) return send(res, answer.status, 'application/json', JSON.stringify(tokens));
    const claims = jose.decodeJwt(tokens.id_token);
    claims.iss = issuer;
    const now = Math.floor(Date.now() / 1000);
    if (mode === 'iss') claims.iss = `${base}/someone-else`;
    if (mode === 'aud') claims.aud = 'another-client';
    if (mode === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
    if (mode === 'expired') { claims.iat = now - 1200; claims.exp = now - 600; }
    const key = mode === 'sig' ? unpublished : evilKey.privateKey;
    tokens.id_token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'evil-1' }).sign(key);
    return send(res, 200, 'application/json', JSON.stringify(tokens));
  }
  return send(res, 404, 'text/plain', 'not found');
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'text/plain', 'interaction mismatch');
  if (details.prompt.name === 'consent') {
    // A first-party client: consent is given without asking.
    const { prompt, params, session } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const user = users.get(form.get('login') ?? '');
    if (!user || user.password !== form.get('password')) {
      return send(res, 200, 'text/html; charset=utf-8', loginForm(uid, 'Wrong login or password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.claims.sub } }, { mergeWithLastSubmission: false });
  }
  return send(res, 200, 'text/html; charset=utf-8', loginForm(uid));
}

const handle = provider.callback();
server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, base);
    const evilMatch = url.pathname.match(/^\/evil\/(\w+)(\/.*)$/);
    if (evilMatch && !MODES.includes(evilMatch[1])) return send(res, 404, 'text/plain', 'no such mode');
    if (evilMatch) return await evil(req, res, evilMatch[1], evilMatch[2]);
    const interactionMatch = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login))?$/);
    if (interactionMatch) return await interaction(req, res, interactionMatch[1], interactionMatch[2]);
    const userMatch = url.pathname.match(/^\/test\/users\/([\w.-]+)$/);
    if (userMatch && req.method === 'PUT') {
      putUser(userMatch[1], await readJson(req));
      return send(res, 204, 'text/plain', '');
    }
    return handle(req, res);
  } catch (err) {
    console.error('oidc-provider test harness:', err);
    if (!res.headersSent) send(res, 500, 'text/plain', String(err?.message ?? err));
    return undefined;
  }
});

const stop = () => {
  for (const res of hanging) res.destroy();
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Started with a pipe on stdin (the test harnesses): its closing means the
// harness is gone. Otherwise (a script's `< /dev/null &`) only signals stop it.
if (fstatSync(0).isFIFO()) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
console.log(`oidc-provider: listening on ${base}`);
