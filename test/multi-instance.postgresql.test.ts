/**
 * Two IdP processes (`node bin/sso.js serve`, as deployed) on one PostgreSQL database, behind a
 * small load balancer that sends each request to the other instance in turn (one issuer, one
 * cookie origin, no sticky sessions):
 *
 * - a whole login crosses instances at every step (interaction, login, consent, code, token);
 * - the session made there gives single sign-on with no password whichever instance answers;
 * - both publish the same JWKS;
 * - a refresh token rotated on one and presented again on the other is refused as reused, and
 *   the grant is revoked (the rotated token dies too);
 * - with a short SYNC_INTERVAL on both, the directory syncs never overlap: at most one run is in
 *   progress at any moment, and the recorded runs' intervals are disjoint.
 *
 * PostgreSQL pass only (the `.postgresql.test.ts` name; see scripts/test.mjs): several instances on one database is the PostgreSQL deployment (SQLite is
 * one file on one host, for a single instance). The in-process two-instance tests
 * (key-rotation, sync-scheduler, throttle) cover the same rules on both backends; this one proves
 * them across real processes.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { createEmptyTestDatabase, type EmptyTestDatabase } from './helpers/db.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';
import { ldifLine, MAIL_DOMAIN } from './fixtures/ldap/generate.js';
import { startIdp, type ServerProcess } from '../bench/lib/processes.js';
import { withServices } from '../bench/lib/setup.js';
import { openDatabase, type Database } from '../src/db/client.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/**
 * One request to one instance by its own address, naming the issuer's host as the balancer does
 * (an instance answers 421 to any other host; fetch() may not set Host).
 */
function atInstance(port: number, issuerHost: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json(): Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: init.method ?? 'GET', path, headers: { ...init.headers, host: issuerHost } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(text) as unknown }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Round-robin HTTP load balancer on loopback: request n goes to backends[n % 2]. Records who served what. */
async function alternatingBalancer(): Promise<{ url: string; port: number; setBackends(ports: number[]): void; served: { path: string; backend: number }[]; close(): Promise<void> }> {
  let backends: number[] = [];
  let n = 0;
  const served: { path: string; backend: number }[] = [];
  const server: Server = createServer((req, res) => {
    const backend = backends[n++ % backends.length]!;
    served.push({ path: (req.url ?? '').split('?')[0]!, backend });
    const up = httpRequest({ host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setBackends: (ports) => (backends = ports),
    served,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('two instances on one PostgreSQL database', () => {
  let slapd: Slapd;
  let database: EmptyTestDatabase;
  let db: Database;
  let lb: Awaited<ReturnType<typeof alternatingBalancer>>;
  let a: ServerProcess;
  let b: ServerProcess;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'zimbra' });
    database = await createEmptyTestDatabase();
    lb = await alternatingBalancer();
    client = await withServices(database.url, async (s) => {
      const { client: c, clientSecret } = await s.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, id: 'vpdt' });
      return { id: c.client_id, secret: clientSecret! };
    });
    const env = {
      ISSUER: lb.url,
      DATABASE_POOL_SIZE: '4',
      LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn,
      LDAP_PRESET: 'zimbra', LDAP_MAIL_DOMAINS: MAIL_DOMAIN,
      SYNC_INTERVAL: '1s',
    };
    [a, b] = await Promise.all([startIdp({ databaseUrl: database.url, env }), startIdp({ databaseUrl: database.url, env })]);
    lb.setBackends([a.port, b.port]);
    db = await openDatabase(database.url, { poolSize: 2 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await lb?.close();
    await db?.close();
    await database?.drop();
    await slapd?.stop();
  });

  const tokenRequest = (body: Record<string, string>) => fetch(`${lb.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  const authUrl = (extra: Record<string, string> = {}) => `/auth?${new URLSearchParams({ client_id: client.id, response_type: 'code', scope: 'openid profile', redirect_uri: REDIRECT_URI, state: 'st', ...extra })}`;
  const codeOf = (callback: string) => new URL(callback).searchParams.get('code')!;

  const browser = () => new Browser(lb.url);
  let sso: Browser;
  let refreshToken: string;

  test('a login crossing instances at every step; the session it made signs in with no password on either', async () => {
    sso = browser();
    const before = lb.served.length;
    const page = await sso.go(authUrl({ scope: 'openid profile offline_access', prompt: 'consent' }));
    expect(page.html).toContain('name="password"');
    const back = await submitLogin(sso, page.html, P.khai.login, P.khai.password);
    expect(back.leftTo).toContain('code=');
    const r = await tokenRequest({ grant_type: 'authorization_code', code: codeOf(back.leftTo!), redirect_uri: REDIRECT_URI });
    const tokens = (await r.json()) as { id_token?: string; refresh_token?: string };
    expect(r.status).toBe(200);
    expect(tokens.id_token).toBeDefined();
    expect(tokens.refresh_token).toBeDefined();
    refreshToken = tokens.refresh_token!;
    // every request of the flow went to the other instance than the one before
    const flow = lb.served.slice(before);
    expect(flow.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < flow.length; i++) expect(flow[i]!.backend).not.toBe(flow[i - 1]!.backend);

    // single sign-on: twice, so that each instance answers the first /auth once
    for (let i = 0; i < 2; i++) {
      const first = lb.served.length;
      const again = await sso.go(authUrl());
      expect(again.html).not.toContain('name="password"');
      expect(again.leftTo).toContain('code=');
      expect(lb.served[first]!.path).toBe('/auth');
      const t = await tokenRequest({ grant_type: 'authorization_code', code: codeOf(again.leftTo!), redirect_uri: REDIRECT_URI });
      expect(t.status).toBe(200);
    }
    expect(new Set(lb.served.slice(before).filter((s) => s.path === '/auth').map((s) => s.backend)).size).toBe(2);
  }, 30_000);

  test('both instances publish the same keys', async () => {
    const [ja, jb] = await Promise.all([a, b].map(async (s) => (await (await atInstance(s.port, new URL(lb.url).host, '/jwks')).json()) as { keys: { kid: string }[] }));
    expect(ja!.keys.length).toBeGreaterThanOrEqual(2);
    // when they differ, what the database holds says who made which key and when
    const stored = await db.prisma.signingKey.findMany({ select: { kid: true, alg: true, activatedAt: true, createdAt: true }, orderBy: { createdAt: 'asc' } });
    const audited = await db.prisma.auditEvent.findMany({ where: { type: 'keys.created' }, select: { at: true, detail: true, actor: true } });
    expect({ jwks: jb, stored, audited }).toEqual({ jwks: ja, stored, audited });
  });

  test('a refresh token rotated on one instance and presented again on the other is refused, and the grant is revoked', async () => {
    const direct = (s: ServerProcess, token: string) => atInstance(s.port, new URL(lb.url).host, '/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
    });
    const rotated = await direct(a, refreshToken);
    const fresh = (await rotated.json()) as { refresh_token?: string };
    expect(rotated.status).toBe(200);
    expect(fresh.refresh_token).toBeDefined();
    expect(fresh.refresh_token).not.toBe(refreshToken);

    const reused = await direct(b, refreshToken);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    // reuse revoked the grant: the token issued by the rotation is dead too, on both
    for (const s of [b, a]) {
      const r = await direct(s, fresh.refresh_token!);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'invalid_grant' });
    }
  }, 20_000);

  test('only one directory sync runs at a time across the two instances', async () => {
    const since = new Date();
    const until = Date.now() + 8_000;
    let maxRunning = 0;
    // a change in the directory every second, so that each changed-only run has something to do
    // and is recorded (a run that finds nothing new leaves no SyncRun row)
    let change = 0;
    let nextChange = 0;
    while (Date.now() < until) {
      if (Date.now() >= nextChange) {
        nextChange = Date.now() + 1_000;
        await slapd.ldapModify([ldifLine('dn', P.lan.dn), 'changetype: modify', 'replace: title', `title: Chuyên viên ${++change}`, '-', ''].join('\n'));
      }
      const running = await db.prisma.syncRun.count({ where: { finishedAt: null } });
      const leases = await db.prisma.lease.findMany({ where: { name: 'sync', expiresAt: { gt: new Date() } } });
      expect(leases.length).toBeLessThanOrEqual(1);
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(maxRunning).toBeLessThanOrEqual(1);
    const runs = await db.prisma.syncRun.findMany({ where: { startedAt: { gte: new Date(since.getTime() - 60_000) } }, orderBy: { startedAt: 'asc' } });
    // each instance runs its scheduler every second: several runs in 8 s
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // disjoint: each run (but the last, which may still be running) finished before the next started
    for (let i = 1; i < runs.length; i++) {
      const prev = runs[i - 1]!;
      expect(prev.finishedAt).not.toBeNull();
      expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(prev.finishedAt!.getTime());
    }
    for (const r of runs) expect(r.holder).toMatch(/:\d+$/);
  }, 30_000);
});
