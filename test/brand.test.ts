/**
 * The province's brand on the real server: the name, footer, colour and logo on the login page,
 * an error page, "my account" and the console; the logo and the stylesheet as served; a bad
 * logo file refusing the start.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { ConfigError } from '../src/config/load.js';
import { logoType, MAX_LOGO_BYTES, readBrandLogo } from '../src/app/brand-logo.js';
import { brandStylesheet } from '../src/web/brand.js';
import express from 'express';
import { SsoError } from '../src/domain/errors.js';
import { errorPages } from '../src/web/errors.js';
import { createRenderer, DEFAULT_VIEWS_DIR } from '../src/web/render.js';
import { createLogger } from '../src/util/logger.js';
import { listen, closeServer } from '../src/app/http.js';
import { createServer } from 'node:http';
import { applicationHome, nextStep } from '../src/web/ways-on.js';

/** An 8×8 PNG of the brand colour. */
export const LOGO_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGNYLCuLFTEMLQkAuIM3QTEwCvYAAAAASUVORK5CYII=', 'base64');

export const BRAND = {
  BRAND_NAME: 'Cổng đăng nhập tỉnh Nam Định',
  BRAND_FOOTER: 'Sở Thông tin và Truyền thông – số 1 Lê Hồng Phong – 0228 3000 000',
  BRAND_PRIMARY_COLOR: '#A31D1D',
  PASSWORD_HELP_URL: 'https://mail.namdinh.gov.vn/h/changepass',
  HELPDESK_CONTACT: 'Tổ hỗ trợ: 0228 3999 999',
};

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const PERSON = { login: 'annv', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn An' };

const dir = mkdtempSync(join(tmpdir(), 'sso-brand-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, bytes: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('the logo file, read at start', () => {
  it('takes a PNG or a JPEG by its first bytes, whatever its name', () => {
    expect(logoType(LOGO_PNG)).toBe('image/png');
    expect(logoType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('image/jpeg');
    expect(logoType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    const logo = readBrandLogo(file('logo.svg', LOGO_PNG))!;
    expect(logo.type).toBe('image/png');
    expect(logo.etag).toMatch(/^"[\w-]{27}"$/);
    expect(readBrandLogo(undefined)).toBeUndefined();
  });

  it('refuses a missing file, another kind of file, or one over 256 KiB, naming BRAND_LOGO_FILE', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.png'), /BRAND_LOGO_FILE: .*missing\.png: cannot be read \(ENOENT\)/],
      [file('logo.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')), /neither a PNG nor a JPEG/],
      [file('big.png', Buffer.concat([LOGO_PNG, Buffer.alloc(MAX_LOGO_BYTES)])), /at most 256 KiB/],
    ];
    for (const [path, message] of cases) {
      expect(() => readBrandLogo(path)).toThrow(ConfigError);
      expect(() => readBrandLogo(path)).toThrow(message);
    }
  });

  it('stops the server\'s start with a configuration error', async () => {
    const bad = file('bad-logo.jpg', Buffer.from('GIF89a not a jpeg'));
    await expect(startTestServer({ BRAND_LOGO_FILE: bad })).rejects.toThrow(/BRAND_LOGO_FILE: .*bad-logo\.jpg: is neither a PNG nor a JPEG/);
  });

  it('colours through custom properties, never anything else', () => {
    expect(brandStylesheet('#a31d1d')).toBe(':root {\n  --brand-primary: #a31d1d;\n  --brand-primary-dark: #821717;\n}\n');
    expect(brandStylesheet(undefined)).not.toContain('--brand');
    expect(brandStylesheet('red;}body{display:none')).not.toContain('body');
  });
});

describe('a branded server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...BRAND, BRAND_LOGO_FILE: file('brand.png', LOGO_PNG) });
    await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
    await server.services.accounts.setAdmin(ADMIN.login, true);
    await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name });
  });
  afterAll(async () => {
    await server?.stop();
  });

  function expectBranded(html: string) {
    expect(html).toContain(`· ${BRAND.BRAND_NAME}</title>`);
    expect(html).toContain(`<img class="brand__logo" src="/assets/brand-logo" alt="${BRAND.BRAND_NAME}"`);
    expect(html).toContain('<link rel="stylesheet" href="/assets/brand.css">');
    expect(html).toContain(`<p class="site-footer__brand">${BRAND.BRAND_FOOTER}</p>`);
    expect(html).not.toContain('Đăng nhập một lần</title>');
    expect(html).not.toMatch(/style="/);
  }

  /** The login page of the console's sign-in, and the browser that holds it. */
  async function loginPage(lang = 'vi') {
    const browser = new Browser(server.issuer, lang);
    const first = await browser.request('/account');
    const page = await browser.go(first.headers.get('location')!);
    expect(page.html).toMatch(/name="password"/);
    return { browser, page };
  }

  it('shows the brand and the password help link on the login page', async () => {
    const { page } = await loginPage();
    expectBranded(page.html);
    expect(page.html).toContain(`<a href="${BRAND.PASSWORD_HELP_URL}" rel="noopener noreferrer">Quên mật khẩu? Đổi mật khẩu thư điện tử</a>`);
    const en = await loginPage('en');
    expect(en.page.html).toContain('Forgot your password? Change your mail password</a>');
  });

  it('shows the brand on an error page', async () => {
    const page = await new Browser(server.issuer).go('/no-such-page');
    expect(page.status).toBe(404);
    expectBranded(page.html);
  });

  it('shows the brand on "my account" and in the console', async () => {
    const person = await loginPage();
    const mine = await submitLogin(person.browser, person.page.html, PERSON.login, PERSON.password);
    expect(new URL(mine.url).pathname).toBe('/account');
    expectBranded(mine.html);
    const admin = await loginPage();
    await submitLogin(admin.browser, admin.page.html, ADMIN.login, ADMIN.password);
    const console = await admin.browser.go('/admin');
    expect(console.status).toBe(200);
    expectBranded(console.html);
  });

  it('serves the logo with its type, nosniff, an ETag and a cache header; 304 when unchanged', async () => {
    const res = await fetch(`${server.issuer}/assets/brand-logo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(LOGO_PNG)).toBe(true);
    // (fetch adds "Cache-Control: no-cache" to a conditional request unless told otherwise)
    const again = await fetch(`${server.issuer}/assets/brand-logo`, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('serves the colour as a stylesheet the Content-Security-Policy allows', async () => {
    const res = await fetch(`${server.issuer}/assets/brand.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('--brand-primary: #a31d1d;');
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self'");
  });
});

describe('the ways on, decided', () => {
  it('goes back only to a known application\'s registered home, or the origin of a web redirect URI it registered', () => {
    expect(applicationHome({ clientId: 'vb', clientName: 'Văn bản', clientUri: 'https://vanban.tinh.gov.vn/trang-chu', redirectUris: ['https://x.tinh.gov.vn/cb'] })).toEqual({ url: 'https://vanban.tinh.gov.vn/trang-chu', name: 'Văn bản' });
    expect(applicationHome({ clientId: 'vb', redirectUris: ['vn.gov.tinh.app:/cb', 'https://vanban.tinh.gov.vn/oidc/cb?x=1'] })).toEqual({ url: 'https://vanban.tinh.gov.vn/', name: 'vb' });
    expect(applicationHome({ clientId: 'app', redirectUris: ['vn.gov.tinh.app:/cb'], clientUri: 'javascript:alert(1)' })).toBeUndefined();
    expect(applicationHome({ clientId: 'sso-console', redirectUris: ['https://sso.tinh.gov.vn/console/callback'] })).toBeUndefined();
    expect(applicationHome(undefined)).toBeUndefined();
  });

  it('says what to do by what happened', () => {
    expect(nextStep(400, 'error.sessionExpired')).toBe('next.expired');
    expect(nextStep(403, 'error.csrf')).toBe('next.expired');
    expect(nextStep(400, undefined, 'invalid_redirect_uri')).toBe('next.badClient');
    expect(nextStep(400, undefined, 'invalid_client')).toBe('next.badClient');
    expect([nextStep(404), nextStep(403), nextStep(429), nextStep(503), nextStep(500), nextStep(413)]).toEqual(['next.notFound', 'next.forbidden', 'next.tooMany', 'next.unavailable', 'next.unavailable', 'next.badRequest']);
  });
});

/** A way on: "sign in again", and the helpdesk; `back`: the way back to that address. */
function expectWaysOn(html: string, back?: string) {
  expect(html).toContain('<h2 class="ways-on__title" id="ways-on-title">Bạn có thể làm gì</h2>');
  expect(html).toMatch(/<a class="button button--(primary|secondary) button--block" href="\/account">Đăng nhập lại<\/a>/);
  expect(html).toContain(`Bộ phận hỗ trợ: ${BRAND.HELPDESK_CONTACT}`);
  if (back) expect(html).toMatch(new RegExp(`<a class="button button--primary button--block" href="${back.replace(/[.?/]/g, '\\$&')}" rel="noreferrer">Quay lại `));
  else expect(html).not.toContain('Quay lại ');
}

describe('no dead ends: every error page has a way on', () => {
  let server: TestServer;
  let clientId: string;
  const HOME = 'https://vanban.tinh.gov.vn/';
  const REDIRECT = 'https://vanban.tinh.gov.vn/oidc/callback';

  beforeAll(async () => {
    server = await startTestServer({ HELPDESK_CONTACT: BRAND.HELPDESK_CONTACT });
    clientId = (await server.services.clients.add({ name: 'Quản lý văn bản', type: 'web', redirectUris: [REDIRECT], firstParty: true })).client.client_id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const auth = (params: Record<string, string>) => `/auth?${new URLSearchParams({ response_type: 'code', scope: 'openid', ...params })}`;

  it('404: what happened, what to do, sign in again, the helpdesk', async () => {
    const page = await new Browser(server.issuer).go('/no-such-page');
    expect(page.status).toBe(404);
    expect(page.html).toContain('Hãy kiểm tra lại địa chỉ trang');
    expectWaysOn(page.html);
  });

  it('an expired login page (the interaction gone): sign in again', async () => {
    const page = await new Browser(server.issuer).go('/interaction/no-such-interaction');
    expect(page.status).toBe(400);
    expect(page.html).toContain('Trang đăng nhập đã hết hạn');
    expect(page.html).toContain('Hãy đăng nhập lại.');
    expectWaysOn(page.html);
  });

  it('403 (a form without its token) on a live login page: back to the application it was for', async () => {
    const browser = new Browser(server.issuer);
    const login = await browser.go(auth({ client_id: clientId, redirect_uri: REDIRECT }));
    expect(login.html).toMatch(/name="password"/);
    const action = /action="(\/interaction\/[^"]+\/login)"/.exec(login.html)![1]!;
    const page = await browser.go(action, { form: { csrf: 'wrong', login: 'x', password: 'y' } });
    expect(page.status).toBe(403);
    expectWaysOn(page.html, HOME);
    expect(page.html).toContain('Quay lại Quản lý văn bản');
  });

  it('an unknown application: no way back (nothing known to send you to), sign in again', async () => {
    const page = await new Browser(server.issuer).go(auth({ client_id: 'no-such-app', redirect_uri: 'https://evil.example/cb' }));
    expect(page.status).toBe(400);
    expect(page.html).toContain('invalid_client');
    expect(page.html).toContain('Đây không phải lỗi của bạn');
    expect(page.html).not.toContain('evil.example');
    expectWaysOn(page.html);
  });

  it('a redirect_uri the application did not register: back to its registered address, never the one asked for', async () => {
    const page = await new Browser(server.issuer).go(auth({ client_id: clientId, redirect_uri: 'https://evil.example/cb' }));
    expect(page.status).toBe(400);
    expect(page.html).toContain('redirect_uri');
    expect(page.html).not.toContain('href="https://evil.example');
    expectWaysOn(page.html, HOME);
  });

  it('the logged-out page: sign in again, the helpdesk; back to the application when it is named', async () => {
    const browser = new Browser(server.issuer);
    const confirm = await browser.go(`/session/end?client_id=${clientId}`);
    const xsrf = inputValue(confirm.html, 'xsrf')!;
    const page = await browser.go('/session/end/confirm', { form: { xsrf, logout: 'yes' } });
    expect(page.status).toBe(200);
    expect(page.html).toContain('Bạn đã đăng xuất');
    expect(page.html).toContain('Để tiếp tục làm việc, hãy đăng nhập lại.');
    // oidc-provider names the application on its success page only when the person stayed signed in
    expectWaysOn(page.html);
    expectWaysOn((await browser.go(`/session/end/success?client_id=${clientId}`)).html, HOME);
  });

  it('400, 403, 429, 503 and 500 from the one error mapper: each with its next step and the ways on', async () => {
    const render = createRenderer(DEFAULT_VIEWS_DIR, { helpdeskContact: BRAND.HELPDESK_CONTACT });
    const pages = errorPages({ config: server.config, render, logger: createLogger('silent') });
    const app = express();
    const codes = { 400: 'invalid_input', 403: 'csrf', 429: 'too_many_attempts', 503: 'unavailable' } as const;
    for (const [status, code] of Object.entries(codes)) app.get(`/${status}`, () => { throw new SsoError(code, 'x', { params: { minutes: 5 } }); });
    app.get('/500', () => { throw new Error('boom'); });
    app.use(pages.handler);
    const http = createServer(app);
    const address = await listen(http, 0, '127.0.0.1');
    try {
      const expected: Record<string, string> = { 400: 'Hãy quay lại ứng dụng', 403: 'Hãy đăng nhập lại.', 429: 'Hãy chờ vài phút rồi đăng nhập lại.', 503: 'Hãy chờ vài phút rồi thử lại.', 500: 'Hãy chờ vài phút rồi thử lại.' };
      for (const [status, todo] of Object.entries(expected)) {
        const res = await fetch(`http://127.0.0.1:${address.port}/${status}`, { headers: { 'accept-language': 'vi' } });
        const html = await res.text();
        expect([res.status, html.includes(todo)]).toEqual([Number(status), true]);
        expectWaysOn(html);
      }
    } finally {
      await closeServer(http);
    }
  });
});

describe('an unbranded server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the product\'s own name and colour, and has no logo', async () => {
    const page = await new Browser(server.issuer).go('/no-such-page');
    expect(page.html).toContain('· Đăng nhập một lần</title>');
    expect(page.html).not.toContain('brand.css');
    expect(page.html).not.toContain('brand__logo');
    expect((await fetch(`${server.issuer}/assets/brand-logo`)).status).toBe(404);
  });
});
