/**
 * CERT_MAP=attribute:description against a real slapd: the directory entry holds
 * "<issuer DN>;<serial>" as an administrator writes it (the issuer as `openssl x509 -issuer
 * -nameopt RFC2253` prints it), the certificate is presented through Debian's nginx with curl,
 * and the relying party's ID token names that entry's account with amr ["sc"]. Two entries
 * naming the same certificate: refused with its page.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as oidc from 'openid-client';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, freePort, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, rpConfig, startAuth, submitConsent } from './helpers/rp.js';
import { makeTestCa, type Issued, type TestCa } from './helpers/test-ca.js';
import { curlCertificate, startCertificateProxy, type CertificateProxy } from './helpers/nginx-certificate.js';
import { PUBLIC_NAME } from './helpers/nginx-site.js';
import { openldapPeople as P } from './fixtures/ldap/openldap.ldif.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let slapd: Slapd;
let ca: TestCa;
let proxy: CertificateProxy;
let server: TestServer;
let issuer: string;
let config: oidc.Configuration;
let cert: Issued;
let binding: string;

beforeAll(async () => {
  ca = makeTestCa();
  // a serial whose first digit is 0: openssl prints it (0A1B…), the certificate's number is A1B…
  cert = ca.issue('khong-dung-uid', { serial: '0a1b2c3d4e5f6071' });
  ca.writeCrl();
  // what an administrator writes: the issuer as openssl prints it, ";", the serial
  const issuerDn = spawnSync('openssl', ['x509', '-in', cert.cert, '-noout', '-issuer', '-nameopt', 'RFC2253'], { encoding: 'utf8' }).stdout.trim().replace(/^issuer=/, '');
  binding = `${issuerDn};${cert.serial}`;
  slapd = await startSlapd({ fixture: 'openldap' });
  const [issuerPort, upstreamPort] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${issuerPort}`;
  proxy = await startCertificateProxy(upstreamPort, issuerPort);
  server = await startTestServer({
    ISSUER: issuer, PORT: String(upstreamPort), TRUSTED_PROXIES: '127.0.0.1/32',
    LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn, LDAP_PRESET: 'openldap', LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
    CERT_LOGIN_URL: `https://${PUBLIC_NAME}:${proxy.certPort}`, CERT_CA_FILE: ca.caFile, CERT_CRL_FILE: ca.crlFile, CERT_FIRST_FACTOR: 'true', CERT_MAP: 'attribute:description',
  });
  const c = await server.services.clients.add({ name: 'Báo cáo', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  config = await rpConfig(issuer, c.client.client_id, c.clientSecret);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await proxy?.stop();
  await slapd?.stop();
  ca?.cleanup();
});

async function setDescription(dn: string, value: string) {
  await slapd.ldapModify(`dn: ${dn}\nchangetype: modify\nreplace: description\ndescription: ${value}\n`);
}

async function presentCertificate() {
  const start = await startAuth(config, REDIRECT);
  const browser = new Browser(issuer);
  const page = await browser.go(start.url.toString());
  const href = /href="([^"]*\/certificate\/[^"]*)"/.exec(page.html)![1]!;
  return { start, browser, answer: await curlCertificate(proxy, href, cert) };
}

test('the entry whose attribute names the issuer and the serial: its account, amr sc', async () => {
  // the account exists once the person has signed in with the password (or a sync ran)
  const { tokens: first } = await loginAndExchange(config, new Browser(issuer), REDIRECT, P.khai.login, P.khai.password, 'openid');
  await setDescription(P.khai.dn, binding);
  const { start, browser, answer } = await presentCertificate();
  expect(answer.status).toBe(303);
  let next = await browser.go(answer.location);
  if (!next.leftTo && /\/confirm"/.test(next.html)) next = await submitConsent(browser, next.html);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(next.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  expect(tokens.claims()!.sub).toBe(first.claims()!.sub);
  expect(tokens.claims()!.amr).toEqual(['sc']);
});

test('the serial alone under another issuer names nobody; two entries naming the certificate: refused', async () => {
  await setDescription(P.khai.dn, `CN=Mot CA khac,C=VN;${cert.serial}`);
  const none = (await presentCertificate()).answer;
  expect(none.status).toBe(403);
  expect(none.body).toContain('chưa được gắn với tài khoản nào');
  await setDescription(P.khai.dn, binding);
  await setDescription(P.hung.dn, binding.toLowerCase());
  const two = (await presentCertificate()).answer;
  expect(two.status).toBe(403);
  expect(two.body).toContain('ứng với nhiều tài khoản');
  await server.services.audit.flush();
  const [event] = await server.services.audit.list({ type: 'cert.login.failed', limit: 1 });
  expect(event).toMatchObject({ outcome: 'ambiguous_account' });
});
