/**
 * In Chromium, against the real server: the second-factor pages as a person sees them. The
 * enrolment page during the login (QR code drawn, the key and otpauth:// address as text, the
 * code field numeric with one-time-code autocomplete), otplib typing the code as the phone would,
 * the recovery codes shown once, then the code page at the next login; each page passes axe.
 * Screenshots in test-results/screenshots.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { generateSync } from 'otplib';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PERSON = { login: 'nguyen.thi.lan', password: 'mat-khau-cua-lan-2024' };

let b: TestBrowser;
let server: TestServer;
let clientId: string;
beforeAll(async () => {
  b = await launchChromium('second-factor');
  server = await startTestServer({ LOGIN_FAILURE_FLOOR_MS: '0' });
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true, requireMfa: true });
  clientId = c.client.client_id;
  await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: 'Nguyễn Thị Lan' });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await b?.close();
});

const step = () => Math.floor(Date.now() / 30_000);

test('enrolment during the login, the recovery codes, then the code at the next login', async () => {
  const ctx = await b.context('vi');
  await ctx.route('http://127.0.0.1:9/**', (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'application' }));
  const page = await ctx.newPage();
  const q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  const open = async () => {
    await page.goto(`${server.issuer}/auth?${q}`);
    await page.fill('#login', PERSON.login);
    await page.fill('#password', PERSON.password);
    await page.click('form[action$="/login"] button[type=submit]');
  };
  await open();
  await page.waitForSelector('#totp-secret');
  expect(await page.locator('img.qr').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  expect(await page.getAttribute('#code', 'inputmode')).toBe('numeric');
  expect(await page.getAttribute('#code', 'autocomplete')).toBe('one-time-code');
  expect(await page.textContent('#totp-uri')).toMatch(/^otpauth:\/\/totp\//);
  await b.check(page, 'enrol');
  const secret = (await page.textContent('#totp-secret'))!.replace(/\s/g, '');
  await page.fill('#code', generateSync({ secret, epoch: step() * 30 }));
  await page.click('form[action$="/second-factor/enrol"] button[type=submit]');
  await page.waitForSelector('#recovery-codes');
  expect(await page.locator('#recovery-codes li').count()).toBe(10);
  await b.check(page, 'recovery-codes');
  await page.click('form[action$="/second-factor/continue"] button[type=submit]');
  await page.waitForURL(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);

  // the next login (a new browser) asks the code
  await ctx.clearCookies();
  await open();
  await page.waitForSelector('#code');
  await b.check(page, 'code');
  await page.fill('#code', generateSync({ secret, epoch: (step() + 1) * 30 }));
  await page.click('form[action$="/second-factor"] button[type=submit]');
  await page.waitForURL(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  await ctx.close();
});
