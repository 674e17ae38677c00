/**
 * Single sign-on as a civil servant sees it, in Chromium: two applications (examples/web-app) on
 * loopback, the real directory (slapd). Log in at the first, get into the second without a
 * password (consent asked once), log out at the first and be logged out of the second
 * (back-channel logout), mailbox closed in the directory: logged out of both. Every page passes
 * axe (no serious or critical violation) and is saved as a screenshot.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { slapdEnv, startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';
import { launchChromium, startExampleApp, type RunningApp, type TestBrowser } from '../helpers/browser-chromium.js';
import { zimbraPeople as P } from '../fixtures/ldap/zimbra.ldif.js';

let slapd: Slapd;
let server: TestServer;
let b: TestBrowser;
let one: RunningApp;
let two: RunningApp;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  server = await startTestServer({
    ...slapdEnv(slapd),
    SYNC_INTERVAL: '1s',
  });
  const [p1, p2] = [await freePort(), await freePort()];
  const app = async (port: number, name: string, firstParty: boolean) => {
    const base = `http://127.0.0.1:${port}`;
    const c = await server.services.clients.add({ name, type: 'web', redirectUris: [`${base}/callback`], postLogoutRedirectUris: [`${base}/`], backchannelLogoutUri: `${base}/backchannel-logout`, firstParty });
    return startExampleApp({ issuer: server.issuer, clientId: c.client.client_id, clientSecret: c.clientSecret!, port, name });
  };
  // the first is a provincial application (no consent page), the second asks for consent once
  [one, two] = await Promise.all([app(p1, 'Văn phòng điện tử', true), app(p2, 'Cổng dịch vụ công', false)]);
  b = await launchChromium('sso');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await Promise.all([one?.stop(), two?.stop()]);
  await server?.stop();
  await slapd?.stop();
});

async function signInAt(page: Page, app: RunningApp) {
  await page.goto(app.url);
  await page.click('#login');
}

async function fillLogin(page: Page, login: string, password: string) {
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('form[action$="/login"] button[type=submit]');
}

/** Reloads the application's home page until it says the person is signed out. */
async function expectSignedOut(page: Page, app: RunningApp, withinMs: number) {
  const until = Date.now() + withinMs;
  for (;;) {
    await page.goto(app.url);
    if ((await page.textContent('#status'))?.includes('chưa đăng nhập')) return;
    if (Date.now() > until) throw new Error(`${app.url} still signed in after ${withinMs} ms`);
    await page.waitForTimeout(250);
  }
}

test('log in once, use two applications, log out everywhere, and be logged out when the mailbox closes', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();

  // 1. the first application: the IdP's login page, the directory password
  await page.goto(one.url);
  await b.check(page, '01-app-signed-out');
  await page.click('#login');
  await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
  await b.check(page, '02-login');
  await fillLogin(page, P.hung.login, P.hung.password);
  await page.waitForURL(`${one.url}/`);
  expect(await page.textContent('#name')).toBe('Trần Văn Hùng');
  await b.check(page, '03-app-signed-in');

  // 2. the second application: no password; consent asked (it is not a provincial application)
  await signInAt(page, two);
  await page.waitForURL(/\/interaction\//);
  expect(await page.locator('#password').count()).toBe(0);
  expect(await page.textContent('h1')).toBe('Cấp quyền truy cập');
  await b.check(page, '04-consent');
  await page.getByRole('button', { name: 'Cho phép' }).click();
  await page.waitForURL(`${two.url}/`);
  expect(await page.textContent('#name')).toBe('Trần Văn Hùng');
  await b.check(page, '04b-second-app-signed-in');
  // consent is asked once: the second application signing in again goes straight through
  await ctx.clearCookies({ name: `app_session_${new URL(two.url).port}` });
  await signInAt(page, two);
  await page.waitForURL(`${two.url}/`);
  expect(await page.textContent('#name')).toBe('Trần Văn Hùng');

  // 3. log out at the first: the IdP asks, then the second is told (back-channel logout)
  await page.goto(one.url);
  await page.click('#logout');
  await page.waitForURL(/\/session\/end/);
  await b.check(page, '05-logout-confirm');
  await page.locator('button[name=logout][value=yes]').click();
  await page.waitForURL(`${one.url}/`);
  expect(await page.textContent('#status')).toContain('chưa đăng nhập');
  await expectSignedOut(page, two, 5_000);
  expect(two.lines.some((l) => l.includes('"backchannel_logout"') && /"ended":[1-9]/.test(l))).toBe(true);

  // 4. log in again: the second application lets the person in with no password, and no consent
  //    (logging out ends sessions and tokens, not consent)
  await signInAt(page, one);
  await fillLogin(page, P.hung.login, P.hung.password);
  await page.waitForURL(`${one.url}/`);
  await signInAt(page, two);
  await page.waitForURL(`${two.url}/`);
  expect(await page.textContent('#name')).toBe('Trần Văn Hùng');

  // 5. the mailbox is closed in the directory: the in-server sync logs the person out of both
  await slapd.ldapModify(`dn: ${P.hung.dn}\nchangetype: modify\nreplace: zimbraAccountStatus\nzimbraAccountStatus: closed\n`);
  await expectSignedOut(page, one, 20_000);
  await expectSignedOut(page, two, 5_000);

  // 6. and cannot log in again: a readable message, in the language the person chooses
  await signInAt(page, one);
  await page.getByRole('link', { name: 'English' }).click();
  expect(await page.textContent('h1')).toBe('Sign in');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await b.check(page, '06-login-en');
  await fillLogin(page, P.hung.login, P.hung.password);
  await page.locator('[role=alert]', { hasText: 'Your account has been locked or disabled' }).waitFor();
  await b.check(page, '07-login-disabled-en');
  await page.getByRole('link', { name: 'Tiếng Việt' }).click();
  expect(await page.getAttribute('html', 'lang')).toBe('vi');
}, 90_000);

