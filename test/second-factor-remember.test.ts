/**
 * MFA_REMEMBER_DEVICE: a browser where the person gave the code and ticked "remember" is not
 * asked again for ordinary applications (the session is then at the password's level), still is
 * when the level is asked, and is forgotten by a reset. Without the setting nothing is offered.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { generateSync } from 'otplib';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { deviceRemembered, rememberDevice } from '../src/second-factor/remembered-device.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
let server: TestServer;
let config: oidc.Configuration;

beforeAll(async () => {
  server = await startTestServer({ MFA_REMEMBER_DEVICE: '30d' });
  await server.services.accounts.addLocal({ login: 'hoa', password: PASSWORD, displayName: 'Hoa' });
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret!);
});
afterAll(async () => server?.stop());

const step = () => Math.floor(Date.now() / 30_000);

test('the cookie: signed, for one account and enrolment, until it expires', () => {
  const keys = ['k'.repeat(32), 'o'.repeat(32)];
  const v = rememberDevice(keys, { accountId: 'a', since: 5, exp: 100 });
  expect(deviceRemembered(keys, v, 'a', 5, 99)).toBe(true);
  expect(deviceRemembered([keys[1]!, keys[0]!], v, 'a', 5, 99)).toBe(true);
  expect(deviceRemembered(keys, v, 'a', 5, 100)).toBe(false);
  expect(deviceRemembered(keys, v, 'b', 5, 99)).toBe(false);
  expect(deviceRemembered(keys, v, 'a', 6, 99)).toBe(false);
  expect(deviceRemembered(['x'.repeat(32)], v, 'a', 5, 99)).toBe(false);
  expect(deviceRemembered(keys, `${v}x`, 'a', 5, 99)).toBe(false);
});

test('remembered for ordinary logins, asked when the level is asked, forgotten by a reset', async () => {
  const hoa = (await server.services.accounts.byLogin('hoa'))!;
  const setup = (await server.services.secondFactors.totpSetup(hoa))!;
  await server.services.secondFactors.confirmTotp(hoa, { code: generateSync({ secret: setup.secret, epoch: step() * 30 }) }, { duringLogin: false });
  const browser = new Browser(server.issuer, 'en');
  const login = async (extra: Record<string, string> = {}) => {
    const start = await startAuth(config, REDIRECT, 'openid', { prompt: 'login', ...extra });
    return { start, page: await submitLogin(browser, (await browser.go(start.url.toString())).html, 'hoa', PASSWORD) };
  };
  const first = await login();
  expect(first.page.html).toContain('name="remember"');
  const action = /action="([^"]*\/second-factor)"/.exec(first.page.html)![1]!;
  const done = await browser.go(action, { form: { csrf: inputValue(first.page.html, 'csrf')!, code: generateSync({ secret: setup.secret, epoch: (step() + 1) * 30 }), remember: '1' } });
  expect(done.leftTo).toBeDefined();
  expect(browser.cookieNames()).toContain('sso_mfa_device');
  // the password again: no code asked; the session is at the password's level
  const second = await login();
  expect(second.page.leftTo).toBeDefined();
  const tokens = await oidc.authorizationCodeGrant(config, new URL(second.page.leftTo!), { pkceCodeVerifier: second.start.verifier, expectedState: second.start.state, expectedNonce: second.start.nonce });
  expect(tokens.claims()).toMatchObject({ acr: 'urn:sso:acr:pwd', amr: ['pwd'] });
  // an application asking for the level gets the code asked, whatever the browser
  expect((await server.services.secondFactors.status(hoa.id)).totp).toBe('confirmed');
  const asked = await login({ acr_values: 'urn:sso:acr:mfa' });
  expect(asked.page.html).toContain('autocomplete="one-time-code"');
  expect(asked.page.html).not.toContain('name="remember"');
  // a reset and a new enrolment forget every remembered browser
  await server.services.secondFactors.reset(hoa, 'test');
  const again = (await server.services.secondFactors.totpSetup(hoa))!;
  const re = await server.services.secondFactors.confirmTotp(hoa, { code: generateSync({ secret: again.secret, epoch: step() * 30 }) }, { duringLogin: false });
  expect(re.kind).toBe('enrolled');
  const third = await login();
  expect(third.page.html).toContain('autocomplete="one-time-code"');
});
