/**
 * The console forgives mistakes, over HTTP on the real server: every change ends in a 303
 * redirect with a one-time message (post/redirect/get), so reloading the page it leads to adds
 * nothing (a new application's secret is shown once, on a page of its own); a destructive action
 * does nothing without its explicit confirmation; a refused form keeps what was typed and marks
 * the field. And the one-time message's cookie: encrypted, bound to its console session, expiring.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { openFlash, sealFlash } from '../src/console/flash.js';
import { clientFieldOf } from '../src/admin/form-errors.js';

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const PERSON = { login: 'annv', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn An' };

describe('the one-time message (pure)', () => {
  const keys = ['k'.repeat(32), 'o'.repeat(32)];
  it('opens only under a cookie key, for its own console session, before it expires, and hides the secret', () => {
    const flash = { key: 'clients.done.added' as const, params: { name: 'A' }, secret: { clientId: 'abc', secret: 'S3cr3t-value-that-must-not-show' } };
    const v = sealFlash(keys, 'acc\0sid', flash, 1000);
    expect(v).not.toContain('S3cr3t');
    expect(Buffer.from(v.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('S3cr3t');
    expect(openFlash(keys, 'acc\0sid', v, 1000)).toEqual(flash);
    expect(openFlash([keys[1]!, keys[0]!], 'acc\0sid', v, 1000)).toEqual(flash); // after a key rotation
    expect(openFlash(['x'.repeat(32)], 'acc\0sid', v, 1000)).toBeNull();
    expect(openFlash(keys, 'acc\0other', v, 1000)).toBeNull();
    expect(openFlash(keys, 'acc\0sid', v, 1000 + 301)).toBeNull();
    expect(openFlash(keys, 'acc\0sid', `${v}x`, 1000)).toBeNull();
    expect(openFlash(keys, 'acc\0sid', 'a.b.c', 1000)).toBeNull();
  });

  it("finds the field a service's refusal is about", () => {
    expect(clientFieldOf('name must be 1 to 200 characters')).toBe('name');
    expect(clientFieldOf('redirect URI http://x/cb must use https')).toBe('redirect_uris');
    expect(clientFieldOf('at least one --redirect-uri is required')).toBe('redirect_uris');
    expect(clientFieldOf('post-logout redirect URI x is bad')).toBe('post_logout_redirect_uris');
    expect(clientFieldOf('back-channel logout URI x is bad')).toBe('backchannel_logout_uri');
    expect(clientFieldOf('something else')).toBe('form');
  });
});

describe('post/redirect/get, confirmations and refused forms', () => {
  let server: TestServer;
  let browser: Browser;
  let csrf: string;

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
    await server.services.accounts.setAdmin(ADMIN.login, true);
    await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name });
    browser = new Browser(server.issuer, 'vi');
    const first = await browser.request('/admin');
    const login = await browser.go(first.headers.get('location')!);
    const page = await submitLogin(browser, login.html, ADMIN.login, ADMIN.password);
    expect(new URL(page.url).pathname).toBe('/admin');
    csrf = inputValue(page.html, 'csrf')!;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const named = async (name: string) => (await server.services.clients.list()).filter((c) => c.name === name);

  it('adds one application per POST: reloading where it led adds nothing, the secret is shown once', async () => {
    const form = { csrf, name: 'Quản lý hồ sơ', type: 'web', redirect_uris: 'https://hoso.tinh.gov.vn/cb' };
    const added = await browser.request('/admin/clients', { form });
    expect(added.status).toBe(303);
    const to = added.headers.get('location')!;
    const [c] = await named('Quản lý hồ sơ');
    expect(to).toBe(`/admin/clients/${c!.client_id}/registered`);

    const shown = await browser.request(to);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    const secret = /id="client-secret"[^>]*value="([A-Za-z0-9_-]{43})"/.exec(html)?.[1];
    expect(secret).toBeDefined();
    expect(html).toContain('Đã đăng ký ứng dụng Quản lý hồ sơ.');
    expect(server.logs.join('\n')).not.toContain(secret!);
    expect(added.headers.get('set-cookie')).toContain('sso_console_flash=');
    expect(added.headers.get('set-cookie')).not.toContain(secret!); // sealed, not merely signed

    // the reload: no second application, no secret again, no message again
    const again = await browser.request(to);
    expect(again.status).toBe(200);
    const reloaded = await again.text();
    expect(reloaded).not.toMatch(/client-secret/);
    expect(reloaded).not.toContain(secret!);
    expect(reloaded).toContain('đã được hiển thị một lần');
    expect(reloaded).not.toContain('Đã đăng ký ứng dụng');
    expect(await named('Quản lý hồ sơ')).toHaveLength(1);

    // only the same POST sent again adds another
    expect((await browser.request('/admin/clients', { form })).status).toBe(303);
    expect(await named('Quản lý hồ sơ')).toHaveLength(2);
  });

  it('says once what was saved', async () => {
    const [c] = await named('Quản lý hồ sơ');
    const saved = await browser.request(`/admin/clients/${c!.client_id}`, { form: { csrf, name: 'Quản lý hồ sơ', redirect_uris: 'https://hoso.tinh.gov.vn/cb' } });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/admin/clients/${c!.client_id}`);
    expect(await (await browser.request(saved.headers.get('location')!)).text()).toContain('Đã lưu thông tin ứng dụng.');
    expect(await (await browser.request(saved.headers.get('location')!)).text()).not.toContain('Đã lưu thông tin ứng dụng.');
  });

  it('does nothing destructive without the explicit confirmation, and asks naming the target', async () => {
    const [c] = await named('Quản lý hồ sơ');
    const id = c!.client_id;
    const person = (await server.services.accounts.byLogin(PERSON.login))!;
    const secretHash = async () => (await server.services.db.prisma.client.findUnique({ where: { id } }))!.secretHash;
    const before = await secretHash();
    const asks: [string, string][] = [
      [`/admin/clients/${id}/disable`, 'Tạm ngừng ứng dụng Quản lý hồ sơ: mọi người sẽ không đăng nhập được vào ứng dụng này cho đến khi bật lại.'],
      [`/admin/clients/${id}/delete`, 'Xóa ứng dụng Quản lý hồ sơ:'],
      [`/admin/accounts/${person.id}/disable`, `Khóa tài khoản ${PERSON.name} (${PERSON.login}) trên hệ thống đăng nhập một lần (không khóa hộp thư)`],
      [`/admin/accounts/${person.id}/logout`, `Đăng xuất tài khoản ${PERSON.name} (${PERSON.login}) khỏi mọi nơi`],
    ];
    for (const [path, question] of asks) {
      for (const form of [{ csrf }, { csrf, confirm: 'no' }, { csrf, confirm: '' }] as Record<string, string>[]) {
        const r = await browser.request(path, { form });
        expect(r.status).toBe(200);
        const html = await r.text();
        expect(html).toContain(question);
        expect(html).toContain('name="confirm" value="yes"');
        expect(html).toContain(`action="${path}"`);
      }
    }
    expect((await server.services.clients.get(id)).status).toBe('active');
    expect(await secretHash()).toBe(before);
    expect((await server.services.accounts.byId(person.id))!.status).toBe('active');

    // confirmed: done, and said once where it leads
    const disabled = await browser.request(`/admin/clients/${id}/disable`, { form: { csrf, confirm: 'yes' } });
    expect(disabled.status).toBe(303);
    expect((await server.services.clients.get(id)).status).toBe('disabled');
    expect(await (await browser.request(disabled.headers.get('location')!)).text()).toContain('Đã tạm ngừng ứng dụng');
    const enable = await browser.request(`/admin/clients/${id}/enable`, { form: { csrf } });
    const enabling = await enable.text();
    expect(enabling).toContain('Bật lại ứng dụng Quản lý hồ sơ');
    expect(enabling).toContain('class="button button--primary">Bật lại ứng dụng</button>');
    expect((await server.services.clients.get(id)).status).toBe('disabled');
    expect((await browser.request(`/admin/clients/${id}/enable`, { form: { csrf, confirm: 'yes' } })).status).toBe(303);
    expect((await server.services.clients.get(id)).status).toBe('active');

    const deleted = await browser.request(`/admin/clients/${id}/delete`, { form: { csrf, confirm: 'yes' } });
    expect(deleted.headers.get('location')).toBe('/admin/clients');
    expect(await (await browser.request('/admin/clients')).text()).toContain('Đã xóa ứng dụng Quản lý hồ sơ.');
    expect(await server.services.clients.find(id)).toBeNull();
    // a stale confirmation form of a deleted application names nothing
    expect((await browser.request(`/admin/clients/${id}/delete`, { form: { csrf, confirm: 'yes' } })).status).toBe(404);
  });

  it('draws a refused form again with what was typed, the field marked, a summary at the top', async () => {
    const form = { csrf, name: 'Cổng thông tin', type: 'web', redirect_uris: 'http://evil.example/cb\nhttps://congthongtin.tinh.gov.vn/cb', post_logout_redirect_uris: 'https://congthongtin.tinh.gov.vn/', first_party: 'on' };
    const before = (await server.services.clients.list()).length;
    const r = await browser.request('/admin/clients', { form });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toMatch(/<div class="alert error-summary" role="alert"[^>]*>\s*<h2[^>]*>Thông tin nhập chưa hợp lệ<\/h2>\s*<ul>\s*<li><a href="#redirect_uris">[^<]*phải dùng https/);
    expect(html).toMatch(/<textarea class="field__input" id="redirect_uris" name="redirect_uris" aria-invalid="true" aria-describedby="redirect_uris-error"[^>]*>http:\/\/evil.example\/cb\nhttps:\/\/congthongtin.tinh.gov.vn\/cb<\/textarea>/);
    expect(html).toMatch(/<p class="field__error" id="redirect_uris-error">/);
    expect(html).toContain('value="Cổng thông tin"');
    expect(html).toContain('>https://congthongtin.tinh.gov.vn/</textarea>');
    expect(html).toMatch(/name="type" value="web" checked/);
    expect(html).toMatch(/name="first_party" checked/);
    expect(html).not.toMatch(/id="name"[^>]*aria-invalid/);
    expect((await server.services.clients.list()).length).toBe(before);

    // a field refused by the form's own rules, on the settings page
    const c = (await server.services.clients.add({ name: 'Thư viện số', type: 'web', redirectUris: ['https://thuvien.tinh.gov.vn/cb'] })).client;
    const bad = await browser.request(`/admin/clients/${c.client_id}`, { form: { csrf, name: 'x'.repeat(201), redirect_uris: 'https://thuvien.tinh.gov.vn/cb2' } });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toMatch(/id="name" name="name" aria-invalid="true" aria-describedby="name-error"[^>]*value="x{201}"/);
    expect(page).toContain('>https://thuvien.tinh.gov.vn/cb2</textarea>');
    expect((await server.services.clients.get(c.client_id)).redirect_uris).toEqual(['https://thuvien.tinh.gov.vn/cb']);
  });
});
