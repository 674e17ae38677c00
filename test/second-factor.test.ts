/**
 * The second factor end to end: the real server, openid-client as the relying party asking for
 * acr_values, otplib computing codes as an authenticator app would. Enrolment during the login,
 * a code never accepted twice, a recovery code once, step-up inside a live session, acr and
 * amr in the ID token, and an administrator without a second factor kept out of the console.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { generateSync } from 'otplib';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitConsent, submitLogin } from './helpers/rp.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
const MFA = 'urn:sso:acr:mfa';
let server: TestServer;
let web: { id: string; secret: string };

beforeAll(async () => {
  server = await startTestServer({ MFA_CONSOLE_REQUIRED: 'true' });
  for (const login of ['an', 'binh', 'chi']) await server.services.accounts.addLocal({ login, password: PASSWORD, displayName: login });
  await server.services.accounts.addLocal({ login: 'quantri', password: PASSWORD, displayName: 'Quản trị' });
  await server.services.accounts.setAdmin('quantri', true);
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT] });
  web = { id: c.client.client_id, secret: c.clientSecret! };
});

afterAll(async () => {
  await server?.stop();
});

const step = () => Math.floor(Date.now() / 30_000);
const codeAt = (secret: string, s: number) => generateSync({ secret, epoch: s * 30 });
/** The secret shown on the enrolment page (grouped for typing), as a person would type it into the app. */
const secretOn = (html: string) => /id="totp-secret">([A-Z2-7 ]+)</.exec(html)![1]!.replace(/ /g, '');

/** The action of the form posting to a path ending with `suffix`. */
const actionEnding = (html: string, suffix: string) => [...html.matchAll(/action="([^"]*)"/g)].map((m) => m[1]!).find((a) => a.endsWith(suffix))!;

function secondFactorForm(html: string, which: 'code' | 'recovery' = 'code') {
  const forms = html.match(/<form[\s\S]*?<\/form>/gi) ?? [];
  const form = forms.find((f) => f.includes(which === 'code' ? 'id="code"' : 'id="recovery"'))!;
  return { action: /action="([^"]*)"/.exec(form)![1]!, csrf: inputValue(form, 'csrf')! };
}

async function finish(browser: Browser, page: Awaited<ReturnType<Browser['go']>>, start: Awaited<ReturnType<typeof startAuth>>, config: oidc.Configuration) {
  if (!page.leftTo && /\/confirm"/.test(page.html)) page = await submitConsent(browser, page.html);
  expect(page.leftTo).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  return tokens.claims()!;
}

/** Enrols `login` through the login page with acr_values=mfa; returns the secret, the recovery codes and the ID token's claims. */
async function enrolThroughLogin(login: string) {
  const config = await rpConfig(server.issuer, web.id, web.secret);
  const browser = new Browser(server.issuer, 'en');
  const start = await startAuth(config, REDIRECT, 'openid', { acr_values: MFA });
  const form = await browser.go(start.url.toString());
  const enrol = await submitLogin(browser, form.html, login, PASSWORD);
  expect(enrol.status).toBe(200);
  expect(enrol.html).toContain('otpauth://totp/');
  expect(enrol.html).toContain('inputmode="numeric" autocomplete="one-time-code"');
  expect(enrol.html).toContain('Google Authenticator');
  expect(enrol.html).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,/);
  expect(enrol.html).not.toContain('name="enrol_code"');
  const secret = secretOn(enrol.html);
  const action = actionEnding(enrol.html, '/second-factor/enrol');
  const csrf = inputValue(enrol.html, 'csrf')!;
  const wrong = await browser.go(action, { form: { csrf, code: '000000' === codeAt(secret, step()) ? '111111' : '000000' } });
  expect(wrong.status).toBe(401);
  expect(wrong.html).toContain('That code is not right');
  const codes = await browser.go(action, { form: { csrf, code: codeAt(secret, step()) } });
  expect(codes.status).toBe(200);
  const recovery = [...codes.html.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  expect(recovery).toHaveLength(10);
  const next = await browser.go(actionEnding(codes.html, '/second-factor/continue'), { form: { csrf: inputValue(codes.html, 'csrf')! } });
  const claims = await finish(browser, next, start, config);
  return { secret, recovery, claims, config };
}

describe('second factor', () => {
  test('discovery lists the levels', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    expect(config.serverMetadata().acr_values_supported).toEqual(['urn:sso:acr:pwd', MFA]);
  });

  test('enrolment during the login with acr_values=mfa; the ID token says mfa, otp and pwd', async () => {
    const { claims } = await enrolThroughLogin('an');
    expect(claims.acr).toBe(MFA);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    const { rows } = await server.services.auditQuery.page({ type: 'mfa.enrolled' });
    expect(rows.map((r) => r.type)).toContain('mfa.enrolled');
  });

  test('an enrolled person gives a code after the password; a code is never accepted twice; a recovery code works once', async () => {
    const { secret, recovery, config } = await enrolThroughLogin('binh');
    // the enrolment used this step's code: a new login with it is refused as reused, the next step's code is taken
    const browser = new Browser(server.issuer, 'en');
    const start = await startAuth(config, REDIRECT, 'openid');
    const asked = await submitLogin(browser, (await browser.go(start.url.toString())).html, 'binh', PASSWORD);
    expect(asked.html).toContain('autocomplete="one-time-code"');
    const f = secondFactorForm(asked.html);
    const reused = await browser.go(f.action, { form: { csrf: f.csrf, code: codeAt(secret, step()) } });
    expect(reused.status).toBe(401);
    expect(reused.html).toContain('has been used already');
    const expired = await browser.go(f.action, { form: { csrf: f.csrf, code: codeAt(secret, step() - 4) } });
    expect(expired.html).toContain('has expired');
    const ok = await browser.go(f.action, { form: { csrf: f.csrf, code: codeAt(secret, step() + 1) } });
    const claims = await finish(browser, ok, start, config);
    expect(claims.acr).toBe(MFA);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    // prompt=login inside that session: the password again, then the code
    const re = await startAuth(config, REDIRECT, 'openid', { prompt: 'login' });
    const pw = await browser.go(re.url.toString());
    expect(pw.html).toContain('name="password"');
    const code2 = await submitLogin(browser, pw.html, 'binh', PASSWORD);
    const f2 = secondFactorForm(code2.html);
    const again = await browser.go(f2.action, { form: { csrf: f2.csrf, code: codeAt(secret, step() + 1) } });
    expect(again.html).toContain('has been used already');
    // this window's codes are used up (one login per step): a recovery code instead
    const r2 = secondFactorForm(again.html, 'recovery');
    const done2 = await browser.go(r2.action, { form: { csrf: r2.csrf, code: recovery[1]! } });
    expect((await finish(browser, done2, re, config)).amr).toEqual(['pwd', 'otp', 'mfa']);

    // a recovery code instead: once
    for (const expectOk of [true, false]) {
      const b = new Browser(server.issuer, 'en');
      const s = await startAuth(config, REDIRECT, 'openid');
      const page = await submitLogin(b, (await b.go(s.url.toString())).html, 'binh', PASSWORD);
      const r = secondFactorForm(page.html, 'recovery');
      const after = await b.go(r.action, { form: { csrf: r.csrf, code: recovery[0]!.toLowerCase() } });
      if (expectOk) expect((await finish(b, after, s, config)).amr).toEqual(['pwd', 'otp', 'mfa']);
      else expect(after.html).toContain('That code is not right');
    }
  });

  test('step-up inside a live session: acr_values=mfa asks the second factor, not the password', async () => {
    const config = await rpConfig(server.issuer, web.id, web.secret);
    const browser = new Browser(server.issuer, 'en');
    const start = await startAuth(config, REDIRECT, 'openid');
    const first = await submitLogin(browser, (await browser.go(start.url.toString())).html, 'chi', PASSWORD);
    const plain = await finish(browser, first, start, config);
    expect(plain.acr).toBe('urn:sso:acr:pwd');
    expect(plain.amr).toEqual(['pwd']);
    // chi turns it on in My account meanwhile (the same use case)
    const chi = (await server.services.accounts.byLogin('chi'))!;
    const setup = (await server.services.secondFactors.totpSetup(chi))!;
    const enrolled = await server.services.secondFactors.confirmTotp(chi, { code: codeAt(setup.secret, step()) }, { duringLogin: false });
    expect(enrolled.kind).toBe('enrolled');
    const again = await startAuth(config, REDIRECT, 'openid', { acr_values: MFA });
    const page = await browser.go(again.url.toString());
    expect(page.html).not.toContain('name="password"');
    const f = secondFactorForm(page.html);
    const done = await browser.go(f.action, { form: { csrf: f.csrf, code: codeAt(setup.secret, step() + 1) } });
    const claims = await finish(browser, done, again, config);
    expect(claims.acr).toBe(MFA);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  test('My account: turn on TOTP, new recovery codes shown once', async () => {
    await server.services.accounts.addLocal({ login: 'dung', password: PASSWORD, displayName: 'Dũng' });
    const browser = new Browser(server.issuer, 'en');
    const first = await browser.request('/account/security');
    const login = await browser.go(new URL(first.headers.get('location')!).toString());
    const page = await submitLogin(browser, login.html, 'dung', PASSWORD);
    expect(new URL(page.url).pathname).toBe('/account/security');
    expect(page.html).toContain('Two-step verification is off.');
    const setup = await browser.go('/account/security/totp');
    expect(setup.html).toContain('otpauth://totp/');
    const secret = secretOn(setup.html);
    const csrf = inputValue(setup.html, 'csrf')!;
    const bad = await browser.go('/account/security/totp', { form: { csrf, code: codeAt(secret, step() - 5) } });
    expect(bad.html).toContain('has expired');
    const done = await browser.go('/account/security/totp', { form: { csrf, code: codeAt(secret, step()) } });
    expect(done.html).toContain('Two-step verification is on.');
    expect([...done.html.matchAll(/<li><code>[0-9A-Z]{5}-[0-9A-Z]{5}<\/code><\/li>/g)]).toHaveLength(10);
    const again = await browser.go('/account/security');
    expect(again.html).not.toMatch(/<li><code>[0-9A-Z]{5}-/);
    expect(again.html).toContain('10 recovery codes left unused.');
    const fresh = await browser.go('/account/security/recovery', { form: { csrf: inputValue(again.html, 'csrf')! } });
    expect([...fresh.html.matchAll(/<li><code>[0-9A-Z]{5}-[0-9A-Z]{5}<\/code><\/li>/g)]).toHaveLength(10);
    // the enrolment is in the person's recent activity
    expect((await browser.go('/account')).html).toContain('Two-step verification turned on');
  });

  test('an application registered with --require-mfa leads a person without a factor through enrolment; cancelling is unmet_authentication_requirements', async () => {
    await server.services.accounts.addLocal({ login: 'em', password: PASSWORD, displayName: 'Em' });
    const strict = await server.services.clients.add({ name: 'Kế toán', type: 'web', redirectUris: [REDIRECT], requireMfa: true });
    expect(strict.client.require_mfa).toBe(true);
    const config = await rpConfig(server.issuer, strict.client.client_id, strict.clientSecret!);
    const browser = new Browser(server.issuer, 'en');
    const start = await startAuth(config, REDIRECT, 'openid');
    const enrol = await submitLogin(browser, (await browser.go(start.url.toString())).html, 'em', PASSWORD);
    expect(enrol.html).toContain('otpauth://totp/');
    expect(enrol.html).not.toContain('/second-factor/later');
    const out = await browser.go(actionEnding(enrol.html, '/second-factor/cancel'), { form: { csrf: inputValue(enrol.html, 'csrf')! } });
    expect(new URL(out.leftTo!).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  test('/metrics counts the enrolled accounts by method', async () => {
    const text = await (await fetch(`${server.issuer}/metrics`)).text();
    const n = Number(/^sso_mfa_enrolled_accounts\{method="totp"\} (\d+)$/m.exec(text)![1]);
    expect(n).toBe(await server.services.secondFactors.enrolledCounts().then((c) => c.totp));
    expect(n).toBeGreaterThanOrEqual(2);
  });

  test('an administrator without a second factor cannot reach the console; with an enrolment code and a factor, can', async () => {
    const browser = new Browser(server.issuer, 'en');
    const first = await browser.request('/admin');
    const login = await browser.go(new URL(first.headers.get('location')!).toString());
    const enrol = await submitLogin(browser, login.html, 'quantri', PASSWORD);
    // led through enrolment, which needs an enrolment code: no console page
    expect(enrol.html).toContain('name="enrol_code"');
    expect(new URL(enrol.url).pathname).not.toMatch(/^\/admin/);
    const admin = (await server.services.accounts.byLogin('quantri'))!;
    const secret = secretOn(enrol.html);
    const action = actionEnding(enrol.html, '/second-factor/enrol');
    const csrf = inputValue(enrol.html, 'csrf')!;
    const without = await browser.go(action, { form: { csrf, code: codeAt(secret, step()), enrol_code: 'AAAAA-AAAAA' } });
    expect(without.html).toContain('enrolment code is wrong');
    const issued = await server.services.secondFactors.issueEnrolCode(admin, 'test');
    const codes = await browser.go(action, { form: { csrf, code: codeAt(secret, step() + 1), enrol_code: issued.code } });
    expect(codes.html).toContain('id="recovery-codes"');
    const console = await browser.go(actionEnding(codes.html, '/second-factor/continue'), { form: { csrf: inputValue(codes.html, 'csrf')! } });
    expect(console.status).toBe(200);
    expect(new URL(console.url).pathname).toBe('/admin');

    // the helpdesk's tools on an account's page: status, an enrolment code shown once, a reset after asking
    const an = (await server.services.accounts.byLogin('an'))!;
    const page = await browser.go(`/admin/accounts/${an.id}`);
    expect(page.html).toContain('Two-step verification');
    expect(page.html).toMatch(/On \(authenticator app\) since/);
    const csrfC = inputValue(page.html, 'csrf')!;
    const issued2 = await browser.go(`/admin/accounts/${an.id}/mfa/enrol-code`, { form: { csrf: csrfC } });
    expect(issued2.html).toMatch(/Enrolment code of an: [0-9A-Z]{5}-[0-9A-Z]{5}/);
    const ask = await browser.go(`/admin/accounts/${an.id}/mfa/reset`, { form: { csrf: csrfC } });
    expect(ask.html).toContain('Reset the two-step verification of an (an)?');
    const reset = await browser.go(`/admin/accounts/${an.id}/mfa/reset`, { form: { csrf: csrfC, confirm: 'yes' } });
    expect(reset.html).toContain('The two-step verification of an was reset.');
    expect((await server.services.secondFactors.status(an.id)).totp).toBe('none');
    const { rows } = await server.services.auditQuery.page({ type: 'mfa.reset' });
    expect(rows[0]!.actor).toBe('console: quantri');
  });
});
