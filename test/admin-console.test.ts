/**
 * The console's door and forms over HTTP, on the real server: signing in through the IdP itself,
 * who may enter, CSRF on every change, bad input answered with a readable page, and a console
 * session that dies with the IdP session or the account.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { safeReturnPath } from '../src/console/auth.js';
import { consoleClientSecret } from '../src/console/internal-client.js';
import { adminGrounds } from '../src/admin/policy.js';
import { parseDay } from '../src/audit/query.js';

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const PERSON = { login: 'annv', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn An' };

describe('pure decisions', () => {
  it('returns only to console and my-account paths', () => {
    expect(safeReturnPath('/admin/accounts?q=an')).toBe('/admin/accounts?q=an');
    expect(safeReturnPath('/account')).toBe('/account');
    for (const bad of ['//evil.example/admin', '/admin//evil', 'https://evil.example/admin', '/admin\\x', '/administrator', '/admin/%2F%2Fevil', '/interaction/x', 42, undefined, `/admin/${'x'.repeat(600)}`]) {
      expect(safeReturnPath(bad)).toBe('/account');
    }
  });

  it('names administrators by the local flag or an ADMIN_GROUPS group DN; a group of the same name elsewhere is no ground', () => {
    const ADMINS = 'cn=Quản trị hệ thống,ou=groups,dc=tinh,dc=gov,dc=vn';
    const member = (...groupDns: string[]) => JSON.stringify({ groups: ['Văn thư', 'Quản trị hệ thống'], groupDns });
    expect(adminGrounds({ admin: true, attributes: '{}' }, [])).toBe('local');
    // another spelling of the same DN
    expect(adminGrounds({ admin: false, attributes: member('CN=quản trị hệ thống, OU=Groups,DC=tinh,DC=gov,DC=vn') }, [ADMINS])).toBe('group');
    expect(adminGrounds({ admin: false, attributes: member('cn=Quản trị hệ thống,ou=people,dc=tinh,dc=gov,dc=vn') }, [ADMINS])).toBeNull();
    // names alone (an account not signed in or synced since group DNs are kept) are no ground
    expect(adminGrounds({ admin: false, attributes: JSON.stringify({ groups: ['Quản trị hệ thống'] }) }, [ADMINS])).toBeNull();
    expect(adminGrounds({ admin: false, attributes: member('not a DN', 'cn=Văn thư,ou=groups,dc=tinh,dc=gov,dc=vn') }, [ADMINS])).toBeNull();
    expect(adminGrounds({ admin: false, attributes: member(ADMINS) }, [])).toBeNull();
    expect(adminGrounds({ admin: false, attributes: 'not json' }, [ADMINS])).toBeNull();
  });

  it('reads console dates as days in Việt Nam', () => {
    expect(parseDay('2026-12-02')!.toISOString()).toBe('2026-12-01T17:00:00.000Z');
    expect(parseDay('2026-12-02', true)!.toISOString()).toBe('2026-12-02T17:00:00.000Z');
    expect(parseDay('2026-02-31')).toBeNull();
    expect(parseDay('02/12/2026')).toBeNull();
  });
});

describe('the console over HTTP', () => {
  let server: TestServer;
  /** Cookie values and secrets seen on the way: none may ever reach the logs. */
  const secrets: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
    await server.services.accounts.setAdmin(ADMIN.login, true);
    await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Signs in at `path` as a person would: /auth, the login page, the callback, back to the page. */
  async function signIn(who: { login: string; password: string }, path = '/admin') {
    const browser = new Browser(server.issuer, 'en');
    const first = await browser.request(path);
    expect(first.status).toBe(302);
    const auth = new URL(first.headers.get('location')!);
    expect(auth.pathname).toBe('/auth');
    expect(auth.searchParams.get('client_id')).toBe('sso-console');
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toBe(`${server.issuer}/console/callback`);
    const login = await browser.go(auth.toString());
    expect(login.html).toMatch(/name="password"/);
    const page = await submitLogin(browser, login.html, who.login, who.password);
    secrets.push(...browser.cookieValues());
    return { browser, page };
  }

  it('signs an administrator in through /auth and shows the dashboard', async () => {
    const { page } = await signIn(ADMIN);
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe('/admin');
    expect(page.html).toContain('Dashboard');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('refuses a person who is not an administrator with a readable 403, and lets them use /account', async () => {
    const { browser, page } = await signIn(PERSON);
    expect(page.status).toBe(403);
    expect(page.html).toContain('is not an administrator');
    expect(page.html).toContain(PERSON.login);
    const mine = await browser.go('/account');
    expect(mine.status).toBe(200);
    expect(mine.html).toContain(`Hello ${PERSON.name}`);
    // the menu offers nothing of the console
    expect(mine.html).not.toContain('href="/admin/accounts"');
    const post = await browser.request('/admin/accounts', { form: { csrf: inputValue(mine.html, 'csrf')! } });
    expect(post.status).toBe(403);
  });

  it('refuses a form without or with a wrong CSRF token, and changes nothing', async () => {
    const { browser } = await signIn(ADMIN);
    const target = (await server.services.accounts.byLogin(PERSON.login))!;
    const page = await browser.go(`/admin/accounts/${target.id}`);
    const csrf = inputValue(page.html, 'csrf')!;
    expect(csrf).toBeTruthy();
    for (const form of [{ confirm: 'yes' }, { csrf: 'x'.repeat(43), confirm: 'yes' }, { csrf: `${csrf}x`, confirm: 'yes' }]) {
      const r = await browser.request(`/admin/accounts/${target.id}/disable`, { form: form as Record<string, string> });
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('The form has expired');
    }
    expect((await server.services.accounts.byId(target.id))!.status).toBe('active');
    // another console session's token does not fit this one
    const other = await signIn(ADMIN);
    const otherCsrf = inputValue((await other.browser.go('/admin')).html, 'csrf')!;
    expect((await browser.request(`/admin/accounts/${target.id}/disable`, { form: { csrf: otherCsrf, confirm: 'yes' } })).status).toBe(403);

    // the right token without the confirmation: the question, nothing done
    const asked = await browser.request(`/admin/accounts/${target.id}/disable`, { form: { csrf } });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain(`Disable account ${PERSON.name} (${PERSON.login})`);
    expect((await server.services.accounts.byId(target.id))!.status).toBe('active');
    const ok = await browser.request(`/admin/accounts/${target.id}/disable`, { form: { csrf, confirm: 'yes' } });
    expect(ok.status).toBe(303);
    expect((await server.services.accounts.byId(target.id))!.status).toBe('disabled');
    await server.services.audit.flush();
    const [ev] = await server.services.audit.list({ type: 'account.status_changed', limit: 1 });
    expect(ev).toMatchObject({ actor: `console:${ADMIN.login}`, subject: target.id, outcome: 'disabled', ip: '127.0.0.1' });
    expect(JSON.parse(ev!.detail)).toMatchObject({ user_agent: expect.any(String) });
    // each change asked of the console is one log line: who, from where, with which browser, how it ended
    const path = `/admin/accounts/${target.id}/disable`;
    const actions = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'admin.action' && l.path === path);
    expect(actions.map((a) => [a.level, a.outcome, a.status])).toEqual([...Array(4).fill(['warn', 'forbidden', 403]), ['info', 'success', 200], ['info', 'success', 303]]);
    expect(actions[5]).toMatchObject({ login: ADMIN.login, ip: '127.0.0.1', userAgent: expect.any(String), method: 'POST' });
    await server.services.accounts.setStatus(PERSON.login, 'active');
  });

  it('GET never changes anything', async () => {
    const { browser } = await signIn(ADMIN);
    const target = (await server.services.accounts.byLogin(PERSON.login))!;
    // a destructive action's path shows its confirmation, and does nothing
    for (const action of ['disable', 'logout']) {
      const r = await browser.request(`/admin/accounts/${target.id}/${action}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('name="confirm" value="yes"');
    }
    expect((await browser.request(`/admin/accounts/${target.id}/enable`)).status).toBe(404);
    expect((await server.services.accounts.byId(target.id))!.status).toBe('active');
  });

  it('answers bad input with a readable page, never a 500', async () => {
    const { browser } = await signIn(ADMIN);
    const csrf = inputValue((await browser.go('/admin/clients')).html, 'csrf')!;
    const bad = await browser.request('/admin/clients?lang=vi', { form: { csrf, name: 'X', type: 'web', redirect_uris: 'http://evil.example/cb' } });
    expect(bad.status).toBe(400);
    // a sentence naming the form field, never the CLI's option or the English text
    const badText = await bad.text();
    expect(badText).toContain('Địa chỉ http://evil.example/cb trong ô “Địa chỉ chuyển hướng” phải dùng https');
    expect(badText).not.toMatch(/must use https|--redirect-uri/);
    const none = await browser.request('/admin/clients', { form: { csrf, name: 'X', type: 'web', redirect_uris: '' } });
    expect(await none.text()).toContain('Vui lòng nhập ít nhất một địa chỉ vào ô “Địa chỉ chuyển hướng”.');
    const badType = await browser.request('/admin/clients', { form: { csrf, name: 'X', type: 'bogus', redirect_uris: 'https://a.tinh.gov.vn/cb' } });
    expect(badType.status).toBe(400);
    expect(await badType.text()).toContain('Ô “Loại ứng dụng” chưa hợp lệ');
    const huge = await browser.request('/admin/clients?lang=en', { form: { csrf, name: 'x'.repeat(300), type: 'web', redirect_uris: 'https://a.tinh.gov.vn/cb' } });
    expect(huge.status).toBe(400);
    expect(await huge.text()).toContain('The “Application name” field is not valid');
    expect((await browser.request('/admin/audit?from=2026-13-45')).status).toBe(400);
    expect((await browser.request('/admin/audit?type=nope')).status).toBe(400);
    expect((await browser.request(`/admin/accounts/${'x'.repeat(200)}`)).status).toBe(404);
    expect((await browser.request('/admin/accounts/no-such-id')).status).toBe(404);
    expect((await browser.request('/admin/clients/sso-console/disable', { form: { csrf, confirm: 'yes' } })).status).toBe(400);
    const page = await browser.request('/admin/accounts?page=99999999999&q=' + 'a'.repeat(500));
    expect(page.status).toBe(200);
    expect((await browser.request('/console/callback?code=x&state=y')).status).toBe(400);
  });

  it("sets whether an application receives the groups' DNs (groups_dn): at registration, then on its settings page", async () => {
    const { browser } = await signIn(ADMIN);
    const csrf = inputValue((await browser.go('/admin/clients')).html, 'csrf')!;
    const added = await browser.request('/admin/clients', { form: { csrf, name: 'Quản lý văn bản', type: 'web', redirect_uris: 'https://vanban.tinh.gov.vn/cb', release_group_dns: 'on' } });
    expect(added.status).toBe(303);
    const c = (await server.services.clients.list()).find((x) => x.name === 'Quản lý văn bản')!;
    expect(c.release_group_dns).toBe(true);
    const settings = (await browser.go(`/admin/clients/${c.client_id}`)).html;
    expect(settings).toMatch(/name="release_group_dns"[^>]* checked/);
    const form = { csrf, name: c.name, redirect_uris: c.redirect_uris.join('\n'), post_logout_redirect_uris: '', backchannel_logout_uri: '' };
    // unticked: the box sends nothing
    expect((await browser.request(`/admin/clients/${c.client_id}`, { form })).status).toBe(303);
    expect((await server.services.clients.get(c.client_id)).release_group_dns).toBe(false);
    expect((await browser.go(`/admin/clients/${c.client_id}`)).html).not.toMatch(/name="release_group_dns"[^>]* checked/);
    expect((await browser.request(`/admin/clients/${c.client_id}`, { form: { ...form, release_group_dns: 'on' } })).status).toBe(303);
    expect((await server.services.clients.get(c.client_id)).release_group_dns).toBe(true);
  });

  it('ends one session of an account, registers an application with its secret shown once, exports and verifies the audit trail', async () => {
    const person = await signIn(PERSON, '/account');
    expect(person.page.status).toBe(200);
    const { browser } = await signIn(ADMIN);
    const target = (await server.services.accounts.byLogin(PERSON.login))!;
    const page = await browser.go(`/admin/accounts/${target.id}`);
    const csrf = inputValue(page.html, 'csrf')!;
    const action = /action="(\/admin\/accounts\/[^"]+\/sessions\/[^"]+\/end)"/.exec(page.html)![1]!;
    const ended = await browser.request(action, { form: { csrf } });
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe(`/admin/accounts/${target.id}`);
    expect(await (await browser.request(`/admin/accounts/${target.id}`)).text()).toContain('The session has ended.');
    expect(await server.services.accounts.sessions(target.id)).toEqual([]);
    expect((await person.browser.request('/account')).status).toBe(302); // that person's console session died with it
    expect((await browser.request(action, { form: { csrf } })).status).toBe(404);

    const added = await browser.request('/admin/clients', { form: { csrf, name: 'Quản lý tài sản', type: 'web', redirect_uris: 'https://taisan.tinh.gov.vn/cb\r\n\r\nhttps://taisan.tinh.gov.vn/cb2' } });
    expect(added.status).toBe(303);
    const shown = await browser.request(added.headers.get('location')!);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const html = await shown.text();
    const clientId = /id="client-id">([^<]+)</.exec(html)![1]!;
    expect((await server.services.clients.get(clientId)).redirect_uris).toEqual(['https://taisan.tinh.gov.vn/cb', 'https://taisan.tinh.gov.vn/cb2']);
    const secret = /id="client-secret"[^>]*value="([A-Za-z0-9_-]{43})"/.exec(html)?.[1];
    expect(secret).toBeDefined();
    secrets.push(secret!);
    expect(await (await browser.request(`/admin/clients/${clientId}`)).text()).not.toMatch(/client-secret/);

    await server.services.audit.flush();
    const exported = await browser.request(`/admin/audit/export?type=account.session_ended&format=jsonl`);
    expect(exported.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; actor: string; subject: string });
    expect(lines).toEqual([expect.objectContaining({ type: 'account.session_ended', actor: `console:${ADMIN.login}`, subject: target.id })]);
    const csv = await (await browser.request('/admin/audit/export?format=csv&person=annv')).text();
    expect(csv.split('\r\n')[0] ?? csv.split('\n')[0]).toMatch(/^seq,at,type/);
    const verified = await browser.request('/admin/audit/verify');
    expect(verified.status).toBe(200);
    expect(await verified.text()).toContain('The hash chain is intact');

    // no directory configured here: the sync screen says so and a run is refused readably
    expect(await (await browser.request('/admin/sync')).text()).toContain('No mail directory is configured');
    expect((await browser.request('/admin/sync', { form: { csrf, mode: 'full' } })).status).toBe(409);
  });

  it('ends the console session when the IdP session ends, or the account is disabled', async () => {
    const { browser } = await signIn(ADMIN);
    expect((await browser.request('/admin')).status).toBe(200);
    const admin = (await server.services.accounts.byLogin(ADMIN.login))!;
    await server.services.deprovision.endAccess(admin.id, 'test: sessions ended');
    const after = await browser.request('/admin');
    expect(after.status).toBe(302);
    expect(new URL(after.headers.get('location')!).pathname).toBe('/auth');
    // a POST without a live session is refused, not redirected
    expect((await browser.request('/account/sign-out', { form: { csrf: 'x' } })).status).toBe(401);

    const again = await signIn(ADMIN);
    expect((await again.browser.request('/admin')).status).toBe(200);
    await server.services.db.prisma.account.update({ where: { id: admin.id }, data: { status: 'disabled' } });
    expect((await again.browser.request('/admin')).status).toBe(302);
    await server.services.db.prisma.account.update({ where: { id: admin.id }, data: { status: 'active' } });
  });

  it('signs out of the console through the IdP (RP-initiated logout)', async () => {
    const { browser } = await signIn(ADMIN);
    const csrf = inputValue((await browser.go('/admin')).html, 'csrf')!;
    const out = await browser.request('/account/sign-out', { form: { csrf } });
    expect(out.status).toBe(303);
    const end = new URL(out.headers.get('location')!, server.issuer);
    expect(end.pathname).toBe('/session/end');
    expect(end.searchParams.get('client_id')).toBe('sso-console');
    const hint = end.searchParams.get('id_token_hint')!;
    expect(JSON.parse(Buffer.from(hint.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: 'sso-console', sub: (await server.services.accounts.byLogin(ADMIN.login))!.id });
    secrets.push(hint);
    expect(browser.cookieNames()).not.toContain('sso_console');
    // with the console's hint the IdP does not ask again: its form goes on by itself
    const going = await browser.go(end.pathname + end.search);
    expect(going.html).toContain('op.logoutForm');
    expect(going.html).toContain('<script src="/assets/logout-continue.js"></script>');
    expect(going.html).not.toContain('name="logout" value=""');
    const form = { xsrf: inputValue(going.html, 'xsrf')!, logout: 'yes' };
    const done = await browser.go('/session/end/confirm', { form });
    expect(done.html).toContain('Signed out');
    expect((await browser.request('/admin')).status).toBe(302);
    // without the hint (an older console cookie), the IdP asks as it does for any application
    const again = await signIn(ADMIN);
    const asked = await again.browser.go('/session/end?client_id=sso-console');
    expect(asked.html).toContain('op.logoutForm');
    expect(asked.html).not.toContain('logout-continue.js');
  });

  it('never logs a secret or a cookie', () => {
    secrets.push(consoleClientSecret(server.config.keyEncryptionSecret));
    const logs = server.logs.join('\n');
    expect(secrets.filter((x) => x.length >= 16).length).toBeGreaterThan(5);
    for (const x of secrets.filter((v) => v.length >= 16)) expect(logs).not.toContain(x);
  });
});

describe('behind a proxy: the public issuer is not the listening address', () => {
  let server: TestServer;
  beforeAll(async () => {
    const port = await freePort();
    // the public name (localhost) differs from the address the instance listens on (127.0.0.1)
    server = await startTestServer({ PORT: String(port), ISSUER: `http://localhost:${port}` });
    await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
    await server.services.accounts.setAdmin(ADMIN.login, true);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends the browser to the public /auth and exchanges the code at its own address', async () => {
    const publicUrl = server.config.issuer;
    expect(publicUrl).toMatch(/^http:\/\/localhost:\d+$/);
    const browser = new Browser(publicUrl, 'en');
    const first = await browser.request('/admin');
    expect(first.headers.get('location')!.startsWith(`${publicUrl}/auth?`)).toBe(true);
    const login = await browser.go(first.headers.get('location')!);
    const page = await submitLogin(browser, login.html, ADMIN.login, ADMIN.password);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${publicUrl}/admin`);
  });
});
