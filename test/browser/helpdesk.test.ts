/**
 * The console's helpdesk section in Chromium, as a helpdesk officer (the local flag) uses it on a
 * phone (375 px) and a desktop (1280 px), in Vietnamese and English: the search, a person's page
 * (their state, recent failed logins, active login blocks) and unblocking them. Every page passes
 * axe (no serious or critical violation) and is saved as a screenshot.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';
import { Browser, formAction, inputValue } from '../helpers/browser.js';
import { rpConfig, startAuth } from '../helpers/rp.js';

const OFFICER = { login: 'hotro', password: 'mat-khau-ho-tro-1', name: 'Phạm Hỗ Trợ' };
const PERSON = { login: 'nguyen.van.a', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn A' };
const REDIRECT = 'http://127.0.0.1:9/cb';

let server: TestServer;
let b: TestBrowser;

beforeAll(async () => {
  server = await startTestServer({
    TRUST_PROXY: 'true',
    THROTTLE_ACCOUNT_DELAY_AFTER: '100',
    THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '2',
    THROTTLE_IP_DELAY_AFTER: '1000',
    THROTTLE_IP_BLOCK_AFTER: '1000',
    THROTTLE_MAX_DELAY_MS: '0',
    LOGIN_FAILURE_FLOOR_MS: '0',
  });
  const s = server.services;
  await s.accounts.addLocal({ login: OFFICER.login, password: OFFICER.password, displayName: OFFICER.name });
  await s.accounts.setHelpdesk(OFFICER.login, true);
  await s.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name, email: 'a.nv@tinh.gov.vn' });
  const c = await s.clients.add({ name: 'Cổng dịch vụ công', type: 'web', redirectUris: [REDIRECT] });
  // two wrong passwords from one address: the person is blocked there
  for (let i = 0; i < 2; i++) {
    const http = new Browser(server.issuer);
    const login = await http.go((await startAuth(await rpConfig(server.issuer, c.client.client_id, c.clientSecret), REDIRECT, 'openid')).url.toString());
    const res = await http.request(formAction(login.html, 'password')!, { form: { csrf: inputValue(login.html, 'csrf')!, login: PERSON.login, password: 'sai-mat-khau' }, headers: { 'x-forwarded-for': '198.51.100.23' } });
    expect(res.status).toBe(401);
  }
  b = await launchChromium('helpdesk');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
});

const TEXT = {
  vi: { title: 'Hỗ trợ người dùng', blocked: 'Tài khoản từ địa chỉ này', reason: 'Sai tên đăng nhập hoặc mật khẩu', unblock: 'Gỡ chặn đăng nhập', unblocked: 'Đã gỡ chặn' },
  en: { title: 'Helpdesk', blocked: 'Account from this address', reason: 'Wrong login or password', unblock: 'Unblock login', unblocked: 'Unblocked' },
} as const;

async function signIn(page: Page) {
  await page.goto(`${server.issuer}/admin`);
  await page.waitForSelector('#password');
  await page.fill('#login', OFFICER.login);
  await page.fill('#password', OFFICER.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${server.issuer}/admin/helpdesk`);
}

test.each([
  { locale: 'vi' as const, width: 375 },
  { locale: 'vi' as const, width: 1280 },
  { locale: 'en' as const, width: 375 },
  { locale: 'en' as const, width: 1280 },
])('a helpdesk officer finds a person and sees their state ($locale, $width px)', async ({ locale, width }) => {
  const text = TEXT[locale];
  const ctx = await b.context(locale);
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: 900 });
  await signIn(page);
  expect(await page.textContent('h1')).toBe(text.title);
  // only the helpdesk section and My account in the menu
  expect(await page.getByRole('navigation').getByRole('link').count()).toBe(2);
  await b.check(page, `search-empty-${locale}-${width}`);

  await page.fill('#q', 'nguyen van a');
  await page.click('form[role=search] button[type=submit]');
  await page.getByRole('link', { name: PERSON.name }).waitFor();
  await b.check(page, `search-${locale}-${width}`);

  await page.getByRole('link', { name: PERSON.name }).click();
  expect(await page.textContent('h1')).toContain(PERSON.name);
  expect(await page.textContent('main')).toContain(text.reason);
  await b.check(page, `person-${locale}-${width}`);
  // no page wider than the screen
  expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  if (locale === 'vi' && width === 375) {
    expect(await page.textContent('main')).toContain(text.blocked);
    await page.getByRole('button', { name: text.unblock, exact: true }).click();
    expect(await page.locator('[role=status]').first().textContent()).toContain(text.unblocked);
    await b.check(page, `person-unblocked-${locale}-${width}`);
    expect((await server.services.db.prisma.auditEvent.findFirst({ where: { type: 'throttle.unblocked' } }))?.actor).toBe(`console:${OFFICER.login}`);
  }
}, 60_000);
