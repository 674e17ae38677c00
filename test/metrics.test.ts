/**
 * GET /metrics on a running server: real traffic (directory logins on slapd, every grant type,
 * a throttled login, a sync, a back-channel delivery) moves each counter by exactly what was done,
 * no label ever carries a login or a password, and METRICS_TOKEN guards the endpoint.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, logoutReceiver, rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { parseMetrics, scrape, value, type Sample } from './helpers/metrics.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';
import { bearerMatches } from '../src/metrics/endpoint.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SECRETS } from './helpers/server.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const TOKEN = 'metrics-token-0123456789abcdef';
const UNKNOWN = 'khong.co.ai.ca';
const WRONG_PASSWORD = 'sai-mat-khau-hoan-toan';

let slapd: Slapd;
let server: TestServer;
let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
let web: { id: string; secret: string };
let service: { id: string; secret: string };

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  receiver = await logoutReceiver();
  server = await startTestServer(slapdEnv(slapd, {
    METRICS_TOKEN: TOKEN,
    // one login: the second failure is delayed, the third blocks; the address never is
    THROTTLE_ACCOUNT_DELAY_AFTER: '1',
    THROTTLE_ACCOUNT_BLOCK_AFTER: '3',
    THROTTLE_MAX_DELAY_MS: '50',
    THROTTLE_IP_DELAY_AFTER: '1000',
    THROTTLE_IP_BLOCK_AFTER: '2000',
  }));
  const w = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true, backchannelLogoutUri: receiver.url });
  web = { id: w.client.client_id, secret: w.clientSecret! };
  const s = await server.services.clients.add({ name: 'Báo cáo', type: 'service', redirectUris: [] });
  service = { id: s.client.client_id, secret: s.clientSecret! };
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await slapd?.stop();
});

async function tryLogin(login: string, password: string) {
  const config = await rpConfig(server.issuer, web.id, web.secret);
  const browser = new Browser(server.issuer);
  const start = await startAuth(config, REDIRECT, 'openid');
  const page = await browser.go(start.url.toString());
  return submitLogin(browser, page.html, login, password);
}

/** After minus before, for one series. */
const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('/metrics', () => {
  test('requires the bearer token when METRICS_TOKEN is set', async () => {
    const none = await fetch(`${server.issuer}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toMatch(/sso_/);
    expect((await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const ok = await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await ok.text());
    // prom-client's default process metrics are on the server's own registry
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    // the fixed label sets are there from the start
    expect(samples.some((s) => s.name === 'sso_logins_total' && s.labels.result === 'unavailable')).toBe(true);
  });

  test('counters move by exactly the traffic sent', async () => {
    const m0 = await scrape(server.issuer, TOKEN);
    const config = await rpConfig(server.issuer, web.id, web.secret);

    // one directory login (authorization_code), one refresh, one client_credentials, one refused refresh
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.khai.login, P.khai.password, 'openid profile offline_access');
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await oidc.clientCredentialsGrant(await rpConfig(server.issuer, service.id, service.secret));
    await expect(oidc.refreshTokenGrant(config, 'not-a-refresh-token')).rejects.toMatchObject({ error: 'invalid_grant' });

    // a wrong password, an empty password, and an unknown login until it is throttled
    expect((await tryLogin(P.lan.login, WRONG_PASSWORD)).status).toBe(401);
    expect((await tryLogin(P.hung.login, '')).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await tryLogin(UNKNOWN, WRONG_PASSWORD)).status).toBe(401);
    expect((await tryLogin(UNKNOWN, WRONG_PASSWORD)).status).toBe(429);

    const m1 = await scrape(server.issuer, TOKEN);
    const logins = (result: string) => delta(m0, m1, 'sso_logins_total', { result });
    expect(logins('success')).toBe(1);
    expect(logins('invalid_credentials')).toBe(4);
    expect(logins('bad_request')).toBe(1);
    expect(logins('throttled')).toBe(1);
    expect(delta(m0, m1, 'sso_logins_total')).toBe(7);

    expect(delta(m0, m1, 'sso_tokens_issued_total', { grant_type: 'authorization_code' })).toBe(1);
    expect(delta(m0, m1, 'sso_tokens_issued_total', { grant_type: 'refresh_token' })).toBe(1);
    expect(delta(m0, m1, 'sso_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(1);
    expect(delta(m0, m1, 'sso_tokens_issued_total')).toBe(3);
    expect(delta(m0, m1, 'sso_token_requests_refused_total', { error: 'invalid_grant' })).toBe(1);
    expect(delta(m0, m1, 'sso_token_requests_refused_total')).toBe(1);

    // the unknown login: its 2nd and 3rd failures waited, the 4th was refused before any bind
    expect(delta(m0, m1, 'sso_login_throttled_total', { action: 'delayed', key_type: 'account' })).toBe(2);
    expect(delta(m0, m1, 'sso_login_throttled_total', { action: 'blocked', key_type: 'account' })).toBe(1);
    expect(delta(m0, m1, 'sso_login_throttled_total', { key_type: 'address' })).toBe(0);

    // LDAP: a search per login that reached the directory (khai, lan, 3x unknown), and a user bind each
    // (an unknown login costs a bind on a DN that names nobody, like a wrong password)
    const ldap = (labels: Record<string, string>) => delta(m0, m1, 'sso_ldap_operation_duration_seconds_count', labels);
    expect(ldap({ operation: 'search', outcome: 'ok', server: slapd.url })).toBe(5);
    expect(ldap({ operation: 'user_bind', outcome: 'ok', server: slapd.url })).toBe(1);
    expect(ldap({ operation: 'user_bind', outcome: 'refused', server: slapd.url })).toBe(4);
    expect(ldap({ outcome: 'connection_error' })).toBe(0);
    expect(delta(m0, m1, 'sso_ldap_failovers_total')).toBe(0);
    expect(delta(m0, m1, 'sso_ldap_server_marked_dead_total')).toBe(0);

    // a full sync against slapd: the entry counters are the run's own figures
    const run = await server.sync!.runNow('full');
    expect(run).not.toBeNull();
    expect(run!.created).toBeGreaterThan(0);
    const m2 = await scrape(server.issuer, TOKEN);
    expect(delta(m1, m2, 'sso_sync_runs_total', { mode: 'full', status: run!.status })).toBe(1);
    expect(delta(m1, m2, 'sso_sync_runs_total')).toBe(1);
    for (const result of ['created', 'updated', 'disabled', 'unchanged', 'failed'] as const) {
      expect([result, delta(m1, m2, 'sso_sync_entries_total', { mode: 'full', result })]).toEqual([result, run![result]]);
    }
    expect(value(m2, 'sso_sync_last_run_timestamp_seconds', { mode: 'full' })).toBe(run!.finishedAt.getTime() / 1000);
    const changed = await server.sync!.runNow('changed');
    const m3 = await scrape(server.issuer, TOKEN);
    expect(delta(m2, m3, 'sso_sync_runs_total', { mode: 'changed', status: changed!.status })).toBe(1);

    // the account's access ends: one back-channel logout token to the web client, delivered
    const account = await server.services.accounts.byLogin(P.khai.login);
    const ended = await server.services.deprovision.endAccess(account!.id, 'test');
    expect(ended.queued).toBe(1);
    await receiver.waitFor(1);
    await until(async () => value(await scrape(server.issuer, TOKEN), 'sso_logout_deliveries_total', { status: 'delivered' }) > value(m3, 'sso_logout_deliveries_total', { status: 'delivered' }));
    const m4 = await scrape(server.issuer, TOKEN);
    expect(delta(m3, m4, 'sso_logout_deliveries_total', { status: 'delivered' })).toBe(1);
    expect(delta(m3, m4, 'sso_logout_deliveries_total')).toBe(1);

    // no label anywhere carries what a person typed
    const typed = [P.khai.login, P.khai.password, P.lan.login, P.hung.login, UNKNOWN, WRONG_PASSWORD, 'not-a-refresh-token'];
    const labelValues = m4.flatMap((s) => Object.values(s.labels));
    for (const t of typed) expect(labelValues.filter((v) => v.toLowerCase().includes(t.toLowerCase()))).toEqual([]);
  });
});

describe('metric labels stay bounded', () => {
  test('values outside a label\'s set are counted as "other"', async () => {
    const m = createMetrics({ defaultMetrics: false, ldapServers: ['ldap://a:389'] });
    m.login('khaintm');
    m.tokenIssued('urn:evil:grant');
    m.tokenRefused('x'.repeat(5000));
    m.ldapOperation('user_bind', 'ldap://attacker:389', 'ok', 0.001);
    m.throttled('delayed', 'login:khaintm');
    const samples = parseMetrics(await m.render());
    expect(value(samples, 'sso_logins_total', { result: 'other' })).toBe(1);
    expect(value(samples, 'sso_tokens_issued_total', { grant_type: 'other' })).toBe(1);
    expect(value(samples, 'sso_token_requests_refused_total', { error: 'other' })).toBe(1);
    expect(value(samples, 'sso_ldap_operation_duration_seconds_count', { server: 'other' })).toBe(1);
    expect(value(samples, 'sso_login_throttled_total', { action: 'delayed', key_type: 'other' })).toBe(1);
    expect(samples.flatMap((s) => Object.values(s.labels)).filter((v) => /khaintm|evil|attacker|xxxx/.test(v))).toEqual([]);
    m.close();
  });

  test('bearerMatches: exact token only', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN} `, TOKEN)).toBe(true);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches('', TOKEN)).toBe(false);
    expect(bearerMatches('Bearer', TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN} ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
  });
});

describe('METRICS_TOKEN', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: 'file:./unused.db', DEMO: 'false', ...TEST_SECRETS };
  test('from METRICS_TOKEN_FILE, trimmed; unset by default; too short or both given: refused with the name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-metrics-'));
    try {
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
      expect(loadConfig({ ...base, METRICS_TOKEN_FILE: join(dir, 'token') }).metricsToken).toBe(TOKEN);
      expect(loadConfig(base).metricsToken).toBeUndefined();
      expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
      expect(() => loadConfig({ ...base, METRICS_TOKEN: TOKEN, METRICS_TOKEN_FILE: join(dir, 'token') })).toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
