/**
 * Password-guessing throttle: the pure policy, the shared counters (atomic across concurrent
 * attempts and instances), and the login page (delay, 429 block with Retry-After, no password
 * check while blocked, per-account and per-address limits, X-Forwarded-For only behind a trusted proxy).
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

/** A login page of a fresh interaction, and a function posting its form. */
async function loginForm(server: TestServer, client: { id: string; secret: string }, lang = 'vi') {
  const browser = new Browser(server.issuer, lang);
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

const logLines = (server: TestServer) => server.logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const failuresFor = (server: TestServer, login: string) => logLines(server).filter((l) => l.event === 'login.failure' && l.login === login);
const throttledFor = (server: TestServer, login: string) => logLines(server).filter((l) => l.event === 'login.throttled' && l.login === login);
const xff = (ip: string) => ({ 'x-forwarded-for': ip });

describe('login page: account and address blocks (behind a trusted proxy)', () => {
  const ENV = {
    TRUST_PROXY: 'true',
    THROTTLE_ACCOUNT_DELAY_AFTER: '100',
    THROTTLE_ACCOUNT_BLOCK_AFTER: '3',
    THROTTLE_IP_DELAY_AFTER: '1000',
    THROTTLE_IP_BLOCK_AFTER: '5',
    THROTTLE_BLOCK_DURATION: '10m',
    THROTTLE_MAX_DELAY_MS: '0',
  };
  let server: TestServer;
  let second: TestServer | undefined;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(ENV);
    client = await setup(server);
    for (const login of ['nguyen.van.a', 'tran.thi.b', 'le.van.c', 'pham.van.d', 'hoang.thi.e']) {
      await server.services.accounts.addLocal({ login, password: PASSWORD, displayName: login });
    }
  });
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
  });

  test('after N wrong passwords: 429 with Retry-After and the minutes; even the right password is refused, and never checked', async () => {
    const post = await loginForm(server, client);
    for (let i = 0; i < 3; i++) expect((await post('nguyen.van.a', WRONG, xff('198.51.100.1'))).status).toBe(401);
    const blocked = await post('nguyen.van.a', WRONG, xff('198.51.100.1'));
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(blocked.headers.get('cache-control')).toContain('no-store');
    expect(blocked.html).toContain('Vui lòng thử lại sau 10 phút');
    expect(blocked.html).toMatch(/name="password"/); // the form stays, to retry later
    expect(blocked.html).toContain('value="nguyen.van.a"');
    // the account is blocked from any address, with the right password too
    const right = await post('nguyen.van.a', PASSWORD, xff('198.51.100.2'));
    expect(right.status).toBe(429);
    const en = await loginForm(server, client, 'en');
    const english = await en('Nguyen.Van.A', PASSWORD, xff('198.51.100.3'));
    expect(english.status).toBe(429);
    expect(english.html).toContain('Please wait 10 min and try again');
    // three password checks, then none: blocked attempts never reach authenticate
    expect(failuresFor(server, 'nguyen.van.a').map((l) => l.reason)).toEqual(['invalid_credentials', 'invalid_credentials', 'invalid_credentials']);
    const throttled = throttledFor(server, 'nguyen.van.a');
    expect(throttled).toHaveLength(3);
    expect(throttled.every((l) => l.action === 'block' && l.keyType === 'account')).toBe(true);
    expect(server.logs.join('\n')).not.toContain(WRONG);
    expect(server.logs.join('\n')).not.toContain(PASSWORD);
    const row = await server.services.db.prisma.loginThrottle.findUnique({ where: { key: 'login:nguyen.van.a' } });
    expect(row).toMatchObject({ failures: 3 });
    expect(row!.blockedUntil!.getTime()).toBeGreaterThan(Date.now() + 590_000);
  });

  test('unknown logins are throttled too, by their normalised form', async () => {
    const post = await loginForm(server, client);
    for (let i = 0; i < 3; i++) expect((await post('khong.ton.tai', WRONG, xff('198.51.100.10'))).status).toBe(401);
    expect((await post('  KHONG.Ton.Tai ', WRONG, xff('198.51.100.11'))).status).toBe(429);
    expect(failuresFor(server, 'khong.ton.tai')).toHaveLength(3);
  });

  test('a success clears the account counter, not the address counter', async () => {
    const post = await loginForm(server, client);
    const from = xff('198.51.100.20');
    expect((await post('tran.thi.b', WRONG, from)).status).toBe(401);
    expect((await post('tran.thi.b', WRONG, from)).status).toBe(401);
    expect((await post('tran.thi.b', PASSWORD, from)).status).toBe(303);
    const t = server.services.db.prisma.loginThrottle;
    expect(await t.findUnique({ where: { key: 'login:tran.thi.b' } })).toBeNull();
    expect(await t.findUnique({ where: { key: 'ip:198.51.100.20' } })).toMatchObject({ failures: 2 });
    // the count starts again: two more wrong passwords are two, not four
    const again = await loginForm(server, client);
    expect((await again('tran.thi.b', WRONG, from)).status).toBe(401);
    expect((await again('tran.thi.b', WRONG, from)).status).toBe(401);
    expect(await t.findUnique({ where: { key: 'login:tran.thi.b' } })).toMatchObject({ failures: 2, blockedUntil: null });
    expect(await t.findUnique({ where: { key: 'ip:198.51.100.20' } })).toMatchObject({ failures: 4 });
  });

  test('the per-address limit stops a spray across many logins; X-Forwarded-For names the address', async () => {
    const post = await loginForm(server, client);
    const sprayer = xff('203.0.113.7');
    for (let i = 0; i < 5; i++) expect((await post(`thu.${i}`, WRONG, sprayer)).status).toBe(401);
    const refused = await post('le.van.c', PASSWORD, sprayer);
    expect(refused.status).toBe(429);
    expect(throttledFor(server, 'le.van.c')[0]).toMatchObject({ action: 'block', keyType: 'address', ip: '203.0.113.7' });
    expect(failuresFor(server, 'le.van.c')).toHaveLength(0);
    // the same person from another address is not affected
    expect((await post('le.van.c', PASSWORD, xff('203.0.113.8'))).status).toBe(303);
  });

  test('counters are shared by two instances on one database, and parallel guesses cannot slip through', async () => {
    second = await startTestServer(ENV, { databaseUrl: server.config.databaseUrl });
    const [a, b] = [await loginForm(server, client), await loginForm(second, client)];
    const from = xff('198.51.100.30');
    expect((await a('pham.van.d', WRONG, from)).status).toBe(401);
    expect((await b('pham.van.d', WRONG, from)).status).toBe(401);
    expect((await a('pham.van.d', WRONG, from)).status).toBe(401);
    expect((await b('pham.van.d', PASSWORD, from)).status).toBe(429);
    expect((await a('pham.van.d', PASSWORD, from)).status).toBe(429);

    // a burst of 12 parallel guesses over both instances: exactly 3 passwords checked
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b)('hoang.thi.e', WRONG, xff(`198.51.100.${40 + i}`))));
    expect(burst.filter((r) => r.status === 401)).toHaveLength(3);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(9);
    expect(failuresFor(server, 'hoang.thi.e').length + failuresFor(second, 'hoang.thi.e').length).toBe(3);
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
      THROTTLE_ACCOUNT_DELAY_AFTER: '1',
      THROTTLE_ACCOUNT_BLOCK_AFTER: '3',
      THROTTLE_IP_DELAY_AFTER: '1000',
      THROTTLE_IP_BLOCK_AFTER: '1000',
      THROTTLE_BLOCK_DURATION: '3s',
      THROTTLE_MAX_DELAY_MS: '700',
    });
    client = await setup(server);
    await server.services.accounts.addLocal({ login: 'dang.van.h', password: PASSWORD, displayName: 'Đặng Văn H' });
  });
  afterAll(async () => server?.stop());

  test('each failure past the threshold waits longer (capped); a short block ends and the right password works again', async () => {
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
    expect(['1', '2', '3']).toContain(blocked.headers.get('retry-after'));
    expect(blocked.html).toContain('1 phút');
    const row = await server.services.db.prisma.loginThrottle.findUnique({ where: { key: 'login:dang.van.h' } });
    await new Promise((r) => setTimeout(r, Math.max(0, row!.blockedUntil!.getTime() - Date.now()) + 100));
    const ok = await post('dang.van.h', PASSWORD);
    expect(ok.status).toBe(303);
    const throttled = throttledFor(server, 'dang.van.h');
    expect(throttled.filter((l) => l.action === 'delay').map((l) => l.ms)).toEqual([500, 700, 700]);
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
    expect(rows.map((r) => r.key).sort()).toEqual(['ip:127.0.0.1', 'login:ai.do']);
  });
});
