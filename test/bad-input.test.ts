/**
 * Hostile and broken input: each gets a clear protocol error or a readable page, never a 500,
 * never a stack trace, and loses nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitConsent, submitLogin } from './helpers/rp.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
let server: TestServer;
let web: { id: string; secret: string };

beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: 'le.van.c', password: PASSWORD, displayName: 'Lê Văn C' });
  const c = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] });
  web = { id: c.client.client_id, secret: c.clientSecret! };
});
afterAll(async () => server?.stop());

function expectNoLeak(html: string) {
  expect(html).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames
  expect(html).not.toMatch(/node_modules|prisma|SELECT /i);
}

async function authPage(browser: Browser, config: oidc.Configuration) {
  const start = await startAuth(config, REDIRECT, 'openid profile');
  const page = await browser.go(start.url.toString());
  return { start, page };
}

describe('authorization endpoint', () => {
  test.each([
    ['missing client_id', '/auth?response_type=code&scope=openid&redirect_uri=' + encodeURIComponent(REDIRECT)],
    ['unknown client', '/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=' + encodeURIComponent(REDIRECT)],
    ['duplicated parameter', '/auth?client_id=a&client_id=b&response_type=code&scope=openid'],
    ['oversized client_id', `/auth?client_id=${'x'.repeat(5000)}&response_type=code&scope=openid`],
  ])('%s: a readable 400 page, no redirect', async (_name, path) => {
    const res = await new Browser(server.issuer).go(path);
    expect(res.leftTo).toBeUndefined();
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.html).toMatch(/<html lang="vi"/);
    expectNoLeak(res.html);
  });

  test('an unregistered redirect_uri is refused on a page, never redirected to', async () => {
    const url = `/auth?client_id=${web.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    const res = await new Browser(server.issuer).go(url);
    expect(res.leftTo).toBeUndefined();
    expect(res.status).toBe(400);
    expect(res.html).toContain('redirect_uri');
    // a sentence in Vietnamese, the code for the helpdesk, never oidc-provider's English description
    expect(res.html).toContain('Địa chỉ quay về mà ứng dụng yêu cầu không nằm trong danh sách đã đăng ký');
    expect(res.html).toContain('Mã lỗi: invalid_redirect_uri');
    expect(res.html).not.toContain('did not match');
  });

  test('an unknown client or an expired interaction: a Vietnamese sentence and the code, no English description', async () => {
    const unknown = await new Browser(server.issuer).go(`/auth?client_id=khong-ton-tai&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('Ứng dụng này chưa được đăng ký với hệ thống đăng nhập một lần');
    expect(unknown.html).toContain('Mã lỗi: invalid_client');
    expect(unknown.html).not.toMatch(/client is invalid|not found/i);
    const resume = await new Browser(server.issuer).go('/auth/khong-ton-tai');
    expect(resume.status).toBe(400);
    expect(resume.html).toContain('Trang đăng nhập đã hết hạn');
    expect(resume.html).toContain('Mã lỗi: invalid_request');
    expect(resume.html).not.toContain('interaction session');
  });

  test('a redirect_uri differing only by a trailing slash or query is refused (exact match)', async () => {
    for (const uri of [`${REDIRECT}/`, `${REDIRECT}?x=1`, REDIRECT.toUpperCase()]) {
      const url = `/auth?client_id=${web.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(uri)}`;
      const res = await new Browser(server.issuer).go(url);
      expect(res.leftTo).toBeUndefined();
      expect(res.status).toBe(400);
    }
  });

  test('unsupported response_type and plain PKCE are protocol errors sent back to the client', async () => {
    const base = `/auth?client_id=${web.id}&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s`;
    const token = await new Browser(server.issuer).go(`${base}&response_type=token`);
    expect(token.leftTo ?? '').toMatch(/error=unsupported_response_type/);
    const plain = await new Browser(server.issuer).go(`${base}&response_type=code&code_challenge=${'a'.repeat(43)}&code_challenge_method=plain`);
    expect(plain.leftTo ?? '').toMatch(/error=invalid_request/);
  });
});

describe('login form', () => {
  test('missing or wrong CSRF token: 403 page, nothing logged in', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer);
    const { page } = await authPage(browser, config);
    const action = /action="([^"]*\/login)"/.exec(page.html)![1]!;
    const none = await browser.go(action, { form: { login: 'le.van.c', password: PASSWORD } });
    expect(none.status).toBe(403);
    expect(none.leftTo).toBeUndefined();
    expectNoLeak(none.html);
    const wrong = await browser.go(action, { form: { csrf: 'A'.repeat(43), login: 'le.van.c', password: PASSWORD } });
    expect(wrong.status).toBe(403);
    // a token from another browser (another nonce cookie) does not work either
    const other = new Browser(server.issuer);
    const { page: otherPage } = await authPage(other, config);
    const foreign = await browser.go(action, { form: { csrf: inputValue(otherPage.html, 'csrf')!, login: 'le.van.c', password: PASSWORD } });
    expect(foreign.status).toBe(403);
    // the interaction is still usable with the right token
    const ok = await submitLogin(browser, page.html, 'le.van.c', PASSWORD);
    expect(ok.status === 200 || ok.leftTo !== undefined).toBe(true);
  });

  test('wrong password and unknown user get the same message; status 401; the form is kept', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer);
    const { page } = await authPage(browser, config);
    const wrong = await submitLogin(browser, page.html, 'le.van.c', 'not-the-password');
    const unknown = await submitLogin(browser, wrong.html, 'khong.ton.tai', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const msg = (html: string) => /role="alert"[^>]*>([\s\S]*?)<\//.exec(html)?.[1]?.trim();
    expect(msg(wrong.html)).toBeTruthy();
    expect(msg(wrong.html)).toBe(msg(unknown.html));
    expect(unknown.html).toContain('value="khong.ton.tai"');
    // and the logs tell them apart, without the password
    const lines = server.logs.filter((l) => l.includes('login.failure'));
    expect(lines.some((l) => l.includes('wrong password'))).toBe(true);
    expect(lines.some((l) => l.includes('unknown login'))).toBe(true);
    expect(server.logs.join('\n')).not.toContain('not-the-password');
  });

  test('oversized, repeated and empty fields: 400 with the form, no 500', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer);
    const { page } = await authPage(browser, config);
    const action = /action="([^"]*\/login)"/.exec(page.html)![1]!;
    const csrf = inputValue(page.html, 'csrf')!;
    const long = await browser.go(action, { form: { csrf, login: 'a'.repeat(300), password: PASSWORD } });
    expect(long.status).toBe(400);
    const empty = await browser.go(action, { form: { csrf, login: 'le.van.c', password: '' } });
    expect(empty.status).toBe(400);
    const nul = await browser.go(action, { form: { csrf, login: 'le.van.c\u0000', password: PASSWORD } });
    expect(nul.status).toBe(401);
    const repeated = await browser.request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(repeated.status).toBeLessThan(500);
    const huge = await fetch(new URL(action, server.issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `login=${'a'.repeat(20000)}` });
    expect(huge.status).toBe(413);
    expectNoLeak(await huge.text());
  });

  test('an unknown or expired interaction gets the "start again" page', async () => {
    const res = await new Browser(server.issuer).go('/interaction/does-not-exist');
    expect(res.status).toBe(400);
    expect(res.html).toMatch(/<html lang="vi"/);
    expectNoLeak(res.html);
    const post = await new Browser(server.issuer).go('/interaction/does-not-exist/login', { form: { login: 'x', password: 'y' } });
    expect(post.status).toBe(400);
  });

  test('English by Accept-Language, by the switch link, and the choice is remembered', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const en = new Browser(server.issuer, 'en-US,en;q=0.9');
    const { page } = await authPage(en, config);
    expect(page.html).toMatch(/<html lang="en"/);
    const vi = new Browser(server.issuer, 'vi-VN');
    const { page: viPage } = await authPage(vi, config);
    expect(viPage.html).toMatch(/<html lang="vi"/);
    const switchLink = /href="([^"]*\?lang=en)"/.exec(viPage.html)![1]!.replace(/&amp;/g, '&');
    const switched = await vi.go(new URL(switchLink, viPage.url).toString());
    expect(switched.html).toMatch(/<html lang="en"/);
    const { page: later } = await authPage(vi, config);
    expect(later.html).toMatch(/<html lang="en"/);
  });

  test('pages carry a strict CSP without inline script, and no-store', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const { page } = await authPage(new Browser(server.issuer), config);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toContain('no-store');
    expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)/i);
  });
});

describe('token endpoint', () => {
  async function codeFor(config: oidc.Configuration) {
    const browser = new Browser(server.issuer);
    const start = await startAuth(config, REDIRECT, 'openid');
    let page = await browser.go(start.url.toString());
    page = await submitLogin(browser, page.html, 'le.van.c', PASSWORD);
    if (!page.leftTo) page = await submitConsent(browser, page.html);
    return { start, callback: new URL(page.leftTo!) };
  }

  test('a replayed code is refused', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const { start, callback } = await codeFor(config);
    await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    await expect(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a wrong PKCE verifier is refused', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const { start, callback } = await codeFor(config);
    await expect(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: start.state, expectedNonce: start.nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test.each([
    ['no grant_type', ''],
    ['unknown grant_type', 'grant_type=password&username=a&password=b'],
    ['garbage code', 'grant_type=authorization_code&code=x&redirect_uri=' + encodeURIComponent(REDIRECT)],
    ['repeated parameter', 'grant_type=client_credentials&grant_type=client_credentials'],
  ])('%s: a JSON protocol error, 4xx', async (_name, body) => {
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${web.id}:${web.secret}`).toString('base64')}` },
      body,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const json = (await res.json()) as { error: string };
    expect(typeof json.error).toBe('string');
  });

  test('unknown client and malformed Basic header: invalid_client / invalid_request', async () => {
    const unknown = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('nobody:secret').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: string }).error).toBe('invalid_client');
    const malformed = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic %%%' },
      body: 'grant_type=client_credentials',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe('invalid_request');
  });

  test('userinfo with a garbage token: 401 invalid_token', async () => {
    const res = await fetch(`${server.issuer}/me`, { headers: { authorization: 'Bearer garbage' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });
});

describe('afterwards', () => {
test('no response of this file was a 500 and no secret reached the logs', () => {
  const all = server.logs.join('\n');
  expect(all).not.toMatch(/"level":"(error|fatal)"/);
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toContain(web.secret);
});
});
