/**
 * An application's secret in the console, in Chromium: the application page's integration
 * values (each with a copy button that works under the real Content-Security-Policy), then
 * "change the secret" with an overlap: the page names the application and the effect, a past
 * date is refused with a readable message, the new secret is shown once after the POST's
 * redirect (a reload rotates nothing and shows nothing), the old one stays accepted until the
 * date, and "stop the old secret now" ends that. In Vietnamese and English; every page passes
 * axe and is saved as a screenshot.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';
import { verifyClientSecrets } from '../../src/clients/secret.js';

const ADMIN = { login: 'quan.tri', password: 'mật-khẩu-quản-trị-dài-123' };
let server: TestServer;
let b: TestBrowser;
let client: { id: string; secret: string };
const REDIRECT = 'https://motcua.tinh.gov.vn/callback';

beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: 'Quản trị viên' });
  await server.services.accounts.setAdmin(ADMIN.login, true);
  const c = await server.services.clients.add({ name: 'Một cửa điện tử', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: ['https://motcua.tinh.gov.vn/'], backchannelLogoutUri: 'https://motcua.tinh.gov.vn/logout' });
  client = { id: c.client.client_id, secret: c.clientSecret! };
  b = await launchChromium('client-secret');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
});

async function signIn(page: Page, url: string) {
  await page.goto(url);
  await page.waitForSelector('#password');
  await page.fill('#login', ADMIN.login);
  await page.fill('#password', ADMIN.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(url);
}

const row = () => server.services.db.prisma.client.findUniqueOrThrow({ where: { id: client.id } });
const accepts = async (secret: string) => {
  const r = await row();
  return verifyClientSecrets(secret, { current: r.secretHash, previous: r.previousSecretHash, previousUntil: r.previousSecretUntil?.getTime() ?? null });
};
const clientUrl = () => `${server.issuer}/admin/clients/${encodeURIComponent(client.id)}`;

test('integration values: listed, and copied by their buttons under the real CSP', async () => {
  // a context that enforces the Content-Security-Policy (b.context bypasses it for axe)
  const ctx = await b.browser.newContext({ locale: 'vi-VN', viewport: { width: 390, height: 844 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.issuer });
  const page = await ctx.newPage();
  await signIn(page, clientUrl());
  const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Thông số tích hợp' }) });
  const text = (await panel.textContent())!;
  for (const v of [server.issuer, `${server.issuer}/.well-known/openid-configuration`, client.id, `${server.issuer}/auth`, `${server.issuer}/token`, `${server.issuer}/me`, `${server.issuer}/session/end`, `${server.issuer}/jwks`, REDIRECT, 'https://motcua.tinh.gov.vn/logout', 'client_secret_basic']) expect(text).toContain(v);
  const copy = panel.getByRole('button', { name: 'Sao chép Địa chỉ lấy mã truy cập (token_endpoint)' });
  await copy.click();
  await expect(page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).resolves.toBe(`${server.issuer}/token`);
  expect(await copy.textContent()).toBe('Đã sao chép');
  await ctx.close();
}, 60_000);

test('vi: change the secret with an overlap; shown once; a reload rotates nothing; end the overlap now', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  await signIn(page, clientUrl());
  await b.check(page, '01-client');

  await page.getByRole('link', { name: 'Đổi khóa bí mật', exact: true }).click();
  expect(await page.textContent('h1')).toBe('Đổi khóa bí mật của ứng dụng');
  expect(await page.textContent('main')).toContain('Ứng dụng “Một cửa điện tử” sẽ được cấp một khóa bí mật mới');
  await b.check(page, '02-rotate-form');

  // a past date: refused, readable, nothing changed
  const before = (await row()).secretHash;
  await page.getByLabel('Đến thời điểm chọn dưới đây').check();
  await page.fill('#overlap_until', '2020-01-01T08:00');
  await page.getByRole('button', { name: 'Đổi khóa bí mật' }).click();
  expect(await page.locator('[role=alert]').textContent()).toBe('Thời điểm khóa cũ ngừng hoạt động phải ở sau thời điểm hiện tại.');
  expect((await row()).secretHash).toBe(before);
  await b.check(page, '03-rotate-past-date');

  // 7 days: the POST redirects to the one page that shows the new secret
  await page.getByLabel('Thêm 7 ngày').check();
  await page.getByRole('button', { name: 'Đổi khóa bí mật' }).click();
  await page.waitForURL(`${clientUrl()}/secret/new`);
  const fresh = await page.inputValue('#client-secret');
  expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await page.textContent('#overlap-state')).toMatch(/^Khóa bí mật cũ vẫn được chấp nhận đến \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\.$/);
  expect(await accepts(fresh)).toBe(true);
  expect(await accepts(client.secret)).toBe(true);
  const until = (await row()).previousSecretUntil!;
  expect(Math.abs(until.getTime() - Date.now() - 7 * 86_400_000)).toBeLessThan(120_000);
  await b.check(page, '04-new-secret');

  // a reload: nothing rotated, the secret not shown again
  const after = (await row()).secretHash;
  await page.reload();
  expect(await page.locator('#client-secret').count()).toBe(0);
  expect(await page.locator('[role=status]').textContent()).toContain('không thể hiển thị lại');
  expect((await row()).secretHash).toBe(after);
  expect(await accepts(fresh)).toBe(true);
  await b.check(page, '05-reloaded');

  // the application page says until when the old one works, and ends that on request
  await page.getByRole('link', { name: 'Quay lại' }).click();
  expect(await page.textContent('#overlap-state')).toContain('Khóa bí mật cũ vẫn được chấp nhận đến');
  await page.getByRole('button', { name: 'Ngừng khóa cũ ngay' }).click();
  expect(await page.locator('[role=status]').first().textContent()).toBe('Khóa bí mật cũ đã ngừng hoạt động.');
  expect(await page.locator('#overlap-state').count()).toBe(0);
  expect(await accepts(client.secret)).toBe(false);
  expect(await accepts(fresh)).toBe(true);
  await b.check(page, '06-overlap-ended');
  client.secret = fresh;
}, 120_000);

test('en: change the secret, old one for 1 more day', async () => {
  const ctx = await b.context('en');
  const page = await ctx.newPage();
  await signIn(page, clientUrl());
  await page.getByRole('link', { name: 'Change the secret', exact: true }).click();
  expect(await page.textContent('main')).toContain('The application “Một cửa điện tử” gets a new secret, shown only once.');
  await b.check(page, '07-en-rotate-form');
  await page.getByLabel('Until the time chosen below').check();
  await page.getByRole('button', { name: 'Change the secret' }).click();
  expect(await page.locator('[role=alert]').textContent()).toBe('Please choose when the old secret stops.');
  await b.check(page, '08-en-missing-date');
  await page.getByLabel('For 1 more day').check();
  await page.getByRole('button', { name: 'Change the secret' }).click();
  await page.waitForURL(`${clientUrl()}/secret/new`);
  const fresh = await page.inputValue('#client-secret');
  expect(await page.textContent('#overlap-state')).toContain('The old secret is still accepted until');
  await b.check(page, '09-en-new-secret');
  expect(await accepts(client.secret)).toBe(true);
  expect(await accepts(fresh)).toBe(true);
  await page.getByRole('link', { name: 'Back' }).click();
  expect(await page.textContent('#overlap-state')).toContain('The old secret is still accepted until');
  await b.check(page, '10-en-client');
}, 120_000);
