/**
 * Fault: PostgreSQL is up but refuses the IdP's connections: the database closed to new
 * connections (`ALTER DATABASE ... ALLOW_CONNECTIONS false`: SQLSTATE 55000), the IdP's role at
 * its connection limit (`ALTER ROLE ... CONNECTION LIMIT 0`: 53300), the pool's connections cut
 * by an administrator (57P01). Every request gets the same clean 503 as when the server is down
 * (faults-database.postgresql.test.ts): the token endpoint `temporarily_unavailable`, the pages a
 * readable page; never a 500. Once it accepts connections again the same requests succeed.
 *
 * PostgreSQL pass only; on a throwaway cluster of this test's own (test/helpers/pg-cluster.ts),
 * where the IdP connects as an ordinary role (superusers are exempt from connection limits).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { collectUnhandled, findLeak } from './helpers/hostile.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';

const ROLE = 'sso_app';

describe('PostgreSQL refusing connections', () => {
  let cluster: PgCluster;
  let admin: pg.Client;
  let server: TestServer;
  let service: { id: string; secret: string };
  let unhandled: ReturnType<typeof collectUnhandled>;

  beforeAll(async () => {
    unhandled = collectUnhandled();
    cluster = await startPgCluster();
    admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ROLE} LOGIN`);
    await admin.query(`CREATE DATABASE sso OWNER ${ROLE}`);
    const url = new URL(cluster.url('sso'));
    url.username = ROLE;
    server = await startTestServer({ DATABASE_POOL_SIZE: '4' }, { databaseUrl: url.toString() });
    const s = await server.services.clients.add({ name: 'Báo cáo', type: 'service', redirectUris: [] });
    service = { id: s.client.client_id, secret: s.clientSecret! };
    await server.services.accounts.addLocal({ login: 'quantri', password: 'mat-khau-quan-tri-1', displayName: 'Quản Trị Viên' });
    await server.services.accounts.setAdmin('quantri', true);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await admin?.end();
    await cluster?.destroy();
    unhandled?.stop();
  });

  const tokenRequest = () => fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(20_000),
  });

  /** Cuts the IdP's connections (57P01 for those in use); new ones meet whatever refusal was set up. */
  const cutConnections = () => admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);

  async function untilTokenWorks(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await tokenRequest().catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('the IdP did not recover once PostgreSQL accepted connections again');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test.each([
    ['55000: the database does not accept connections', `ALTER DATABASE sso ALLOW_CONNECTIONS false`, `ALTER DATABASE sso ALLOW_CONNECTIONS true`],
    ['53300: the role is at its connection limit', `ALTER ROLE ${ROLE} CONNECTION LIMIT 0`, `ALTER ROLE ${ROLE} CONNECTION LIMIT -1`],
  ])('%s: 503 from the token endpoint, the login page and the console; then recovery', async (_name, refuse, accept) => {
    const browser = new Browser(server.issuer);
    const login = await browser.go('/admin');
    const signedIn = await submitLogin(browser, login.html, 'quantri', 'mat-khau-quan-tri-1');
    expect(new URL(signedIn.url).pathname).toBe('/admin');

    await admin.query(refuse);
    try {
      await cutConnections();
      const token = await tokenRequest();
      expect(token.status).toBe(503);
      expect(await token.json()).toMatchObject({ error: 'temporarily_unavailable' });
      const consolePage = await browser.go('/admin/accounts');
      expect(consolePage.status).toBe(503);
      expect(consolePage.html).toContain('Hệ thống tạm thời gián đoạn');
      expect(findLeak(consolePage.html)).toBeNull();
      const fresh = await new Browser(server.issuer).go('/admin');
      expect(fresh.status).toBe(503);
      expect(findLeak(fresh.html)).toBeNull();
      const ready = await fetch(`${server.issuer}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(ready.status).toBe(503);
    } finally {
      await admin.query(accept);
    }

    await untilTokenWorks();
    const after = await browser.go('/admin/accounts');
    expect(after.status).toBe(200);
    expect(after.html).toContain('quantri');
    expect(unhandled.seen).toEqual([]);
    expect(server.logs.some((l) => /oidc server error|interaction failed|console.*failed/.test(l))).toBe(false);
  }, 60_000);
});
