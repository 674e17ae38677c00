/**
 * "My account" on the real server: the profile as the directory holds it (a real slapd) and a
 * local account's, the sessions told apart by device with this device marked, the recent sign-ins
 * (a failure and a success, the application by name, never another person's), and "This was not
 * me" signing out everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';
import { deviceFacts, deviceName } from '../src/my-account/device.js';
import { loginsOf } from '../src/my-account/activity.js';
import { seenIsDue } from '../src/domain/sessions.js';
import { parseAttributes } from '../src/accounts/claims.js';
import { translator } from '../src/web/i18n/index.js';

const ANDROID = 'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36';
const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const PERSON = { login: 'annv', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn An' };
const OTHER = { login: 'binhtt', password: 'mat-khau-binh-2024-y', name: 'Trần Thị Bình' };
const REDIRECT = 'http://127.0.0.1:9/cb';
const HELP = { PASSWORD_HELP_URL: 'https://mail.tinh.gov.vn/doi-mat-khau', HELPDESK_CONTACT: 'Tổ hỗ trợ CNTT, 0237 3852 000' };

describe('device names and the person\'s logins', () => {
  it('names the browser, system and kind of device from the User-Agent', () => {
    expect(deviceName(translator('vi'), ANDROID)).toBe('Chrome 131 trên Android (điện thoại)');
    expect(deviceName(translator('en'), WINDOWS)).toBe('Firefox 133 on Windows (computer)');
    expect(deviceFacts('')).toBeNull();
    expect(deviceName(translator('vi'), null)).toBe('Thiết bị không rõ');
    expect(deviceName(translator('vi'), 'x')).toBe('Thiết bị không rõ');
  });

  it('knows the logins a person is typed as, as the login page records them', () => {
    const account = { login: 'khaintm', email: 'Khai.Nguyen@tinh.gov.vn', attributes: JSON.stringify({ aliases: ['giamdoc.snv@tinh.gov.vn'] }) };
    expect(loginsOf(account, ['tinh.gov.vn']).sort()).toEqual(['giamdoc.snv@tinh.gov.vn', 'khai.nguyen@tinh.gov.vn', 'khaintm', 'khaintm@tinh.gov.vn']);
  });

  it('notes a session as seen at most once a minute', () => {
    const at = new Date('2026-12-11T03:00:00Z');
    expect(seenIsDue(null, at)).toBe(true);
    expect(seenIsDue(new Date(at.getTime() - 59_000), at)).toBe(false);
    expect(seenIsDue(new Date(at.getTime() - 60_000), at)).toBe(true);
  });
});

/** Signs in at /account as a person would, from a browser with this User-Agent. */
async function signIn(server: TestServer, who: { login: string; password: string }, userAgent: string, lang = 'vi') {
  const browser = new Browser(server.issuer, lang, { 'user-agent': userAgent });
  const first = await browser.request('/account');
  expect(first.status).toBe(302);
  const login = await browser.go(first.headers.get('location')!);
  const page = await submitLogin(browser, login.html, who.login, who.password);
  expect(new URL(page.url).pathname).toBe('/account');
  return { browser, page };
}

/** A login at an application, as its user would (the outcome is not needed). */
async function loginAt(server: TestServer, client: { id: string; secret: string }, who: { login: string; password: string }, userAgent: string) {
  const config = await rpConfig(server.issuer, client.id, client.secret);
  const browser = new Browser(server.issuer, 'vi', { 'user-agent': userAgent });
  const start = await startAuth(config, REDIRECT);
  const page = await browser.go(start.url.toString());
  return submitLogin(browser, page.html, who.login, who.password);
}

/** The table row that holds `text`. */
const rowWith = (html: string, text: string) => (html.match(/<tr[\s\S]*?<\/tr>/g) ?? []).filter((r) => r.includes(text));

describe('my account with a local account', () => {
  let server: TestServer;
  let app: { id: string; secret: string };
  let other: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(HELP);
    await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name, email: 'annv@tinh.gov.vn' });
    await server.services.accounts.addLocal({ login: OTHER.login, password: OTHER.password, displayName: OTHER.name });
    const a = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    app = { id: a.client.client_id, secret: a.clientSecret! };
    const o = await server.services.clients.add({ name: 'Quản lý văn bản riêng', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    other = { id: o.client.client_id, secret: o.clientSecret! };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('shows a local account\'s profile and says it is not from the mail system', async () => {
    const { page } = await signIn(server, PERSON, ANDROID);
    expect(page.html).toContain(PERSON.name);
    expect(page.html).toContain('annv@tinh.gov.vn');
    expect(page.html).toContain('Tài khoản này được tạo trực tiếp trên hệ thống đăng nhập một lần');
    expect(page.html).not.toContain('sửa ở hệ thống thư điện tử');
    expect(page.html).not.toContain('Phòng, ban');
  });

  it('tells sessions apart by device and marks this one', async () => {
    const phone = await signIn(server, PERSON, ANDROID);
    await signIn(server, PERSON, WINDOWS);
    const page = await phone.browser.go('/account');
    const phoneRows = rowWith(page.html, 'Chrome 131 trên Android (điện thoại)');
    const pcRows = rowWith(page.html, 'Firefox 133 trên Windows (máy tính)');
    expect(pcRows.length).toBeGreaterThanOrEqual(1);
    expect(phoneRows.some((r) => r.includes('Thiết bị này'))).toBe(true);
    expect(pcRows.some((r) => r.includes('Thiết bị này'))).toBe(false);
    expect(rowWith(page.html, 'Thiết bị này')).toHaveLength(1);
    // address, started and last active, as the province reads dates
    expect(phoneRows.find((r) => r.includes('Thiết bị này'))).toMatch(/127\.0\.0\.1[\s\S]*\d\d\/\d\d\/\d{4} \d\d:\d\d[\s\S]*\d\d\/\d\d\/\d{4} \d\d:\d\d/);
    // the last-active time is written at most once a minute
    const account = (await server.services.accounts.byLogin(PERSON.login))!;
    const uid = (await server.services.accounts.sessions(account.id))[0]!.uid;
    const seen = { userAgent: ANDROID, address: '127.0.0.1', at: new Date() };
    await server.services.accounts.noteSeen(uid, seen);
    expect(await server.services.accounts.noteSeen(uid, { ...seen, at: new Date(seen.at.getTime() + 30_000) })).toBe(false);
    expect(await server.services.accounts.noteSeen(uid, { ...seen, at: new Date(seen.at.getTime() + 61_000) })).toBe(true);
  });

  it('lists a failed attempt and a success with the application\'s name, and never another person\'s', async () => {
    await loginAt(server, app, { login: PERSON.login, password: 'sai-mat-khau' }, WINDOWS);
    await loginAt(server, app, PERSON, WINDOWS);
    await loginAt(server, other, { login: OTHER.login, password: 'sai-mat-khau' }, ANDROID);
    await loginAt(server, other, OTHER, ANDROID);
    await server.services.audit.flush();
    const { page } = await signIn(server, PERSON, ANDROID);
    const section = page.html.slice(page.html.indexOf('id="activity-title"'));
    const rows = rowWith(section, 'Văn phòng điện tử');
    expect(rows.some((r) => r.includes('Không thành công') && r.includes('Firefox 133 trên Windows'))).toBe(true);
    expect(rows.some((r) => r.includes('Thành công') && !r.includes('Không thành công'))).toBe(true);
    expect(section).toMatch(/\d\d\/\d\d\/\d{4} \d\d:\d\d/);
    expect(section).toContain('trước');
    expect(section).not.toContain('Quản lý văn bản riêng');
    expect(section).not.toContain(other.id);
    expect(section).toContain('href="/account/not-me"');
    // at most twenty, newest first
    const mine = await server.services.signIns.recent((await server.services.accounts.byLogin(PERSON.login))!);
    expect(mine.length).toBeLessThanOrEqual(20);
    expect(mine.map((e) => e.at.getTime())).toEqual([...mine.map((e) => e.at.getTime())].sort((x, y) => y - x));
    expect(mine.every((e) => e.clientId !== other.id)).toBe(true);
  });

  it('"This was not me" offers signing out everywhere, the helpdesk and the password page, and signs out everywhere', async () => {
    const phone = await signIn(server, PERSON, ANDROID);
    const pc = await signIn(server, PERSON, WINDOWS);
    const notMe = await phone.browser.go('/account/not-me');
    expect(notMe.status).toBe(200);
    expect(notMe.html).toContain('Đăng xuất khỏi mọi nơi');
    expect(notMe.html).toContain(HELP.HELPDESK_CONTACT);
    expect(notMe.html).toContain('action="/account/logout-everywhere"');
    // without the form's token, nothing happens
    expect((await phone.browser.request('/account/logout-everywhere', { form: {} })).status).toBe(403);
    const done = await phone.browser.request('/account/logout-everywhere', { form: { csrf: inputValue(notMe.html, 'csrf')! } });
    expect(done.status).toBe(200);
    const account = (await server.services.accounts.byLogin(PERSON.login))!;
    expect(await server.services.accounts.sessions(account.id)).toHaveLength(0);
    expect((await pc.browser.request('/account')).status).toBe(302);
  });
});

describe('my account with a directory account', () => {
  let slapd: Slapd;
  let server: TestServer;

  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'zimbra', tls: true });
    server = await startTestServer(slapdEnv(slapd, { LDAP_TIMEOUT_MS: '2000', ...HELP }));
  });
  afterAll(async () => {
    await server?.stop();
    await slapd?.stop();
  });

  it('shows the name, mail, department and organisation as the directory holds them, read only', async () => {
    const { page } = await signIn(server, { login: P.khai.login, password: P.khai.password }, WINDOWS);
    const account = (await server.services.accounts.byLogin(P.khai.login))!;
    const org = parseAttributes(account.attributes).organization!;
    expect(org.department).toBeTruthy();
    const profile = page.html.slice(page.html.indexOf('id="profile-title"'), page.html.indexOf('id="sessions-title"'));
    for (const text of [P.khai.displayName!, 'khaintm@tinh.gov.vn', 'Sở Nội vụ', org.department!]) expect(profile).toContain(text);
    expect(profile).toContain('Các thông tin này được quản lý ở hệ thống thư điện tử công vụ; sửa ở hệ thống thư điện tử.');
    expect(profile).toContain(`href="${HELP.PASSWORD_HELP_URL}"`);
    expect(profile).toContain('Đổi mật khẩu thư điện tử');
    // nothing to edit
    expect(profile).not.toMatch(/<input(?![^>]*type="hidden")/);
  });
});
