/**
 * Security keys and passkeys in Chromium with the DevTools virtual authenticator (CDP
 * WebAuthn.enable / addVirtualAuthenticator), against the real server on `localhost` (an IP
 * address cannot be an RP ID), WEBAUTHN_PASSWORDLESS=true: a person registers a security key
 * (usb) and a passkey (internal) with names on "My account", removes the key after the
 * confirmation, signs in with the passkey alone (openid-client takes the tokens; the session holds amr [swk, mfa]), and
 * the removed key and a cloned passkey (its counter going backwards) are refused and audited.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { CDPSession, Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, type TestBrowser } from '../helpers/browser-chromium.js';
import { rpConfig, startAuth } from '../helpers/rp.js';
import { withMethod } from '../../src/domain/authn-level.js';

let server: TestServer;
let b: TestBrowser;
const PERSON = { login: 'thuhn', password: 'mat-khau-rat-dai-2026', displayName: 'Hoàng Ngọc Thu' };
const REDIRECT = 'http://localhost:9/cb';

beforeAll(async () => {
  server = await startTestServer({ WEBAUTHN_PASSWORDLESS: 'true' }, { issuerHost: 'localhost' });
  await server.services.accounts.addLocal(PERSON);
  b = await launchChromium('webauthn');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await server?.stop();
});

type Credential = { credentialId: string; isResidentCredential: boolean; rpId?: string; privateKey: string; userHandle?: string; signCount: number };

async function authenticator(page: Page, transport: 'usb' | 'internal', credentials: Credential[] = []): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId: id } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  for (const c of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId: id, credential: c });
  return { cdp, id };
}

async function credentialsOf(a: { cdp: CDPSession; id: string }): Promise<Credential[]> {
  return (await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.id })).credentials as Credential[];
}

async function register(page: Page, name: string) {
  await page.fill('#key-name', name);
  await page.click('button[data-webauthn="register"]');
  await page.locator('table tbody tr', { hasText: name }).waitFor();
  expect(await page.textContent('[role=status]')).toContain('Đã đăng ký khóa mới');
}

/** An authorization request through openid-client, answered with the passkey; the callback URL, or null when the login page refused. */
async function passkeyLogin(page: Page, config: oidc.Configuration, step?: string) {
  const start = await startAuth(config, REDIRECT, 'openid profile');
  const callback = page.waitForRequest((r) => r.url().startsWith(REDIRECT), { timeout: 15_000 }).then((r) => r.url()).catch(() => null);
  await page.goto(start.url.href);
  await page.getByRole('button', { name: 'Đăng nhập bằng passkey' }).waitFor();
  if (step) await b.check(page, step);
  await page.click('button[data-webauthn="authenticate"]');
  const refused = page.waitForSelector('[role=alert]#login-error', { timeout: 15_000 }).then(() => null).catch(() => null);
  const url = await Promise.race([callback, refused]);
  return { start, url };
}

test('register a key and a passkey, remove the key, passkey sign-in; removed and cloned ones refused', async () => {
  const issuer = server.issuer;
  expect(issuer).toMatch(/^http:\/\/localhost:/);
  const { client, clientSecret } = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true });

  // My account, signed in with the password
  const page = await (await b.context('vi')).newPage();
  await page.goto(`${issuer}/account/security-keys`);
  await page.fill('#login', PERSON.login);
  await page.fill('#password', PERSON.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${issuer}/account/security-keys`);
  expect(await page.textContent('h1')).toBe('Khóa bảo mật và passkey');

  const usb = await authenticator(page, 'usb');
  await register(page, 'Khóa USB màu xanh');
  const usbCredentials = await credentialsOf(usb);
  await usb.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: usb.id });
  const phone = await authenticator(page, 'internal');
  await register(page, 'Điện thoại');
  const phoneAtRegistration = await credentialsOf(phone);
  // renamed: the page asks for the new name, an empty one is asked again
  await page.click('a[aria-label="Đổi tên: Điện thoại"]');
  await page.fill('#key-name', '   ');
  await page.locator('#key-name').evaluate((el) => el.removeAttribute('required'));
  await page.click('form button[type=submit].button--primary');
  expect(await page.textContent('[role=alert]')).toContain('Hãy đặt tên cho khóa');
  await page.fill('#key-name', 'Điện thoại của tôi');
  await page.click('form button[type=submit].button--primary');
  await page.waitForURL(`${server.issuer}/account/security-keys?done=renamed`);
  const rows = page.locator('table tbody tr');
  expect(await rows.count()).toBe(2);
  expect(await page.textContent('table')).toContain('Khóa bảo mật');
  await b.check(page, 'vi-security-keys');

  // remove the USB key, after the confirmation
  await page.click('a[aria-label="Xóa: Khóa USB màu xanh"]');
  expect(await page.textContent('main')).toContain('Khóa USB màu xanh');
  await page.click('form button[type=submit].button--danger');
  await page.waitForURL(`${issuer}/account/security-keys?done=removed`);
  expect(await page.textContent('[role=status]')).toContain('Đã xóa khóa');
  expect(await rows.count()).toBe(1);
  expect(await page.textContent('table')).toContain('Điện thoại của tôi');

  // every enrolment and the removal audited with the person as subject, and shown among the recent activity
  await server.services.audit.flush();
  await page.goto(`${issuer}/account`);
  const activity = page.locator('section', { has: page.locator('#activity-title') });
  expect(await activity.textContent()).toContain('Đăng ký khóa "Khóa USB màu xanh"');
  expect(await activity.textContent()).toContain('Xóa khóa "Khóa USB màu xanh"');
  await page.getByRole('link', { name: 'Khóa bảo mật và passkey' }).click();
  await page.waitForURL(`${issuer}/account/security-keys`);
  const account = (await server.services.accounts.byLogin(PERSON.login))!;
  const trail = await server.services.db.prisma.auditEvent.findMany({ where: { subject: account.id, type: { startsWith: 'webauthn.' } }, orderBy: { seq: 'asc' } });
  expect(trail.map((e) => e.type)).toEqual(['webauthn.registered', 'webauthn.registered', 'webauthn.renamed', 'webauthn.removed']);
  expect(JSON.parse(trail[0]!.detail)).toMatchObject({ name: 'Khóa USB màu xanh', method: 'hwk' });
  expect(JSON.parse(trail[1]!.detail)).toMatchObject({ name: 'Điện thoại', method: 'swk' });
  expect(JSON.parse(trail[2]!.detail)).toMatchObject({ name: 'Điện thoại của tôi', previous: 'Điện thoại' });

  // the passkey alone signs in; the ID token says swk + mfa
  const config = await rpConfig(issuer, client.client_id, clientSecret);
  const other = await (await b.context('vi')).newPage();
  await authenticator(other, 'internal', await credentialsOf(phone));
  const ok = await passkeyLogin(other, config, 'vi-login-passkey');
  expect(ok.url).not.toBeNull();
  const tokens = await oidc.authorizationCodeGrant(config, new URL(ok.url!), { pkceCodeVerifier: ok.start.verifier, expectedState: ok.start.state, expectedNonce: ok.start.nonce });
  expect(tokens.claims()?.sub).toBe(account.id);
  // the ID token and the session say amr [swk, mfa] and acr mfa
  expect(tokens.claims()).toMatchObject({ amr: ['swk', 'mfa'], acr: 'urn:sso:acr:mfa' });
  const sessions = await server.services.db.prisma.oidcPayload.findMany({ where: { type: 'Session' } });
  expect(sessions.some((x) => x.payload.includes('"amr":["swk","mfa"]') && x.payload.includes('"acr":"urn:sso:acr:mfa"'))).toBe(true);

  // the removed key is refused
  const removed = await (await b.context('vi')).newPage();
  await authenticator(removed, 'usb', usbCredentials);
  expect((await passkeyLogin(removed, config)).url).toBeNull();
  expect(await removed.textContent('#login-error')).toContain('Không đăng nhập được bằng passkey này');

  // a clone of the passkey as it was at registration: its counter is behind the one stored
  const stored = await server.services.webauthn.list(account.id);
  expect(stored[0]!.lastUsedAt).not.toBeNull();
  const clone = await (await b.context('vi')).newPage();
  await authenticator(clone, 'internal', phoneAtRegistration);
  const cloned = await passkeyLogin(clone, config);
  await server.services.audit.flush();
  const refusals = await server.services.db.prisma.auditEvent.findMany({ where: { type: 'webauthn.refused' }, orderBy: { seq: 'asc' } });
  expect(refusals[0]?.outcome).toBe('unknown_authenticator');
  // Chromium's virtual authenticator counts (1 at registration): the clone's next count is one the server has seen
  expect(phoneAtRegistration[0]!.signCount).toBeGreaterThan(0);
  expect(cloned.url).toBeNull();
  expect(refusals.map((e) => e.outcome)).toEqual(['unknown_authenticator', 'counter_regressed']);
  expect(refusals[1]!.subject).toBe(account.id);

  // the second factor's API (the lead's second-factor page): options for the account, the browser's
  // answer through @simplewebauthn/browser on a page of the issuer, then the verification
  const webauthn = server.services.webauthn;
  // the copy of the passkey that signed in last (the one left on the first page is now behind: a clone)
  // (signed in by the passkey, so My account opens without a password)
  await other.goto(`${issuer}/account/security-keys`);
  await other.locator('button[data-webauthn="register"]').waitFor();
  const answer = async (options: unknown) => other.evaluate(async (o) => {
    const lib = (globalThis as unknown as { SimpleWebAuthnBrowser: { startAuthentication(x: unknown): Promise<unknown> } }).SimpleWebAuthnBrowser;
    return lib.startAuthentication({ optionsJSON: o });
  }, options) as never;
  const second = await webauthn.authenticationOptions(account.id);
  expect(second.options.userVerification).toBe('preferred');
  expect(second.options.rpId).toBe('localhost');
  expect(second.options.allowCredentials).toHaveLength(1);
  const response = await answer(second.options);
  const verified = await webauthn.verifyAuthentication(account.id, second.challengeId, response);
  expect(verified).toMatchObject({ ok: true, method: 'swk', uv: true, name: 'Điện thoại của tôi' });
  expect(withMethod(['pwd'], 'swk', { uv: true })).toEqual(['pwd', 'swk', 'mfa']);
  // the same answer again: its challenge was taken
  expect(await webauthn.verifyAuthentication(account.id, second.challengeId, response)).toEqual({ ok: false, reason: 'no_challenge' });
  // another person's challenge, or the key offered as someone else's
  const stranger = await server.services.accounts.addLocal({ login: 'khacnv', password: 'mat-khau-khac-dai-2026', displayName: 'Người Khác' });
  const theirs = await webauthn.authenticationOptions(stranger.id);
  const withMine = await answer({ ...theirs.options, allowCredentials: second.options.allowCredentials });
  expect(await webauthn.verifyAuthentication(stranger.id, theirs.challengeId, withMine)).toEqual({ ok: false, reason: 'not_yours' });
}, 90_000);

test.each([
  ['vi', 'Đăng nhập bằng passkey', 'Thao tác đã bị hủy hoặc hết thời gian'],
  ['en', 'Sign in with a passkey', 'The request was cancelled or timed out'],
] as const)('in %s, a passkey prompt that finds no key says so in words, and the password form stays', async (locale, button, said) => {
  const { client, clientSecret } = await server.services.clients.add({ name: `Ứng dụng ${locale}`, type: 'web', redirectUris: [REDIRECT], firstParty: true });
  const config = await rpConfig(server.issuer, client.client_id, clientSecret);
  const page = await (await b.context(locale)).newPage();
  await authenticator(page, 'internal');
  const start = await startAuth(config, REDIRECT, 'openid');
  await page.goto(start.url.href);
  await page.getByRole('button', { name: button }).click();
  await page.locator('[data-webauthn-status]', { hasText: said }).waitFor();
  expect(await page.locator('#password').isVisible()).toBe(true);
  await b.check(page, `${locale}-login-passkey-cancelled`);
}, 60_000);
