/**
 * A security key as the second factor, in Chromium with the DevTools virtual authenticator, on
 * `localhost`: a person with a key and no authenticator app is asked the key after the password
 * (the code form is not shown), the key signs them in with amr [pwd, hwk, mfa] in the ID token
 * (openid-client), and an application asking for urn:sso:acr:mfa in a live password-only session
 * gets the key asked again without the password (step-up).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';
import { rpConfig, startAuth } from '../helpers/rp.js';
import { ACR_MFA, ACR_PWD } from '../../src/domain/authn-level.js';
import { until } from '../helpers/until.js';

let server: TestServer;
let b: TestBrowser;
const PERSON = { login: 'lanpt', password: 'mat-khau-rat-dai-2026', displayName: 'Phạm Thị Lan' };
const REDIRECT = 'http://localhost:9/cb';

beforeAll(async () => {
  server = await startTestServer({}, { issuerHost: 'localhost' });
  await server.services.accounts.addLocal(PERSON);
  b = await launchChromium('second-factor-key');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
});

async function usbKey(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}

/** Sends the page through an authorization request and waits for the callback (or for `step` to be shown). */
async function authorize(page: Page, config: oidc.Configuration, extra: Record<string, string> = {}) {
  const start = await startAuth(config, REDIRECT, 'openid profile', extra);
  // the callback's port (9) is one browsers refuse: the request is seen, then the browser lands on
  // its error page; the test goes on only once it has, so its next navigation is not cut short
  const callback = page.waitForRequest((r) => r.url().startsWith(REDIRECT), { timeout: 30_000 }).then(async (r) => {
    await until('the browser on its error page for the callback', () => (page.url().startsWith('chrome-error:') ? true : null), 30_000, 20);
    return r.url();
  });
  await page.goto(start.url.href);
  return { start, callback };
}

test('a security key as the second factor after the password, and as the step-up in a live session', async () => {
  const issuer = server.issuer;
  const { client, clientSecret } = await server.services.clients.add({ name: 'Quản lý văn bản', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  const config = await rpConfig(issuer, client.client_id, clientSecret);
  const page = await (await b.context('vi')).newPage();
  await usbKey(page);

  // the first sign-in: the password alone (nothing enrolled yet), acr pwd
  const first = await authorize(page, config);
  await page.fill('#login', PERSON.login);
  await page.fill('#password', PERSON.password);
  await page.click('form[action$="/login"] button[type=submit]');
  const t1 = await oidc.authorizationCodeGrant(config, new URL(await first.callback), { pkceCodeVerifier: first.start.verifier, expectedState: first.start.state, expectedNonce: first.start.nonce });
  expect(t1.claims()).toMatchObject({ amr: ['pwd'], acr: ACR_PWD });

  // a key registered on My account (the same session)
  await page.goto(`${issuer}/account/security-keys`);
  await page.fill('#key-name', 'Khóa USB');
  await page.click('button[data-webauthn="register"]');
  await page.locator('table tbody tr', { hasText: 'Khóa USB' }).waitFor();

  // the application asks for mfa: the live session (password only) is asked the key, not the password
  const up = await authorize(page, config, { acr_values: ACR_MFA });
  await page.locator('button[data-webauthn="authenticate"]').waitFor({ state: 'visible' });
  expect(await page.locator('#code').count()).toBe(0);
  expect(await page.locator('#password').count()).toBe(0);
  await b.check(page, 'vi-second-factor-key');
  await page.click('button[data-webauthn="authenticate"]');
  const t2 = await oidc.authorizationCodeGrant(config, new URL(await up.callback), { pkceCodeVerifier: up.start.verifier, expectedState: up.start.state, expectedNonce: up.start.nonce });
  expect(t2.claims()).toMatchObject({ amr: ['pwd', 'hwk', 'mfa'], acr: ACR_MFA });

  // a new browser: the password, then the key (the person has one), never the code form
  const other = await (await b.context('vi')).newPage();
  await usbKey(other);
  const fresh = await authorize(other, config);
  await other.fill('#login', PERSON.login);
  await other.fill('#password', PERSON.password);
  await other.click('form[action$="/login"] button[type=submit]');
  await other.locator('button[data-webauthn="authenticate"]').waitFor({ state: 'visible' });
  expect(await other.locator('#code').count()).toBe(0);
  // this browser's authenticator holds no credential of the person's: the page says so, in words, and stays
  await other.click('button[data-webauthn="authenticate"]');
  const refusal = other.locator('[data-webauthn-status]:not([hidden]), .alert.error').first();
  await refusal.waitFor();
  expect((await refusal.textContent())?.trim()).toMatch(/thử lại|hủy|Không/);
  expect(other.url()).toContain('/interaction/');
  void fresh.callback.catch(() => undefined);
});
