/**
 * Deprovisioning end to end: the real server on a loopback port and a real database (SQLite, or
 * PostgreSQL with TEST_DATABASE=postgresql), real HTTP receivers for the back-channel logout
 * tokens, openid-client as the applications. When an account's access ends, its sessions,
 * grants and tokens end at once and every application holding a session for it receives a
 * logout token that verifies against the server's JWKS; deliveries are queued, retried with
 * back-off, recorded and listed by `sso logout-deliveries`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { main, type CliIO } from '../src/cli/main.js';
import { createKeyStore } from '../src/keys/store.js';
import { createSigningKeyRepository } from '../src/db/repos/signing-keys.js';
import { sessionOutlived } from '../src/oidc/adapter/payload-adapter.js';
import { adapterFactory } from './helpers/oidc-storage.js';
import { createDeprovisioner, type Deprovisioner } from '../src/deprovision/service.js';
import { backoffMs } from '../src/domain/logout-deliveries.js';
import { sessionAuthorizations } from '../src/domain/sessions.js';
import { storedId } from '../src/domain/bearer-values.js';
import { createSessionRepository } from '../src/db/repos/sessions.js';
import { createLogoutDeliveryRepository } from '../src/db/repos/logout-deliveries.js';
import { logoutTokenClaims, signLogoutToken, BACKCHANNEL_LOGOUT_EVENT } from '../src/deprovision/logout-token.js';
import { createLogger } from '../src/util/logger.js';
import { startTestServer, freePort, TEST_SECRETS, type TestServer } from './helpers/server.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, logoutReceiver, rpConfig, startAuth } from './helpers/rp.js';
import { until } from './helpers/until.js';

const PASSWORD = 'mật-khẩu-rất-dài-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
const SCOPE = 'openid profile offline_access';
const latencies: { path: string; ms: number }[] = [];

type Receiver = Awaited<ReturnType<typeof logoutReceiver>>;

/** A receiver that answers the given statuses in turn (then 200), recording each request and when it came. */
async function scriptedReceiver(statuses: number[] = [], opts: { delayMs?: number; location?: string } = {}) {
  const hits: { at: number; status: number; token: string | null; contentType: string | undefined }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = statuses[hits.length] ?? 200;
      hits.push({ at: performance.now(), status, token: new URLSearchParams(body).get('logout_token'), contentType: req.headers['content-type'] });
      setTimeout(() => {
        if (status >= 300 && status < 400) res.writeHead(status, { location: opts.location ?? '/' }).end();
        else res.writeHead(status).end();
      }, opts.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function cliIO(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => { throw new Error('no password expected'); } };
  return { io, out, err };
}

let server: TestServer;
let rA: Receiver;
let rB: Receiver;
let appA: { id: string; secret: string };
let appB: { id: string; secret: string };
let appC: { id: string; secret: string };
let cliEnv: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ LOGOUT_DELIVERY_ATTEMPTS: '3', LOGOUT_DELIVERY_TIMEOUT_MS: '2000' });
  rA = await logoutReceiver();
  rB = await logoutReceiver();
  const add = async (name: string, backchannelLogoutUri?: string) => {
    const c = await server.services.clients.add({ name, type: 'web', redirectUris: [REDIRECT], backchannelLogoutUri, firstParty: true });
    return { id: c.client.client_id, secret: c.clientSecret! };
  };
  appA = await add('Văn phòng điện tử', rA.url);
  appB = await add('Một cửa điện tử', rB.url);
  appC = await add('Báo cáo (no back-channel)');
  cliEnv = {
    NODE_ENV: 'test',
    DATABASE_URL: server.config.databaseUrl,
    ISSUER: server.issuer,
    DEMO: 'false',
    LOG_LEVEL: 'silent',
    LOGOUT_DELIVERY_ATTEMPTS: '3',
    LOGOUT_DELIVERY_TIMEOUT_MS: '2000',
    ...TEST_SECRETS,
  };
});

afterAll(async () => {
  await rA?.close();
  await rB?.close();
  await server?.stop();
  if (latencies.length) console.log(`back-channel logout latency (decision -> token received):\n${latencies.map((l) => `  ${l.path}: ${l.ms.toFixed(1)} ms`).join('\n')}`);
});

/** A new local account logged in (one browser, one session) to the given applications. */
async function loggedIn(apps: { id: string; secret: string }[]) {
  const login = `cb.${randomUUID().slice(0, 8)}`;
  const account = await server.services.accounts.addLocal({ login, password: PASSWORD, displayName: 'Lê Văn Cán Bộ' });
  const browser = new Browser(server.issuer);
  const sessions: { app: { id: string; secret: string }; config: oidc.Configuration; tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers }[] = [];
  for (const app of apps) {
    const config = await rpConfig(server.issuer, app.id, app.secret);
    const { tokens } = await loginAndExchange(config, browser, REDIRECT, login, PASSWORD, SCOPE);
    expect(tokens.refresh_token).toBeDefined();
    sessions.push({ app, config, tokens });
  }
  return { login, account, browser, sessions };
}

const jwks = () => createRemoteJWKSet(new URL(`${server.issuer}/jwks`));

async function expectLogoutToken(token: string, clientId: string, sub: string, idToken: string) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks(), { issuer: server.issuer, audience: clientId, typ: 'logout+jwt', maxTokenAge: 120 });
  expect(protectedHeader).toMatchObject({ typ: 'logout+jwt', alg: 'ES256' });
  expect(protectedHeader.kid).toEqual(expect.any(String));
  expect(payload.sub).toBe(sub);
  expect(payload.sid).toBe(decodeJwt(idToken).sid);
  expect(payload.sid).toEqual(expect.any(String));
  expect(payload.events).toEqual({ [BACKCHANNEL_LOGOUT_EVENT]: {} });
  expect(payload.nonce).toBeUndefined();
  expect(payload.jti).toEqual(expect.any(String));
  expect(payload.exp! - payload.iat!).toBe(120);
}

/** Everything issued to the account is dead, and the browser's session with it. */
async function expectAccessEnded(l: Awaited<ReturnType<typeof loggedIn>>) {
  for (const s of l.sessions) {
    await expect(oidc.refreshTokenGrant(s.config, s.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(s.config, s.tokens.access_token)).active).toBe(false);
  }
  const config = l.sessions[0]!.config;
  const start = await startAuth(config, REDIRECT, 'openid');
  const page = await l.browser.go(start.url.toString());
  expect(page.leftTo).toBeUndefined();
  expect(page.html).toContain('name="password"');
  expect(await server.services.db.prisma.oidcPayload.count({ where: { accountId: l.account.id } })).toBe(0);
}

describe('endAccess on the server', () => {
  test('every application with a back-channel URI gets a valid logout token at once; sessions, grants and tokens end', async () => {
    const l = await loggedIn([appA, appB, appC]);
    const [a, b, c] = l.sessions;
    // sanity: the three tokens live before
    expect((await oidc.tokenIntrospection(c!.config, c!.tokens.access_token)).active).toBe(true);
    const beforeA = rA.tokens.length;
    const beforeB = rB.tokens.length;

    const t0 = performance.now();
    const r = await server.services.deprovision.endAccess(l.account.id, 'test: left the agency');
    expect(r.queued).toBe(2);
    expect(r.revoked).toBeGreaterThanOrEqual(1 + 3 + 3); // the session, three grants, their tokens
    await until('both logout tokens', () => rA.tokens.length > beforeA && rB.tokens.length > beforeB, 10_000, 1);
    const ms = performance.now() - t0;
    latencies.push({ path: 'server endAccess', ms });
    expect(ms).toBeLessThan(15_000);

    expect(rA.tokens).toHaveLength(beforeA + 1);
    expect(rB.tokens).toHaveLength(beforeB + 1);
    await expectLogoutToken(rA.tokens.at(-1)!, appA.id, l.account.id, a!.tokens.id_token!);
    await expectLogoutToken(rB.tokens.at(-1)!, appB.id, l.account.id, b!.tokens.id_token!);
    // each application's sid is its own
    expect(decodeJwt(rA.tokens.at(-1)!).sid).not.toBe(decodeJwt(rB.tokens.at(-1)!).sid);

    const rows = await until('rows delivered', async () => {
      const rs = await server.services.deprovision.list({ accountId: l.account.id });
      return rs.length === 2 && rs.every((x) => x.status === 'delivered') ? rs : null;
    });
    expect(rows.map((x) => x.clientId).sort()).toEqual([appA.id, appB.id].sort());
    for (const row of rows) {
      expect(row).toMatchObject({ attempts: 1, lastError: null, reason: 'test: left the agency' });
      expect(row.deliveredAt).toBeInstanceOf(Date);
    }
    // the application without a back-channel URI has no row (and nothing to receive)
    expect(rows.some((x) => x.clientId === appC.id)).toBe(false);

    await expectAccessEnded(l);
    // no token ever reaches a log line
    const logs = server.logs.join('');
    for (const t of [rA.tokens.at(-1)!, rB.tokens.at(-1)!]) expect(logs).not.toContain(t);
    expect(logs).toContain('logout.delivered');
  });

  test('an account with no session: nothing queued, nothing sent', async () => {
    const account = await server.services.accounts.addLocal({ login: `idle.${randomUUID().slice(0, 8)}`, password: PASSWORD, displayName: 'Không Đăng Nhập' });
    const beforeA = rA.tokens.length;
    expect(await server.services.deprovision.endAccess(account.id, 'test')).toEqual({ revoked: 0, queued: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(rA.tokens).toHaveLength(beforeA);
  });

  test('a receiver that answers 500 then 200 gets it on the retry: attempts 2, delivered', async () => {
    const flaky = await scriptedReceiver([500]);
    try {
      const c = await server.services.clients.add({ name: 'Flaky', type: 'web', redirectUris: [REDIRECT], backchannelLogoutUri: flaky.url, firstParty: true });
      const l = await loggedIn([{ id: c.client.client_id, secret: c.clientSecret! }]);
      const t0 = performance.now();
      expect((await server.services.deprovision.endAccess(l.account.id, 'test')).queued).toBe(1);
      await until('the retry', () => flaky.hits.length >= 2);
      latencies.push({ path: 'server endAccess, first answer 500 (one retry after 1 s)', ms: flaky.hits[1]!.at - t0 });
      const row = await until('delivered', async () => (await server.services.deprovision.list({ accountId: l.account.id })).find((x) => x.status === 'delivered'));
      expect(row.attempts).toBe(2);
      expect(flaky.hits.map((h) => h.status)).toEqual([500, 200]);
      expect(flaky.hits[0]!.contentType).toBe('application/x-www-form-urlencoded');
      // a fresh token per attempt
      expect(decodeJwt(flaky.hits[0]!.token!).jti).not.toBe(decodeJwt(flaky.hits[1]!.token!).jti);
      await expectLogoutToken(flaky.hits[1]!.token!, c.client.client_id, l.account.id, l.sessions[0]!.tokens.id_token!);
      expect(server.logs.join('')).toContain('HTTP 500');
    } finally {
      await flaky.close();
    }
  });

  test('a receiver that is down ends as failed after LOGOUT_DELIVERY_ATTEMPTS (3)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/backchannel-logout`;
    const c = await server.services.clients.add({ name: 'Down', type: 'web', redirectUris: [REDIRECT], backchannelLogoutUri: dead, firstParty: true });
    const l = await loggedIn([{ id: c.client.client_id, secret: c.clientSecret! }]);
    expect((await server.services.deprovision.endAccess(l.account.id, 'test')).queued).toBe(1);
    const row = await until('failed', async () => (await server.services.deprovision.list({ accountId: l.account.id, status: 'failed' }))[0], 15_000, 50);
    expect(row.attempts).toBe(3);
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    expect(row.deliveredAt).toBeNull();
    // the failure does not keep the account's access alive
    await expectAccessEnded(l);
  });
});

describe('the sso command', () => {
  test('account disable: revokes, queues, delivers from the CLI itself; logout-deliveries lists the rows', async () => {
    const l = await loggedIn([appA, appB, appC]);
    const beforeA = rA.tokens.length;
    const beforeB = rB.tokens.length;
    const { io, out, err } = cliIO(cliEnv);
    const t0 = performance.now();
    const code = await main(['node', 'sso', 'account', 'disable', l.login], io);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    await until('both logout tokens', () => rA.tokens.length > beforeA && rB.tokens.length > beforeB, 10_000, 1);
    latencies.push({ path: 'sso account disable (CLI process)', ms: performance.now() - t0 });
    expect(out[0]).toMatch(new RegExp(`^disabled ${l.login.replace('.', '\\.')}; revoked \\d+ sessions, grants and tokens$`));
    // the server's loop may win a row; between them both are delivered once
    expect(out[1]).toMatch(/^logout notifications: 2 queued, [0-2] delivered, 0 to retry, 0 failed/);
    expect(rA.tokens).toHaveLength(beforeA + 1);
    expect(rB.tokens).toHaveLength(beforeB + 1);
    await expectLogoutToken(rA.tokens.at(-1)!, appA.id, l.account.id, l.sessions[0]!.tokens.id_token!);
    await expectLogoutToken(rB.tokens.at(-1)!, appB.id, l.account.id, l.sessions[1]!.tokens.id_token!);
    expect((await server.services.accounts.byLogin(l.login))!.status).toBe('disabled');
    await expectAccessEnded(l);

    await until('rows delivered', async () => (await server.services.deprovision.list({ accountId: l.account.id, status: 'delivered' })).length === 2);
    const list = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--account', l.login, '--json'], list.io)).toBe(0);
    expect(list.out).toHaveLength(1);
    const rows = JSON.parse(list.out[0]!) as { status: string; attempts: number; login: string; client_id: string; sid: string; reason: string; delivered_at: string | null; last_error: string | null }[];
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'delivered', attempts: 1, login: l.login, reason: 'sso account disable', last_error: null });
      expect(Date.parse(r.delivered_at!)).not.toBeNaN();
    }
    expect(rows.map((r) => r.client_id).sort()).toEqual([appA.id, appB.id].sort());
    expect(rows.map((r) => r.sid).sort()).toEqual([decodeJwt(l.sessions[0]!.tokens.id_token!).sid, decodeJwt(l.sessions[1]!.tokens.id_token!).sid].sort());

    // filters: by status (failed rows exist from the "down" test when run together; none for this account)
    const none = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--account', l.login, '--status', 'failed', '--json'], none.io)).toBe(0);
    expect(JSON.parse(none.out[0]!)).toEqual([]);
    const limited = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--limit', '1', '--json'], limited.io)).toBe(0);
    expect(JSON.parse(limited.out[0]!)).toHaveLength(1);
    const human = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--account', l.login], human.io)).toBe(0);
    expect(human.out[0]).toMatch(/^CREATED_AT\s+STATUS\s+ATTEMPTS\s+LOGIN/);
    expect(human.out[0]).toContain('delivered');
  });

  test('account logout: the account stays enabled, its applications are told', async () => {
    const l = await loggedIn([appA]);
    const beforeA = rA.tokens.length;
    const { io, out } = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'account', 'logout', l.login], io)).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^revoked \\d+ sessions, grants and tokens of ${l.login.replace('.', '\\.')}$`));
    expect(out[1]).toMatch(/^logout notifications: 1 queued/);
    await until('the logout token', () => rA.tokens.length > beforeA);
    await expectLogoutToken(rA.tokens.at(-1)!, appA.id, l.account.id, l.sessions[0]!.tokens.id_token!);
    expect((await server.services.accounts.byLogin(l.login))!.status).toBe('active');
    await expectAccessEnded(l);
  });

  test('logout-deliveries: wrong usage and unknown accounts', async () => {
    const bad = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--status', 'lost'], bad.io)).toBe(2);
    const badLimit = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--limit', '0'], badLimit.io)).toBe(2);
    const unknown = cliIO(cliEnv);
    expect(await main(['node', 'sso', 'logout-deliveries', '--account', 'nobody.here'], unknown.io)).toBe(1);
    expect(unknown.err.join('\n')).toBe('sso: no account with login "nobody.here"');
  });
});

describe('the delivery queue (its own database, deprovisioners without a server)', () => {
  let tdb: TestDatabase;
  let keys: ReturnType<typeof createKeyStore>;
  const ISSUER = 'https://sso.tinh.gov.vn';
  const later = () => new Date(Date.now() + 3_600_000);
  const stopping: Deprovisioner[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    keys = createKeyStore(createSigningKeyRepository(tdb.db.prisma), { secret: TEST_SECRETS.KEY_ENCRYPTION_SECRET, algs: ['ES256', 'RS256'] });
    await keys.ensure();
  });
  afterAll(async () => {
    for (const d of stopping) await d.stop();
    await tdb?.drop();
  });

  const make = (o: Partial<Parameters<typeof createDeprovisioner>[0]> = {}) => {
    const d = createDeprovisioner({ sessions: createSessionRepository(tdb.db.prisma), deliveries: createLogoutDeliveryRepository(tdb.db.prisma), keys, issuer: ISSUER, logger: createLogger('silent'), attempts: 3, timeoutMs: 2000, backoffBaseMs: 20, pollIntervalMs: 50, ...o });
    stopping.push(d);
    return d;
  };

  async function fixture(uri: string | null, sessions: number) {
    const clientId = `app-${randomUUID().slice(0, 8)}`;
    await tdb.db.prisma.client.create({ data: { id: clientId, name: clientId, type: 'web', redirectUris: '[]', backchannelLogoutUri: uri } });
    const accountId = randomUUID();
    await tdb.db.prisma.account.create({ data: { id: accountId, login: `q.${accountId.slice(0, 8)}`, displayName: 'Q', source: 'local' } });
    const sids: string[] = [];
    for (let i = 0; i < sessions; i++) {
      const sid = `sid-${i}-${randomUUID().slice(0, 6)}`;
      sids.push(sid);
      const grantId = randomUUID();
      await tdb.db.prisma.oidcPayload.create({
        data: { type: 'Session', id: randomUUID(), accountId, expiresAt: later(), payload: JSON.stringify({ accountId, authorizations: { [clientId]: { sid, grantId }, 'gone-client': { sid: 'x', grantId: 'y' } } }) },
      });
      await tdb.db.prisma.oidcPayload.create({ data: { type: 'Grant', id: grantId, accountId, clientId, payload: '{}', expiresAt: later() } });
      await tdb.db.prisma.oidcPayload.create({ data: { type: 'RefreshToken', id: randomUUID(), grantId, clientId, payload: '{}', expiresAt: later() } });
    }
    return { clientId, accountId, sids };
  }

  test('two deprovisioners delivering from the same database never deliver one row twice', async () => {
    const recv = await scriptedReceiver([], { delayMs: 5 });
    try {
      const f = await fixture(recv.url, 30);
      const d1 = make();
      const d2 = make();
      const r = await d1.endAccess(f.accountId, 'test');
      expect(r).toEqual({ queued: 30, revoked: 30 * 3 });
      const passes = await Promise.all([d1.deliverDue(), d2.deliverDue(), d1.deliverDue(), d2.deliverDue()]);
      expect(passes.reduce((n, p) => n + p.delivered, 0)).toBe(30);
      expect(recv.hits).toHaveLength(30);
      const sids = recv.hits.map((h) => decodeJwt(h.token!).sid);
      expect(new Set(sids).size).toBe(30);
      expect([...sids].sort()).toEqual([...f.sids].sort());

      // and with both loops running
      const g = await fixture(recv.url, 20);
      d1.start();
      d2.start();
      await d2.endAccess(g.accountId, 'test');
      await until('all delivered', async () => (await d1.list({ accountId: g.accountId, status: 'delivered' })).length === 20);
      await new Promise((r2) => setTimeout(r2, 150));
      expect(recv.hits).toHaveLength(50);
      expect(new Set(recv.hits.map((h) => decodeJwt(h.token!).sid)).size).toBe(50);
      await Promise.all([d1.stop(), d2.stop()]);
    } finally {
      await recv.close();
    }
  });

  test('retries back off exponentially, then fail; error text recorded, never the token', async () => {
    let clock = Date.now();
    const sent: string[] = [];
    const fetchImpl = (async (_url: string | URL | Request, init?: RequestInit) => {
      sent.push(new URLSearchParams(String(init?.body)).get('logout_token')!);
      return new Response(null, { status: 503 });
    }) as typeof fetch;
    const d = make({ now: () => new Date(clock), fetchImpl, backoffBaseMs: 1000 });
    const f = await fixture('https://app.tinh.gov.vn/bcl', 1);
    await d.endAccess(f.accountId, 'test');
    const row = async () => (await d.list({ accountId: f.accountId }))[0]!;

    expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(await row()).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: new Date(clock + 1000) });
    clock += 999;
    expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock += 1;
    expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(await row()).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: new Date(clock + 2000) });
    clock += 2000;
    expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(await row()).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 503', deliveredAt: null });
    clock += 3_600_000;
    expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(sent).toHaveLength(3);
    const stored = JSON.stringify(await tdb.db.prisma.logoutDelivery.findMany());
    for (const t of sent) expect(stored).not.toContain(t);

    expect([1, 2, 3, 4, 5, 9, 10, 30].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000, 16000, 256000, 300000, 300000]);
  });

  test('redirects are not followed; timeouts are recorded', async () => {
    const target = await scriptedReceiver();
    const redirecting = await scriptedReceiver([307], { location: target.url });
    const slow = await scriptedReceiver([], { delayMs: 1500 });
    try {
      const f = await fixture(redirecting.url, 1);
      const d = make({ attempts: 1 });
      await d.endAccess(f.accountId, 'test');
      expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 1 });
      expect((await d.list({ accountId: f.accountId }))[0]).toMatchObject({ status: 'failed', lastError: 'HTTP 307' });
      expect(redirecting.hits).toHaveLength(1);
      expect(target.hits).toHaveLength(0);

      const g = await fixture(slow.url, 1);
      const quick = make({ attempts: 1, timeoutMs: 200 });
      await quick.endAccess(g.accountId, 'test');
      expect(await quick.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 1 });
      expect((await quick.list({ accountId: g.accountId }))[0]!.lastError).toBe('timeout after 200 ms');
    } finally {
      await Promise.all([target.close(), redirecting.close(), slow.close()]);
    }
  });

  test('a row left in "sending" by an instance that died is due again when its lease runs out', async () => {
    const recv = await scriptedReceiver();
    try {
      const f = await fixture(recv.url, 2);
      const d = make();
      await d.endAccess(f.accountId, 'test');
      const [r1, r2] = await d.list({ accountId: f.accountId });
      // one crashed mid-send with attempts left, one after its last allowed attempt; a third still leased
      await tdb.db.prisma.logoutDelivery.update({ where: { id: r1!.id }, data: { status: 'sending', attempts: 1, nextAttemptAt: new Date(Date.now() - 1000) } });
      await tdb.db.prisma.logoutDelivery.update({ where: { id: r2!.id }, data: { status: 'sending', attempts: 3, nextAttemptAt: new Date(Date.now() - 1000) } });
      expect(await d.deliverDue()).toEqual({ delivered: 1, retried: 0, failed: 1 });
      expect((await d.list({ accountId: f.accountId })).map((r) => [r.id, r.status, r.attempts]).sort()).toEqual(
        [[r1!.id, 'delivered', 2], [r2!.id, 'failed', 3]].sort(),
      );
      expect(recv.hits).toHaveLength(1);

      const g = await fixture(recv.url, 1);
      await d.endAccess(g.accountId, 'test');
      const [leased] = await d.list({ accountId: g.accountId });
      await tdb.db.prisma.logoutDelivery.update({ where: { id: leased!.id }, data: { status: 'sending', attempts: 1, nextAttemptAt: new Date(Date.now() + 60_000) } });
      expect(await d.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    } finally {
      await recv.close();
    }
  });

  test('only active applications with a back-channel URI, only live sessions; the other rows of the account and its grants go', async () => {
    const recv = await scriptedReceiver();
    try {
      const f = await fixture(recv.url, 1);
      const noUri = await fixture(null, 0);
      const disabled = await fixture(recv.url, 0);
      await tdb.db.prisma.client.update({ where: { id: disabled.clientId }, data: { status: 'disabled' } });
      const p = tdb.db.prisma;
      // one more live session at the other two apps, one expired session at f's app, an unrelated account
      await p.oidcPayload.create({ data: { type: 'Session', id: randomUUID(), accountId: f.accountId, expiresAt: later(), payload: JSON.stringify({ authorizations: { [noUri.clientId]: { sid: 's1' }, [disabled.clientId]: { sid: 's2' } } }) } });
      await p.oidcPayload.create({ data: { type: 'Session', id: randomUUID(), accountId: f.accountId, expiresAt: new Date(Date.now() - 1000), payload: JSON.stringify({ authorizations: { [f.clientId]: { sid: 'expired' } } }) } });
      await p.oidcPayload.create({ data: { type: 'Session', id: randomUUID(), accountId: f.accountId, payload: 'not json' } });
      await p.oidcPayload.create({ data: { type: 'AccessToken', id: randomUUID(), accountId: f.accountId, clientId: f.clientId, payload: '{}', expiresAt: later() } });
      const other = await fixture(recv.url, 1);
      const d = make();
      const r = await d.endAccess(f.accountId, 'test');
      expect(r).toEqual({ queued: 1, revoked: 3 + 3 + 1 });
      expect((await d.list({ accountId: f.accountId })).map((x) => [x.clientId, x.sid])).toEqual([[f.clientId, f.sids[0]]]);
      expect(await p.oidcPayload.count({ where: { accountId: f.accountId } })).toBe(0);
      expect(await p.oidcPayload.count({ where: { accountId: other.accountId } })).toBe(2);
      expect(await p.oidcPayload.count({ where: { clientId: other.clientId } })).toBe(2);
    } finally {
      await recv.close();
    }
  });
});

describe('a session saved again by a request in flight when its account was logged out everywhere', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());

  test('is refused when loaded (by id and by uid); a session begun after it, and other accounts\' sessions, are not', async () => {
    const p = tdb.db.prisma;
    const keys = createKeyStore(createSigningKeyRepository(p), { secret: TEST_SECRETS.KEY_ENCRYPTION_SECRET, algs: ['ES256'] });
    const d = createDeprovisioner({ sessions: createSessionRepository(p), deliveries: createLogoutDeliveryRepository(p), keys, issuer: 'https://sso.tinh.gov.vn', logger: createLogger('silent'), attempts: 3, timeoutMs: 2000 });
    const sessions = adapterFactory(p)('Session');
    const account = async () => {
      const id = randomUUID();
      await p.account.create({ data: { id, login: `r.${id.slice(0, 8)}`, displayName: 'R', source: 'local' } });
      return id;
    };
    const [a, b] = [await account(), await account()];
    const nowS = Math.floor(Date.now() / 1000);
    const old = { kind: 'Session', uid: `u-${randomUUID()}`, accountId: a, loginTs: nowS - 60, exp: nowS + 3600 };
    const id = randomUUID();
    await sessions.upsert(id, old, 3600);
    const others = { kind: 'Session', uid: `u-${randomUUID()}`, accountId: b, loginTs: nowS - 60, exp: nowS + 3600 };
    await sessions.upsert('b-session', others, 3600);
    try {
      expect(await d.endAccess(a, 'test')).toMatchObject({ revoked: 1 });
      expect(await sessions.find(id)).toBeUndefined();
      // the request that had loaded it before saves it again
      await sessions.upsert(id, old, 3600);
      expect(await p.oidcPayload.count({ where: { type: 'Session', id: storedId('Session', id) } })).toBe(1);
      expect(await sessions.find(id)).toBeUndefined();
      expect(await sessions.findByUid(old.uid)).toBeUndefined();
      // a login after the logout (loginTs from the same clock, a later second) is a session again
      const fresh = { ...old, uid: `u-${randomUUID()}`, loginTs: nowS + 2 };
      await sessions.upsert('fresh', fresh, 3600);
      expect(await sessions.find('fresh')).toMatchObject({ accountId: a, loginTs: nowS + 2 });
      expect(await sessions.findByUid(fresh.uid)).toMatchObject({ accountId: a });
      expect(await sessions.find('b-session')).toMatchObject({ accountId: b });
    } finally {
      await d.stop();
    }
  });

  test('sessionOutlived: only a session that began in an earlier second than the mark', () => {
    const mark = new Date('2026-12-02T10:00:00.700Z');
    const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    expect(sessionOutlived({ loginTs: at('2026-12-02T09:59:59Z') }, mark)).toBe(true);
    expect(sessionOutlived({ loginTs: at('2026-12-02T10:00:00Z') }, mark)).toBe(false); // the same second: kept
    expect(sessionOutlived({ loginTs: at('2026-12-02T10:00:01Z') }, mark)).toBe(false);
    expect(sessionOutlived({ loginTs: at('2026-12-02T09:00:00Z') }, null)).toBe(false);
    expect(sessionOutlived({}, mark)).toBe(true); // no login time: not a session of a login after the mark
  });
});

describe('logout tokens', () => {
  test('claims per Back-Channel Logout 1.0, no nonce; sid only when known', () => {
    const now = new Date('2026-11-27T03:00:00.500Z');
    expect(logoutTokenClaims({ issuer: 'https://sso.tinh.gov.vn', clientId: 'vpdt', sub: 'acc-1', sid: 'sid-1', now, jti: 'j-1' })).toEqual({
      iss: 'https://sso.tinh.gov.vn',
      aud: 'vpdt',
      iat: 1795748400,
      exp: 1795748520,
      jti: 'j-1',
      sub: 'acc-1',
      sid: 'sid-1',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });
    const noSid = logoutTokenClaims({ issuer: 'i', clientId: 'c', sub: 's', sid: null });
    expect(noSid).not.toHaveProperty('sid');
    expect(noSid).not.toHaveProperty('nonce');
    expect(noSid.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(logoutTokenClaims({ issuer: 'i', clientId: 'c', sub: 's' }).jti).not.toBe(noSid.jti);
  });

  test.each(['ES256', 'RS256', 'EdDSA'])('signed with the key given (%s): typ logout+jwt, alg and kid from the key', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const kid = `k-${alg}`;
    const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
    const token = await signLogoutToken(logoutTokenClaims({ issuer: 'https://sso.tinh.gov.vn', clientId: 'vpdt', sub: 'acc-1', sid: 's' }), jwk);
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid, typ: 'logout+jwt' });
    const pub: JWK = { ...(await exportJWK(publicKey)), kid, alg };
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [pub] }), { issuer: 'https://sso.tinh.gov.vn', audience: 'vpdt', typ: 'logout+jwt' });
    expect(payload).toMatchObject({ sub: 'acc-1', sid: 's' });
  });

  test('session payloads: authorizations read defensively', () => {
    expect(sessionAuthorizations(JSON.stringify({ authorizations: { a: { sid: 's', grantId: 'g' }, b: {}, c: null } }))).toEqual([
      { clientId: 'a', sid: 's', grantId: 'g' },
      { clientId: 'b', sid: null, grantId: null },
      { clientId: 'c', sid: null, grantId: null },
    ]);
    expect(sessionAuthorizations('{}')).toEqual([]);
    expect(sessionAuthorizations('nope')).toEqual([]);
    expect(sessionAuthorizations('null')).toEqual([]);
  });
});
