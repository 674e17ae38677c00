/** The embedded default: the demo directory and the demo application, as `npm start` runs them. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitConsent, submitLogin } from './helpers/rp.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ DEMO: 'true' });
});
afterAll(async () => server?.stop());

test('a demo civil servant logs in to the demo application through the in-process directory', async () => {
  const demo = server.demo!;
  const dir = server.directory.demo!;
  expect(dir.url).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/);
  // the demo application's redirect URI is not served here; the flow stops at its callback
  const config = await rpConfig(server.issuer, demo.clientId, demo.clientSecret);
  const browser = new Browser(server.issuer);
  const start = await startAuth(config, demo.redirectUri, 'openid profile email organization groups');
  let page = await browser.go(start.url.toString());
  page = await submitLogin(browser, page.html, 'Nguyen.Thi.Minh.Khai@tinh.gov.vn', dir.peoplePassword);
  if (!page.leftTo) page = await submitConsent(browser, page.html);
  expect(page.leftTo!.startsWith(demo.redirectUri)).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  expect(info).toMatchObject({ name: 'Nguyễn Thị Minh Khai', family_name: 'Nguyễn', middle_name: 'Thị Minh', given_name: 'Khai', department: 'Sở Nội vụ', groups: ['Lãnh đạo Sở'], email_verified: true });
});

test('the demo directory has a closed and a temporarily locked person, refused as such (a lock is never bound: the neutral answer)', async () => {
  const demo = server.demo!;
  const dir = server.directory.demo!;
  const config = await rpConfig(server.issuer, demo.clientId, demo.clientSecret);
  for (const [login, status, pattern] of [['do.minh.chau', 403, /ngừng sử dụng/], ['duong.thi.my', 401, /Không đăng nhập được\. Nếu bạn chắc chắn mật khẩu đúng/]] as const) {
    const browser = new Browser(server.issuer);
    const page = await browser.go((await startAuth(config, demo.redirectUri, 'openid')).url.toString());
    const after = await submitLogin(browser, page.html, login, dir.peoplePassword);
    expect(after.status).toBe(status);
    expect(after.html).toMatch(pattern);
  }
});

test('the local demo account logs in too', async () => {
  const demo = server.demo!;
  const config = await rpConfig(server.issuer, demo.clientId, demo.clientSecret);
  const browser = new Browser(server.issuer);
  const page = await browser.go((await startAuth(config, demo.redirectUri, 'openid')).url.toString());
  const after = await submitLogin(browser, page.html, demo.login, demo.password);
  expect(after.status === 200 || after.leftTo !== undefined).toBe(true);
  expect(after.html).not.toMatch(/role="alert"/);
});
