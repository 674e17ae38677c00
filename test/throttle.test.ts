/**
 * Password-guessing throttle: the pure policy, the shared counters (atomic across concurrent
 * attempts and instances), and the login page (delay, 429 block with Retry-After, no password
 * check while blocked; limits per account, per account from one address, per address (trusted
 * networks multiplied) and per known device, the known device never stopped by an account-wide
 * or an address block; X-Forwarded-For only behind a trusted proxy).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth } from './helpers/rp.js';
import {
  accountKey,
  addressKey,
  afterFailure,
  decide,
  delayMs,
  liveFailures,
  retryAfterMinutes,
  retryAfterSeconds,
  strictest,
  type Counter,
  type ThrottleSettings,
} from '../src/domain/throttle.js';

const PASSWORD = 'mật-khẩu-đúng-123';
const WRONG = 'sai-mat-khau-999';
const REDIRECT = 'http://127.0.0.1:9/cb';

const S: ThrottleSettings = {
  windowSeconds: 60,
  accountDelayAfter: 2,
  accountBlockAfter: 3,
  ipDelayAfter: 5,
  ipBlockAfter: 10,
  blockSeconds: 30,
  maxDelayMs: 1000,
};
const ACCOUNT = { delayAfter: 2, blockAfter: 3 };
const t0 = new Date('2026-03-01T08:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('policy (pure)', () => {
  test('progressive delay: base * 2^(failures - delayAfter), capped; none below the threshold or with maxDelayMs 0', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((f) => delayMs(f, ACCOUNT, S))).toEqual([0, 0, 500, 1000, 1000, 1000, 1000]);
    expect(delayMs(4, ACCOUNT, { ...S, maxDelayMs: 10_000 })).toBe(2000);
    expect(delayMs(4, ACCOUNT, { ...S, maxDelayMs: 0 })).toBe(0);
    expect(delayMs(3, ACCOUNT, { ...S, baseDelayMs: 100 })).toBe(200);
    expect(delayMs(10_000, ACCOUNT, { ...S, maxDelayMs: 30_000 })).toBe(30_000);
  });

  test('decide: allow, delay, block; an elapsed window counts as zero; an ended block no longer blocks', () => {
    expect(decide(null, t0, ACCOUNT, S)).toEqual({ action: 'allow' });
    const c: Counter = { failures: 2, windowStart: t0, blockedUntil: null };
    expect(decide(c, at(10), ACCOUNT, S)).toEqual({ action: 'delay', ms: 500 });
    expect(decide(c, at(60), ACCOUNT, S)).toEqual({ action: 'allow' });
    expect(liveFailures(c, at(60), S)).toBe(0);
    const blocked: Counter = { failures: 3, windowStart: t0, blockedUntil: at(40) };
    expect(decide(blocked, at(39), ACCOUNT, S)).toEqual({ action: 'block', until: at(40) });
    // block over, window still running: the count stands (delay), a block that outlives the window holds
    expect(decide(blocked, at(41), ACCOUNT, S)).toEqual({ action: 'delay', ms: 1000 });
    expect(decide({ ...blocked, blockedUntil: at(90) }, at(70), ACCOUNT, S)).toEqual({ action: 'block', until: at(90) });
  });

  test('afterFailure: counts in the window, blocks at blockAfter, starts a new window when the old one is over', () => {
    let c = afterFailure(null, t0, ACCOUNT, S);
    expect(c).toEqual({ failures: 1, windowStart: t0, blockedUntil: null });
    c = afterFailure(c, at(5), ACCOUNT, S);
    expect(c).toEqual({ failures: 2, windowStart: t0, blockedUntil: null });
    c = afterFailure(c, at(10), ACCOUNT, S);
    expect(c).toEqual({ failures: 3, windowStart: t0, blockedUntil: at(40) });
    // a block that has ended inside the window: one more failure blocks again at once
    const again = afterFailure(c, at(45), ACCOUNT, S);
    expect(again).toEqual({ failures: 4, windowStart: t0, blockedUntil: at(75) });
    // window over and no block running: a fresh count
    expect(afterFailure(again, at(80), ACCOUNT, S)).toEqual({ failures: 1, windowStart: at(80), blockedUntil: null });
  });

  test('strictest: the latest block, else the longest delay', () => {
    expect(strictest([])).toEqual({ action: 'allow' });
    expect(strictest([{ action: 'delay', ms: 5 }, { action: 'allow' }, { action: 'delay', ms: 9 }])).toEqual({ action: 'delay', ms: 9 });
    expect(strictest([{ action: 'delay', ms: 5 }, { action: 'block', until: at(1) }, { action: 'block', until: at(9) }, { action: 'allow' }])).toEqual({ action: 'block', until: at(9) });
  });

  test('Retry-After in whole seconds, minutes for the person, never 0', () => {
    expect(retryAfterSeconds(at(30), at(0.2))).toBe(30);
    expect(retryAfterSeconds(at(0), at(5))).toBe(1);
    expect(retryAfterMinutes(at(900), t0)).toBe(15);
    expect(retryAfterMinutes(at(61), t0)).toBe(2);
    expect(retryAfterMinutes(at(1), t0)).toBe(1);
  });

  test('account keys: normalised like logins, our mail domains folded, control characters spelled out', () => {
    expect(accountKey('  Nguyen.Van.A ')).toBe('login:nguyen.van.a');
    expect(accountKey('Nguyen.Van.A@Tinh.Gov.VN', ['tinh.gov.vn'])).toBe('login:nguyen.van.a');
    expect(accountKey('nguyen.van.a@gmail.com', ['tinh.gov.vn'])).toBe('login:nguyen.van.a@gmail.com');
    expect(accountKey('Nguyễn')).toBe(accountKey('Nguye\u0302\u0303n'));
    expect(accountKey('a\u0000b')).toBe('login:a\\u0000b');
  });

  test('address keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('2001:db8:0:1:a:b:c:d')).toBe('ip:2001:db8:0:1::/64');
    expect(addressKey('2001:DB8:0:1::99')).toBe('ip:2001:db8:0:1::/64');
    expect(addressKey('::1')).toBe('ip:0:0:0:0::/64');
    expect(addressKey(undefined)).toBe('ip:unknown');
  });
});

// --- the login page

interface Attempt {
  status: number;
  html: string;
  headers: Headers;
  ms: number;
}

async function setup(server: TestServer) {
  const c = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] });
  return { id: c.client.client_id, secret: c.clientSecret! };
}

/**
 * A login page of a fresh interaction in `browser` (a fresh one by default: an unknown device),
 * and a function posting its form.
 */
async function loginForm(server: TestServer, client: { id: string; secret: string }, lang = 'vi', browser = new Browser(server.issuer, lang)) {
  const config = await rpConfig(server.issuer, client.id, client.secret);
  const start = await startAuth(config, REDIRECT, 'openid');
  const page = await browser.go(start.url.toString());
  const action = formAction(page.html, 'password')!;
  const csrf = inputValue(page.html, 'csrf')!;
  expect(action).toBeTruthy();
  return async (login: string, password: string, headers: Record<string, string> = {}): Promise<Attempt> => {
    const started = Date.now();
    const res = await browser.request(action, { form: { csrf, login, password }, headers });
    const html = await res.text();
    return { status: res.status, html, headers: res.headers, ms: Date.now() - started };
  };
}

/** One login attempt from `browser` (its cookies: a known device once it has succeeded there). */
async function tryFrom(server: TestServer, client: { id: string; secret: string }, browser: Browser, login: string, password: string, ip: string) {
  return (await loginForm(server, client, 'vi', browser))(login, password, xff(ip));
}

const logLines = (server: TestServer) => server.logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const failuresFor = (server: TestServer, login: string) => logLines(server).filter((l) => l.event === 'login.failure' && l.login === login);
const throttledFor = (server: TestServer, login: string) => logLines(server).filter((l) => l.event === 'login.throttled' && l.login === login);
const xff = (ip: string) => ({ 'x-forwarded-for': ip });
const alert = (html: string) => /role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1]?.trim() ?? '';

describe('login page: a person, one address of it, addresses, known devices (behind a trusted proxy)', () => {
  const ENV = {
    TRUST_PROXY: 'true',
    THROTTLE_WINDOW: '30m',
    THROTTLE_ACCOUNT_DELAY_AFTER: '100',
    THROTTLE_ACCOUNT_BLOCK_AFTER: '4',
    THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '2',
    THROTTLE_DEVICE_BLOCK_AFTER: '2',
    THROTTLE_IP_DELAY_AFTER: '1000',
    THROTTLE_IP_BLOCK_AFTER: '5',
    THROTTLE_BLOCK_DURATION: '10m',
    THROTTLE_MAX_DELAY_MS: '0',
    LOGIN_FAILURE_FLOOR_MS: '0',
    HELPDESK_CONTACT: 'Phòng CNTT – 0228 3852 000 <hotro@tinh.gov.vn>',
  };
  let server: TestServer;
  let second: TestServer | undefined;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(ENV);
    client = await setup(server);
    for (const login of ['nguyen.van.a', 'tran.thi.b', 'le.van.c', 'pham.van.d', 'hoang.thi.e', 'do.van.f']) {
      await server.services.accounts.addLocal({ login, password: PASSWORD, displayName: login });
    }
  });
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
  });

  test('a guesser at one address blocks only that address for that account: 429 there, with Retry-After and a sentence that accuses no one', async () => {
    const post = await loginForm(server, client);
    for (let i = 0; i < 2; i++) expect((await post('nguyen.van.a', WRONG, xff('198.51.100.1'))).status).toBe(401);
    // even the right password is refused from there, and never checked
    const blocked = await post('nguyen.van.a', PASSWORD, xff('198.51.100.1'));
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    // a person's block lasts a window (30 min) after the last failure (a minute's margin for a slow machine)
    expect(retryAfter).toBeGreaterThan(1740);
    expect(retryAfter).toBeLessThanOrEqual(1800);
    expect(blocked.headers.get('cache-control')).toContain('no-store');
    expect(alert(blocked.html)).toContain('tài khoản này từ địa chỉ mạng bạn đang dùng');
    expect(alert(blocked.html)).toContain('Vui lòng thử lại sau 30 phút');
    expect(alert(blocked.html)).not.toMatch(/Bạn đã đăng nhập sai/);
    // the helpdesk contact, escaped
    expect(alert(blocked.html)).toContain('Bộ phận hỗ trợ: Phòng CNTT – 0228 3852 000 &lt;hotro@tinh.gov.vn&gt;');
    expect(blocked.html).toMatch(/name="password"/); // the form stays, to retry later
    expect(blocked.html).toContain('value="nguyen.van.a"');
    // the same person from another address is not affected
    expect((await post('nguyen.van.a', PASSWORD, xff('198.51.100.2'))).status).toBe(303);
    expect(failuresFor(server, 'nguyen.van.a').map((l) => l.reason)).toEqual(['invalid_credentials', 'invalid_credentials']);
    expect(throttledFor(server, 'nguyen.van.a')).toEqual([expect.objectContaining({ action: 'block', keyType: 'account_address', ip: '198.51.100.1' })]);
    expect(server.logs.join('\n')).not.toContain(WRONG);
    expect(server.logs.join('\n')).not.toContain(PASSWORD);
    const t = server.services.db.prisma.loginThrottle;
    expect(await t.findUnique({ where: { key: 'pair:198.51.100.1|nguyen.van.a' } })).toMatchObject({ failures: 2, blockedUntil: expect.any(Date) });
    // the success cleared the person's own count, not the guesser's address
    expect(await t.findUnique({ where: { key: 'login:nguyen.van.a' } })).toBeNull();
  });

  test('failures from several addresses block unknown devices account-wide; a known device still gets in', async () => {
    // the person's own browser: it becomes a known device at its first success
    const own = new Browser(server.issuer);
    expect((await tryFrom(server, client, own, 'tran.thi.b', PASSWORD, '192.0.2.50')).status).toBe(303);
    expect(own.cookieNames()).toContain('sso_device');
    // guessers at two addresses: each reaches its own limit (2), together the account's (4)
    for (const ip of ['198.51.100.11', '198.51.100.12']) {
      const post = await loginForm(server, client);
      for (let i = 0; i < 2; i++) expect((await post('tran.thi.b', WRONG, xff(ip))).status).toBe(401);
    }
    const elsewhere = await (await loginForm(server, client))('tran.thi.b', PASSWORD, xff('198.51.100.13'));
    expect(elsewhere.status).toBe(429);
    expect(alert(elsewhere.html)).toContain('từ nhiều nơi');
    const en = await (await loginForm(server, client, 'en'))('Tran.Thi.B', PASSWORD, xff('198.51.100.14'));
    expect(en.status).toBe(429);
    expect(alert(en.html)).toContain('from several places');
    expect(alert(en.html)).toContain('Please wait 30 minutes and try again');
    // the person on their own computer, from any address: not stopped
    expect((await tryFrom(server, client, own, 'tran.thi.b', PASSWORD, '198.51.100.13')).status).toBe(303);
    expect((await tryFrom(server, client, own, 'tran.thi.b', PASSWORD, '198.51.100.11')).status).toBe(303);
  });

  test('an address block (a spray over many logins) does not stop a person on a known device', async () => {
    const own = new Browser(server.issuer);
    expect((await tryFrom(server, client, own, 'le.van.c', PASSWORD, '192.0.2.60')).status).toBe(303);
    const post = await loginForm(server, client);
    const sprayer = xff('203.0.113.7');
    for (let i = 0; i < 5; i++) expect((await post(`thu.${i}`, WRONG, sprayer)).status).toBe(401);
    const refused = await post('le.van.c', PASSWORD, sprayer);
    expect(refused.status).toBe(429);
    expect(alert(refused.html)).toContain('từ địa chỉ mạng bạn đang dùng (có thể từ các máy tính khác dùng chung đường truyền)');
    expect(throttledFor(server, 'le.van.c')[0]).toMatchObject({ action: 'block', keyType: 'address', ip: '203.0.113.7' });
    expect(failuresFor(server, 'le.van.c')).toHaveLength(0);
    // behind the same address, on the computer where the person logged in before
    expect((await tryFrom(server, client, own, 'le.van.c', PASSWORD, '203.0.113.7')).status).toBe(303);
    // the same person from another address is not affected either
    expect((await post('le.van.c', PASSWORD, xff('203.0.113.8'))).status).toBe(303);
  });

  test('a known device keeps a small limit of its own, for that person only', async () => {
    const own = new Browser(server.issuer);
    expect((await tryFrom(server, client, own, 'do.van.f', PASSWORD, '192.0.2.70')).status).toBe(303);
    for (let i = 0; i < 2; i++) expect((await tryFrom(server, client, own, 'do.van.f', WRONG, '192.0.2.70')).status).toBe(401);
    const blocked = await tryFrom(server, client, own, 'do.van.f', PASSWORD, '192.0.2.71');
    expect(blocked.status).toBe(429);
    expect(alert(blocked.html)).toContain('trên máy tính này');
    // another account on that computer is an unknown device's: its own limits
    expect((await tryFrom(server, client, own, 'pham.van.d', PASSWORD, '192.0.2.70')).status).toBe(303);
  });

  test('a success clears the person\'s counters, not the address counter', async () => {
    const post = await loginForm(server, client);
    const from = xff('198.51.100.20');
    expect((await post('hoang.thi.e', WRONG, from)).status).toBe(401);
    expect((await post('hoang.thi.e', PASSWORD, from)).status).toBe(303);
    const t = server.services.db.prisma.loginThrottle;
    expect(await t.findUnique({ where: { key: 'login:hoang.thi.e' } })).toBeNull();
    expect(await t.findUnique({ where: { key: 'pair:198.51.100.20|hoang.thi.e' } })).toBeNull();
    expect(await t.findUnique({ where: { key: 'ip:198.51.100.20' } })).toMatchObject({ failures: 1 });
  });

  test('counters are shared by two instances on one database, and parallel guesses cannot slip through', async () => {
    second = await startTestServer(ENV, { databaseUrl: server.config.databaseUrl });
    const [a, b] = [await loginForm(server, client), await loginForm(second, client)];
    // one address, two instances: its limit (2) holds across them
    expect((await a('pham.van.d', WRONG, xff('198.51.100.30'))).status).toBe(401);
    expect((await b('pham.van.d', WRONG, xff('198.51.100.30'))).status).toBe(401);
    expect((await a('pham.van.d', PASSWORD, xff('198.51.100.30'))).status).toBe(429);
    expect((await b('pham.van.d', PASSWORD, xff('198.51.100.30'))).status).toBe(429);

    // a burst of 12 parallel guesses over both instances, each from its own address: exactly 4 passwords checked
    const before = failuresFor(server, 'hoang.thi.e').length + failuresFor(second, 'hoang.thi.e').length;
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b)('hoang.thi.e', WRONG, xff(`198.51.100.${40 + i}`))));
    expect(burst.filter((r) => r.status === 401)).toHaveLength(4);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(8);
    expect(failuresFor(server, 'hoang.thi.e').length + failuresFor(second, 'hoang.thi.e').length - before).toBe(4);
  });
});

describe('login page: trusted networks (the province\'s offices behind one address)', () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer({
      TRUST_PROXY: 'true',
      THROTTLE_IP_DELAY_AFTER: '1000',
      THROTTLE_IP_BLOCK_AFTER: '3',
      THROTTLE_TRUSTED_NETWORKS: '10.20.0.0/16, 2001:db8:20::/48',
      THROTTLE_TRUSTED_FACTOR: '4',
      THROTTLE_MAX_DELAY_MS: '0',
      LOGIN_FAILURE_FLOOR_MS: '0',
    });
    client = await setup(server);
    await server.services.accounts.addLocal({ login: 'vu.thi.k', password: PASSWORD, displayName: 'Vũ Thị K' });
  });
  afterAll(async () => server?.stop());

  test('an office address gets the factor times the per-address limit; any other address the limit itself', async () => {
    const post = await loginForm(server, client);
    for (const ip of ['10.20.5.1', '2001:db8:20:1::9', '198.51.100.99']) {
      for (let i = 0; i < 3; i++) expect((await post(`nv.${ip}.${i}`, WRONG, xff(ip))).status).toBe(401);
    }
    // the outside address is blocked at 3; the offices go on
    expect((await post('vu.thi.k', PASSWORD, xff('198.51.100.99'))).status).toBe(429);
    expect((await post('vu.thi.k', PASSWORD, xff('10.20.5.1'))).status).toBe(303);
    const again = await loginForm(server, client);
    for (let i = 3; i < 12; i++) expect((await again(`nv.office.${i}`, WRONG, xff('10.20.5.1'))).status).toBe(401);
    // 3 x 4 = 12 failures (the success took its own back): now the office address is blocked too
    expect((await again('vu.thi.k', PASSWORD, xff('10.20.5.1'))).status).toBe(429);
    expect((await again('vu.thi.k', PASSWORD, xff('2001:db8:20:1::77'))).status).toBe(303);
  });
});

describe('login page: without a trusted proxy', () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer({
      THROTTLE_ACCOUNT_DELAY_AFTER: '1000',
      THROTTLE_ACCOUNT_BLOCK_AFTER: '1000',
      THROTTLE_IP_DELAY_AFTER: '1000',
      THROTTLE_IP_BLOCK_AFTER: '3',
      THROTTLE_BLOCK_DURATION: '5m',
    });
    client = await setup(server);
    await server.services.accounts.addLocal({ login: 'vo.van.g', password: PASSWORD, displayName: 'Võ Văn G' });
  });
  afterAll(async () => server?.stop());

  test('X-Forwarded-For is ignored: the spray is counted against the socket address', async () => {
    const post = await loginForm(server, client);
    for (let i = 0; i < 3; i++) expect((await post(`khach.${i}`, WRONG, xff(`203.0.113.${100 + i}`))).status).toBe(401);
    const refused = await post('vo.van.g', PASSWORD, xff('203.0.113.200'));
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('5 phút');
    const t = server.services.db.prisma.loginThrottle;
    expect(await t.findUnique({ where: { key: 'ip:127.0.0.1' } })).toMatchObject({ failures: 3 });
    expect(await t.count({ where: { key: { startsWith: 'ip:203.' } } })).toBe(0);
  });
});

describe('login page: progressive delay and the end of a block', () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer({
      THROTTLE_WINDOW: '10s',
      THROTTLE_ACCOUNT_DELAY_AFTER: '1',
      THROTTLE_ACCOUNT_BLOCK_AFTER: '3',
      THROTTLE_IP_DELAY_AFTER: '1000',
      THROTTLE_IP_BLOCK_AFTER: '1000',
      THROTTLE_BLOCK_DURATION: '3s',
      THROTTLE_MAX_DELAY_MS: '700',
      LOGIN_FAILURE_FLOOR_MS: '0',
    });
    client = await setup(server);
    await server.services.accounts.addLocal({ login: 'dang.van.h', password: PASSWORD, displayName: 'Đặng Văn H' });
  });
  afterAll(async () => server?.stop());

  test('each failure past the threshold waits longer (capped); a person\'s block ends a window after the last failure, and the right password works again', async () => {
    const post = await loginForm(server, client);
    const first = await post('dang.van.h', WRONG);
    const second = await post('dang.van.h', WRONG);
    const third = await post('dang.van.h', WRONG);
    expect([first.status, second.status, third.status]).toEqual([401, 401, 401]);
    expect(second.ms).toBeGreaterThanOrEqual(480);
    expect(third.ms).toBeGreaterThanOrEqual(680);
    // (the block is set when the third failure is counted, before its delay and password check)
    const blocked = await post('dang.van.h', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(blocked.html).toContain('1 phút');
    const row = await server.services.db.prisma.loginThrottle.findUnique({ where: { key: 'login:dang.van.h' } });
    expect(row!.blockedUntil!.getTime()).toBe(row!.lastFailureAt!.getTime() + 10_000);
    await new Promise((r) => setTimeout(r, Math.max(0, row!.blockedUntil!.getTime() - Date.now()) + 100));
    const ok = await post('dang.van.h', PASSWORD);
    expect(ok.status).toBe(303);
    const throttled = throttledFor(server, 'dang.van.h');
    // the block ended with the count: the last attempt starts afresh, undelayed
    expect(throttled.filter((l) => l.action === 'delay').map((l) => l.ms)).toEqual([500, 700]);
    expect(throttled.filter((l) => l.action === 'block')).toHaveLength(1);
    expect(await server.services.db.prisma.loginThrottle.findUnique({ where: { key: 'login:dang.van.h' } })).toBeNull();
  });
});

describe('login page: the directory unreachable', () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer({
      LDAP_URL: 'ldap://127.0.0.1:1',
      LDAP_BIND_DN: 'cn=sso,dc=tinh,dc=gov,dc=vn',
      LDAP_BIND_PASSWORD: 'not-used-here',
      LDAP_BASE_DN: 'dc=tinh,dc=gov,dc=vn',
      LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
      LDAP_TIMEOUT_MS: '1000',
      THROTTLE_ACCOUNT_BLOCK_AFTER: '2',
      THROTTLE_IP_BLOCK_AFTER: '2',
      THROTTLE_MAX_DELAY_MS: '0',
    });
    client = await setup(server);
  });
  afterAll(async () => server?.stop());

  test('a 503 is no failure: nothing is counted, the person is never blocked for it', async () => {
    const post = await loginForm(server, client);
    for (const login of ['ai.do', 'AI.DO@tinh.gov.vn', 'ai.do', 'ai.do']) expect((await post(login, PASSWORD)).status).toBe(503);
    expect(failuresFor(server, 'ai.do').map((l) => l.reason)).toEqual(['unavailable', 'unavailable', 'unavailable']);
    expect(throttledFor(server, 'ai.do')).toHaveLength(0);
    const rows = await server.services.db.prisma.loginThrottle.findMany();
    expect(rows.every((r) => r.failures === 0 && r.blockedUntil === null)).toBe(true);
    expect(rows.map((r) => r.key).sort()).toEqual(['ip:127.0.0.1', 'login:ai.do', 'pair:127.0.0.1|ai.do']);
  });
});
