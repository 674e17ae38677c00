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
  vi: { accounts: 'Tài khoản', clients: 'Ứng dụng', disable: 'Tạm ngừng ứng dụng', confirmDisable: 'Tạm ngừng ứng dụng', cancel: 'Hủy, quay lại', signOut: 'Đăng xuất', signedOut: 'Đã đăng xuất', add: 'Đăng ký ứng dụng mới' },
  en: { accounts: 'Accounts', clients: 'Applications', disable: 'Suspend application', confirmDisable: 'Suspend application', cancel: 'Cancel, go back', signOut: 'Sign out', signedOut: 'Signed out', add: 'Register an application' },
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
    test(`the console at ${width} px in ${locale}: header, cards, current section, confirmation, one-time secret, sign-out in one click`, async () => {
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

      // a destructive action asks first, naming its target; cancelling changes nothing
      const [c] = (await server.services.clients.list()).filter((x) => x.name === 'Cổng dịch vụ công');
      await page.getByRole('button', { name: L.disable, exact: true }).click();
      await page.locator('h1', { hasText: L.confirmDisable }).waitFor();
      expect(await page.textContent('main')).toContain(locale === 'vi'
        ? 'Tạm ngừng ứng dụng Cổng dịch vụ công: mọi người sẽ không đăng nhập được vào ứng dụng này cho đến khi bật lại.'
        : 'Suspend application Cổng dịch vụ công: nobody will be able to sign in to it until it is enabled again.');
      expect(await headerHeight(page)).toBeLessThanOrEqual(64);
      await step('04-confirm');
      await page.getByRole('link', { name: L.cancel }).click();
      await page.locator('h1', { hasText: 'Cổng dịch vụ công' }).waitFor();
      expect((await server.services.clients.get(c!.client_id)).status).toBe('active');
      await page.getByRole('button', { name: L.disable, exact: true }).click();
      await page.locator('h1', { hasText: L.confirmDisable }).waitFor();
      await page.locator('main').getByRole('button', { name: L.confirmDisable, exact: true }).click();
      await page.locator('[role=status]', { hasText: locale === 'vi' ? 'Đã tạm ngừng ứng dụng' : 'The application is suspended' }).waitFor();
      expect((await server.services.clients.get(c!.client_id)).status).toBe('disabled');
      await page.reload();
      await page.locator('h1', { hasText: 'Cổng dịch vụ công' }).waitFor();
      expect(await page.locator('.flash').count()).toBe(0); // said once
      await server.services.clients.setStatus(c!.client_id, 'active');

      // a form with a mistake keeps what was typed and marks the field
      await page.locator('nav a', { hasText: L.clients }).click();
      await page.fill('#name', `Báo cáo ${locale} ${width}`);
      await page.fill('#redirect_uris', 'http://baocao.example/cb');
      await page.getByRole('button', { name: L.add, exact: true }).click();
      await page.locator('.error-summary').waitFor();
      expect(await page.inputValue('#name')).toBe(`Báo cáo ${locale} ${width}`);
      expect(await page.inputValue('#redirect_uris')).toBe('http://baocao.example/cb');
      expect(await page.getAttribute('#redirect_uris', 'aria-invalid')).toBe('true');
      await step('05-form-error');

      // put right: the secret shown once; a reload adds nothing and shows it no more
      await page.fill('#redirect_uris', `https://baocao-${locale}-${width}.tinh.gov.vn/cb`);
      await page.getByRole('button', { name: L.add, exact: true }).click();
      await page.locator('#client-secret').waitFor();
      expect(await page.inputValue('#client-secret')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await step('06-secret');
      await page.reload();
      await page.locator('h1').waitFor();
      expect(await page.locator('#client-secret').count()).toBe(0);
      expect((await server.services.clients.list()).filter((x) => x.name === `Báo cáo ${locale} ${width}`)).toHaveLength(1);

      // signing out takes one click
      await page.getByRole('button', { name: L.signOut, exact: true }).click();
      await page.locator('h1', { hasText: L.signedOut }).waitFor();
      await step('07-signed-out');
      await page.goto(`${server.issuer}/admin`);
      await page.waitForSelector('#password');
      await page.context().close();
    }, 60_000);
  }
}
