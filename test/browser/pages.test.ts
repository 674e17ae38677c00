/**
 * The pages a civil servant meets outside any application, branded, in Chromium: the login page,
 * a 404, the expired login page and the logged-out page, in Vietnamese and English, on a phone
 * (375 px) and a desktop (1280 px). Each passes axe (no serious or critical violation) and is
 * saved as a screenshot; each error page leads on ("Đăng nhập lại", the helpdesk). With
 * UPDATE_DOCS_SCREENSHOTS=1 the login page's screenshots are copied to docs/screenshots/ for
 * the README.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, SCREENSHOTS, type TestBrowser } from '../helpers/browser-chromium.js';
import { testBackend } from '../helpers/db.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const BRAND = {
  BRAND_NAME: 'Đăng nhập một lần – UBND tỉnh Nam Định',
  BRAND_FOOTER: 'Sở Khoa học và Công nghệ tỉnh Nam Định – Hỗ trợ: 0228 3 000 000',
  BRAND_PRIMARY_COLOR: '#a31d1d',
  BRAND_LOGO_FILE: resolve('test', 'fixtures', 'brand-logo.png'),
  PASSWORD_HELP_URL: 'https://mail.namdinh.gov.vn/h/changepass',
  HELPDESK_CONTACT: 'Tổ hỗ trợ CNTT, 0228 3 999 999, hotro@namdinh.gov.vn',
};
const DOCS = resolve('docs', 'screenshots');
const WIDTHS = [375, 1280] as const;
const LOCALES = ['vi', 'en'] as const;

let b: TestBrowser;
let server: TestServer;
let clientId: string;

beforeAll(async () => {
  server = await startTestServer(BRAND);
  clientId = (await server.services.clients.add({ name: 'Quản lý văn bản và điều hành', type: 'web', redirectUris: [REDIRECT], firstParty: true })).client.client_id;
  b = await launchChromium('pages');
}, 60_000);
afterAll(async () => {
  await b?.close();
  await server?.stop();
});

const TEXT = {
  vi: { startOver: 'Đăng nhập lại', help: 'Quên mật khẩu? Đổi mật khẩu thư điện tử', helpdesk: 'Bộ phận hỗ trợ:' },
  en: { startOver: 'Sign in again', help: 'Forgot your password? Change your mail password', helpdesk: 'Helpdesk:' },
};

async function newPage(locale: 'vi' | 'en', width: number): Promise<Page> {
  const ctx = await b.context(locale);
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: 800 });
  return page;
}

/** The brand in the header and at the foot; the logo loaded. */
async function expectBrand(page: Page) {
  await expect(page.title()).resolves.toContain(BRAND.BRAND_NAME);
  expect(await page.getByRole('img', { name: BRAND.BRAND_NAME }).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  expect(await page.locator('.site-footer__brand').textContent()).toBe(BRAND.BRAND_FOOTER);
  // the colour reached the header through /assets/brand.css
  expect(await page.locator('.site-header').evaluate((h) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(h).backgroundColor)).toBe('rgb(163, 29, 29)');
}

/** An error page's ways on. */
async function expectWaysOn(page: Page, locale: 'vi' | 'en') {
  expect(await page.getByRole('link', { name: TEXT[locale].startOver }).getAttribute('href')).toBe('/account');
  expect(await page.locator('.ways-on__helpdesk').textContent()).toBe(`${TEXT[locale].helpdesk} ${BRAND.HELPDESK_CONTACT}`);
}

describe.each(LOCALES)('in %s', (locale) => {
  test.each(WIDTHS)('at %i px: the login page, a 404, the expired login page, the logged-out page', async (width) => {
    const page = await newPage(locale, width);
    const step = (name: string) => `${name}-${locale}-${width}`;

    const q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    await page.goto(`${server.issuer}/auth?${q}`);
    await page.waitForSelector('#password');
    await expectBrand(page);
    expect(await page.getByRole('link', { name: TEXT[locale].help }).getAttribute('href')).toBe(BRAND.PASSWORD_HELP_URL);
    await b.check(page, step('login'));
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(join(SCREENSHOTS, `${testBackend()}-pages-${step('login')}.png`), join(DOCS, `${step('login')}.png`));
    }

    const missing = await page.goto(`${server.issuer}/khong-co-trang-nay`);
    expect(missing!.status()).toBe(404);
    await expectBrand(page);
    await expectWaysOn(page, locale);
    await b.check(page, step('404'));

    const expired = await page.goto(`${server.issuer}/interaction/da-het-han`);
    expect(expired!.status()).toBe(400);
    await expectWaysOn(page, locale);
    await b.check(page, step('expired'));

    // without a session, oidc-provider posts the sign-out at once and shows the logged-out page
    await page.goto(`${server.issuer}/session/end`);
    await page.waitForURL(`${server.issuer}/session/end/success`);
    await expectBrand(page);
    await expectWaysOn(page, locale);
    await b.check(page, step('logged-out'));
    await page.context().close();
  }, 60_000);
});
