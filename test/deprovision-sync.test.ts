/**
 * The promise of the sync: a mail account closed in the directory is logged out of every
 * application within seconds, by the sync running inside the server.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, logoutReceiver, rpConfig } from './helpers/rp.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';
import { allSettled, until } from './helpers/until.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let slapd: Slapd;
let server: TestServer;
let receiver: Awaited<ReturnType<typeof logoutReceiver>>;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  receiver = await logoutReceiver();
  server = await startTestServer({
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: slapd.bindDn,
    LDAP_BIND_PASSWORD: slapd.bindPassword,
    LDAP_BASE_DN: slapd.baseDn,
    LDAP_PRESET: 'zimbra',
    LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
    SYNC_INTERVAL: '5s', // the default
    SYNC_FULL_INTERVAL: '0',
  });
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await slapd?.stop();
});

test('closing a mailbox in the directory logs its owner out of the application, well within 15 s', async () => {
  const c = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], backchannelLogoutUri: receiver.url, firstParty: true });
  const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);
  const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.lan.login, P.lan.password, 'openid offline_access');
  const sub = tokens.claims()!.sub;

  const started = Date.now();
  await slapd.ldapModify(`dn: ${P.lan.dn}\nchangetype: modify\nreplace: zimbraAccountStatus\nzimbraAccountStatus: closed\n`);
  const received = await receiver.waitFor(1, 15_000);
  const elapsed = Date.now() - started;
  expect(received).toHaveLength(1);
  console.log(`directory change -> logout token delivered: ${elapsed} ms (SYNC_INTERVAL=5s, the default)`);
  expect(elapsed).toBeLessThan(15_000);

  const { payload } = await jwtVerify(received[0]!, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: c.client.client_id });
  expect(decodeProtectedHeader(received[0]!).typ).toBe('logout+jwt');
  expect(payload.sub).toBe(sub);
  expect(payload.sid).toBe(decodeJwt(tokens.id_token!).sid);
  expect((await server.services.accounts.byId(sub))!.status).toBe('disabled');
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  // the application has the token; its row is settled a moment later, by the loop that sent it
  const deliveries = await until('the delivery settled', async () => {
    const rows = await server.services.deprovision.list({ accountId: sub });
    return allSettled(rows) ? rows : null;
  });
  expect(deliveries.map((d) => d.status)).toEqual(['delivered']);
}, 40_000);
