/**
 * Logging in with the mail account: the real server, a real slapd with a Zimbra-like tree, and
 * openid-client as the application.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let slapd: Slapd;
let server: TestServer;
let client: { id: string; secret: string };
const clients = new WeakMap<TestServer, { id: string; secret: string }>();

/** The first-party test application, registered once on each server's database. */
async function clientOf(s: TestServer) {
  if (s === server) return client;
  let c = clients.get(s);
  if (!c) {
    const r = await s.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    c = { id: r.client.client_id, secret: r.clientSecret! };
    clients.set(s, c);
  }
  return c;
}

function ldapEnv(s: Slapd, extra: Record<string, string> = {}): Record<string, string> {
  return slapdEnv(s, { LDAP_TIMEOUT_MS: '2000', ...extra });
}

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra', tls: true });
  server = await startTestServer(ldapEnv(slapd));
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  client = { id: c.client.client_id, secret: c.clientSecret! };
});
afterAll(async () => {
  await server?.stop();
  await slapd?.stop();
});

async function tryLogin(login: string, password: string, s: TestServer = server) {
  const c = await clientOf(s);
  const config = await rpConfig(s.issuer, c.id, c.secret);
  const browser = new Browser(s.issuer, 'vi');
  const start = await startAuth(config, REDIRECT, 'openid profile email organization groups');
  const page = await browser.go(start.url.toString());
  const after = await submitLogin(browser, page.html, login, password);
  return { after, start, config, browser };
}

const alert = (html: string) => /role="alert"[^>]*>([\s\S]*?)<\//.exec(html)?.[1]?.trim();

describe('login with the mail account', () => {
  test('full flow: ID token and userinfo carry the directory identity, organisation and groups', async () => {
    const config = await rpConfig(server.issuer, client.id, client.secret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.khai.login, P.khai.password, 'openid profile email organization groups');
    const sub = tokens.claims()!.sub;
    const account = await server.services.accounts.byLogin(P.khai.login);
    expect(account).toMatchObject({ id: sub, source: 'directory', externalId: P.khai.zimbraId, status: 'active' });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(info).toMatchObject({
      sub,
      name: P.khai.cn,
      preferred_username: 'khaintm',
      email: 'khaintm@tinh.gov.vn',
      email_verified: true,
      groups: ['Lãnh đạo Sở'],
    });
    // givenName and sn are used as the directory writes them
    expect(info.family_name).toBe(P.khai.sn);
    expect(info.given_name).toBe(P.khai.givenName);
    expect(typeof info.department).toBe('string');
  });

  test.each([
    ['the bare login', P.khai.login],
    ['the full address', 'khaintm@tinh.gov.vn'],
    ['a mail alias', 'giamdoc.snv@tinh.gov.vn'],
    ['mixed case', 'KhaiNTM'],
    ['spaces around', '  khaintm  '],
  ])('accepts %s, and it is the same account', async (_what, login) => {
    const { after } = await tryLogin(login, P.khai.password);
    expect(after.leftTo).toMatch(/code=/);
    const accounts = await server.services.accounts.list({ source: 'directory' });
    expect(accounts.filter((a) => a.externalId === P.khai.zimbraId)).toHaveLength(1);
  });

  test('a mixed-case uid and a Unicode password typed in decomposed form (NFD)', async () => {
    const viet = await tryLogin('phamquocviet', P.viet.password);
    expect(viet.after.leftTo).toMatch(/code=/);
    const duong = await tryLogin(P.duong.login, P.duong.password.normalize('NFD'));
    // the directory compares bytes: the password is sent exactly as typed (NFC here is the stored form)
    expect(duong.after.status === 401 || duong.after.leftTo !== undefined).toBe(true);
    const ok = await tryLogin(P.duong.login, P.duong.password);
    expect(ok.after.leftTo).toMatch(/code=/);
  });

  test('unknown user and wrong password: the same message and status, different log lines', async () => {
    const wrong = await tryLogin(P.lan.login, 'not-her-password');
    const unknown = await tryLogin('khong.co.ai', 'not-her-password');
    expect(wrong.after.status).toBe(401);
    expect(unknown.after.status).toBe(401);
    expect(alert(wrong.after.html)).toBe(alert(unknown.after.html));
    const failures = server.logs.filter((l) => l.includes('login.failure'));
    expect(failures.some((l) => l.includes('wrong password') && l.includes('lanlt'))).toBe(true);
    expect(failures.some((l) => l.includes('unknown login') && l.includes('khong.co.ai'))).toBe(true);
  });

  test('an empty password never reaches the directory', async () => {
    const { after } = await tryLogin(P.lan.login, '');
    expect(after.status).toBe(400);
    expect(after.leftTo).toBeUndefined();
  });

  test.each([['*'], [')(uid=*'], ['*)(|(uid=*'], ['\\00'], ['khai*'], ['a'.repeat(10_000)], ['(&)'], ['\u0000khaintm']])(
    'injection attempt %#: matches nobody, no 500',
    async (login) => {
      const { after } = await tryLogin(login.slice(0, 5000), 'Khai@2024!');
      expect(after.leftTo).toBeUndefined();
      expect([400, 401]).toContain(after.status);
    },
  );
});

describe('password guessing through a person\'s aliases', () => {
  // a server of its own: blocked at 3 failures, no delays, address limits out of the way
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer(ldapEnv(slapd, { THROTTLE_ACCOUNT_DELAY_AFTER: '100', THROTTLE_ACCOUNT_BLOCK_AFTER: '3', THROTTLE_IP_DELAY_AFTER: '1000', THROTTLE_IP_BLOCK_AFTER: '1000', THROTTLE_MAX_DELAY_MS: '0' }));
  });
  afterAll(async () => guarded?.stop());
  const failures = (s: TestServer, reason: string) => s.logs.flatMap((l) => l.split('\n')).filter((l) => l.includes('"event":"login.failure"') && l.includes(reason)).length;

  test('the uid and each alias count against the one entry: blocked after 3 guesses in all, before the next bind', async () => {
    const [alias1, alias2] = P.khai.aliases;
    expect((await tryLogin(P.khai.login, 'doan-1', guarded)).after.status).toBe(401);
    expect((await tryLogin(alias1!, 'doan-2', guarded)).after.status).toBe(401);
    expect((await tryLogin(alias2!, 'doan-3', guarded)).after.status).toBe(401);
    // each login typed has failed once only; the person has failed three times
    const blocked = await tryLogin(alias1!.toUpperCase(), P.khai.password, guarded);
    expect(blocked.after.status).toBe(429);
    expect(blocked.after.html).toMatch(/name="password"/);
    expect(failures(guarded, 'wrong password')).toBe(3); // the right password was never tried
    const t = guarded.services.db.prisma.loginThrottle;
    // three wrong passwords and the refused attempt (counted in one statement with its refusal)
    expect(await t.findUnique({ where: { key: `entry:${P.khai.zimbraId}` } })).toMatchObject({ failures: 4, blockedUntil: expect.any(Date) });
    expect((await t.findUnique({ where: { key: 'login:khaintm' } }))?.failures).toBe(1);
  });

  test('a success clears the entry\'s counter; an unknown login or a local account has none', async () => {
    const [alias1] = P.duong.aliases;
    expect((await tryLogin(alias1!, 'doan-sai', guarded)).after.status).toBe(401);
    const t = guarded.services.db.prisma.loginThrottle;
    expect(await t.findUnique({ where: { key: `entry:${P.duong.zimbraId}` } })).toMatchObject({ failures: 1 });
    expect((await tryLogin(P.duong.login, P.duong.password, guarded)).after.leftTo).toMatch(/code=/);
    expect(await t.findUnique({ where: { key: `entry:${P.duong.zimbraId}` } })).toBeNull();
    expect((await tryLogin('khong.co.ai.ca', 'x', guarded)).after.status).toBe(401);
    expect(await t.count({ where: { key: { startsWith: 'entry:' } } })).toBe(1); // khai's, from the test before
  });
});

describe('account states (zimbraAccountStatus)', () => {
  test.each([
    ['locked', P.tuan, 403],
    ['closed', P.hanh, 403],
    ['maintenance', P.phuc, 403],
    ['pending', P.trang, 403],
  ])('%s: refused with the "disabled" page', async (_s, person, status) => {
    const { after } = await tryLogin(person.login, person.password);
    expect(after.status).toBe(status);
    expect(after.leftTo).toBeUndefined();
    expect(alert(after.html)).toMatch(/khóa|ngừng/);
  });

  test('lockout (temporary): refused without another bind, with the neutral sentence and the wrong-password status (the password could not be checked)', async () => {
    const { after } = await tryLogin(P.minh.login, P.minh.password);
    expect(after.status).toBe(401);
    expect(alert(after.html)).toMatch(/^Không đăng nhập được\. Nếu bạn chắc chắn mật khẩu đúng, hãy liên hệ bộ phận hỗ trợ\./);
  });

  test('a directory account disabled after its first login is disabled here, its sessions ended', async () => {
    const config = await rpConfig(server.issuer, client.id, client.secret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.an.login, P.an.password, 'openid profile offline_access');
    await slapd.ldapModify(`dn: ${P.an.dn}\nchangetype: modify\nreplace: zimbraAccountStatus\nzimbraAccountStatus: closed\n`);
    const { after } = await tryLogin(P.an.login, P.an.password);
    expect(after.status).toBe(403);
    expect((await server.services.accounts.byLogin(P.an.login))!.status).toBe('disabled');
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('an entry without its stable id is refused (never bound: the neutral answer), not half-linked', async () => {
    const { after } = await tryLogin(P.thao.login, P.thao.password);
    expect(after.status).toBe(401);
    expect(await server.services.accounts.byLogin(P.thao.login)).toBeNull();
  });
});

describe('identity linking', () => {
  test('a renamed mailbox keeps its account and subject', async () => {
    const first = await tryLogin(P.anh.login, P.anh.password);
    expect(first.after.leftTo).toMatch(/code=/);
    const before = await server.services.accounts.byLogin(P.anh.login);
    await slapd.ldapModify(`dn: ${P.anh.dn}\nchangetype: modrdn\nnewrdn: uid=anh.buiduc\ndeleteoldrdn: 1\n`);
    const second = await tryLogin('anh.buiduc', P.anh.password);
    expect(second.after.leftTo).toMatch(/code=/);
    const after = await server.services.accounts.byLogin('anh.buiduc');
    expect(after!.id).toBe(before!.id);
    expect(await server.services.accounts.byLogin(P.anh.login)).toBeNull();
  });

  test('a local account with the same login is a conflict: refused and logged, never merged', async () => {
    const local = await server.services.accounts.addLocal({ login: P.hung.login, password: 'local-password-123', displayName: 'Hùng (local)' });
    const { after } = await tryLogin(P.hung.login, P.hung.password);
    expect(after.status).toBe(403);
    expect(after.leftTo).toBeUndefined();
    expect(server.logs.some((l) => l.includes('account.conflict') && l.includes(P.hung.zimbraId!))).toBe(true);
    const still = await server.services.accounts.byLogin(P.hung.login);
    expect(still).toMatchObject({ id: local.id, source: 'local', externalId: null });
    // the local account itself still logs in with its own password
    const own = await tryLogin(P.hung.login, 'local-password-123');
    expect(own.after.leftTo).toMatch(/code=/);
  });
});

describe('TLS and failover', () => {
  test('LDAPS with the CA file, hostname verified', async () => {
    const s = await startTestServer(ldapEnv(slapd, { LDAP_URL: slapd.ldapsUrl, LDAP_CA_FILE: slapd.caFile }));
    try {
      expect(await s.directory.connector!.ping()).toBe(true);
      const { after } = await tryLogin(P.lan.login, P.lan.password, s);
      expect(after.leftTo).toMatch(/code=/);
    } finally {
      await s.stop();
    }
  });

  test('StartTLS on the plain port with the CA file', async () => {
    const s = await startTestServer(ldapEnv(slapd, { LDAP_STARTTLS: 'true', LDAP_URL: slapd.url.replace('127.0.0.1', 'localhost'), LDAP_CA_FILE: slapd.caFile }));
    try {
      const { after } = await tryLogin(P.lan.login, P.lan.password, s);
      expect(after.leftTo).toMatch(/code=/);
    } finally {
      await s.stop();
    }
  });

  test('LDAPS without the CA: the certificate is refused and the person sees the 503 page', async () => {
    const s = await startTestServer(ldapEnv(slapd, { LDAP_URL: slapd.ldapsUrl }));
    try {
      const { after } = await tryLogin(P.lan.login, P.lan.password, s);
      expect(after.status).toBe(503);
      expect(alert(after.html)).toMatch(/thư điện tử công vụ/);
    } finally {
      await s.stop();
    }
  });

  test('first server dead: the next one serves; all dead: 503; back: recovers without restart', async () => {
    const dead = 'ldap://127.0.0.1:1';
    const s = await startTestServer(ldapEnv(slapd, { LDAP_URL: `${dead} ${slapd.url}` }));
    try {
      const ok = await tryLogin(P.lan.login, P.lan.password, s);
      expect(ok.after.leftTo).toMatch(/code=/);
      // a session made while the directory was up keeps working while it is down
      const c = await clientOf(s);
      const config = await rpConfig(s.issuer, c.id, c.secret);
      const browser = new Browser(s.issuer);
      const { tokens } = await loginAndExchange(config, browser, REDIRECT, P.khai.login, P.khai.password, 'openid profile offline_access');

      process.kill(slapd.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      const down = await tryLogin(P.lan.login, P.lan.password, s);
      expect(down.after.status).toBe(503);
      expect((await fetch(`${s.issuer}/readyz?strict=1`)).status).toBe(503);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).toBeDefined();
      const again = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
      expect(again.leftTo).toMatch(/code=/);
      // single sign-on into another application with the session cookie: no directory needed
      const other = await s.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true });
      const otherConfig = await rpConfig(s.issuer, other.client.client_id, other.clientSecret!);
      const sso = await startAuth(otherConfig, REDIRECT, 'openid profile');
      const into = await browser.go(sso.url.toString());
      expect(into.leftTo).toMatch(/code=/);
      const otherTokens = await oidc.authorizationCodeGrant(otherConfig, new URL(into.leftTo!), { pkceCodeVerifier: sso.verifier, expectedState: sso.state, expectedNonce: sso.nonce });
      expect(otherTokens.claims()!.sub).toBe(tokens.claims()!.sub);
      // /readyz says so, without hanging on the dead servers, and keeps the instance in the
      // load balancer (the database answers: sessions and refresh tokens work, as just seen)
      const ready = await fetch(`${s.issuer}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'degraded', database: 'ok', directory: 'unreachable' });

      // the directory comes back: logins work again, no restart of the IdP
      await slapd.restart();
      const back = await tryLogin(P.lan.login, P.lan.password, s);
      expect(back.after.leftTo).toMatch(/code=/);
      expect((await fetch(`${s.issuer}/readyz?strict=1`)).status).toBe(200);
      expect(await (await fetch(`${s.issuer}/readyz`)).json()).toMatchObject({ status: 'ready', database: 'ok', directory: 'ok' });
    } finally {
      await s.stop();
    }
  });
});

describe('re-activation', () => {
  test('an account disabled because the directory said so logs in again once the directory re-activates it; an IT-staff disable stands', async () => {
    await slapd.restart().catch(() => undefined);
    const person = P.ngocAnh;
    const first = await tryLogin(person.login, person.password);
    expect(first.after.leftTo).toMatch(/code=/);
    await slapd.ldapModify(`dn: ${person.dn}\nchangetype: modify\nreplace: zimbraAccountStatus\nzimbraAccountStatus: closed\n`);
    expect((await tryLogin(person.login, person.password)).after.status).toBe(403);
    expect((await server.services.accounts.byLogin(person.login))!.status).toBe('disabled');
    await slapd.ldapModify(`dn: ${person.dn}\nchangetype: modify\nreplace: zimbraAccountStatus\nzimbraAccountStatus: active\n`);
    expect((await tryLogin(person.login, person.password)).after.leftTo).toMatch(/code=/);
    expect((await server.services.accounts.byLogin(person.login))!.status).toBe('active');
    // IT staff disable: the directory's "active" does not override it
    await server.services.accounts.setStatus(person.login, 'disabled');
    expect((await tryLogin(person.login, person.password)).after.status).toBe(403);
  });
});
