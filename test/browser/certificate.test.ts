/**
 * The certificate login in Chromium: the login page's "Đăng nhập bằng chữ ký số" button, the
 * dedicated port of Debian's nginx (deploy/nginx-sso-certificate.conf) asking for the client
 * certificate, which the browser context presents (Playwright's clientCertificates: the TLS
 * handshake with nginx carries it), back to the issuer and on to the application; and the
 * refusal page of an expired certificate, both saved as screenshots (test-results/screenshots).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import * as oidc from 'openid-client';
import { startTestServer, freePort, type TestServer } from '../helpers/server.js';
import { CHROMIUM, SCREENSHOTS } from '../helpers/browser-chromium.js';
import { testBackend } from '../helpers/db.js';
import { rpConfig, startAuth } from '../helpers/rp.js';
import { makeTestCa, type Issued, type TestCa } from '../helpers/test-ca.js';
import { startCertificateProxy, type CertificateProxy } from '../helpers/nginx-certificate.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let ca: TestCa;
let proxy: CertificateProxy;
let server: TestServer;
let browser: Browser;
let issuer: string;
let certOrigin: string;
let config: oidc.Configuration;
let good: Issued;
let expired: Issued;

beforeAll(async () => {
  ca = makeTestCa();
  good = ca.issue('annv');
  expired = ca.issue('annv', { notBefore: new Date(Date.now() - 5 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
  ca.writeCrl();
  const [issuerPort, upstreamPort] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${issuerPort}`;
  // Playwright's client-certificate proxy resolves names itself: the port is reached by address
  proxy = await startCertificateProxy(upstreamPort, issuerPort, '127.0.0.1');
  certOrigin = `https://127.0.0.1:${proxy.certPort}`;
  server = await startTestServer({
    ISSUER: issuer, PORT: String(upstreamPort), TRUSTED_PROXIES: '127.0.0.1/32',
    CERT_LOGIN_URL: certOrigin, CERT_CA_FILE: ca.caFile, CERT_CRL_FILE: ca.crlFile, CERT_FIRST_FACTOR: 'true',
    HELPDESK_CONTACT: 'Phòng CNTT – 0228 3852 000',
  });
  await server.services.accounts.addLocal({ login: 'annv', password: 'mật-khẩu-rất-dài-123', displayName: 'Nguyễn Văn An', email: 'annv@tinh.gov.vn' });
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  config = await rpConfig(issuer, c.client.client_id, c.clientSecret);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await proxy?.stop();
  ca?.cleanup();
});

async function contextWith(cert: Issued) {
  const ctx = await browser.newContext({ locale: 'vi-VN', ignoreHTTPSErrors: true, clientCertificates: [{ origin: certOrigin, certPath: cert.cert, keyPath: cert.key }] });
  ctx.setDefaultTimeout(20_000);
  let callback = '';
  await ctx.route('http://127.0.0.1:9/**', async (route) => {
    callback = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' });
  });
  return { ctx, callback: () => callback };
}

test('the button, the certificate, the application: amr sc', async () => {
  const { ctx, callback } = await contextWith(good);
  const page = await ctx.newPage();
  const start = await startAuth(config, REDIRECT);
  await page.goto(start.url.toString());
  const button = page.getByRole('link', { name: 'Đăng nhập bằng chữ ký số' });
  await button.waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, `${testBackend()}-certificate-login-page.png`), fullPage: true });
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(REDIRECT));
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback()), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  expect(tokens.claims()!.amr).toEqual(['sc']);
  await ctx.close();
});

test('an expired certificate: the readable page, with the way back and the helpdesk', async () => {
  const { ctx } = await contextWith(expired);
  const page = await ctx.newPage();
  await page.goto((await startAuth(config, REDIRECT)).url.toString());
  await page.getByRole('link', { name: 'Đăng nhập bằng chữ ký số' }).click();
  await page.getByText('Chứng thư số này đã hết hạn').waitFor();
  expect(page.url().startsWith(`${certOrigin}/certificate/`)).toBe(true);
  await expect(page.getByText('Phòng CNTT – 0228 3852 000').count()).resolves.toBeGreaterThan(0);
  await page.screenshot({ path: join(SCREENSHOTS, `${testBackend()}-certificate-expired.png`), fullPage: true });
  await page.getByRole('link', { name: 'Quay lại trang đăng nhập' }).click();
  await page.getByRole('link', { name: 'Đăng nhập bằng chữ ký số' }).waitFor();
  await ctx.close();
});
