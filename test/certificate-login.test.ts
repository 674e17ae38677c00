/**
 * The login with the government digital-signature certificate, end to end with real parts: a
 * test CA made by openssl (root and intermediate, a CRL), deploy/nginx-sso-certificate.conf run
 * by Debian's nginx in front of the real server (ssl_verify_client optional_no_ca, the
 * certificate forwarded in X-SSL-Client-Cert), curl presenting the client certificate, and
 * openid-client as the relying party: its ID token says amr ["sc"]. Each refusal gets its page
 * and its audit event; the header sent by anyone but the trusted proxy is ignored and logged.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { request } from 'node:http';
import * as oidc from 'openid-client';
import { startTestServer, freePort, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitConsent, submitLogin } from './helpers/rp.js';
import { ACR_MFA } from '../src/domain/authn-level.js';
import { makeTestCa, type Issued, type TestCa } from './helpers/test-ca.js';
import { curlCertificate, startCertificateProxy, type CertificateProxy } from './helpers/nginx-certificate.js';
import { PUBLIC_NAME } from './helpers/nginx-site.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const DAY = 86_400_000;

let ca: TestCa;
let proxy: CertificateProxy;
let server: TestServer;
let issuer: string;
let certOrigin: string;
let web: { id: string; secret: string };
let accountId: string;
const certs: Record<string, Issued> = {};

beforeAll(async () => {
  ca = makeTestCa();
  certs.good = ca.issue('annv', { email: 'annv@tinh.gov.vn' });
  certs.expired = ca.issue('annv', { notBefore: new Date(Date.now() - 5 * DAY), notAfter: new Date(Date.now() - DAY) });
  certs.revoked = ca.issue('annv');
  certs.foreign = ca.foreign('annv');
  certs.nobody = ca.issue('khong-co-tai-khoan');
  ca.revoke(certs.revoked);
  ca.writeCrl();
  const issuerPort = await freePort();
  issuer = `http://127.0.0.1:${issuerPort}`;
  // the certificate port is known only once nginx has it: start the server once the proxy is up
  proxy = await startCertificateProxy(await freePort().then(async (p) => { upstreamPort = p; return p; }), issuerPort);
  certOrigin = `https://${PUBLIC_NAME}:${proxy.certPort}`;
  server = await startTestServer({
    ISSUER: issuer,
    PORT: String(upstreamPort),
    TRUSTED_PROXIES: '127.0.0.1/32',
    CERT_LOGIN_URL: certOrigin,
    CERT_CA_FILE: ca.caFile,
    CERT_CRL_FILE: ca.crlFile,
    CERT_FIRST_FACTOR: 'true',
    HELPDESK_CONTACT: 'Phòng CNTT – 0228 3852 000',
  });
  const a = await server.services.accounts.addLocal({ login: 'annv', password: 'mật-khẩu-rất-dài-123', displayName: 'Nguyễn Văn An', email: 'annv@tinh.gov.vn' });
  accountId = a.id;
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: [] });
  web = { id: c.client.client_id, secret: c.clientSecret! };
}, 120_000);
let upstreamPort = 0;

afterAll(async () => {
  await server?.stop();
  await proxy?.stop();
  ca?.cleanup();
});

/** A fresh login page through the issuer's nginx: the link to the certificate port, and the interaction's uid. */
async function loginPage() {
  const config = await rpConfig(issuer, web.id, web.secret);
  const start = await startAuth(config, REDIRECT);
  const browser = new Browser(issuer);
  const page = await browser.go(start.url.toString());
  const href = /href="([^"]*\/certificate\/[^"]*)"/.exec(page.html)?.[1]?.replace(/&amp;/g, '&');
  return { config, start, browser, page, href: href!, uid: href ? decodeURIComponent(href.split('/certificate/')[1]!) : '' };
}

async function auditOf(type: string) {
  await server.services.audit.flush();
  return server.services.audit.list({ type, limit: 20 });
}

describe('the whole login', () => {
  test('the login page offers the certificate; curl through nginx with the certificate; the RP gets amr sc', async () => {
    const { config, start, browser, page, href } = await loginPage();
    expect(page.html).toContain('Đăng nhập bằng chữ ký số');
    expect(href.startsWith(`${certOrigin}/certificate/`)).toBe(true);
    const answer = await curlCertificate(proxy, href, certs.good);
    expect(answer.status).toBe(303);
    expect(answer.location.startsWith(`${issuer}/interaction/`)).toBe(true);
    let next = await browser.go(answer.location);
    if (!next.leftTo && /\/confirm"/.test(next.html)) next = await submitConsent(browser, next.html);
    expect(next.leftTo?.startsWith(REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(accountId);
    expect(claims.amr).toEqual(['sc']);
    const [ok] = await auditOf('cert.login.success');
    expect(ok).toMatchObject({ outcome: 'success', subject: accountId });
    expect(JSON.parse(ok!.detail)).toMatchObject({ purpose: 'login', subject: expect.stringContaining('UID=annv'), issuer: expect.stringContaining('CA chuyen dung'), serial: expect.any(String) });
    // the value is single-use: the same return again is refused with its page
    const again = await browser.go(answer.location);
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  test('the second factor: the value goes back to /interaction/:uid/second-factor/certificate; the language switch keeps the purpose', async () => {
    const { href, uid } = await loginPage();
    const ok = await curlCertificate(proxy, `${href}?purpose=second_factor`, certs.good);
    expect(ok.status).toBe(303);
    expect(ok.location.startsWith(`${issuer}/interaction/${uid}/second-factor/certificate?v=`)).toBe(true);
    const refused = await curlCertificate(proxy, `${href}?purpose=second_factor`, certs.expired);
    expect(refused.body).toContain('?lang=en&amp;purpose=second_factor');
  });

  test('the certificate port serves nothing but the certificate page', async () => {
    const { href } = await loginPage();
    expect((await curlCertificate(proxy, `${certOrigin}/.well-known/openid-configuration`, certs.good)).status).toBe(404);
    expect((await curlCertificate(proxy, `${certOrigin}/admin`, certs.good)).status).toBe(404);
    // the page itself is the certificate's: nothing of the login form
    const page = await curlCertificate(proxy, href, certs.expired);
    expect(page.body).not.toContain('name="password"');
  });
});

describe('refusals: a readable page and an audit event', () => {
  const cases: [string, () => Issued | undefined, number, string, string][] = [
    ['expired', () => certs.expired, 403, 'đã hết hạn', 'expired'],
    ['revoked', () => certs.revoked, 403, 'đã bị thu hồi', 'revoked'],
    ['from another CA', () => certs.foreign, 403, 'không do tổ chức cung cấp dịch vụ chứng thực', 'foreign_ca'],
    ['mapping to no account', () => certs.nobody, 403, 'chưa được gắn với tài khoản nào', 'no_account'],
    ['none sent', () => undefined, 400, 'Trình duyệt không gửi chứng thư số nào', 'no_certificate'],
  ];
  test.each(cases)('%s', async (_name, which, status, sentence, reason) => {
    const { href } = await loginPage();
    const answer = await curlCertificate(proxy, href, which());
    expect(answer.status).toBe(status);
    expect(answer.body).toContain(sentence);
    expect(answer.body).toContain('Phòng CNTT – 0228 3852 000');
    expect(answer.body).toContain(`${issuer}/interaction/`);
    const [event] = await auditOf('cert.login.failed');
    expect(event).toMatchObject({ outcome: reason });
    if (reason !== 'no_certificate') expect(JSON.parse(event!.detail)).toMatchObject({ subject: expect.any(String), issuer: expect.any(String), serial: expect.any(String) });
  });

  test('in English too', async () => {
    const { href } = await loginPage();
    expect((await curlCertificate(proxy, href, certs.expired, 'en')).body).toContain('This certificate has expired');
  });
});

describe('the certificate header from anyone but the trusted proxy', () => {
  test('sent straight to the server from another address: ignored, refused, logged without the certificate, its X-Forwarded-For dropped', async () => {
    const { uid } = await loginPage();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: upstreamPort, localAddress: '127.0.0.2', path: `/certificate/${uid}`,
        headers: { host: `${PUBLIC_NAME}:${proxy.certPort}`, 'x-forwarded-host': `${PUBLIC_NAME}:${proxy.certPort}`, 'x-ssl-client-cert': encodeURIComponent(certs.good!.pem), 'x-forwarded-for': '203.0.113.1', 'accept-language': 'vi' },
      }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.once('error', reject).end();
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('không đi qua máy chủ chuyển tiếp');
    const [event] = await auditOf('cert.login.failed');
    // TRUSTED_PROXIES: its forwarded headers were dropped too, so the address is the connection's
    expect(event).toMatchObject({ outcome: 'untrusted_header', ip: '127.0.0.2' });
    const logs = server.logs.join('');
    expect(logs).toContain('"event":"cert.header_untrusted"');
    expect(logs).toContain('127.0.0.2');
    expect(logs).not.toContain('BEGIN CERTIFICATE');
    expect(logs).not.toContain('BEGIN%20CERTIFICATE');
  });
});

describe('the certificate as the second factor, after the password', () => {
  /** The password typed for `login` in an authorization asking for mfa: the second step's page and its certificate link. */
  async function afterPassword(login: string, password: string) {
    const config = await rpConfig(issuer, web.id, web.secret);
    const start = await startAuth(config, REDIRECT, 'openid profile', { acr_values: ACR_MFA });
    const browser = new Browser(issuer);
    const page = await browser.go(start.url.toString());
    const step = await submitLogin(browser, page.html, login, password);
    const link = /href="(\/interaction\/[^"]+\/second-factor\/certificate\/start)"/.exec(step.html)?.[1];
    return { config, start, browser, step, link };
  }

  test('password + certificate: amr pwd, sc, mfa at the relying party; no authenticator app needed', async () => {
    const { config, start, browser, step, link } = await afterPassword('annv', 'mật-khẩu-rất-dài-123');
    expect(step.html).toContain('Dùng chữ ký số (USB token)');
    expect(link).toBeDefined();
    const toCertHost = await browser.go(`${issuer}${link!}`);
    expect(toCertHost.leftTo).toMatch(new RegExp(`^${certOrigin.replace(/[.]/g, '\\.')}/certificate/.+\\?purpose=second_factor$`));
    const back = await curlCertificate(proxy, toCertHost.leftTo!, certs.good);
    expect(back.status).toBe(303);
    let next = await browser.go(back.location);
    if (!next.leftTo && /\/confirm"/.test(next.html)) next = await submitConsent(browser, next.html);
    expect(next.leftTo?.startsWith(REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()).toMatchObject({ sub: accountId, amr: ['pwd', 'sc', 'mfa'], acr: ACR_MFA });
  });

  test('another person\'s certificate after the password: refused in words, audited, the login still waiting', async () => {
    await server.services.accounts.addLocal({ login: 'binhtt', password: 'mật-khẩu-của-bình-456', displayName: 'Trần Thị Bình' });
    const { browser, link } = await afterPassword('binhtt', 'mật-khẩu-của-bình-456');
    const toCertHost = await browser.go(`${issuer}${link!}`);
    const back = await curlCertificate(proxy, toCertHost.leftTo!, certs.good);
    const refused = await browser.go(back.location);
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('thuộc về một tài khoản khác');
    const [event] = await auditOf('cert.login.failed');
    expect(event).toMatchObject({ outcome: 'wrong_account' });
  });
});
