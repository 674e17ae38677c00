/**
 * The admin console and "my account" in Chromium, against the real directory (slapd): an
 * administrator named by a directory group (ADMIN_GROUPS) runs a sync and a dry run, searches
 * accounts without diacritics, disables, enables and logs out an account, registers an
 * application, edits its redirect URIs, rotates its secret, disables it (each destructive action
 * confirmed on a page naming its target), filters, exports and
 * verifies the audit trail, switches language and signs out; a civil servant who is not an
 * administrator is refused the console, revokes an application and ends sessions on "my
 * account". Every page passes axe (no serious or critical violation) and is saved as a screenshot.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { slapdEnv, startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';
import { launchChromium, startExampleApp, type RunningApp, type TestBrowser } from '../helpers/browser-chromium.js';
import { ZIMBRA_FIXTURE, zimbraPeople as P } from '../fixtures/ldap/zimbra.ldif.js';
import { allSettled, until } from '../helpers/until.js';
import type { DeliveryRow } from '../../src/db/repos/logout-deliveries.js';
import { auditEventLabel, translator } from '../../src/web/i18n/index.js';

const vi = translator('vi');

let slapd: Slapd;
let server: TestServer;
let b: TestBrowser;
let app: RunningApp;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  server = await startTestServer({
    ...slapdEnv(slapd),
    ADMIN_GROUPS: ZIMBRA_FIXTURE.groups.lanhDaoSo.dn, // cn=Lãnh đạo Sở,ou=groups,dc=tinh,dc=gov,dc=vn
    SYNC_MAX_DISABLE_PERCENT: '100',
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const c = await server.services.clients.add({ name: 'Cổng dịch vụ công', type: 'web', redirectUris: [`${base}/callback`], postLogoutRedirectUris: [`${base}/`], backchannelLogoutUri: `${base}/backchannel-logout` });
  app = await startExampleApp({ issuer: server.issuer, clientId: c.client.client_id, clientSecret: c.clientSecret!, port, name: 'Cổng dịch vụ công' });
  b = await launchChromium('admin');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await app?.stop();
  await server?.stop();
  await slapd?.stop();
});

async function login(page: Page, who: { login: string; password: string }) {
  await page.waitForSelector('#password');
  await page.fill('#login', who.login);
  await page.fill('#password', who.password);
  await page.click('form[action$="/login"] button[type=submit]');
}

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true }).first().click();
const status = (page: Page) => page.locator('[role=status]').first().textContent();
/** A destructive action asks first on a page of its own: says what follows, then is confirmed. */
async function confirm(page: Page, name: string, says: string, step?: string) {
  await page.locator('input[name=confirm][value=yes]').waitFor({ state: 'attached' });
  expect(await page.textContent('main')).toContain(says);
  if (step) await b.check(page, step);
  await button(page, name);
}

/**
 * The back-channel logout tokens queued for the example application since `since`, once every
 * one is settled (delivered or failed). The queue delivers them after the page has answered, and
 * retries a failed attempt with back-off (1 s, 2 s, 4 s ...): polled, within a bound that leaves
 * room for a retry or two on a loaded machine.
 */
async function deliveriesToAppSettled(accountId: string, since: Date): Promise<DeliveryRow[]> {
  return until('the logout token delivered to the application', async () => {
    const rows = (await server.services.deprovision.list({ accountId })).filter((d) => d.clientId === app.clientId && d.createdAt.getTime() >= since.getTime());
    return allSettled(rows) ? rows : null;
  }, 60_000, 100);
}

test('an administrator uses every screen of the console', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();

  // the door: the IdP's own login, then the dashboard
  await page.goto(`${server.issuer}/admin`);
  await login(page, P.khai);
  await page.waitForURL(`${server.issuer}/admin`);
  expect(await page.textContent('h1')).toBe('Tổng quan');
  await b.check(page, '01-dashboard');

  // sync: run now, then a dry run; the history keeps both with their counts
  await nav(page, 'Đồng bộ');
  await b.check(page, '02-sync');
  await button(page, 'Đồng bộ toàn bộ ngay');
  expect(await status(page)).toMatch(/Kết quả: (Thành công|Thành công một phần)\. Đã xem \d+, tạo \d+/);
  await button(page, 'Chạy thử toàn bộ (không thay đổi gì)');
  expect(await status(page)).toContain('(chạy thử)');
  const history = page.locator('table tbody tr');
  expect(await history.count()).toBeGreaterThanOrEqual(2);
  expect(await history.first().textContent()).toContain('(chạy thử)');
  await b.check(page, '03-sync-dry-run');
  const seen = (await server.services.db.prisma.syncRun.findFirst({ where: { dryRun: false } }))!.seen;
  expect(seen).toBeGreaterThan(10);

  // accounts: diacritics-insensitive search, an account's claims, disable, enable, log out
  await nav(page, 'Tài khoản');
  await page.fill('#q', 'nguyen van an');
  await button(page, 'Tìm');
  const rows = page.locator('table tbody tr');
  expect(await rows.count()).toBe(2);
  expect(await rows.allTextContents()).toEqual([expect.stringContaining('Nguyễn Văn An'), expect.stringContaining('Nguyễn Văn An')]);
  await b.check(page, '04-accounts-search');
  await page.locator('tr', { hasText: 'annv@tinh.gov.vn' }).getByRole('link').click();
  expect(await page.textContent('h1')).toContain('Nguyễn Văn An');
  expect(await page.locator('table', { hasText: 'preferred_username' }).textContent()).toContain('annv');
  await b.check(page, '05-account');
  await button(page, 'Khóa tài khoản trên hệ thống đăng nhập một lần (không khóa hộp thư)');
  await confirm(page, 'Khóa tài khoản', 'Khóa tài khoản Nguyễn Văn An (annv) trên hệ thống đăng nhập một lần (không khóa hộp thư)', '05b-account-disable-confirm');
  expect(await status(page)).toContain('Đã khóa tài khoản');
  expect((await server.services.accounts.byLogin('annv'))!.status).toBe('disabled');
  await b.check(page, '06-account-disabled');
  await button(page, 'Mở khóa tài khoản');
  expect(await status(page)).toContain('Đã mở khóa');
  await button(page, 'Đăng xuất khỏi mọi nơi');
  await confirm(page, 'Đăng xuất khỏi mọi nơi', 'Đăng xuất tài khoản Nguyễn Văn An (annv) khỏi mọi nơi');
  expect(await status(page)).toContain('Đã đăng xuất');

  // applications: register, secret shown once, edit redirect URIs, rotate, disable
  await nav(page, 'Ứng dụng');
  await b.check(page, '07-clients');
  await page.fill('#name', 'Hệ thống báo cáo');
  await page.fill('#redirect_uris', 'https://baocao.tinh.gov.vn/callback');
  await button(page, 'Đăng ký ứng dụng mới');
  const secret = await page.inputValue('#client-secret');
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const clientId = (await page.textContent('#client-id'))!;
  await b.check(page, '08-secret');
  await page.getByRole('link', { name: 'Quay lại' }).click();
  await page.fill('#redirect_uris', 'https://baocao.tinh.gov.vn/callback\nhttps://baocao.tinh.gov.vn/callback2');
  await button(page, 'Lưu');
  expect(await status(page)).toContain('Đã lưu');
  expect((await server.services.clients.get(clientId)).redirect_uris).toEqual(['https://baocao.tinh.gov.vn/callback', 'https://baocao.tinh.gov.vn/callback2']);
  await b.check(page, '09-client');
  await page.getByRole('link', { name: 'Đổi khóa bí mật', exact: true }).click();
  await button(page, 'Đổi khóa bí mật');
  const rotated = await page.inputValue('#client-secret');
  expect(rotated).not.toBe(secret);
  await page.getByRole('link', { name: 'Quay lại' }).click();
  await button(page, 'Tạm ngừng ứng dụng');
  await confirm(page, 'Tạm ngừng ứng dụng', 'Tạm ngừng ứng dụng Hệ thống báo cáo: mọi người sẽ không đăng nhập được vào ứng dụng này cho đến khi bật lại.', '09b-client-disable-confirm');
  expect(await status(page)).toContain('Đã tạm ngừng ứng dụng');
  expect((await server.services.clients.get(clientId)).status).toBe('disabled');

  // audit: filter by event and by person, export, verify the chain
  await nav(page, 'Nhật ký');
  await b.check(page, '10-audit');
  await page.selectOption('#type', 'client.updated');
  await button(page, 'Lọc');
  const types = await page.locator('table tbody tr td:nth-child(2)').allTextContents();
  expect(types.length).toBeGreaterThanOrEqual(1);
  expect(new Set(types)).toEqual(new Set([auditEventLabel('client.updated', vi)]));
  expect(await page.locator('table tbody tr').first().textContent()).toContain(`(${P.khai.login})`);
  await page.selectOption('#type', '');
  await page.fill('#person', 'annv');
  await page.selectOption('#client', '');
  await button(page, 'Lọc');
  expect(await page.locator('table').textContent()).toContain(auditEventLabel('account.status_changed', vi, 'disabled'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải về JSON Lines' }).click()]);
  const exported = readFileSync((await download.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; subject: string | null; actor: string | null });
  expect(exported.length).toBeGreaterThanOrEqual(3);
  const annv = (await server.services.accounts.byLogin('annv'))!;
  expect(exported.every((e) => e.subject === annv.id || e.actor === 'annv' || e.actor === 'console:annv')).toBe(true);
  await page.getByRole('link', { name: 'Kiểm tra chuỗi băm' }).click();
  expect(await page.locator('[role=status]').textContent()).toContain('Chuỗi băm nguyên vẹn');
  await b.check(page, '11-audit-verify');

  // language, then sign out through the IdP
  await nav(page, 'Tổng quan');
  await page.getByRole('link', { name: 'English' }).click();
  expect(await page.textContent('h1')).toBe('Dashboard');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await b.check(page, '12-dashboard-en');
  // one click: the IdP does not ask again (the console sends its ID token as id_token_hint)
  await button(page, 'Sign out');
  await page.locator('h1', { hasText: 'Signed out' }).waitFor();
  await b.check(page, '13-signed-out');
  await page.goto(`${server.issuer}/admin`);
  await page.waitForSelector('#password');
}, 120_000);

test('a civil servant manages their applications and sessions on "my account", and is kept out of the console', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  await page.goto(app.url);
  await page.click('#login');
  await login(page, P.an);
  await page.getByRole('button', { name: 'Cho phép' }).click();
  await page.waitForURL(`${app.url}/`);

  // straight in (single sign-on): the application and this session are listed
  await page.goto(`${server.issuer}/account`);
  expect(await page.textContent('h1')).toBe('Tài khoản của tôi');
  const applications = page.locator('table', { hasText: 'Các ứng dụng được phép truy cập' });
  expect(await applications.textContent()).toContain('Cổng dịch vụ công');
  expect(await page.locator('.badge', { hasText: 'Thiết bị này' }).count()).toBe(1);
  await b.check(page, '14-my-account');

  await page.goto(`${server.issuer}/admin`);
  expect(await page.locator('[role=alert]').textContent()).toContain('không có quyền quản trị');
  await b.check(page, '15-forbidden');

  // revoking the application signs the person out of it (it is told by back-channel logout)
  await page.goto(`${server.issuer}/account`);
  const revokedAt = new Date(Date.now() - 1000);
  await page.getByRole('button', { name: 'Thu hồi quyền: Cổng dịch vụ công' }).click();
  expect(await status(page)).toContain('Đã thu hồi');
  expect(await applications.count()).toBe(0);
  expect(await page.textContent('main')).toContain('Chưa cấp quyền cho ứng dụng nào.');
  const an = (await server.services.accounts.byLogin(P.an.login))!;
  expect((await deliveriesToAppSettled(an.id, revokedAt)).map((d) => d.status)).toEqual(['delivered']);
  // the application ended its session before it answered the delivery
  await page.goto(app.url);
  expect(await page.textContent('#status')).toContain('chưa đăng nhập');

  // a second device; this one ends it
  const other = await (await b.context('vi')).newPage();
  await other.goto(`${server.issuer}/account`);
  await login(other, P.an);
  await other.waitForURL(`${server.issuer}/account`);
  await page.goto(`${server.issuer}/account`);
  const sessionRows = page.locator('table', { hasText: 'Hoạt động gần nhất' }).locator('tbody tr');
  expect(await sessionRows.count()).toBe(2);
  await sessionRows.filter({ hasNotText: 'Thiết bị này' }).getByRole('button', { name: /^Đăng xuất phiên này / }).click();
  expect(await status(page)).toContain('Đã kết thúc phiên');
  expect(await sessionRows.count()).toBe(1);
  await other.goto(`${server.issuer}/account`);
  await other.waitForSelector('#password');

  // and everywhere, this device included
  await page.goto(`${server.issuer}/account`);
  await button(page, 'Đăng xuất khỏi mọi nơi');
  expect(await status(page)).toContain('Bạn đã đăng xuất khỏi mọi nơi');
  await b.check(page, '16-signed-out-everywhere');
  await page.goto(`${server.issuer}/account`);
  await page.waitForSelector('#password');
}, 90_000);
