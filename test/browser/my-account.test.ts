/**
 * "My account" in Chromium, in Vietnamese and English, on a phone (375 px) and a desktop (1280 px),
 * against the real directory (slapd): the profile as the directory holds it, this device among the
 * sessions, the recent sign-ins with the failed attempt before this one, and "This was not me"
 * signing out everywhere. Every page passes axe (no serious or critical violation) and is saved as
 * a screenshot.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { slapdEnv, startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';
import { zimbraPeople as P } from '../fixtures/ldap/zimbra.ldif.js';

let slapd: Slapd;
let server: TestServer;
let b: TestBrowser;

const HELPDESK = 'Tổ hỗ trợ CNTT, 0237 3852 000';

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  server = await startTestServer({ ...slapdEnv(slapd), PASSWORD_HELP_URL: 'https://mail.tinh.gov.vn/doi-mat-khau', HELPDESK_CONTACT: HELPDESK });
  b = await launchChromium('my-account');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
  await slapd?.stop();
});

const TEXT = {
  vi: { title: 'Tài khoản của tôi', thisDevice: 'Thiết bị này', failed: 'Không thành công', notMe: 'Đây không phải tôi?', everywhere: 'Đăng xuất khỏi mọi nơi', done: 'Bạn đã đăng xuất khỏi mọi nơi', note: 'sửa ở hệ thống thư điện tử' },
  en: { title: 'My account', thisDevice: 'This device', failed: 'Failed', notMe: 'Wasn’t this you?', everywhere: 'Sign out everywhere', done: 'You are signed out everywhere', note: 'change them there' },
} as const;

/** Axe and a screenshot at both widths. */
async function checkBoth(page: Page, step: string) {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: width < 640 ? 812 : 900 });
    await b.check(page, `${step}-${width}`);
  }
}

test.each(['vi', 'en'] as const)('my account in %s: profile, this device, a failed attempt, and "this was not me"', async (locale) => {
  const t = TEXT[locale];
  const page = await (await b.context(locale)).newPage();
  await page.goto(`${server.issuer}/account`);
  // a wrong password first, then the right one
  await page.waitForSelector('#password');
  await page.fill('#login', P.lan.login);
  await page.fill('#password', 'not-the-password');
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForSelector('[role=alert]');
  await page.fill('#login', P.lan.login);
  await page.fill('#password', P.lan.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${server.issuer}/account`);
  await server.services.audit.flush();
  await page.reload();

  expect(await page.textContent('h1')).toBe(t.title);
  const profile = page.locator('section', { has: page.locator('#profile-title') });
  expect(await profile.textContent()).toContain(P.lan.cn);
  expect(await profile.textContent()).toContain(t.note);
  expect(await page.locator('.badge', { hasText: t.thisDevice }).count()).toBe(1);
  const activity = page.locator('section', { has: page.locator('#activity-title') });
  expect(await activity.locator('tbody tr', { hasText: t.failed }).count()).toBeGreaterThanOrEqual(1);
  expect(await activity.textContent()).toContain('Chrome');
  await checkBoth(page, `${locale}-account`);

  await page.getByRole('link', { name: t.notMe }).click();
  await page.waitForURL(`${server.issuer}/account/not-me`);
  expect(await page.textContent('main')).toContain(HELPDESK);
  await checkBoth(page, `${locale}-not-me`);
  await page.getByRole('button', { name: t.everywhere }).click();
  expect(await page.locator('[role=status]').first().textContent()).toContain(t.done);
  const lan = (await server.services.accounts.byLogin(P.lan.login))!;
  expect(await server.services.accounts.sessions(lan.id)).toHaveLength(0);
  await page.goto(`${server.issuer}/account`);
  await page.waitForSelector('#password');
}, 90_000);
