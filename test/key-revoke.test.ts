/**
 * `sso keys revoke KID` with two instances running on one database: the compromised key leaves
 * the JWKS of both within their key refresh interval (KEY_REFRESH_INTERVAL, 1 s here), neither
 * signs with it again (a new key signs in its place), and a token it signed is refused wherever
 * it is presented: by a relying party checking it against the JWKS, as an id_token_hint at the
 * logout endpoint, at introspection and at userinfo. What "at once" means is the interval: each
 * instance re-reads the keys on it (README, "Signing keys").
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, rpConfig } from './helpers/rp.js';
import { until } from './helpers/until.js';
import { main, type CliIO } from '../src/cli/main.js';
import { TEST_SECRETS } from './helpers/server.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
const ENV = { KEY_REFRESH_INTERVAL: '1s' };
let a: TestServer;
let b: TestServer;
let client: { id: string; secret: string };

beforeAll(async () => {
  a = await startTestServer(ENV);
  b = await startTestServer(ENV, { databaseUrl: a.config.databaseUrl });
  await a.services.accounts.addLocal({ login: 'pham.d', password: PASSWORD, displayName: 'Phạm D' });
  const c = await a.services.clients.add({ name: 'Tài sản', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: ['http://127.0.0.1:9/bye'], firstParty: true });
  client = { id: c.client.client_id, secret: c.clientSecret! };
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const jwks = async (s: TestServer) => (await (await fetch(`${s.issuer}/jwks`)).json()) as JSONWebKeySet;
const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid);

async function tokens(s: TestServer) {
  const config = await rpConfig(s.issuer, client.id, client.secret);
  return (await loginAndExchange(config, new Browser(s.issuer), REDIRECT, 'pham.d', PASSWORD, 'openid')).tokens;
}

/** `sso keys revoke` as IT staff run it: the CLI on the same database, no server involved. */
async function revoke(kid: string): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { NODE_ENV: 'test', DATABASE_URL: a.config.databaseUrl, DEMO: 'false', ...TEST_SECRETS, ...ENV }, readSecret: async () => '' };
  const code = await main(['node', 'sso', 'keys', 'revoke', kid, '--reason', 'test: compromised'], io);
  if (code !== 0) throw new Error(`sso keys revoke exited ${code}: ${err.join('\n')}`);
  return out;
}

/** The logout endpoint with an id_token_hint: 200 (the confirmation page) when the hint verifies, 400 when not. */
const logoutWithHint = (s: TestServer, idToken: string) =>
  fetch(`${s.issuer}/session/end?${new URLSearchParams({ id_token_hint: idToken })}`, { redirect: 'manual' });

const introspect = async (s: TestServer, token: string) => {
  const r = await fetch(`${s.issuer}/token/introspection`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  return { status: r.status, body: (await r.json()) as { active?: boolean; error?: string } };
};

test('a revoked key leaves the JWKS of every instance, signs nothing more, and what it signed is refused', async () => {
  // an ID token from each instance (each has its own issuer here: its own address)
  const before = new Map<TestServer, string>();
  for (const s of [a, b]) before.set(s, (await tokens(s)).id_token!);
  const kid = decodeProtectedHeader(before.get(a)!).kid!;
  expect(decodeProtectedHeader(before.get(b)!).kid).toBe(kid);
  // the hints and tokens verify before: the refusals below are the revocation's doing
  for (const s of [a, b]) {
    expect((await logoutWithHint(s, before.get(s)!)).status).toBe(200);
    await jwtVerify(before.get(s)!, createLocalJWKSet(await jwks(s)), { issuer: s.issuer, audience: client.id });
  }

  const said = await revoke(kid);
  expect(said[0]).toMatch(new RegExp(`^revoked ${kid} \\(ES256\\) at \\S+; new key (\\S+) \\(ES256\\) signs in its place$`));
  const replacement = /new key (\S+) /.exec(said[0]!)![1]!;

  // each instance drops it at its next refresh (1 s here), without a restart
  for (const s of [a, b]) {
    const set = await until(`${s.issuer} to drop the revoked key`, async () => {
      const j = await jwks(s);
      return kids(j).includes(kid) ? null : j;
    }, 15_000, 100);
    expect(kids(set)).toContain(replacement);
  }

  for (const s of [a, b]) {
    const old = before.get(s)!;
    // a relying party checking the old ID token against the JWKS refuses it
    await expect(jwtVerify(old, createLocalJWKSet(await jwks(s)), { issuer: s.issuer, audience: client.id })).rejects.toThrow(/no applicable key found in the JSON Web Key Set/);
    // the provider itself no longer trusts it: as an id_token_hint it is refused
    const hinted = await logoutWithHint(s, old);
    expect(hinted.status).toBe(400);
    expect(await hinted.text()).toMatch(/could not validate id_token_hint/);
    // introspection and userinfo take only the opaque tokens stored in the database: a signed
    // token, revoked key or not, is never active there
    expect(await introspect(s, old)).toMatchObject({ status: 400, body: { error: 'unsupported_token_type' } });
    expect((await fetch(`${s.issuer}/me`, { headers: { authorization: `Bearer ${old}` } })).status).toBe(401);
  }

  // new tokens from either instance are signed with the replacement and verify
  for (const s of [a, b]) {
    const after = (await tokens(s)).id_token!;
    expect(decodeProtectedHeader(after).kid).toBe(replacement);
    await jwtVerify(after, createLocalJWKSet(await jwks(s)), { issuer: s.issuer, audience: client.id });
    expect((await logoutWithHint(s, after)).status).toBe(200);
  }
}, 90_000);
