/**
 * Fault: PostgreSQL goes away under load (a crash: `pg_ctl -m immediate stop`, and a clean
 * shutdown: `-m fast`) and comes back. During the outage every request gets a clean answer (a
 * protocol-shaped 503 `temporarily_unavailable` from the token endpoint, a readable 503 page from
 * the authorization endpoint and the pages; never a stack, an internal detail, a crash or an
 * unhandled rejection); afterwards requests succeed again without restarting the IdP.
 *
 * PostgreSQL pass only (the `.postgresql.test.ts` name; see scripts/test.mjs): the outage is a database server going away, which SQLite (a file inside the
 * process) has no equivalent of. The database is a throwaway cluster of this test's own
 * (test/helpers/pg-cluster.ts), never the machine's shared one, which other tests are using.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { collectUnhandled } from './helpers/hostile.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

interface Hit {
  phase: 'before' | 'outage' | 'after';
  kind: 'token' | 'authorize' | 'readyz';
  status: number;
  type: string;
  body: string;
  error?: string;
}

const STACK = /\bat .*\.(ts|js):\d+|node_modules|prisma|ECONNREFUSED|SELECT |postgres(ql)?:\/\//i;

describe('PostgreSQL outage under load', () => {
  let cluster: PgCluster;
  let server: TestServer;
  let service: { id: string; secret: string };
  let web: { id: string; secret: string };
  let unhandled: ReturnType<typeof collectUnhandled>;

  beforeAll(async () => {
    unhandled = collectUnhandled();
    cluster = await startPgCluster();
    const url = await cluster.createDatabase('sso');
    server = await startTestServer({ DATABASE_POOL_SIZE: '4' }, { databaseUrl: url });
    const s = await server.services.clients.add({ name: 'Báo cáo', type: 'service', redirectUris: [] });
    service = { id: s.client.client_id, secret: s.clientSecret! };
    const w = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] });
    web = { id: w.client.client_id, secret: w.clientSecret! };
  });
  afterAll(async () => {
    await server?.close();
    await cluster?.destroy();
    unhandled?.stop();
  });

  async function tokenRequest(): Promise<Omit<Hit, 'phase'>> {
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(20_000),
    });
    return { kind: 'token', status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  async function authorizeRequest(): Promise<Omit<Hit, 'phase'>> {
    const config = await rpConfig(server.issuer, web.id, web.secret).catch(() => undefined);
    const url = config
      ? (await startAuth(config, REDIRECT, 'openid')).url.toString()
      : `/auth?client_id=${web.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    const page = await new Browser(server.issuer).go(url);
    return { kind: 'authorize', status: page.status, type: page.headers.get('content-type') ?? '', body: page.leftTo ? `left to ${page.leftTo}` : page.html };
  }

  async function load(phase: () => Hit['phase'], until: () => boolean, hits: Hit[]) {
    const worker = async (fn: () => Promise<Omit<Hit, 'phase'>>) => {
      while (!until()) {
        const started = phase();
        // a request in flight when the database went away or came back counts as the outage's
        const p = () => (started === phase() ? started : 'outage');
        try {
          const hit = await fn();
          hits.push({ phase: p(), ...hit });
        } catch (err) {
          hits.push({ phase: p(), kind: 'token', status: 0, type: '', body: '', error: (err as Error).message });
        }
      }
    };
    await Promise.all([worker(tokenRequest), worker(tokenRequest), worker(tokenRequest), worker(authorizeRequest), worker(authorizeRequest)]);
  }

  const clean = (h: Hit) => {
    if (h.status === 0 || h.status === 500 || STACK.test(h.body)) return false;
    if (h.phase !== 'outage') return h.kind === 'token' ? h.status === 200 : h.status === 200 && /name="password"/.test(h.body);
    // during the outage: a success (a request that needed no database, or in flight as it went
    // or came back), an honest 503, or the authorization error sent back to the application
    if (h.status === 200) return true;
    if (h.kind === 'authorize' && /^left to http:\/\/127\.0\.0\.1:9\/cb\?error=temporarily_unavailable&/.test(h.body)) return true;
    if (h.status !== 503) return false;
    if (h.kind === 'token') return /application\/json/.test(h.type) && JSON.parse(h.body).error === 'temporarily_unavailable';
    return /text\/html/.test(h.type) && /<html lang="vi"/.test(h.body);
  };

  test.each([['immediate'], ['fast']] as const)('PostgreSQL stopped (%s) and started again under load: clean 503s, then recovery without a restart', async (mode) => {
    const hits: Hit[] = [];
    let phase: Hit['phase'] = 'before';
    let stopLoad = false;
    const running = load(() => phase, () => stopLoad, hits);

    const enough = async (p: Hit['phase'], n: number) => {
      const deadline = Date.now() + 15_000;
      while (hits.filter((h) => h.phase === p).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    await enough('before', 10);
    phase = 'outage';
    await cluster.stop(mode);
    // readiness says so, promptly (bounded, never hanging on the pool)
    const ready = await fetch(`${server.issuer}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', database: 'unreachable' });
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    await enough('outage', 20);
    await cluster.start();

    // back: the next requests succeed (the pool reconnects by itself)
    const deadline = Date.now() + 20_000;
    while ((await tokenRequest().catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('the IdP did not recover after PostgreSQL came back');
      await new Promise((r) => setTimeout(r, 200));
    }
    phase = 'after';
    await enough('after', 10);
    stopLoad = true;
    await running;

    const summary = (p: Hit['phase']) => hits.filter((h) => h.phase === p).map((h) => `${h.kind} ${h.status} ${h.error ?? ''}`);
    const counts = (p: Hit['phase']) => Object.entries(summary(p).reduce<Record<string, number>>((a, k) => ({ ...a, [k]: (a[k] ?? 0) + 1 }), {}));
    // enough traffic in each phase to mean something
    expect(summary('before').length).toBeGreaterThan(5);
    expect(summary('outage').length).toBeGreaterThan(5);
    expect(summary('after').length).toBeGreaterThan(5);
    const bad = hits.filter((h) => !clean(h)).map((h) => ({ phase: h.phase, kind: h.kind, status: h.status, error: h.error, body: h.body.slice(0, 300) }));
    expect({ bad: bad.slice(0, 5), outage: counts('outage') }).toEqual({ bad: [], outage: expect.anything() });
    expect(hits.filter((h) => h.phase === 'outage' && h.status === 503).length).toBeGreaterThan(0);
    expect(hits.filter((h) => h.phase === 'after').every((h) => h.status === 200)).toBe(true);
    expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
    expect(unhandled.seen).toEqual([]);
    // the server logged the outage as such, and no stack trace
    expect(server.logs.some((l) => /database unavailable/.test(l))).toBe(true);
  }, 90_000);

  test('the console, signed in before the outage, answers a readable 503 during it and works again after', async () => {
    await server.services.accounts.addLocal({ login: 'quantri', password: 'mat-khau-quan-tri-1', displayName: 'Quản Trị Viên' });
    await server.services.accounts.setAdmin('quantri', true);
    const browser = new Browser(server.issuer);
    const login = await browser.go('/admin');
    const signedIn = await submitLogin(browser, login.html, 'quantri', 'mat-khau-quan-tri-1');
    expect(signedIn.status).toBe(200);
    expect(new URL(signedIn.url).pathname).toBe('/admin');

    await cluster.stop('immediate');
    try {
      const during = await browser.go('/admin/accounts');
      expect(during.status).toBe(503);
      expect(during.headers.get('content-type')).toMatch(/text\/html/);
      expect(during.headers.get('retry-after')).toBe('5');
      expect(during.html).toContain('Hệ thống tạm thời gián đoạn');
      expect(during.html).not.toMatch(STACK);
    } finally {
      await cluster.start();
    }
    const deadline = Date.now() + 20_000;
    let after = await browser.go('/admin/accounts');
    while (after.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await browser.go('/admin/accounts');
    }
    expect(after.status).toBe(200);
    expect(after.html).toContain('quantri');
  }, 60_000);
});
