/**
 * The app launcher at / on the real server: signed out, the product's name and "sign in" (which
 * comes back here); signed in, who they are and one tile per active application with a home URL.
 * The logo as served (nosniff, its type, ETag, caching), and uploaded through the console's form.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { pngSquare, SVG } from './helpers/images.js';

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const PERSON = { login: 'annv', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn An' };
const LOGO = pngSquare(24, [200, 16, 46]);

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const s = server.services;
  await s.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
  await s.accounts.setAdmin(ADMIN.login, true);
  await s.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name });
  const web = (id: string, name: string) => ({ id, name, type: 'web' as const, redirectUris: [`https://${id}.tinh.gov.vn/cb`] });
  await s.clients.add({ ...web('hoso', 'Hồ sơ một cửa'), homeUrl: 'https://hoso.tinh.gov.vn/', description: 'Tiếp nhận và trả kết quả hồ sơ', logo: LOGO });
  await s.clients.add({ ...web('vanban', 'Quản lý văn bản'), homeUrl: 'https://vanban.tinh.gov.vn/' });
  await s.clients.add({ ...web('api', 'Dịch vụ nội bộ') });
  await s.clients.add({ ...web('congcu', 'Cổng cũ'), homeUrl: 'https://congcu.tinh.gov.vn/' });
  await s.clients.setStatus('congcu', 'disabled');
});
afterAll(async () => {
  await server?.stop();
});

/** Signs in from the launcher's "sign in", as a person would; ends on the launcher. */
async function signIn(who: { login: string; password: string }, lang = 'vi') {
  const browser = new Browser(server.issuer, lang);
  const start = await browser.request('/sign-in');
  expect(start.status).toBe(302);
  expect(new URL(start.headers.get('location')!).pathname).toBe('/auth');
  const login = await browser.go(start.headers.get('location')!);
  const page = await submitLogin(browser, login.html, who.login, who.password);
  return { browser, page };
}

const tiles = (html: string) => [...html.matchAll(/<a class="tile" href="([^"]+)">[\s\S]*?class="tile__name">([^<]+)</g)].map((m) => [m[1], m[2]]);

describe('signed out', () => {
  it('/ is a page with the product name and a sign-in link, never a redirect to discovery', async () => {
    const r = await fetch(`${server.issuer}/`, { headers: { 'accept-language': 'vi' }, redirect: 'manual' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const html = await r.text();
    expect(html).toContain('<h1 id="welcome-title" class="launcher__brand">Đăng nhập một lần</h1>');
    expect(html).toContain('href="/sign-in">Đăng nhập</a>');
    expect(html).not.toContain('openid-configuration');
  });
});

describe('signed in', () => {
  it('comes back to / after signing in: who, sign-out, my account, and exactly the two listed applications', async () => {
    const { browser, page } = await signIn(PERSON);
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe('/');
    expect(page.html).toContain(`Bạn đang đăng nhập bằng tài khoản ${PERSON.name}`);
    expect(page.html).toContain('href="/account"');
    expect(page.html).toMatch(/<form method="post" action="\/account\/sign-out">\s*<input type="hidden" name="csrf" value="[^"]+">/);
    expect(tiles(page.html)).toEqual([['https://hoso.tinh.gov.vn/', 'Hồ sơ một cửa'], ['https://vanban.tinh.gov.vn/', 'Quản lý văn bản']]);
    expect(page.html).toContain('Tiếp nhận và trả kết quả hồ sơ');
    expect(page.html).toMatch(/<img class="tile__logo" src="\/apps\/hoso\/logo\?v=[^"]+" alt=""/);
    expect(page.html).not.toContain('Dịch vụ nội bộ');
    expect(page.html).not.toContain('Cổng cũ');

    // signing out from the launcher ends the session: / is the sign-in page again
    const out = await browser.request('/account/sign-out', { form: { csrf: inputValue(page.html, 'csrf')! } });
    expect(out.status).toBe(303);
    expect((await browser.go('/')).html).toContain('href="/sign-in"');
  });

  it('speaks English when asked', async () => {
    const { page } = await signIn(PERSON, 'en');
    expect(page.html).toContain(`You are signed in with the account ${PERSON.name}`);
    expect(page.html).toContain('<h1 class="launcher__title">My applications</h1>');
  });

  it('an application enabled again, or given a home URL, appears; one disabled goes', async () => {
    await server.services.clients.setStatus('congcu', 'active');
    await server.services.clients.update('vanban', { homeUrl: '' });
    const { page } = await signIn(PERSON);
    expect(tiles(page.html).map(([, name]) => name)).toEqual(['Cổng cũ', 'Hồ sơ một cửa']);
    await server.services.clients.setStatus('congcu', 'disabled');
    await server.services.clients.update('vanban', { homeUrl: 'https://vanban.tinh.gov.vn/' });
  });
});

describe('the logo', () => {
  it('is served with its type, nosniff, an ETag and caching; 304 on a match; 404 when there is none', async () => {
    const url = (await server.services.clients.get('hoso')).logo_url!;
    const r = await fetch(`${server.issuer}${url}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('public, max-age=3600');
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect(Buffer.from(await r.arrayBuffer()).equals(LOGO)).toBe(true);
    const again = await fetch(`${server.issuer}/apps/hoso/logo`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    for (const path of ['/apps/vanban/logo', '/apps/khongco/logo', `/apps/${'x'.repeat(200)}/logo`]) {
      const none = await fetch(`${server.issuer}${path}`);
      expect({ path, status: none.status }).toEqual({ path, status: 404 });
    }
  });
});

describe("the console's settings form", () => {
  it('uploads a logo with the settings, shows it, removes it; refuses an SVG and a file over 256 KiB with a readable page', async () => {
    const { browser } = await signIn(ADMIN);
    const page = await browser.go('/admin/clients/api');
    expect(page.html).toContain('enctype="multipart/form-data"');
    expect(page.html).toContain('name="home_url"');
    const csrf = inputValue(page.html, 'csrf')!;
    const form = (logo?: { bytes: Buffer; name: string; type: string }, extra: Record<string, string> = {}) => {
      const f = new FormData();
      for (const [k, v] of Object.entries({ csrf, name: 'Dịch vụ nội bộ', redirect_uris: 'https://api.tinh.gov.vn/cb', home_url: 'https://api.tinh.gov.vn/', description: 'Tra cứu', ...extra })) f.append(k, v);
      if (logo) f.append('logo', new Blob([new Uint8Array(logo.bytes)], { type: logo.type }), logo.name);
      return f;
    };
    const saved = await browser.request('/admin/clients/api', { multipart: form({ bytes: LOGO, name: 'logo.png', type: 'image/png' }) });
    expect(saved.status).toBe(303);
    const view = await server.services.clients.get('api');
    expect(view).toMatchObject({ home_url: 'https://api.tinh.gov.vn/', description: 'Tra cứu', logo_url: expect.stringMatching(/^\/apps\/api\/logo\?v=/) });
    expect((await browser.go('/admin/clients/api')).html).toContain(`src="${view.logo_url!.replaceAll('&', '&amp;')}"`);

    const svg = await browser.request('/admin/clients/api', { multipart: form({ bytes: SVG, name: 'logo.png', type: 'image/png' }) });
    expect(svg.status).toBe(400);
    expect(await svg.text()).toContain('Biểu trưng chưa hợp lệ');
    const big = await browser.request('/admin/clients/api', { multipart: form({ bytes: Buffer.concat([LOGO, Buffer.alloc(300 * 1024)]), name: 'big.png', type: 'image/png' }) });
    expect(big.status).toBe(400);
    expect(await big.text()).toContain('Biểu trưng chưa hợp lệ');
    const badUrl = await browser.request('/admin/clients/api', { multipart: form(undefined, { home_url: 'http://api.tinh.gov.vn/' }) });
    expect(badUrl.status).toBe(400);
    expect(await badUrl.text()).toContain('Địa chỉ trang chủ chưa hợp lệ');
    expect((await server.services.clients.get('api')).logo_url).toBe(view.logo_url);

    // without its CSRF token the upload changes nothing
    const f = form({ bytes: pngSquare(4, [0, 0, 0]), name: 'x.png', type: 'image/png' });
    f.set('csrf', 'x'.repeat(43));
    expect((await browser.request('/admin/clients/api', { multipart: f })).status).toBe(403);

    expect((await browser.request('/admin/clients/api', { multipart: form(undefined, { remove_logo: 'on' }) })).status).toBe(303);
    expect((await server.services.clients.get('api')).logo_url).toBeNull();
    const events = await server.services.db.prisma.auditEvent.findMany({ where: { type: 'client.updated', clientId: 'api' }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => (JSON.parse(e.detail) as { changed: string[] }).changed)).toEqual([['home_url', 'description', 'logo'], ['logo']]);
    expect(events.every((e) => e.actor === `console:${ADMIN.login}`)).toBe(true);
  });
});
