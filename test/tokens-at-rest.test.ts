/**
 * No usable token at rest: after a full login, the code exchange, a refresh, a client-credentials
 * grant and a sign-in to My account on the real server, none of the values issued (codes, access
 * and refresh tokens, session and interaction cookies, interaction ids) is anywhere in the
 * database: the raw bytes of the SQLite file and its WAL, or every text column on PostgreSQL.
 * And everything still works on the stored digests: introspection, userinfo, refresh, revocation,
 * RP-initiated logout with its back-channel logout token, My account ending a session.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { logoutReceiver, rpConfig, startAuth, submitConsent, submitLogin } from './helpers/rp.js';
import { foundAtRest } from './helpers/at-rest.js';
import { until } from './helpers/until.js';

const PASSWORD = 'mật-khẩu-rất-dài-456';
const LOGIN = 'pham.thi.c';
const REDIRECT = 'http://127.0.0.1:9/cb';
const AFTER_LOGOUT = 'http://127.0.0.1:9/bye';

let server: TestServer;
let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
let web: { id: string; secret: string };
let service: { id: string; secret: string };
let accountId: string;
/** Every value issued on the way that is a key to something. */
const issued = new Set<string>();

function keep(...values: (string | undefined | null)[]) {
  for (const v of values) if (v && v.length >= 16) issued.add(v);
}

/** Keeps the browser's cookie values and the interaction id of a page at /interaction/<uid>. */
function keepBrowser(browser: Browser, ...urls: string[]) {
  keep(...browser.cookieValues().map((v) => decodeURIComponent(v)));
  for (const u of urls) keep(/\/interaction\/([^/?#]+)/.exec(u)?.[1]);
}

beforeAll(async () => {
  server = await startTestServer();
  receiver = await logoutReceiver();
  accountId = (await server.services.accounts.addLocal({ login: LOGIN, password: PASSWORD, displayName: 'Phạm Thị C' })).id;
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT], backchannelLogoutUri: receiver.url });
  web = { id: c.client.client_id, secret: c.clientSecret! };
  const s = await server.services.clients.add({ name: 'Dịch vụ tra cứu', type: 'service', redirectUris: [] });
  service = { id: s.client.client_id, secret: s.clientSecret! };
});

afterAll(async () => {
  await receiver?.close();
  await server?.stop();
});

/** A login to the web application in `browser` (consent, offline_access), every value kept. */
async function login(browser: Browser, config: oidc.Configuration) {
  const start = await startAuth(config, REDIRECT, 'openid profile offline_access', { prompt: 'consent' });
  const form = await browser.go(start.url.toString());
  keepBrowser(browser, form.url);
  let page = await submitLogin(browser, form.html, LOGIN, PASSWORD);
  keepBrowser(browser, page.url);
  if (!page.leftTo) page = await submitConsent(browser, page.html);
  keepBrowser(browser, page.url);
  const code = new URL(page.leftTo!).searchParams.get('code');
  keep(code);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  keep(tokens.access_token, tokens.refresh_token);
  return tokens;
}

/** Signs in to My account in a browser of its own, as a person does. */
async function myAccount() {
  const browser = new Browser(server.issuer, 'en');
  const first = await browser.request('/account');
  const form = await browser.go(first.headers.get('location')!);
  keepBrowser(browser, form.url);
  const page = await submitLogin(browser, form.html, LOGIN, PASSWORD);
  keepBrowser(browser, page.url);
  expect(page.status).toBe(200);
  expect(page.html).toContain('Phạm Thị C');
  return { browser, page };
}

async function expectNothingAtRest() {
  expect(issued.size).toBeGreaterThan(10);
  expect(await foundAtRest(server.config.databaseUrl, [...issued])).toEqual([]);
  // the search itself finds what is there: the account id and the application's name are
  expect((await foundAtRest(server.config.databaseUrl, [accountId, web.id])).map((f) => f.value)).toEqual(expect.arrayContaining([accountId, web.id]));
}

describe('tokens at rest', () => {
  let browser: Browser;
  let config: oidc.Configuration;
  let refreshToken: string;
  let accessToken: string;
  let idToken: string;
  let ccToken: string;
  let account: Awaited<ReturnType<typeof myAccount>>;

  test('login, code exchange, refresh, client credentials, My account: no issued value is stored', async () => {
    config = await rpConfig(server.issuer, web.id, web.secret);
    // the device flow, whose lookup by user code could not give the device code back, is off
    expect(config.serverMetadata()).not.toHaveProperty('device_authorization_endpoint');
    browser = new Browser(server.issuer);
    const first = await login(browser, config);
    const refreshed = await oidc.refreshTokenGrant(config, first.refresh_token!);
    keep(refreshed.access_token, refreshed.refresh_token);
    refreshToken = refreshed.refresh_token!;
    accessToken = refreshed.access_token;
    idToken = first.id_token!;
    const cc = await oidc.clientCredentialsGrant(await rpConfig(server.issuer, service.id, service.secret));
    keep(cc.access_token);
    ccToken = cc.access_token;
    account = await myAccount();
    await expectNothingAtRest();
  });

  test('everything works on the digests: introspection, userinfo, refresh, revocation', async () => {
    expect(await oidc.tokenIntrospection(config, accessToken)).toMatchObject({ active: true, sub: accountId, client_id: web.id });
    expect(await oidc.fetchUserInfo(config, accessToken, accountId)).toMatchObject({ sub: accountId, name: 'Phạm Thị C' });
    const serviceConfig = await rpConfig(server.issuer, service.id, service.secret);
    expect(await oidc.tokenIntrospection(serviceConfig, ccToken)).toMatchObject({ active: true, client_id: service.id });
    const again = await oidc.refreshTokenGrant(config, refreshToken);
    keep(again.access_token, again.refresh_token);
    await oidc.tokenRevocation(config, again.access_token);
    expect((await oidc.tokenIntrospection(config, again.access_token)).active).toBe(false);
    // the old refresh token was rotated away
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expectNothingAtRest();
  });

  test('My account ends another session by its uid; its application gets a back-channel logout token', async () => {
    const other = new Browser(server.issuer);
    const tokens = await login(other, config);
    const before = receiver.tokens.length;
    const home = await account.browser.go('/account');
    const forms = (home.html.match(/<form[^>]*action="[^"]*sessions\/end"[\s\S]*?<\/form>/gi) ?? []);
    expect(forms.length).toBe(3); // the two web sessions and My account's own
    const sid = decodeJwt(tokens.id_token!).sid as string;
    // the session the second login made is the one My account does not run in and was not first
    const mine = await server.services.sessions.liveSessions(accountId, new Date());
    const target = mine.find((s) => s.authorizations.some((a) => a.clientId === web.id && a.sid === sid))!;
    const form = forms.find((f) => f.includes(`value="${target.uid}"`))!;
    const ended = await account.browser.request('/account/sessions/end', { form: { csrf: inputValue(form, 'csrf')!, session: target.uid! } });
    expect(ended.status).toBe(303);
    const received = await receiver.waitFor(before + 1);
    const { payload } = await jwtVerify(received.at(-1)!, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: web.id });
    expect(payload.sid).toBe(sid);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expectNothingAtRest();
  });

  test('RP-initiated logout ends the first session and tells the application', async () => {
    const before = receiver.tokens.length;
    const confirm = await browser.go(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: AFTER_LOGOUT }).toString());
    const action = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]*)"/.exec(confirm.html)?.[1] ?? /action="([^"]*)"[^>]*id="op.logoutForm"/.exec(confirm.html)?.[1];
    const done = await browser.go(action!, { form: { xsrf: inputValue(confirm.html, 'xsrf')!, logout: 'yes' } });
    expect(done.leftTo).toBe(AFTER_LOGOUT);
    const received = await until('the logout token', () => (receiver.tokens.length > before ? receiver.tokens.at(-1) : undefined));
    expect(decodeJwt(received).sid).toBe(decodeJwt(idToken).sid);
    const start = await startAuth(config, REDIRECT, 'openid');
    expect((await browser.go(start.url.toString())).html).toContain('name="password"');
    // My account, in its own session, still works
    expect((await account.browser.go('/account')).status).toBe(200);
    await expectNothingAtRest();
  });
});
