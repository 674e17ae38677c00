/**
 * Two instances on one database serve the same keys; `keys rotate` introduces a key that every
 * instance publishes before any signs with it, and tokens signed by the old key stay valid.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, rpConfig } from './helpers/rp.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
let a: TestServer;
let b: TestServer;
let client: { id: string; secret: string };

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({}, { databaseUrl: a.config.databaseUrl });
  await a.services.accounts.addLocal({ login: 'pham.d', password: PASSWORD, displayName: 'Phạm D' });
  const c = await a.services.clients.add({ name: 'Tài sản', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  client = { id: c.client.client_id, secret: c.clientSecret! };
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const jwks = async (s: TestServer) => (await (await fetch(`${s.issuer}/jwks`)).json()) as JSONWebKeySet;
const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid).sort();

async function idToken(s: TestServer) {
  const config = await rpConfig(s.issuer, client.id, client.secret);
  const { tokens } = await loginAndExchange(config, new Browser(s.issuer), REDIRECT, 'pham.d', PASSWORD, 'openid');
  return tokens.id_token!;
}

test('instances on one database publish the same keys', async () => {
  expect(kids(await jwks(a))).toEqual(kids(await jwks(b)));
  expect((await jwks(a)).keys).toHaveLength(2);
});

test('rotation: published everywhere first, signs after activation, old tokens stay valid', async () => {
  const oldToken = await idToken(a);
  const oldKid = decodeProtectedHeader(oldToken).kid;
  // far enough ahead that no login below can outlast it on a loaded machine; the activation is
  // then brought forward in the database, as the passing of time would
  const activateAt = new Date(Date.now() + 600_000);
  const r = await a.services.keys.rotate({ activateAt, graceSeconds: 3600 });
  expect(r.created.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);

  // each instance picks the new key set up on its refresh interval; force it here (its own
  // timer may have done it already: what counts is the key set each then publishes)
  await a.host.refresh();
  await b.host.refresh();
  const both = await jwks(b);
  expect(kids(both)).toEqual(kids(await jwks(a)));
  expect(both.keys).toHaveLength(4);
  // not active yet: still signing with the old key
  expect(decodeProtectedHeader(await idToken(b)).kid).toBe(oldKid);

  const created = r.created.map((k) => k.kid);
  // activated now: not earlier than the keys they replace were (on a fast machine everything above
  // can take less than a second since those were made; of keys activated at the same moment, the
  // newer signs)
  await a.services.db.prisma.signingKey.updateMany({ where: { kid: { in: created } }, data: { activatedAt: new Date() } });
  await a.host.refresh();
  await b.host.refresh();
  const newKid = r.created.find((k) => k.alg === 'ES256')!.kid;
  expect(decodeProtectedHeader(await idToken(a)).kid).toBe(newKid);
  expect(decodeProtectedHeader(await idToken(b)).kid).toBe(newKid);

  // the token signed before the rotation verifies against what either instance publishes now
  const { payload } = await jwtVerify(oldToken, createLocalJWKSet(await jwks(b)), { issuer: a.issuer, audience: client.id });
  expect(payload.sub).toBeDefined();

  // after the grace period the old keys leave the JWKS and are marked retired
  const retired = await a.services.keys.retireExpired(new Date(activateAt.getTime() + 3601_000));
  expect(retired).toBe(2);
  await a.host.refresh();
  expect(kids(await jwks(a))).toEqual(r.created.map((k) => k.kid).sort());
});

test('private keys are stored encrypted, never as plain JWK', async () => {
  const rows = await a.services.db.prisma.signingKey.findMany();
  for (const row of rows) {
    expect(row.encryptedJwk.startsWith('v1.')).toBe(true);
    expect(row.encryptedJwk).not.toContain('"d"');
  }
});

test('SIGNING_ALGS=RS256: ID tokens are RS256 and only an RS256 key is published', async () => {
  const s = await startTestServer({ SIGNING_ALGS: 'RS256' });
  try {
    await s.services.accounts.addLocal({ login: 'pham.d', password: PASSWORD, displayName: 'Phạm D' });
    const c = await s.services.clients.add({ name: 'Cũ', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    const config = await rpConfig(s.issuer, c.client.client_id, c.clientSecret);
    const { tokens } = await loginAndExchange(config, new Browser(s.issuer), REDIRECT, 'pham.d', PASSWORD, 'openid');
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    expect((await jwks(s)).keys.map((k) => k.alg)).toEqual(['RS256']);
  } finally {
    await s.stop();
  }
});
