/**
 * The console's secret pages over HTTP on the real server: only web and service applications
 * have them, a form needs its CSRF token and a known choice, the POST redirects (303) to the
 * one page that shows the new secret, whose cookie is HttpOnly, SameSite=Strict and cleared as
 * it is read (a second GET shows nothing), only for the administrator who rotated it; neither
 * secret reaches the logs; the audit trail says who rotated and until when the old one works.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';

const ADMINS = [{ login: 'quantri.a', password: 'mat-khau-quan-tri-a1' }, { login: 'quantri.b', password: 'mat-khau-quan-tri-b2' }];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  for (const a of ADMINS) {
    await server.services.accounts.addLocal({ login: a.login, password: a.password, displayName: a.login });
    await server.services.accounts.setAdmin(a.login, true);
  }
});
afterAll(async () => {
  await server?.stop();
});

async function signIn(who: { login: string; password: string }): Promise<Browser> {
  const browser = new Browser(server.issuer, 'vi');
  const login = await browser.go('/admin');
  await submitLogin(browser, login.html, who.login, who.password);
  return browser;
}

it('only web and service applications have the pages; the internal one neither', async () => {
  const browser = await signIn(ADMINS[0]!);
  const spa = await server.services.clients.add({ name: 'Trang tra cứu', type: 'spa', redirectUris: ['https://tracuu.example.vn/cb'] });
  for (const id of [spa.client.client_id, 'sso-console', 'no-such-client']) {
    expect((await browser.go(`/admin/clients/${id}/secret`)).status).toBe(404);
  }
  const page = await browser.go(`/admin/clients/${spa.client.client_id}`);
  expect(page.html).not.toContain('/secret"');
  expect(page.html).toContain('Thông số tích hợp');
});

it('rotates on a valid POST only; shows the secret once, to its administrator; logs and audit hold no secret', async () => {
  const a = await signIn(ADMINS[0]!);
  const svc = await server.services.clients.add({ name: 'Đồng bộ hồ sơ', type: 'service', redirectUris: [] });
  const id = svc.client.client_id;
  const form = await a.go(`/admin/clients/${id}/secret`);
  expect(form.status).toBe(200);
  expect(form.html).toContain('Đồng bộ hồ sơ');
  const csrf = inputValue(form.html, 'csrf')!;
  const hash = async () => (await server.services.db.prisma.client.findUniqueOrThrow({ where: { id } })).secretHash;
  const before = await hash();

  expect((await a.request(`/admin/clients/${id}/secret`, { form: { overlap: '7d' } })).status).toBe(403);
  const bad = await a.request(`/admin/clients/${id}/secret`, { form: { csrf, overlap: 'forever' } });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('overlap');
  const tooFar = await a.request(`/admin/clients/${id}/secret`, { form: { csrf, overlap: 'date', overlap_until: '31/12/2099 08:00' } });
  expect(tooFar.status).toBe(400);
  expect(await tooFar.text()).toContain('không được quá 90 ngày');
  expect(await hash()).toBe(before);

  const posted = await a.request(`/admin/clients/${id}/secret`, { form: { csrf, overlap: '1d' } });
  expect(posted.status).toBe(303);
  expect(posted.headers.get('location')).toBe(`/admin/clients/${id}/secret/new`);
  const setCookie = posted.headers.getSetCookie().find((c) => c.startsWith('sso_new_secret='))!;
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  expect(setCookie).toMatch(/Path=\/admin\/clients/);
  const after = await hash();
  expect(after).not.toBe(before);

  // another administrator holding the same cookie sees nothing
  const b = await signIn(ADMINS[1]!);
  const stolen = setCookie.split(';')[0]!;
  const names = b.cookieNames();
  const values = b.cookieValues();
  const jar = names.map((n, i) => `${n}=${values[i]}`).join('; ');
  const other = await fetch(`${server.issuer}/admin/clients/${id}/secret/new`, { headers: { cookie: `${jar}; ${stolen}`, 'accept-language': 'vi' }, redirect: 'manual' });
  expect(other.status).toBe(200);
  const otherHtml = await other.text();
  expect(otherHtml).toContain('không thể hiển thị lại');
  expect(otherHtml).not.toContain('id="client-secret"');

  const shown = await a.go(`/admin/clients/${id}/secret/new`);
  const secret = /id="client-secret"[^>]*value="([^"]+)"/.exec(shown.html)?.[1];
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(shown.headers.get('cache-control')).toBe('no-store');
  expect(shown.html).toContain('Khóa bí mật cũ vẫn được chấp nhận đến');
  const again = await a.go(`/admin/clients/${id}/secret/new`);
  expect(again.html).not.toContain(secret!);
  expect(again.html).toContain('không thể hiển thị lại');
  expect(await hash()).toBe(after);

  const logs = server.logs.join('\n');
  for (const s of [secret!, svc.clientSecret!]) expect(logs).not.toContain(s);
  await server.services.audit.flush();
  const [ev] = await server.services.audit.list({ type: 'client.secret_rotated', limit: 1 });
  expect(ev).toMatchObject({ actor: `console:${ADMINS[0]!.login}`, clientId: id });
  expect(JSON.parse(ev!.detail)).toMatchObject({ overlap_until: expect.stringMatching(/^\d{4}-/) });
  expect(ev!.detail).not.toContain(secret!);

  // ending the overlap: a CSRF-checked POST, then back to the application page
  const page = await a.go(`/admin/clients/${id}`);
  expect(page.html).toContain('Ngừng khóa cũ ngay');
  const ended = await a.request(`/admin/clients/${id}/secret/end-overlap`, { form: { csrf } });
  expect(ended.status).toBe(303);
  expect(ended.headers.get('location')).toBe(`/admin/clients/${id}?done=overlap-ended`);
  expect((await server.services.clients.get(id)).overlap_until).toBeNull();
});
