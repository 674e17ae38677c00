/**
 * Lifting the throttle's blocks: `sso throttle list|unblock` (exit codes, JSON) and the console's
 * page (/admin/throttle: the list, a CSRF-checked POST, then the list again), on the real server
 * with blocks made through a trusted proxy from several client addresses. Every lift is audited
 * (throttle.unblocked) with its actor; a lift keeps the count (one more try, then blocked again).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { startTestServer, testServerEnv, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PASSWORD = 'mat-khau-dung-2024!';
const WRONG = 'sai-mat-khau-999';
const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1' };
const ENV = {
  TRUST_PROXY: 'true',
  THROTTLE_ACCOUNT_DELAY_AFTER: '100',
  THROTTLE_ACCOUNT_BLOCK_AFTER: '4',
  THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '2',
  THROTTLE_IP_DELAY_AFTER: '1000',
  THROTTLE_IP_BLOCK_AFTER: '3',
  THROTTLE_MAX_DELAY_MS: '0',
  LOGIN_FAILURE_FLOOR_MS: '0',
};

let server: TestServer;
let client: { id: string; secret: string };
let dataDir: string;

beforeAll(async () => {
  server = await startTestServer(ENV);
  const c = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] });
  client = { id: c.client.client_id, secret: c.clientSecret! };
  for (const login of ['nguyen.van.a', 'tran.thi.b', 'le.van.c']) await server.services.accounts.addLocal({ login, password: PASSWORD, displayName: login });
  await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: 'Quản Trị' });
  await server.services.accounts.setAdmin(ADMIN.login, true);
  dataDir = mkdtempSync(join(tmpdir(), 'sso-throttle-cli-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function attempt(login: string, password: string, ip: string) {
  const browser = new Browser(server.issuer);
  const page = await browser.go((await startAuth(await rpConfig(server.issuer, client.id, client.secret), REDIRECT, 'openid')).url.toString());
  const res = await browser.request(formAction(page.html, 'password')!, { form: { csrf: inputValue(page.html, 'csrf')!, login, password }, headers: { 'x-forwarded-for': ip } });
  await res.arrayBuffer();
  return res.status;
}

async function sso(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { ...testServerEnv(3000, server.config.databaseUrl, ENV), DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => '' };
  const code = await main(['node', 'sso', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const audited = () => server.services.db.prisma.auditEvent.findMany({ where: { type: 'throttle.unblocked' }, orderBy: { seq: 'asc' } });

describe('sso throttle', () => {
  test('lists the blocks of a login from one address, of a login from several, of an address', async () => {
    for (let i = 0; i < 2; i++) expect(await attempt('nguyen.van.a', WRONG, '198.51.100.1')).toBe(401);
    for (const ip of ['198.51.100.2', '198.51.100.3']) for (let i = 0; i < 2; i++) expect(await attempt('tran.thi.b', WRONG, ip)).toBe(401);
    for (let i = 0; i < 3; i++) expect(await attempt(`thu.${i}`, WRONG, '203.0.113.9')).toBe(401);
    const list = await sso(['throttle', 'list', '--json']);
    expect(list.code).toBe(0);
    const blocks = JSON.parse(list.stdout) as { type: string; login: string | null; address: string | null; failures: number; blocked_until: string }[];
    const has = (type: string, login: string | null, address: string | null) => blocks.some((b) => b.type === type && b.login === login && b.address === address);
    expect(has('account_address', 'nguyen.van.a', '198.51.100.1')).toBe(true);
    expect(has('account', 'tran.thi.b', null)).toBe(true);
    expect(has('account_address', 'tran.thi.b', '198.51.100.3')).toBe(true);
    expect(has('address', null, '203.0.113.9')).toBe(true);
    expect(has('account', 'nguyen.van.a', null)).toBe(false);
    const text = await sso(['throttle', 'list']);
    expect(text.stdout).toMatch(/^TYPE\s+LOGIN\s+ADDRESS\s+FAILURES\s+BLOCKED_UNTIL\s+LAST_FAILURE/);
    expect(text.stdout).toContain('directory: ');
    expect(text.stdout).toContain('= 8 guesses per person');
  });

  test('unblock --login lifts every block of that person (audited), keeps the count, exits 1 when nothing is left', async () => {
    expect(await attempt('tran.thi.b', PASSWORD, '198.51.100.4')).toBe(429);
    const lifted = await sso(['throttle', 'unblock', '--login', 'Tran.Thi.B']);
    expect(lifted.code).toBe(0);
    expect(lifted.stdout).toMatch(/^lifted 3 blocks:/);
    const events = await audited();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'unblocked', actor: expect.stringMatching(/@/) });
    expect(JSON.parse(events[0]!.detail)).toMatchObject({ login: 'tran.thi.b', lifted: 3 });
    // one more try is let through; the count stays, so a wrong password blocks again at once
    expect(await attempt('tran.thi.b', WRONG, '198.51.100.4')).toBe(401);
    expect(await attempt('tran.thi.b', PASSWORD, '198.51.100.5')).toBe(429);
    expect(await sso(['throttle', 'unblock', '--login', 'tran.thi.b'])).toMatchObject({ code: 0 });
    expect(await attempt('tran.thi.b', PASSWORD, '198.51.100.5')).toBe(303);
    const none = await sso(['throttle', 'unblock', '--login', 'tran.thi.b']);
    expect(none).toMatchObject({ code: 1, stderr: 'sso: no active block for login "tran.thi.b"' });
    expect(await audited()).toHaveLength(2);
  });

  test('unblock --address lifts the address and that address\'s blocks of logins', async () => {
    expect(await attempt('le.van.c', PASSWORD, '203.0.113.9')).toBe(429);
    const r = await sso(['throttle', 'unblock', '--address', '203.0.113.9', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ lifted: 1, blocks: [{ type: 'address', address: '203.0.113.9' }] });
    expect(await attempt('le.van.c', PASSWORD, '203.0.113.9')).toBe(303);
    expect(JSON.parse((await audited()).at(-1)!.detail)).toMatchObject({ address: '203.0.113.9', lifted: 1 });
  });

  test('wrong usage exits 2 with a message; nothing matched exits 1', async () => {
    expect(await sso(['throttle', 'unblock'])).toMatchObject({ code: 2, stderr: 'sso: give exactly one of --login <login> and --address <address>' });
    expect((await sso(['throttle', 'unblock', '--login', 'a', '--address', '1.2.3.4'])).code).toBe(2);
    expect(await sso(['throttle', 'unblock', '--address', 'tinh.gov.vn'])).toMatchObject({ code: 2, stderr: 'sso: --address "tinh.gov.vn" is not an IPv4 or IPv6 address' });
    expect((await sso(['throttle', 'unblock', '--login', 'a b'])).code).toBe(2);
    expect(await sso(['throttle', 'unblock', '--address', '2001:db8::1'])).toMatchObject({ code: 1, stderr: 'sso: no active block for address 2001:db8::1' });
  });
});

describe('the console page', () => {
  async function signIn() {
    const browser = new Browser(server.issuer, 'vi');
    const first = await browser.request('/admin/throttle');
    const login = await browser.go(first.headers.get('location')!);
    const page = await submitLogin(browser, login.html, ADMIN.login, ADMIN.password);
    expect(new URL(page.url).pathname).toBe('/admin/throttle');
    return { browser, page };
  }

  test('lists the active blocks; unblocking is a CSRF-checked POST, then the list again (audited with the console user)', async () => {
    for (let i = 0; i < 2; i++) expect(await attempt('nguyen.van.a', WRONG, '198.51.100.60')).toBe(401);
    const { browser, page } = await signIn();
    expect(page.status).toBe(200);
    expect(page.html).toContain('Chặn đăng nhập sai nhiều lần');
    expect(page.html).toContain('198.51.100.60');
    expect(page.html).toContain('Tài khoản từ địa chỉ này');
    expect(page.html).toMatch(/Mỗi người có tối đa 8 lần đoán mật khẩu/);
    const csrf = inputValue(page.html, 'csrf')!;
    // without the CSRF token: refused, nothing lifted
    const forged = await browser.request('/admin/throttle/unblock', { form: { login: 'nguyen.van.a' } });
    expect(forged.status).toBe(403);
    expect(await attempt('nguyen.van.a', PASSWORD, '198.51.100.60')).toBe(429);
    const before = (await audited()).length;
    const posted = await browser.request('/admin/throttle/unblock', { form: { csrf, login: 'nguyen.van.a' } });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/admin/throttle');
    const after = await browser.go('/admin/throttle');
    expect(after.html).toContain('Đã gỡ chặn.');
    expect((await browser.go('/admin/throttle')).html).not.toContain('Đã gỡ chặn.'); // said once
    expect(after.html).not.toContain('198.51.100.60');
    const events = await audited();
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ actor: `console:${ADMIN.login}` });
    expect(await attempt('nguyen.van.a', PASSWORD, '198.51.100.60')).toBe(303);
    // nothing left: said so, not an error
    const again = await browser.request('/admin/throttle/unblock', { form: { csrf, login: 'nguyen.van.a' } });
    expect(again.headers.get('location')).toBe('/admin/throttle');
    expect((await browser.go('/admin/throttle')).html).toContain('Không còn lần chặn nào để gỡ');
    const bad = await browser.go('/admin/throttle/unblock', { form: { csrf, address: 'khong-phai-dia-chi' } });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('khong-phai-dia-chi');
  });

  test('a person who is not an administrator cannot see or lift blocks', async () => {
    const browser = new Browser(server.issuer, 'vi');
    const first = await browser.request('/admin/throttle');
    const login = await browser.go(first.headers.get('location')!);
    const page = await submitLogin(browser, login.html, 'le.van.c', PASSWORD);
    expect(page.status).toBe(403);
    expect(page.html).not.toContain('198.51.100');
  });
});
