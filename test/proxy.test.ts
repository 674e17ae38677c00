/**
 * The edges an attacker on the province's network reaches, on the real server behind a real
 * nginx as a province deploys it (TRUST_PROXY=true): every URL published is the issuer's, a
 * request naming another host (Host, or X-Forwarded-Host the proxy passed on) gets 421, probes
 * reach /healthz, /readyz and /metrics by address, discovery and the JWKS say how long to keep
 * them, the address recorded everywhere is the one the proxy saw (not a forged X-Forwarded-For),
 * and the console still signs in. Then the same server without a proxy, the warning about an
 * open /metrics in production, and `sso serve` refusing an https issuer without TRUST_PROXY.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import { until } from './helpers/until.js';
import { freePort, startTestServer, testServerEnv, type TestServer } from './helpers/server.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { Browser, inputValue } from './helpers/browser.js';
import { startAuth, submitConsent, submitLogin } from './helpers/rp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'mật-khẩu-rất-dài-456';
const REDIRECT = 'http://127.0.0.1:9/cb';
const AFTER_LOGOUT = 'http://127.0.0.1:9/bye';
/** What a client writes into X-Forwarded-For to pass for someone else. */
const FORGED = '203.0.113.66';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET with exactly these headers (fetch() may not set Host). */
function raw(port: number, path: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Discovery through openid-client, every request sent through `fetchVia` (forged headers added). */
function rpThrough(issuer: string, client: { id: string; secret: string }, extra: Record<string, string>) {
  const fetchVia: oidc.CustomFetch = (url, options) => fetch(url, { ...options, headers: { ...options.headers, ...extra } } as RequestInit);
  return oidc
    .discovery(new URL(issuer), client.id, { client_secret: client.secret }, oidc.ClientSecretBasic(client.secret), { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: fetchVia })
    .then((c) => {
      c[oidc.customFetch] = fetchVia;
      return c;
    });
}

const logoutAction = (html: string) => /<form[^>]*id="op.logoutForm"[^>]*action="([^"]*)"/.exec(html)?.[1] ?? /action="([^"]*)"[^>]*id="op.logoutForm"/.exec(html)?.[1];

describe('behind nginx (TRUST_PROXY=true)', () => {
  let server: TestServer;
  let proxy: Nginx;
  let issuer: string;
  let issuerHost: string;
  let web: { id: string; secret: string };

  beforeAll(async () => {
    const proxyPort = await freePort();
    issuer = `http://127.0.0.1:${proxyPort}`;
    issuerHost = `127.0.0.1:${proxyPort}`;
    server = await startTestServer({ ISSUER: issuer, TRUST_PROXY: 'true', LOG_LEVEL: 'debug' });
    proxy = await startNginx(server.address.port, proxyPort);
    await server.services.accounts.addLocal({ login: 'tran.thi.b', password: PASSWORD, displayName: 'Trần Thị B' });
    await server.services.accounts.addLocal({ login: 'quantri', password: PASSWORD, displayName: 'Quản Trị' });
    await server.services.accounts.setAdmin('quantri', true);
    const c = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT] });
    web = { id: c.client.client_id, secret: c.clientSecret! };
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  test('discovery names only the issuer, whatever the request said, and may be kept five minutes', async () => {
    // the client says https (nginx overwrites it with its own scheme), the issuer's host is given
    const r = await raw(proxy.port, '/.well-known/openid-configuration', { host: issuerHost, 'x-forwarded-proto': 'https' });
    expect(r.status).toBe(200);
    const meta = JSON.parse(r.body) as Record<string, unknown>;
    expect(meta.issuer).toBe(issuer);
    const urls = Object.entries(meta).filter(([k, v]) => typeof v === 'string' && (k.endsWith('_endpoint') || k.endsWith('_uri')));
    expect(urls.length).toBeGreaterThan(5);
    for (const [, u] of urls) expect((u as string).startsWith(`${issuer}/`)).toBe(true);
    expect(r.headers['cache-control']).toBe('public, max-age=300');
    // the JWKS: KEY_ACTIVATION_DELAY (120 s) less KEY_REFRESH_INTERVAL (30 s)
    const jwks = await raw(proxy.port, '/jwks', { host: issuerHost });
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=90');
    // an error is not to be kept
    const post = await fetch(`${issuer}/jwks`, { method: 'POST' });
    expect(post.headers.get('cache-control') ?? '').not.toMatch(/max-age=[1-9]/);
    await post.arrayBuffer();
  });

  test('a request naming another host gets 421 on discovery, /auth and the pages, and names only the issuer', async () => {
    const forgeries: Record<string, string>[] = [
      { host: 'evil.example' },
      { host: `evil.example:${proxy.port}` },
      { host: issuerHost, 'x-forwarded-host': 'evil.example' },
      { host: issuerHost, 'x-forwarded-host': `${issuerHost}, evil.example` },
      { host: `evil@${issuerHost}` },
    ];
    const auth = `/auth?client_id=${web.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    for (const path of ['/.well-known/openid-configuration', '/jwks', auth, '/interaction/abc', '/account', '/admin', '/', '/assets/app.css', '/session/end']) {
      for (const headers of forgeries) {
        const r = await raw(proxy.port, path, headers);
        expect({ path, headers, status: r.status }).toEqual({ path, headers, status: 421 });
        expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(r.body).toContain(`Máy chủ này chỉ phục vụ tại địa chỉ ${issuer}.`);
        expect(r.body).toContain(`This server answers only at ${issuer}.`);
        expect(r.body).not.toContain('evil');
      }
    }
  });

  test('probes reach /healthz, /readyz and /metrics by address, whatever the host', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      // straight to the instance, as a load balancer or Prometheus does
      const direct = await raw(server.address.port, path, { host: `127.0.0.1:${server.address.port}` });
      expect({ path, status: direct.status }).toEqual({ path, status: 200 });
      const odd = await raw(proxy.port, path, { host: 'probe.internal', 'x-forwarded-host': 'other.internal' });
      expect({ path, status: odd.status }).toEqual({ path, status: 200 });
    }
    // anything else by address is misdirected
    expect((await raw(server.address.port, '/.well-known/openid-configuration', { host: `127.0.0.1:${server.address.port}` })).status).toBe(421);
  });

  test('the address recorded is the one the proxy saw, not the X-Forwarded-For the client wrote', async () => {
    const forged = { 'x-forwarded-for': FORGED };
    const config = await rpThrough(issuer, web, forged);
    const browser = new Browser(issuer, 'vi', forged);
    const start = await startAuth(config, REDIRECT, 'openid');
    const login = await browser.go(start.url.toString());
    let page = await submitLogin(browser, login.html, 'tran.thi.b', PASSWORD);
    if (!page.leftTo) page = await submitConsent(browser, page.html);
    expect(page.leftTo).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    const confirm = await browser.go(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT }).toString());
    const action = logoutAction(confirm.html);
    expect(action?.startsWith(`${issuer}/`)).toBe(true);
    const done = await browser.go(action!, { form: { xsrf: inputValue(confirm.html, 'xsrf')!, logout: 'yes' } });
    expect(done.leftTo).toBe(AFTER_LOGOUT);

    // the logout is recorded after its account's login is read, once the page has been answered: wait for it
    let events = await server.services.audit.list({ limit: 100 });
    await until('the logout audit event', async () => {
      await server.services.audit.flush();
      events = await server.services.audit.list({ limit: 100 });
      return events.some((e) => e.type === 'logout') || null;
    });
    const byType = (t: string) => events.filter((e) => e.type === t);
    for (const t of ['login.success', 'consent', 'logout']) {
      expect({ t, ips: byType(t).map((e) => e.ip) }).toEqual({ t, ips: ['127.0.0.1'] });
    }
    const issued = server.logs.map((l) => JSON.parse(l) as { msg?: string; ip?: string }).filter((l) => l.msg === 'token issued');
    expect(issued.map((l) => l.ip)).toEqual(['127.0.0.1']);
    expect(JSON.stringify(events)).not.toContain(FORGED);
    expect(server.logs.join('')).not.toContain(FORGED);
  });

  test('the console signs in through the proxy and records the address the proxy saw', async () => {
    const browser = new Browser(issuer, 'en', { 'x-forwarded-for': FORGED });
    const first = await browser.request('/admin');
    expect(first.status).toBe(302);
    const to = first.headers.get('location')!;
    expect(to.startsWith(`${issuer}/auth?`)).toBe(true);
    const login = await browser.go(to);
    const page = await submitLogin(browser, login.html, 'quantri', PASSWORD);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${issuer}/admin`);
    expect(page.html).toContain('Dashboard');
    const target = (await server.services.accounts.byLogin('tran.thi.b'))!;
    const account = await browser.go(`/admin/accounts/${target.id}`);
    const disabled = await browser.request(`/admin/accounts/${target.id}/disable`, { form: { csrf: inputValue(account.html, 'csrf')!, confirm: 'yes' } });
    expect(disabled.status).toBe(303);
    await server.services.audit.flush();
    const [ev] = await server.services.audit.list({ type: 'account.status_changed', limit: 1 });
    expect(ev).toMatchObject({ actor: 'console:quantri', ip: '127.0.0.1', subject: target.id });
    expect(server.logs.join('')).not.toContain(FORGED);
  });
});

describe('without a proxy (TRUST_PROXY=false)', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    server = await startTestServer();
    port = server.address.port;
  });
  afterAll(async () => server?.stop());

  test('Host is checked; X-Forwarded-Host and X-Forwarded-Proto are ignored', async () => {
    expect((await raw(port, '/.well-known/openid-configuration', { host: 'evil.example' })).status).toBe(421);
    expect((await raw(port, '/interaction/abc', { host: `localhost:${port}` })).status).toBe(421);
    const r = await raw(port, '/.well-known/openid-configuration', { host: `127.0.0.1:${port}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('evil');
    expect((JSON.parse(r.body) as { authorization_endpoint: string }).authorization_endpoint).toBe(`${server.issuer}/auth`);
    expect((await raw(port, '/healthz', { host: 'evil.example' })).status).toBe(200);
  });

  test('an idle kept-alive connection outlives the proxy\'s 60 s, so a reused one is never reset', async () => {
    const r = await raw(port, '/healthz', { host: `127.0.0.1:${port}`, connection: 'keep-alive' });
    expect(r.headers['keep-alive']).toBe('timeout=65');
  });

  test('outside production an open /metrics is not warned about', () => {
    expect(server.logs.filter((l) => l.includes('metrics.unprotected'))).toEqual([]);
  });
});

describe('/metrics without METRICS_TOKEN in production', () => {
  test('start-up logs one warning line with a stable event; none with the token', async () => {
    const open = await startTestServer({ NODE_ENV: 'production' });
    try {
      const lines = open.logs.map((l) => JSON.parse(l) as { event?: string; level?: string; msg?: string; fix?: string }).filter((l) => l.event === 'metrics.unprotected');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'warn', msg: 'GET /metrics is open: METRICS_TOKEN is not set' });
      expect(lines[0]!.fix).toContain('location = /metrics { allow');
    } finally {
      await open.stop();
    }
    const closed = await startTestServer({ NODE_ENV: 'production', METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      expect(closed.logs.filter((l) => l.includes('metrics.unprotected'))).toEqual([]);
    } finally {
      await closed.stop();
    }
  });
});

test('sso serve refuses an https ISSUER without TRUST_PROXY, naming both, and never listens', async () => {
  const port = await freePort();
  // a directory of its own: were the check to fail, the server would create its database there
  const dir = mkdtempSync(join(tmpdir(), 'sso-https-issuer-'));
  const env = testServerEnv(port, `file:${join(dir, 'sso.db')}`, { ISSUER: 'https://sso.tinh.gov.vn', DATA_DIR: dir });
  const child = spawn(process.execPath, ['bin/sso.js', 'serve'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let timer: NodeJS.Timeout | undefined;
  try {
    const exit = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`still running after 30 s: ${out.slice(-500)}`), 30_000))),
    ]);
    expect(exit).toBe(2);
    // one JSON line (event sso.start_failed) that names both settings and what to do; nothing on stderr
    const failed = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event?: string; error?: string; msg?: string }).find((l) => l.event === 'sso.start_failed');
    expect(JSON.stringify(failed)).toMatch(/TRUST_PROXY: must be true when ISSUER is https:\/\//);
    expect(JSON.stringify(failed)).toMatch(/set TRUST_PROXY=true/);
    expect(err).toBe('');
    expect(out).not.toContain('sso started');
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
