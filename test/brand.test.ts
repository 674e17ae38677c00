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
import { Browser } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { ConfigError } from '../src/config/load.js';
import { logoType, MAX_LOGO_BYTES, readBrandLogo } from '../src/app/brand-logo.js';
import { brandStylesheet } from '../src/web/brand.js';

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
