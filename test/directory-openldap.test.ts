/** The openldap preset against a real slapd with inetOrgPerson entries and ppolicy. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { Client } from 'ldapts';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { openldapPeople as P } from './fixtures/ldap/openldap.ldif.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let slapd: Slapd;
let server: TestServer;
let config: oidc.Configuration;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'openldap' });
  server = await startTestServer({
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: slapd.bindDn,
    LDAP_BIND_PASSWORD: slapd.bindPassword,
    LDAP_BASE_DN: slapd.baseDn,
    LDAP_PRESET: 'openldap',
    LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
    LDAP_GROUPS: 'search',
  });
  const c = await server.services.clients.add({ name: 'Báo cáo', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);
});
afterAll(async () => {
  await server?.stop();
  await slapd?.stop();
});

async function entryUUID(dn: string): Promise<string> {
  const c = new Client({ url: slapd.url });
  try {
    await c.bind(slapd.bindDn, slapd.bindPassword);
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['entryUUID'] });
    return String(searchEntries[0]!.entryUUID);
  } finally {
    await c.unbind();
  }
}

test('the account is linked by entryUUID; groups come from a group search', async () => {
  const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.khai.login, P.khai.password, 'openid profile email groups');
  const sub = tokens.claims()!.sub;
  const account = await server.services.accounts.byId(sub);
  expect(account!.externalId).toBe(await entryUUID(P.khai.dn));
  const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
  expect(info.groups).toEqual(P.khai.groups);
  expect(info.email_verified).toBe(true);
});

test('ppolicy: a permanently locked account (pwdAccountLockedTime 000001010000Z) refuses any bind: the neutral sentence, never "wrong password", never its state', async () => {
  const browser = new Browser(server.issuer);
  const page = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
  const after = await submitLogin(browser, page.html, P.tuan.login, P.tuan.password);
  expect(after.status).toBe(401);
  expect(after.html).toMatch(/Không đăng nhập được\. Nếu bạn chắc chắn mật khẩu đúng/);
  expect(after.html).not.toMatch(/bị khóa hoặc ngừng sử dụng|không đúng/);
  expect(server.logs.some((l) => l.includes('login.failure') && l.includes('"reason":"disabled"') && l.includes('tuandm'))).toBe(true);
});

test('a person without a mail address still logs in; no email claim', async () => {
  const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.son.login, P.son.password, 'openid email');
  const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  expect(info.email).toBeUndefined();
});

test('ppolicy: a temporary lock is not told (never bound): the neutral sentence', async () => {
  const now = new Date().toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  await slapd.ldapModify(`dn: ${P.lan.dn}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: ${now}\n`);
  const browser = new Browser(server.issuer);
  const page = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
  const after = await submitLogin(browser, page.html, P.lan.login, P.lan.password);
  expect(after.status).toBe(401);
  expect(after.html).toMatch(/Không đăng nhập được\. Nếu bạn chắc chắn mật khẩu đúng/);
});
