/**
 * In Chromium, against the real server: the session cookie ends with the browser by default
 * (SESSION_COOKIE=browser: no expiry), and with SESSION_COOKIE=persistent only when the person
 * ticks "Ghi nhớ đăng nhập trên máy tính này" (the console's cookie follows); the known-device cookie (long-lived, HttpOnly,
 * SameSite=Lax) lets the person in while their account is blocked for unknown devices; the
 * blocked page and the console's login blocks page (list, unblock) pass axe. Screenshots in
 * test-results/screenshots.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser, formAction, inputValue } from '../helpers/browser.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PERSON = { login: 'nguyen.thi.lan', password: 'mat-khau-cua-lan-2024' };
const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1' };

let b: TestBrowser;
beforeAll(async () => {
  b = await launchChromium('login-hardening');
}, 60_000);
afterAll(async () => b?.close());

async function prepare(env: Record<string, string>) {
  const server = await startTestServer({ TRUST_PROXY: 'true', LOGIN_FAILURE_FLOOR_MS: '0', THROTTLE_MAX_DELAY_MS: '0', ...env });
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: 'Nguyễn Thị Lan' });
  await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: 'Quản Trị' });
  await server.services.accounts.setAdmin(ADMIN.login, true);
  return { server, clientId: c.client.client_id };
}

/** A context whose requests come from `ip` (through the trusted proxy); the application's callback answered locally. */
async function context(ip: string): Promise<BrowserContext> {
  const ctx = await b.context('vi');
  await ctx.setExtraHTTPHeaders({ 'x-forwarded-for': ip });
  await ctx.route('http://127.0.0.1:9/**', (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'application' }));
  return ctx;
}

async function openLogin(page: Page, server: TestServer, clientId: string, extra: Record<string, string> = {}) {
  const q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...extra });
  await page.goto(`${server.issuer}/auth?${q}`);
  await page.waitForSelector('#password');
}

async function signIn(page: Page, who: { login: string; password: string }, remember = false) {
  await page.fill('#login', who.login);
  await page.fill('#password', who.password);
  if (remember) await page.check('#remember');
  await page.click('form[action$="/login"] button[type=submit]');
}

const cookie = async (ctx: BrowserContext, name: string) => (await ctx.cookies()).find((c) => c.name === name);

describe('SESSION_COOKIE=browser (the default)', () => {
  let server: TestServer;
  let clientId: string;
  beforeAll(async () => ({ server, clientId } = await prepare({ THROTTLE_ACCOUNT_BLOCK_AFTER: '2', THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '1' })));
  afterAll(async () => server?.stop());

  test('the session cookie has no expiry; no "remember me"; the known-device cookie is long-lived and HttpOnly', async () => {
    const ctx = await context('192.0.2.10');
    const page = await ctx.newPage();
    await openLogin(page, server, clientId);
    expect(await page.locator('#remember').count()).toBe(0);
    await signIn(page, PERSON);
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
    const session = await cookie(ctx, 'sso_session');
    expect(session).toMatchObject({ expires: -1, httpOnly: true, sameSite: 'Lax' });
    const device = await cookie(ctx, 'sso_device');
    expect(device).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/interaction' });
    expect(device!.expires * 1000).toBeGreaterThan(Date.now() + 170 * 86_400_000);
  });

  test('a known device gets in while the account is blocked for unknown devices; an unknown one reads why', async () => {
    const own = await context('192.0.2.20');
    const mine = await own.newPage();
    await openLogin(mine, server, clientId);
    await signIn(mine, PERSON);
    await mine.waitForURL(/127\.0\.0\.1:9\/cb/);
    // guessers at two addresses: the account is blocked for unknown devices
    for (const ip of ['198.51.100.1', '198.51.100.2']) {
      const h = new Browser(server.issuer);
      const q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
      const page = await h.go(`/auth?${q}`);
      const res = await h.request(formAction(page.html, 'password')!, { form: { csrf: inputValue(page.html, 'csrf')!, login: PERSON.login, password: 'doan-sai' }, headers: { 'x-forwarded-for': ip } });
      expect(res.status).toBe(401);
    }
    const stranger = await (await context('198.51.100.3')).newPage();
    await openLogin(stranger, server, clientId);
    await signIn(stranger, PERSON);
    await stranger.locator('[role=alert]', { hasText: 'từ nhiều nơi' }).waitFor();
    await b.check(stranger, '01-blocked-account');
    // the person, on their own computer, asked for the password again (prompt=login)
    await openLogin(mine, server, clientId, { prompt: 'login' });
    await signIn(mine, PERSON);
    await mine.waitForURL(/127\.0\.0\.1:9\/cb\?code=/);
  });

  test('the console lists the block and lifts it', async () => {
    const ctx = await context('192.0.2.30');
    const page = await ctx.newPage();
    await page.goto(`${server.issuer}/admin/throttle`);
    await page.waitForSelector('#password');
    await signIn(page, ADMIN);
    await page.locator('h1', { hasText: 'Chặn đăng nhập sai nhiều lần' }).waitFor();
    // the console's own cookie ends with the browser too
    expect(await cookie(ctx, 'sso_console')).toMatchObject({ expires: -1, httpOnly: true });
    expect(await page.locator('table').textContent()).toContain('198.51.100.1');
    await b.check(page, '02-console-blocks');
    await page.getByRole('button', { name: `Gỡ chặn tài khoản ${PERSON.login}` }).first().click();
    await page.locator('[role=status]', { hasText: 'Đã gỡ chặn.' }).waitFor();
    expect(await page.locator('table').count()).toBe(0);
    await b.check(page, '03-console-unblocked');
  });
});

describe('SESSION_COOKIE=persistent', () => {
  let server: TestServer;
  let clientId: string;
  beforeAll(async () => ({ server, clientId } = await prepare({ SESSION_COOKIE: 'persistent' })));
  afterAll(async () => server?.stop());

  test('"remember me" unticked: a browser-session cookie; ticked: one that lasts SESSION_TTL', async () => {
    const plain = await context('192.0.2.40');
    const p1 = await plain.newPage();
    await openLogin(p1, server, clientId);
    expect(await p1.getByLabel('Ghi nhớ đăng nhập trên máy tính này').isChecked()).toBe(false);
    await b.check(p1, '04-login-remember');
    await signIn(p1, PERSON);
    await p1.waitForURL(/127\.0\.0\.1:9\/cb/);
    expect((await cookie(plain, 'sso_session'))!.expires).toBe(-1);

    const remembered = await context('192.0.2.41');
    const p2 = await remembered.newPage();
    await openLogin(p2, server, clientId);
    await signIn(p2, PERSON, true);
    await p2.waitForURL(/127\.0\.0\.1:9\/cb/);
    const expires = (await cookie(remembered, 'sso_session'))!.expires * 1000;
    // SESSION_TTL 10 h
    expect(expires).toBeGreaterThan(Date.now() + 9.5 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 10 * 3_600_000 + 60_000);
  });
});
