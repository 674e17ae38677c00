/**
 * The console's helpdesk role on the real server with a real directory (slapd): who has it (a
 * member of a HELPDESK_GROUPS group, by DN; an account with the local flag, `sso account helpdesk
 * grant`), what they can do (find a person, see their state, unblock them, log them out
 * everywhere: each audited with the officer as the actor) and what they cannot (applications,
 * accounts, sync, login blocks, the audit trail and its export: a readable 403, on the server).
 * An administrator keeps everything and has the helpdesk section too.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { consoleRole } from '../src/admin/policy.js';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, testServerEnv, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { until } from './helpers/until.js';
import { ldifRecord } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const BASE = 'dc=tinh,dc=gov,dc=vn';
const HELPDESK_GROUP = `cn=hotro-sso,ou=groups,${BASE}`;
const ADMIN_GROUP = `cn=quantri-sso,ou=groups,${BASE}`;
const REDIRECT = 'http://127.0.0.1:9/cb';
const LOCAL_OFFICER = { login: 'hotro.local', password: 'mat-khau-ho-tro-1', name: 'Phạm Hỗ Trợ' };
const ENV = {
  ADMIN_GROUPS: ADMIN_GROUP,
  HELPDESK_GROUPS: HELPDESK_GROUP,
  TRUST_PROXY: 'true',
  THROTTLE_ACCOUNT_DELAY_AFTER: '100',
  THROTTLE_ACCOUNT_BLOCK_AFTER: '50',
  THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '2',
  THROTTLE_IP_DELAY_AFTER: '1000',
  THROTTLE_IP_BLOCK_AFTER: '1000',
  THROTTLE_MAX_DELAY_MS: '0',
  LOGIN_FAILURE_FLOOR_MS: '0',
  DIRECTORY_LOCKOUT_AFTER: '0',
};

describe('the role, decided in one place', () => {
  const groups = { groups: [ADMIN_GROUP], helpdeskGroups: [HELPDESK_GROUP] };
  const member = (...groupDns: string[]) => JSON.stringify({ groups: ['x'], groupDns });
  it('is admin, helpdesk or none; admin wins; groups compared by DN', () => {
    expect(consoleRole({ admin: true, attributes: '{}' }, groups)).toBe('admin');
    expect(consoleRole({ helpdesk: true, attributes: '{}' }, groups)).toBe('helpdesk');
    expect(consoleRole({ admin: true, helpdesk: true, attributes: '{}' }, groups)).toBe('admin');
    expect(consoleRole({ attributes: member('CN=HoTro-SSO, OU=Groups,DC=tinh,DC=gov,DC=vn') }, groups)).toBe('helpdesk');
    expect(consoleRole({ attributes: member(HELPDESK_GROUP, ADMIN_GROUP) }, groups)).toBe('admin');
    expect(consoleRole({ helpdesk: true, attributes: member(ADMIN_GROUP) }, groups)).toBe('admin');
    // the same name elsewhere in the tree, a name alone, nothing configured: no role
    expect(consoleRole({ attributes: member(`cn=hotro-sso,ou=people,${BASE}`) }, groups)).toBeNull();
    expect(consoleRole({ attributes: JSON.stringify({ groups: ['hotro-sso'] }) }, groups)).toBeNull();
    expect(consoleRole({ attributes: member(HELPDESK_GROUP) }, { groups: [], helpdeskGroups: [] })).toBeNull();
    expect(consoleRole({ admin: false, helpdesk: false, attributes: 'not json' }, groups)).toBeNull();
  });
});

describe('on the real server', () => {
  let slapd: Slapd;
  let server: TestServer;
  let client: { id: string; secret: string };
  let dataDir: string;

  beforeAll(async () => {
    slapd = await startSlapd({
      fixture: 'zimbra',
      extraLdif: [
        ldifRecord(HELPDESK_GROUP, { objectClass: ['top', 'groupOfNames'], cn: 'hotro-sso', member: [P.lan.dn] }),
        ldifRecord(ADMIN_GROUP, { objectClass: ['top', 'groupOfNames'], cn: 'quantri-sso', member: [P.hung.dn] }),
      ].join('\n\n'),
    });
    server = await startTestServer(slapdEnv(slapd, ENV));
    const c = await server.services.clients.add({ name: 'Một cửa điện tử', type: 'web', redirectUris: [REDIRECT] });
    client = { id: c.client.client_id, secret: c.clientSecret! };
    await server.services.accounts.addLocal({ login: LOCAL_OFFICER.login, password: LOCAL_OFFICER.password, displayName: LOCAL_OFFICER.name });
    dataDir = mkdtempSync(join(tmpdir(), 'sso-helpdesk-cli-'));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await slapd?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function sso(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { ...testServerEnv(3000, server.config.databaseUrl, slapdEnv(slapd, ENV)), DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => '' };
    const code = await main(['node', 'sso', ...args], io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  /** A login attempt at the login page from `ip` (through the trusted proxy); its status. */
  async function attempt(login: string, password: string, ip: string) {
    const browser = new Browser(server.issuer);
    const page = await browser.go((await startAuth(await rpConfig(server.issuer, client.id, client.secret), REDIRECT, 'openid')).url.toString());
    const res = await browser.request(formAction(page.html, 'password')!, { form: { csrf: inputValue(page.html, 'csrf')!, login, password }, headers: { 'x-forwarded-for': ip } });
    await res.arrayBuffer();
    return res.status;
  }

  /** Signs in at /admin as a person would; the browser and the page the console answers with. */
  async function consoleAs(who: { login: string; password: string }, locale: 'vi' | 'en' = 'vi') {
    const browser = new Browser(server.issuer, locale);
    const first = await browser.request('/admin');
    const login = await browser.go(first.headers.get('location')!);
    const page = await submitLogin(browser, login.html, who.login, who.password);
    return { browser, page, csrf: inputValue(page.html, 'csrf')! };
  }

  const events = (type: string) => server.services.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' } });

  it('sso account helpdesk grant, list, revoke: the local flag, audited with the operator', async () => {
    const granted = await sso(['--actor', 'Trưởng phòng CNTT', 'account', 'helpdesk', 'grant', LOCAL_OFFICER.login]);
    expect(granted).toMatchObject({ code: 0, stdout: `${LOCAL_OFFICER.login} is a helpdesk officer of the console` });
    const list = await sso(['account', 'helpdesk', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ login: LOCAL_OFFICER.login, name: LOCAL_OFFICER.name, status: 'active', source: 'local' })]);
    expect((await sso(['account', 'helpdesk', 'list'])).stdout).toMatch(/^LOGIN\s+NAME/);
    expect((await sso(['account', 'helpdesk', 'revoke', LOCAL_OFFICER.login])).code).toBe(0);
    expect(JSON.parse((await sso(['account', 'helpdesk', 'list', '--json'])).stdout)).toEqual([]);
    expect((await sso(['account', 'helpdesk', 'grant', 'khong.co.ai'])).code).toBe(1);
    expect((await sso(['account', 'helpdesk', 'grant', LOCAL_OFFICER.login])).code).toBe(0);
    const changes = await events('account.helpdesk_changed');
    expect(changes.map((e) => e.outcome)).toEqual(['granted', 'revoked', 'granted']);
    expect(changes[0]!.actor).toMatch(/^Trưởng phòng CNTT \(.+@.+\)$/);
    expect(JSON.parse(changes[0]!.detail)).toEqual({ login: LOCAL_OFFICER.login });
  });

  describe.each([
    { how: 'a member of a HELPDESK_GROUPS group', who: P.lan, ip: '198.51.100.10' },
    { how: 'an account with the local flag', who: LOCAL_OFFICER, ip: '198.51.100.20' },
  ])('$how', ({ who, ip }) => {
    it('finds a person, sees their blocks and failures, unblocks them and logs them out: audited with the officer', async () => {
      // the person: signed in once (a session), then two wrong passwords from one address: blocked there
      const person = new Browser(server.issuer);
      const mine = await person.request('/account');
      await submitLogin(person, (await person.go(mine.headers.get('location')!)).html, P.an.login, P.an.password);
      for (let i = 0; i < 2; i++) expect(await attempt(P.an.login, 'sai-mat-khau-1', ip)).toBe(401);
      expect(await attempt(P.an.login, P.an.password, ip)).toBe(429);
      const an = (await server.services.accounts.byLogin(P.an.login))!;

      const { browser, page, csrf } = await consoleAs(who);
      expect(new URL(page.url).pathname).toBe('/admin/helpdesk');
      expect(page.status).toBe(200);
      expect(page.html).toContain('Hỗ trợ người dùng');
      // only the helpdesk section (and My account) in the menu
      expect(page.html).not.toContain('href="/admin/clients"');
      expect(page.html).not.toContain('href="/admin/audit"');
      // and My account leads back to it
      expect((await browser.go('/account')).html).toContain('href="/admin/helpdesk"');

      const found = await browser.go('/admin/helpdesk?q=nguyen%20van%20an');
      expect(found.html).toContain(`/admin/helpdesk/people/${an.id}`);
      expect((await browser.go('/admin/helpdesk?q=annv%40tinh.gov.vn')).html).toContain(`/admin/helpdesk/people/${an.id}`);

      const state = await until('the failures recorded', async () => {
        const p = await browser.go(`/admin/helpdesk/people/${an.id}`);
        return p.html.includes('Sai tên đăng nhập hoặc mật khẩu') ? p : null;
      });
      expect(state.html).toContain('Nguyễn Văn An');
      expect(state.html).toContain('Đang hoạt động trong hệ thống thư điện tử công vụ');
      expect(state.html).toContain(ip);
      expect(state.html).toContain('Tài khoản từ địa chỉ này');
      expect(state.html).toContain('Bị chặn tạm thời do đăng nhập sai nhiều lần');
      expect(state.html).toMatch(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);

      // unblock: a CSRF-checked POST, then the person's page again; audited with the officer
      const forged = await browser.request(`/admin/helpdesk/people/${an.id}/unblock`, { form: { csrf: 'x' } });
      expect(forged.status).toBe(403);
      const unblocked = await browser.request(`/admin/helpdesk/people/${an.id}/unblock`, { form: { csrf } });
      expect(unblocked.status).toBe(303);
      expect(unblocked.headers.get('location')).toBe(`/admin/helpdesk/people/${an.id}?done=unblocked`);
      expect((await browser.go(unblocked.headers.get('location')!)).html).toContain('Đã gỡ chặn');
      const lift = (await events('throttle.unblocked')).at(-1)!;
      expect(lift.actor).toBe(`console:${who.login}`);
      expect(JSON.parse(lift.detail)).toMatchObject({ login: P.an.login, lifted: 1 });
      expect(await attempt(P.an.login, P.an.password, ip)).toBe(303);
      // nothing left: said so, nothing recorded
      const again = await browser.request(`/admin/helpdesk/people/${an.id}/unblock`, { form: { csrf } });
      expect(again.headers.get('location')).toContain('done=nothing');

      // log out everywhere: the person's sessions end; audited with the officer
      expect((await person.request('/account')).status).toBe(200);
      const out = await browser.request(`/admin/helpdesk/people/${an.id}/logout`, { form: { csrf } });
      expect(out.status).toBe(303);
      expect((await browser.go(out.headers.get('location')!)).html).toContain('Đã đăng xuất người này khỏi mọi nơi');
      expect((await person.request('/account')).status).toBe(302);
      const ended = (await events('account.access_ended')).at(-1)!;
      expect(ended).toMatchObject({ subject: an.id, actor: `console:${who.login}` });
      expect(JSON.parse(ended.detail)).toMatchObject({ reason: `helpdesk: ${who.login}` });
    }, 60_000);

    it('cannot reach applications, keys, accounts, sync, login blocks, the audit trail or its export: 403, nothing done', async () => {
      const { browser, csrf } = await consoleAs(who, 'en');
      for (const path of ['/admin/clients', `/admin/clients/${client.id}`, '/admin/keys', '/admin/accounts', '/admin/sync', '/admin/throttle', '/admin/audit', '/admin/audit/export?format=csv', '/admin/audit/verify', '/admin/Clients']) {
        const r = await browser.request(path);
        expect([path, r.status]).toEqual([path, 403]);
        const html = await r.text();
        expect(html).toContain('belongs to the helpdesk');
        expect(html).toContain('href="/admin/helpdesk"');
      }
      const before = (await server.services.clients.list()).length;
      const an = (await server.services.accounts.byLogin(P.an.login))!;
      for (const [path, form] of [
        ['/admin/clients', { csrf, name: 'Lạ', type: 'web', redirect_uris: 'https://la.example/cb' }],
        [`/admin/clients/${client.id}/disable`, { csrf }],
        [`/admin/clients/${client.id}/rotate`, { csrf }],
        [`/admin/accounts/${an.id}/disable`, { csrf }],
        ['/admin/sync', { csrf, mode: 'full' }],
        ['/admin/throttle/unblock', { csrf, address: '198.51.100.1' }],
      ] as const) {
        expect([path, (await browser.request(path, { form })).status]).toEqual([path, 403]);
      }
      expect(await server.services.clients.list()).toHaveLength(before);
      expect((await server.services.clients.get(client.id)).status).toBe('active');
      expect((await server.services.accounts.byLogin(P.an.login))!.status).toBe('active');
    }, 30_000);
  });

  it('an administrator keeps every section and has the helpdesk too', async () => {
    const { browser, page, csrf } = await consoleAs(P.hung);
    expect(new URL(page.url).pathname).toBe('/admin');
    expect(page.html).toContain('href="/admin/helpdesk"');
    expect(page.html).toContain('href="/admin/clients"');
    for (const path of ['/admin/clients', '/admin/accounts', '/admin/sync', '/admin/throttle', '/admin/audit', '/admin/helpdesk?q=an']) expect([path, (await browser.request(path)).status]).toEqual([path, 200]);
    const an = (await server.services.accounts.byLogin(P.an.login))!;
    expect((await browser.request(`/admin/helpdesk/people/${an.id}`)).status).toBe(200);
    // an account's page says whether and why it is a helpdesk officer
    const lan = (await server.services.accounts.byLogin(P.lan.login))!;
    expect((await browser.go(`/admin/accounts/${lan.id}`)).html).toContain('Có (thuộc nhóm hỗ trợ người dùng trong thư mục)');
    const local = (await server.services.accounts.byLogin(LOCAL_OFFICER.login))!;
    expect((await browser.go(`/admin/accounts/${local.id}`)).html).toMatch(/Quyền hỗ trợ người dùng<\/th><td[^>]*>Có \(cấp trong hệ thống\)/);
    const out = await browser.request(`/admin/helpdesk/people/${an.id}/logout`, { form: { csrf } });
    expect(out.status).toBe(303);
    expect((await events('account.access_ended')).at(-1)).toMatchObject({ subject: an.id, actor: `console:${P.hung.login}` });
  }, 30_000);

  it('someone with neither role is refused the console, the helpdesk section too', async () => {
    const { browser, page } = await consoleAs(P.khai, 'en');
    expect(page.status).toBe(403);
    expect(page.html).toContain('is not an administrator');
    expect((await browser.request('/admin/helpdesk')).status).toBe(403);
  }, 30_000);
});
