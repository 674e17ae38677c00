/**
 * Fault: the SQLite file is locked by another connection (a backup tool, `sqlite3` left open in a
 * transaction, a stuck process) for longer than the busy timeout, the retry budget. Requests that
 * must write get a clean 503 (the login page a readable page, the token endpoint
 * `temporarily_unavailable`), never a 500 and never a detail; once the lock is gone the same
 * requests succeed without a restart.
 *
 * Prisma 7's SQLite adapter reports a busy database as "Operation has timed out" (P1008, kind
 * SocketTimeout) for the client's own queries, and as P2010 with SQLITE_BUSY for raw SQL (the
 * login throttle's counters): both are an outage (src/db/errors.ts).
 *
 * SQLite pass only (the `.sqlite.test.ts` name): the lock is on the SQLite file. Each refused
 * write waits the busy timeout (10 s) first, blocking the process meanwhile (better-sqlite3 is
 * synchronous), so this file makes as few of them as it can.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import BetterSqlite3 from 'better-sqlite3';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { collectUnhandled, findLeak } from './helpers/hostile.js';
import { sqlitePathOf } from '../src/db/provider.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let server: TestServer;
let service: { id: string; secret: string };
let web: { id: string; secret: string };
let unhandled: ReturnType<typeof collectUnhandled>;

beforeAll(async () => {
  unhandled = collectUnhandled();
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: 'lan', password: 'mat-khau-cua-lan-1', displayName: 'Trần Thị Lan' });
  const s = await server.services.clients.add({ name: 'Báo cáo', type: 'service', redirectUris: [] });
  service = { id: s.client.client_id, secret: s.clientSecret! };
  const w = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  web = { id: w.client.client_id, secret: w.clientSecret! };
});

afterAll(async () => {
  await server?.stop();
  unhandled?.stop();
});

const tokenRequest = () => fetch(`${server.issuer}/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}` },
  body: 'grant_type=client_credentials',
});

/** Holds the write lock of the server's SQLite file from a second connection until released. */
function holdWriteLock(): { release(): void } {
  const other = new BetterSqlite3(sqlitePathOf(server.config.databaseUrl));
  other.exec('BEGIN IMMEDIATE');
  return {
    release() {
      other.exec('ROLLBACK');
      other.close();
    },
  };
}

test('a write lock held past the busy timeout: the login and the token endpoint answer 503, then work again', async () => {
  const browser = new Browser(server.issuer);
  const login = await browser.go((await startAuth(await rpConfig(server.issuer, web.id, web.secret), REDIRECT, 'openid')).url.toString());
  expect(login.html).toContain('name="password"');

  const lock = holdWriteLock();
  let refused: Awaited<ReturnType<typeof submitLogin>>;
  let token: Response;
  try {
    refused = await submitLogin(browser, login.html, 'lan', 'mat-khau-cua-lan-1');
    token = await tokenRequest();
  } finally {
    lock.release();
  }
  expect({ status: refused.status, type: refused.headers.get('content-type'), retryAfter: refused.headers.get('retry-after') })
    .toEqual({ status: 503, type: expect.stringMatching(/text\/html/), retryAfter: '5' });
  expect(refused.html).toContain('Hệ thống tạm thời gián đoạn');
  expect(findLeak(refused.html)).toBeNull();
  expect(token.status).toBe(503);
  expect(await token.json()).toMatchObject({ error: 'temporarily_unavailable' });

  // the lock gone: the same requests succeed, with no restart
  expect((await tokenRequest()).status).toBe(200);
  const again = await browser.go((await startAuth(await rpConfig(server.issuer, web.id, web.secret), REDIRECT, 'openid')).url.toString());
  const done = await submitLogin(browser, again.html, 'lan', 'mat-khau-cua-lan-1');
  expect(done.leftTo).toMatch(/[?&]code=/);
  expect(server.logs.some((l) => /"event":"db.unavailable"/.test(l))).toBe(true);
  expect(server.logs.some((l) => /interaction failed/.test(l))).toBe(false);
  expect(unhandled.seen).toEqual([]);
}, 90_000);
