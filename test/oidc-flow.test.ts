/**
 * The protocol end to end: the real server on a loopback port, openid-client as the relying
 * party, a cookie-keeping browser posting the real forms. Runs on SQLite and on PostgreSQL
 * (TEST_DATABASE=postgresql).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { loginAndExchange, logoutReceiver, rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { allSettled, until } from './helpers/until.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
let server: TestServer;
let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
let web: { id: string; secret: string };
let accountId: string;
const REDIRECT = 'http://127.0.0.1:9/cb';
const AFTER_LOGOUT = 'http://127.0.0.1:9/bye';

beforeAll(async () => {
  server = await startTestServer();
  receiver = await logoutReceiver();
  const a = await server.services.accounts.addLocal({ login: 'Nguyen.Van.A', password: PASSWORD, displayName: 'Nguyễn Văn A', email: 'nva@tinh.gov.vn', phoneNumber: '+84912345678' });
  accountId = a.id;
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT], backchannelLogoutUri: receiver.url });
  web = { id: c.client.client_id, secret: c.clientSecret! };
});

afterAll(async () => {
  await receiver?.close();
  await server?.stop();
});

describe('discovery', () => {
  test('publishes the endpoints, S256 only, and the keys', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(server.issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.backchannel_logout_supported).toBe(true);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'phone', 'offline_access']));
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: { alg: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });
});

describe('authorization code with PKCE', () => {
  test('login form, consent, code exchange, ID token, userinfo', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer);
    const start = await startAuth(config, REDIRECT, 'openid profile email phone');
    const login = await browser.go(start.url.toString());
    expect(login.status).toBe(200);
    expect(login.html).toContain('Văn phòng điện tử');
    expect(login.html).toMatch(/<html lang="vi"/);
    // login is case-insensitive and NFC-normalised
    const consent = await submitLogin(browser, login.html, 'NGUYEN.VAN.A', PASSWORD);
    expect(consent.status).toBe(200);
    expect(consent.html).toContain('/confirm');
    const forms = consent.html.match(/<form[\s\S]*?<\/form>/gi)!;
    const allow = forms.find((f) => f.includes('/confirm"'))!;
    const done = await browser.go(/action="([^"]*)"/.exec(allow)![1]!, { form: { csrf: inputValue(allow, 'csrf')! } });
    expect(done.leftTo).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(accountId);
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe(web.id);
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()) as { alg: string };
    expect(header.alg).toBe('ES256');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, accountId);
    expect(info).toMatchObject({ sub: accountId, name: 'Nguyễn Văn A', preferred_username: 'nguyen.van.a', email: 'nva@tinh.gov.vn', phone_number: '+84912345678' });
  });

  test('consent is remembered per client and scope, across sessions', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    // first browser gives consent for openid profile
    await loginAndExchange(config, new Browser(server.issuer), REDIRECT, 'nguyen.van.a', PASSWORD, 'openid profile');
    // a new browser (new session): login form, then straight back to the app
    const b2 = new Browser(server.issuer);
    const start = await startAuth(config, REDIRECT, 'openid profile');
    const login = await b2.go(start.url.toString());
    const after = await submitLogin(b2, login.html, 'nguyen.van.a', PASSWORD);
    expect(after.leftTo).toMatch(/code=/);
    // asking for a new scope asks for consent again
    const start3 = await startAuth(config, REDIRECT, 'openid profile offline_access', { prompt: 'consent' });
    const page = await b2.go(start3.url.toString());
    expect(page.html).toContain('/confirm');
  });

  test('the login page offers "continue as" with a live session (prompt=select_account)', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer);
    await loginAndExchange(config, browser, REDIRECT, 'nguyen.van.a', PASSWORD, 'openid profile');
    const start = await startAuth(config, REDIRECT, 'openid profile', { prompt: 'select_account' });
    const page = await browser.go(start.url.toString());
    expect(page.html).toContain('Nguyễn Văn A');
    const cont = formAction(page.html, 'csrf');
    const continueForm = (page.html.match(/<form[\s\S]*?<\/form>/gi) ?? []).find((f) => f.includes('/continue"'))!;
    expect(cont).toBeDefined();
    const done = await browser.go(/action="([^"]*)"/.exec(continueForm)![1]!, { form: { csrf: inputValue(continueForm, 'csrf')! } });
    expect(done.leftTo).toMatch(/code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()!.sub).toBe(accountId);
  });

  test('a first-party client skips the consent page', async () => {
    const fp = await server.services.clients.add({ name: 'Cổng dịch vụ công', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    const config = await rpConfig(server.issuer, fp.client.client_id, fp.clientSecret);
    const browser = new Browser(server.issuer);
    const start = await startAuth(config, REDIRECT, 'openid profile email');
    const login = await browser.go(start.url.toString());
    const after = await submitLogin(browser, login.html, 'nguyen.van.a', PASSWORD);
    expect(after.leftTo).toMatch(/code=/);
  });

  test('a public (spa) client must use PKCE and has no secret', async () => {
    const spa = await server.services.clients.add({ name: 'Báo cáo', type: 'spa', redirectUris: ['http://localhost:5173/cb'] });
    expect(spa.clientSecret).toBeNull();
    const config = await rpConfig(server.issuer, spa.client.client_id, null);
    // without code_challenge: refused at the authorization endpoint
    const noPkce = oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://localhost:5173/cb', scope: 'openid', state: 's' });
    const res = await new Browser(server.issuer).go(noPkce.toString());
    expect(res.leftTo).toMatch(/error=invalid_request/);
    expect(decodeURIComponent(res.leftTo!.replace(/\+/g, " "))).toMatch(/requires PKCE/);
    const browser = new Browser(server.issuer);
    const { tokens } = await loginAndExchange(config, browser, 'http://localhost:5173/cb', 'nguyen.van.a', PASSWORD, 'openid');
    expect(tokens.claims()!.sub).toBe(accountId);
  });
});

describe('native applications (RFC 8252)', () => {
  test('a private-use scheme redirect and PKCE; consent is asked for a third-party native app', async () => {
    const nat = await server.services.clients.add({ name: 'Ứng dụng cán bộ', type: 'native', redirectUris: ['vn.gov.tinh.canbo:/oauth2/cb'] });
    expect(nat.clientSecret).toBeNull();
    const config = await rpConfig(server.issuer, nat.client.client_id, null);
    const browser = new Browser(server.issuer);
    const { tokens, callback } = await loginAndExchange(config, browser, 'vn.gov.tinh.canbo:/oauth2/cb', 'nguyen.van.a', PASSWORD, 'openid profile offline_access');
    expect(callback.startsWith('vn.gov.tinh.canbo:/oauth2/cb?')).toBe(true);
    expect(tokens.claims()!.sub).toBe(accountId);
    expect(tokens.refresh_token).toBeDefined();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeDefined();
  });
});

describe('tokens', () => {
  test('refresh rotates the refresh token; reusing the old one fails', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, 'nguyen.van.a', PASSWORD, 'openid profile offline_access');
    const rt1 = tokens.refresh_token!;
    expect(rt1).toBeDefined();
    const second = await oidc.refreshTokenGrant(config, rt1);
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(rt1);
    expect(second.access_token).not.toBe(tokens.access_token);
    await expect(oidc.refreshTokenGrant(config, rt1)).rejects.toMatchObject({ error: 'invalid_grant' });
    // reuse of a rotated token revokes the whole grant: the newest refresh token dies too
    await expect(oidc.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('introspection and revocation', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, 'nguyen.van.a', PASSWORD, 'openid profile');
    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: web.id, sub: accountId });
    await oidc.tokenRevocation(config, tokens.access_token);
    const after = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(after.active).toBe(false);
    await expect(oidc.fetchUserInfo(config, tokens.access_token, accountId)).rejects.toBeDefined();
  });

  test('client_credentials for a service client; a service may introspect others\' tokens', async () => {
    const svc = await server.services.clients.add({ name: 'Dịch vụ đồng bộ', type: 'service', redirectUris: [] });
    const config = await rpConfig(server.issuer, svc.client.client_id, svc.clientSecret);
    const cc = await oidc.clientCredentialsGrant(config);
    expect(cc.token_type.toLowerCase()).toBe('bearer');
    expect(cc.expires_in).toBeGreaterThan(0);
    const intro = await oidc.tokenIntrospection(config, cc.access_token);
    expect(intro).toMatchObject({ active: true, client_id: svc.client.client_id });
    // wrong secret: invalid_client
    const bad = await rpConfig(server.issuer, svc.client.client_id, 'x'.repeat(43));
    await expect(oidc.clientCredentialsGrant(bad)).rejects.toMatchObject({ status: 401, cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })] });
    // a rotated secret replaces the old one at once
    const fresh = await server.services.clients.rotateSecret(svc.client.client_id);
    await expect(oidc.clientCredentialsGrant(config)).rejects.toMatchObject({ status: 401 });
    await expect(oidc.clientCredentialsGrant(await rpConfig(server.issuer, svc.client.client_id, fresh))).resolves.toHaveProperty('access_token');
  });

  test('a disabled account gets no new tokens and its refresh fails', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const b = await server.services.accounts.addLocal({ login: 'tran.thi.b', password: PASSWORD, displayName: 'Trần Thị B' });
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, 'tran.thi.b', PASSWORD, 'openid profile offline_access');
    await server.services.accounts.setStatus('tran.thi.b', 'disabled');
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, b.id)).rejects.toBeDefined();
    // and the login form refuses it with the "disabled" message
    const browser = new Browser(server.issuer, 'en');
    const start = await startAuth(config, REDIRECT, 'openid');
    const login = await browser.go(start.url.toString());
    const refused = await submitLogin(browser, login.html, 'tran.thi.b', PASSWORD);
    expect(refused.status).toBe(403);
    expect(refused.leftTo).toBeUndefined();
  });
});

describe('logout', () => {
  test('RP-initiated logout ends the session and sends a valid back-channel logout token', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer);
    const { tokens } = await loginAndExchange(config, browser, REDIRECT, 'nguyen.van.a', PASSWORD, 'openid profile');
    const before = receiver.tokens.length;
    const endUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' });
    const confirm = await browser.go(endUrl.toString());
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('op.logoutForm');
    const action = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]*)"/.exec(confirm.html)?.[1] ?? /action="([^"]*)"[^>]*id="op.logoutForm"/.exec(confirm.html)?.[1];
    const xsrf = inputValue(confirm.html, 'xsrf')!;
    const done = await browser.go(action!, { form: { xsrf, logout: 'yes' } });
    expect(done.leftTo).toBe(`${AFTER_LOGOUT}?state=bye`);
    // logged and audited: who, from which address, with which browser, from which application
    const line = await until('the logout is logged', () => server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'logout.success' && l.client === web.id));
    expect(line).toMatchObject({ level: 'info', account: accountId, login: expect.stringMatching(/^nguyen\.van\.a$/i), ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: expect.any(String), outcome: 'success' });
    await server.host.settled();
    await server.services.audit.flush();
    const [ev] = await server.services.audit.list({ type: 'logout', limit: 1 });
    expect(ev).toMatchObject({ actor: line.login, subject: accountId, clientId: web.id });
    expect(JSON.parse(ev!.detail)).toEqual({ user_agent: line.userAgent });
    const received = await receiver.waitFor(before + 1);
    const logoutToken = received[received.length - 1]!;
    const { payload } = await jwtVerify(logoutToken, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: web.id });
    expect(payload.sub).toBe(accountId);
    expect(payload.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
    expect(payload.sid).toBe(decodeJwt(tokens.id_token!).sid);
    expect(payload.nonce).toBeUndefined();
    // the session is gone: the next authorization asks for the password again
    const start = await startAuth(config, REDIRECT, 'openid profile');
    const again = await browser.go(start.url.toString());
    expect(again.html).toContain('name="password"');
  });

  test('an application whose back-channel endpoint is down at logout gets its token when it answers again (the queue retries)', async () => {
    const flaky = await logoutReceiver({ failFirst: 1 });
    try {
      const c = await server.services.clients.add({ name: 'Một cửa điện tử', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT], backchannelLogoutUri: flaky.url });
      const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret!);
      const browser = new Browser(server.issuer);
      const { tokens } = await loginAndExchange(config, browser, REDIRECT, 'nguyen.van.a', PASSWORD, 'openid profile');
      const confirm = await browser.go(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT }).toString());
      const action = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]*)"/.exec(confirm.html)?.[1] ?? /action="([^"]*)"[^>]*id="op.logoutForm"/.exec(confirm.html)?.[1];
      const done = await browser.go(action!, { form: { xsrf: inputValue(confirm.html, 'xsrf')!, logout: 'yes' } });
      expect(done.leftTo).toBe(AFTER_LOGOUT);
      const [token] = await flaky.waitFor(1, 10_000);
      expect(flaky.refused).toBe(1);
      const { payload } = await jwtVerify(token!, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: c.client.client_id });
      expect(payload.sub).toBe(accountId);
      expect(payload.sid).toBe(decodeJwt(tokens.id_token!).sid);
      // the application has the token; its row is settled a moment later, by the loop that sent it
      const rows = await until('the delivery settled', async () => {
        const rs = (await server.services.deprovision.list({ accountId })).filter((r) => r.clientId === c.client.client_id);
        return allSettled(rs) ? rs : null;
      });
      expect(rows).toMatchObject([{ status: 'delivered', attempts: 2, reason: 'logout at the IdP' }]);
    } finally {
      await flaky.close();
    }
  });
});
