/**
 * The app launcher at / in Chromium, in Vietnamese and English, on a phone (375 px) and a
 * desktop (1280 px): signed out, the product's name and "sign in"; signed in, who, sign-out,
 * My account, and one tile per application with a home URL (its logo shown); and the console's
 * settings form uploading a logo. Every page passes axe and is saved as a screenshot. With
 * UPDATE_DOCS_SCREENSHOTS=1 the launcher's Vietnamese screenshots are copied to
 * docs/screenshots/ for the README.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, SCREENSHOTS, type TestBrowser } from '../helpers/browser-chromium.js';
import { testBackend } from '../helpers/db.js';
import { pngSquare } from '../helpers/images.js';

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const PERSON = { login: 'annv', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn An' };
const WIDTHS = [375, 1280] as const;
const DOCS = resolve('docs', 'screenshots');

let server: TestServer;
let b: TestBrowser;

beforeAll(async () => {
  server = await startTestServer();
  const s = server.services;
  await s.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
  await s.accounts.setAdmin(ADMIN.login, true);
  await s.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name });
  const web = (id: string, name: string) => ({ id, name, type: 'web' as const, redirectUris: [`https://${id}.tinh.gov.vn/cb`] });
  await s.clients.add({ ...web('hoso', 'Hồ sơ một cửa'), homeUrl: 'https://hoso.tinh.gov.vn/', description: 'Tiếp nhận, giải quyết và trả kết quả thủ tục hành chính', logo: pngSquare(64, [200, 16, 46]) });
  await s.clients.add({ ...web('vanban', 'Quản lý văn bản và điều hành'), homeUrl: 'https://vanban.tinh.gov.vn/', description: 'Văn bản đến, văn bản đi, hồ sơ công việc' });
  await s.clients.add({ ...web('api', 'Dịch vụ nội bộ') });
  b = await launchChromium('launcher');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
});

async function login(page: Page, who: { login: string; password: string }) {
  await page.waitForSelector('#password');
  await page.fill('#login', who.login);
  await page.fill('#password', who.password);
  await page.click('form[action$="/login"] button[type=submit]');
}

/** The width of an image once loaded (0 when it failed). */
const loadedWidth = (img: unknown) => {
  const i = img as { complete: boolean; naturalWidth: number };
  return i.complete ? i.naturalWidth : 0;
};

/** Checks the page at each width (axe and a screenshot each). */
async function atEachWidth(page: Page, step: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // nothing wider than the screen: no sideways scrolling on a phone
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await b.check(page, `${step}-${width}`);
  }
}

test.each([
  ['vi', 'Đăng nhập', `Bạn đang đăng nhập bằng tài khoản ${PERSON.name}`, 'Tài khoản của tôi'],
  ['en', 'Sign in', `You are signed in with the account ${PERSON.name}`, 'My account'],
] as const)('the launcher in %s: signed out, sign in, the tiles, on a phone and a desktop', async (locale, signIn, signedInAs, myAccount) => {
  const ctx = await b.context(locale);
  const page = await ctx.newPage();
  await page.goto(`${server.issuer}/`);
  expect(await page.locator('h1').textContent()).toBe(locale === 'vi' ? 'Đăng nhập một lần' : 'Single sign-on');
  await atEachWidth(page, `${locale}-01-signed-out`);

  await page.getByRole('link', { name: signIn, exact: true }).click();
  await login(page, PERSON);
  await page.waitForURL(`${server.issuer}/`);
  expect(await page.locator('.launcher__me').textContent()).toBe(signedInAs);
  const tiles = page.locator('a.tile');
  expect(await tiles.count()).toBe(2);
  expect(await tiles.locator('.tile__name').allTextContents()).toEqual(['Hồ sơ một cửa', 'Quản lý văn bản và điều hành']);
  expect(await tiles.first().getAttribute('href')).toBe('https://hoso.tinh.gov.vn/');
  // the logo loaded (PNG from the database), the other tile shows the name's first letter
  expect(await page.locator('img.tile__logo').evaluate(loadedWidth)).toBe(64);
  expect(await page.locator('.tile__logo--letter').textContent()).toBe('Q');
  // a tile is large enough to tap on a phone
  await page.setViewportSize({ width: 375, height: 900 });
  const box = (await tiles.first().boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(48);
  expect(box.width).toBeGreaterThan(300);
  await atEachWidth(page, `${locale}-02-launcher`);
  if (locale === 'vi' && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    for (const width of WIDTHS) copyFileSync(join(SCREENSHOTS, `${testBackend()}-launcher-${locale}-02-launcher-${width}.png`), join(DOCS, `launcher-${locale}-${width}.png`));
  }

  await page.getByRole('link', { name: myAccount, exact: true }).click();
  await page.waitForURL(`${server.issuer}/account`);
  await page.goto(`${server.issuer}/`);
  await page.getByRole('button', { name: locale === 'vi' ? 'Đăng xuất' : 'Sign out', exact: true }).click();
  await page.waitForURL(/\/session\/end/);
  await page.goto(`${server.issuer}/`);
  expect(await page.getByRole('link', { name: signIn, exact: true }).count()).toBe(1);
  await ctx.close();
}, 60_000);

test('the console uploads a logo with the settings form, and the launcher shows it', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  await page.goto(`${server.issuer}/admin/clients/api`);
  await login(page, ADMIN);
  await page.waitForURL(`${server.issuer}/admin/clients/api`);
  await page.fill('#home_url', 'https://api.tinh.gov.vn/');
  await page.fill('#description', 'Tra cứu dữ liệu dùng chung');
  await page.setInputFiles('#logo', { name: 'logo.png', mimeType: 'image/png', buffer: pngSquare(48, [15, 47, 87]) });
  await atEachWidth(page, 'vi-03-client-form');
  await page.getByRole('button', { name: 'Lưu', exact: true }).click();
  await page.waitForURL(`${server.issuer}/admin/clients/api`);
  const logo = page.locator('img.app-logo');
  expect(await logo.evaluate(loadedWidth)).toBe(48);
  await atEachWidth(page, 'vi-04-client-saved');

  await page.goto(`${server.issuer}/`);
  expect(await page.locator('a.tile .tile__name').allTextContents()).toEqual(['Dịch vụ nội bộ', 'Hồ sơ một cửa', 'Quản lý văn bản và điều hành']);
  await ctx.close();
}, 60_000);
