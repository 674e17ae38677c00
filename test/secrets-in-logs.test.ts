/**
 * No secret ever reaches a log line: a full directory login, token use, a sync and a logout
 * with known test secrets, then every line the server wrote is searched for them.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, TEST_SECRETS, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { loginAndExchange, rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let slapd: Slapd;
let server: TestServer;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  server = await startTestServer({
    LOG_LEVEL: 'trace',
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: slapd.bindDn,
    LDAP_BIND_PASSWORD: slapd.bindPassword,
    LDAP_BASE_DN: slapd.baseDn,
    LDAP_PRESET: 'zimbra',
    LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
  });
});
afterAll(async () => {
  await server?.stop();
  await slapd?.stop();
});

test('login, tokens, a wrong password, a sync and a logout leave no secret in the logs', async () => {
  const c = await server.services.clients.add({ name: 'Nhân sự', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: ['http://127.0.0.1:9/bye'], firstParty: true });
  const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);
  const browser = new Browser(server.issuer);
  const { tokens, callback } = await loginAndExchange(config, browser, REDIRECT, P.khai.login, P.khai.password, 'openid profile offline_access');
  const cookiesAfterLogin = browser.cookieValues();
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  await oidc.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub);
  await oidc.tokenIntrospection(config, refreshed.access_token);

  const b2 = new Browser(server.issuer);
  const page = await b2.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
  const wrongPassword = 'Sai-Mat-Khau-9876';
  await submitLogin(b2, page.html, P.lan.login, wrongPassword);

  const result = await server.sync!.runNow('full');
  expect(result?.status).toMatch(/success|partial/);

  const end = await browser.go(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/bye' }).toString());
  await browser.go(/action="([^"]*)"/.exec(end.html)![1]!, { form: { xsrf: inputValue(end.html, 'xsrf')!, logout: 'yes' } });

  const code = new URL(callback).searchParams.get('code')!;
  const cookieValues = [...new Set([...cookiesAfterLogin, ...browser.cookieValues()])];
  expect(cookieValues.length).toBeGreaterThan(0);
  const secrets = {
    password: P.khai.password,
    wrongPassword,
    bindPassword: slapd.bindPassword,
    clientSecret: c.clientSecret!,
    code,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token!,
    newRefreshToken: refreshed.refresh_token!,
    idToken: tokens.id_token!,
    cookieKey: TEST_SECRETS.COOKIE_KEYS,
    keyEncryptionSecret: TEST_SECRETS.KEY_ENCRYPTION_SECRET,
    ...Object.fromEntries(cookieValues.map((v, i) => [`cookie${i}`, v])),
  };
  const logs = server.logs.join('\n');
  // the logs did record this activity (so the search below searched something)
  expect(logs).toContain('login.success');
  expect(logs).toContain('login.failure');
  expect(logs).toContain('sync.run');
  const found = Object.entries(secrets).filter(([, v]) => v.length >= 8 && logs.includes(v)).map(([k]) => k);
  expect(found).toEqual([]);
}, 60_000);
