/**
 * Fault: the first directory server dies (SIGKILL) while logins stream in. Two real slapd
 * instances with the same data; the IdP is configured with both, in order.
 *
 * What may fail: nothing. A request in flight on the dead server (its search on a pooled
 * connection, or the person's bind on a fresh one) sees the connection close, and a closed or
 * refused connection is retried on the next server within the same request; so every login in
 * the stream must succeed, and none may answer 500. The server is frozen for 300 ms before it is
 * killed, so requests are certainly in flight on it when it dies.
 *
 * (All servers down, the 503 page, sessions and refresh tokens going on, and recovery without a
 * restart are in test/directory-login.test.ts, "first server dead ...".)
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createServer, type Socket } from 'node:net';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { scrape, value } from './helpers/metrics.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PEOPLE = [P.khai, P.lan, P.viet, P.duong];
const PER_WORKER = 15;
const KILL_AFTER = 16;

let first: Slapd;
let second: Slapd;
let server: TestServer;
let client: { id: string; secret: string };

beforeAll(async () => {
  [first, second] = await Promise.all([startSlapd({ fixture: 'zimbra' }), startSlapd({ fixture: 'zimbra' })]);
  server = await startTestServer(slapdEnv(first, { LDAP_URL: `${first.url} ${second.url}`, LDAP_TIMEOUT_MS: '2000' }));
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  client = { id: c.client.client_id, secret: c.clientSecret! };
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([first?.stop(), second?.stop()]);
});

interface Outcome {
  ok: boolean;
  status: number;
  afterKill: boolean;
  error?: string;
}

test('the first directory server is killed mid-stream: every login succeeds on the next, no 500', async () => {
  const config = await rpConfig(server.issuer, client.id, client.secret);
  const outcomes: Outcome[] = [];
  let killed = false;
  let done = 0;
  let killing: Promise<void> | undefined;

  const worker = async (person: (typeof PEOPLE)[number]) => {
    for (let i = 0; i < PER_WORKER; i++) {
      const afterKill = killed;
      try {
        const browser = new Browser(server.issuer);
        const page = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
        const after = await submitLogin(browser, page.html, person.login, person.password);
        outcomes.push({ ok: /[?&]code=/.test(after.leftTo ?? ''), status: after.status, afterKill });
      } catch (err) {
        outcomes.push({ ok: false, status: 0, afterKill, error: (err as Error).message });
      }
      if (++done === KILL_AFTER) {
        // Frozen first (SIGSTOP: the kernel still accepts connections, nothing answers), so that
        // requests are certainly waiting on it, then SIGKILL: no goodbye on its connections; the
        // pool and the binds in flight find out the hard way.
        killing = (async () => {
          process.kill(first.pid, 'SIGSTOP');
          await new Promise((r) => setTimeout(r, 300));
          process.kill(first.pid, 'SIGKILL');
          killed = true;
        })();
      }
    }
  };
  await Promise.all(PEOPLE.map(worker));
  await killing;

  const failed = outcomes.filter((o) => !o.ok);
  expect(outcomes).toHaveLength(PEOPLE.length * PER_WORKER);
  expect(outcomes.filter((o) => o.afterKill).length).toBeGreaterThanOrEqual(PEOPLE.length * 8);
  expect(outcomes.filter((o) => o.status >= 500)).toEqual([]);
  expect(failed).toEqual([]);

  // the metrics tell what happened: the first server marked dead, requests moved, binds served by the second
  const m = await scrape(server.issuer);
  expect(value(m, 'sso_ldap_server_marked_dead_total', { server: first.url })).toBeGreaterThanOrEqual(1);
  expect(value(m, 'sso_ldap_server_marked_dead_total', { server: second.url })).toBe(0);
  expect(value(m, 'sso_ldap_failovers_total')).toBeGreaterThanOrEqual(1);
  // operations were in flight on the first server when it died, and failed there (then were retried)
  expect(value(m, 'sso_ldap_operation_duration_seconds_count', { server: first.url, outcome: 'connection_error' })).toBeGreaterThanOrEqual(1);
  expect(value(m, 'sso_ldap_operation_duration_seconds_count', { operation: 'user_bind', outcome: 'ok', server: second.url })).toBeGreaterThan(0);
  expect(value(m, 'sso_logins_total', { result: 'success' })).toBe(PEOPLE.length * PER_WORKER);
  expect(value(m, 'sso_logins_total', { result: 'unavailable' })).toBe(0);
  // the IdP is ready: one server answers
  const ready = await fetch(`${server.issuer}/readyz`, { signal: AbortSignal.timeout(10_000) });
  expect(ready.status).toBe(200);

  // the first server comes back: the background probe finds it, and new logins may use it again
  await first.restart();
  const deadline = Date.now() + 10_000;
  while (server.directory.connector && Date.now() < deadline) {
    const before = value(await scrape(server.issuer), 'sso_ldap_operation_duration_seconds_count', { operation: 'user_bind', outcome: 'ok', server: first.url });
    const browser = new Browser(server.issuer);
    const page = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
    const after = await submitLogin(browser, page.html, P.khai.login, P.khai.password);
    expect(after.leftTo).toMatch(/[?&]code=/);
    const now = value(await scrape(server.issuer), 'sso_ldap_operation_duration_seconds_count', { operation: 'user_bind', outcome: 'ok', server: first.url });
    if (now > before) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('logins never moved back to the first server after it returned');
});

test('a directory server that accepts connections and never answers: /readyz still answers within its bound, ready but degraded; ?strict=1 says 503', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `ldap://127.0.0.1:${(silent.address() as { port: number }).port}`;
  // every LDAP operation may wait 30 s: readiness must not
  const s = await startTestServer(slapdEnv(first, { LDAP_URL: url, LDAP_TIMEOUT_MS: '30000' }));
  try {
    // only the database decides readiness: sessions, refresh tokens and local accounts still work
    const ready = await fetch(`${s.issuer}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', database: 'ok', directory: 'unreachable', strict: false });
    const strict = await fetch(`${s.issuer}/readyz?strict=1`, { signal: AbortSignal.timeout(10_000) });
    expect(strict.status).toBe(503);
    expect(await strict.json()).toEqual({ status: 'unavailable', database: 'ok', directory: 'unreachable', strict: true });
    expect((await fetch(`${s.issuer}/healthz`)).status).toBe(200);
  } finally {
    for (const c of sockets) c.destroy();
    await s.stop();
    await new Promise((r) => silent.close(r));
  }
});
