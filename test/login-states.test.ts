/**
 * What a wrong password tells about an account: nothing. Each account state, with a wrong and
 * with the right password, through the real server: Zimbra states and a temporary lockout on a
 * real slapd (the Zimbra fixture), ppolicy's locks and pwdEndTime on a real slapd (the OpenLDAP
 * fixture), Active Directory's bind errors (530-775) from a small LDAP server that answers as AD
 * does, and local accounts. A state is told (403) only after the password was found right; where
 * it cannot be checked (a locked entry is never bound, ppolicy refuses any bind, AD says 775
 * whatever the password) the answer is the wrong-password status with one neutral sentence and
 * the helpdesk contact.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import ldap from 'ldapjs';
import { startSlapd, slapdEnv, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { zimbraPeople as Z } from './fixtures/ldap/zimbra.ldif.js';
import { openldapPeople as O } from './fixtures/ldap/openldap.ldif.js';
import { matches } from '../src/directory/demo/server.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const WRONG = 'sai-mat-khau-hoan-toan';
const CONTACT = 'Phòng CNTT – 0228 3852 000, hotro@tinh.gov.vn <b>';
const INVALID = 'Tên đăng nhập hoặc mật khẩu không đúng.';
const NEUTRAL = 'Không đăng nhập được. Nếu bạn chắc chắn mật khẩu đúng, hãy liên hệ bộ phận hỗ trợ.';
const NEUTRAL_PAGE = `${NEUTRAL}<br>Bộ phận hỗ trợ: Phòng CNTT – 0228 3852 000, hotro@tinh.gov.vn &lt;b&gt;`;
// the throttle out of the way: these are about what each answer says
const QUIET = { THROTTLE_ACCOUNT_BLOCK_AFTER: '5', THROTTLE_IP_BLOCK_AFTER: '1000', THROTTLE_IP_DELAY_AFTER: '1000', THROTTLE_ACCOUNT_DELAY_AFTER: '100', LOGIN_FAILURE_FLOOR_MS: '0', HELPDESK_CONTACT: CONTACT };

const clients = new WeakMap<TestServer, { id: string; secret: string }>();

async function tryLogin(s: TestServer, login: string, password: string, lang = 'vi') {
  let c = clients.get(s);
  if (!c) {
    const r = await s.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    c = { id: r.client.client_id, secret: r.clientSecret! };
    clients.set(s, c);
  }
  const browser = new Browser(s.issuer, lang);
  const page = await browser.go((await startAuth(await rpConfig(s.issuer, c.id, c.secret), REDIRECT, 'openid')).url.toString());
  const after = await submitLogin(browser, page.html, login, password);
  return { status: after.status, alert: /role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(after.html)?.[1]?.trim() ?? '', leftTo: after.leftTo };
}

const reasons = (s: TestServer, login: string) =>
  s.logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.event === 'login.failure' && l.login === login).map((l) => `${String(l.reason)}${l.unverified ? ' (unverified)' : ''}`);

describe('Zimbra (its directory binds every account whatever its status)', () => {
  let slapd: Slapd;
  let server: TestServer;
  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'zimbra' });
    server = await startTestServer(slapdEnv(slapd, QUIET));
  });
  afterAll(async () => {
    await server?.stop();
    await slapd?.stop();
  });

  test('an active account with a wrong password: the plain wrong-password answer', async () => {
    expect(await tryLogin(server, Z.hung.login, WRONG)).toMatchObject({ status: 401, alert: INVALID });
  });

  test.each([
    ['closed', Z.hanh],
    ['locked (by an administrator)', Z.tuan],
    ['maintenance', Z.phuc],
    ['pending', Z.trang],
  ])('%s: a wrong password gets exactly the wrong-password answer; the right one, the state', async (_state, person) => {
    expect(await tryLogin(server, person.login, WRONG)).toMatchObject({ status: 401, alert: INVALID });
    const right = await tryLogin(server, person.login, person.password);
    expect(right.status).toBe(403);
    expect(right.alert).toMatch(/bị khóa hoặc ngừng sử dụng/);
    expect(right.leftTo).toBeUndefined();
    expect(reasons(server, person.login)).toEqual(['invalid_credentials', 'disabled']);
  });

  test('lockout (temporary; never bound): the neutral answer, the same with the right password', async () => {
    const wrong = await tryLogin(server, Z.minh.login, WRONG);
    const right = await tryLogin(server, Z.minh.login, Z.minh.password);
    expect(wrong).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
    expect(right).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
    expect(reasons(server, Z.minh.login)).toEqual(['locked (unverified)', 'locked (unverified)']);
    const en = await tryLogin(server, Z.minh.login, Z.minh.password, 'en');
    expect(en.alert).toContain('Could not sign in. If you are sure the password is right, please contact the helpdesk.');
  });

  test('an entry without its stable id (never bound): the neutral answer', async () => {
    expect(await tryLogin(server, Z.thao.login, Z.thao.password)).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
    expect(await tryLogin(server, Z.thao.login, WRONG)).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
  });
});

describe('OpenLDAP ppolicy (it refuses any bind of a locked or expired entry)', () => {
  let slapd: Slapd;
  let server: TestServer;
  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'openldap' });
    server = await startTestServer(slapdEnv(slapd, { ...QUIET, LDAP_PRESET: 'openldap', LDAP_GROUPS: 'none' }));
  });
  afterAll(async () => {
    await server?.stop();
    await slapd?.stop();
  });

  const generalized = (d: Date) => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');

  test.each([
    ['locked by an administrator (000001010000Z)', () => O.tuan, async () => undefined],
    ['locked after wrong passwords (a recent pwdAccountLockedTime)', () => O.lan, async () => slapd.ldapModify(`dn: ${O.lan.dn}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: ${generalized(new Date())}\n`)],
    ['expired (pwdEndTime past)', () => O.viet, async () => slapd.ldapModify(`dn: ${O.viet.dn}\nchangetype: modify\nreplace: pwdEndTime\npwdEndTime: 20200101000000Z\n`)],
  ])('%s: the neutral answer, wrong or right password', async (_state, who, prepare) => {
    await prepare();
    const person = who();
    expect(await tryLogin(server, person.login, WRONG)).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
    expect(await tryLogin(server, person.login, person.password)).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
  });

  test('an active entry: the plain wrong-password answer, and the right password lets in', async () => {
    expect(await tryLogin(server, O.hung.login, WRONG)).toMatchObject({ status: 401, alert: INVALID });
    expect((await tryLogin(server, O.hung.login, O.hung.password)).leftTo).toMatch(/code=/);
  });
});

describe('local accounts (the password is checked first)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(QUIET);
    await server.services.accounts.addLocal({ login: 'quantri.tam', password: 'mat-khau-quan-tri-2024', displayName: 'Quản trị tạm' });
    await server.services.accounts.setStatus('quantri.tam', 'disabled');
  });
  afterAll(async () => server?.stop());

  test('disabled: a wrong password is a wrong password; the right one is told the state', async () => {
    expect(await tryLogin(server, 'quantri.tam', WRONG)).toMatchObject({ status: 401, alert: INVALID });
    const right = await tryLogin(server, 'quantri.tam', 'mat-khau-quan-tri-2024');
    expect(right.status).toBe(403);
    expect(right.alert).toMatch(/bị khóa hoặc ngừng sử dụng/);
    expect(await tryLogin(server, 'khong.ai.ca', WRONG)).toMatchObject({ status: 401, alert: INVALID });
  });
});

// ---- Active Directory, as its bind errors say it ------------------------------------------------

const AD_BASE = 'DC=tinh,DC=local';
const AD_SERVICE = { dn: `CN=sso,OU=Service,${AD_BASE}`, password: 'service-password-ad' };
/** sAMAccountName -> the entry's attributes and how AD answers a bind with the right or a wrong password. */
const AD_PEOPLE: Record<string, { password: string; uac: string; accountExpires?: string; right: string | null; wrong: string }> = {
  annv: { password: 'An@2024!', uac: '512', right: null, wrong: '52e' },
  binhtt: { password: 'Binh@2024!', uac: '514', right: '533', wrong: '52e' }, // disabled
  cuonglv: { password: 'Cuong@2024!', uac: '512', accountExpires: '132223104000000000', right: '701', wrong: '52e' }, // expired in 2020
  khoapd: { password: 'Khoa@2024!', uac: '512', right: '775', wrong: '775' }, // locked out: 775 whatever the password
};

/** A refused bind as AD sends it: invalidCredentials (49) with the Win32 code in the diagnostic message. */
function refuseAsAd(res: AdResponse, code: string) {
  // ldapjs 3 encodes diagnosticMessage (its errorMessage, which next(err) sets, is not sent)
  res.status = 49;
  res.diagnosticMessage = `80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data ${code}, v3839`;
  res.end();
}

interface AdResponse { status: number; diagnosticMessage: string; end(): void }

async function startAdLike(): Promise<{ url: string; close(): Promise<void> }> {
  const entries = Object.entries(AD_PEOPLE).map(([sam, p], i) => ({
    dn: `CN=${sam},OU=Users,${AD_BASE}`,
    attrs: {
      objectcategory: ['person'],
      objectclass: ['top', 'person', 'user'],
      samaccountname: [sam],
      userprincipalname: [`${sam}@tinh.local`],
      mail: [`${sam}@tinh.gov.vn`],
      displayname: [sam],
      useraccountcontrol: [p.uac],
      lockouttime: ['0'],
      accountexpires: [p.accountExpires ?? '9223372036854775807'],
      objectguid: [Buffer.from(`0123456789abcde${i}`, 'latin1')],
    } as Record<string, (string | Buffer)[]>,
  }));
  const server = ldap.createServer();
  server.on('error', () => undefined);
  server.bind(AD_BASE, (req: { dn: { toString(): string }; credentials: string }, res: AdResponse, next: () => void) => {
    const dn = req.dn.toString().toLowerCase().replace(/\s/g, '');
    const e = entries.find((x) => x.dn.toLowerCase().replace(/\s/g, '') === dn);
    const p = e ? AD_PEOPLE[String(e.attrs.samaccountname![0])]! : undefined;
    let code: string | null;
    if (dn === AD_SERVICE.dn.toLowerCase().replace(/\s/g, '')) code = req.credentials === AD_SERVICE.password ? null : '52e';
    else if (!p) code = '525';
    else code = req.credentials === p.password ? p.right : p.wrong;
    if (code) refuseAsAd(res, code);
    else res.end();
    return next();
  });
  server.search(AD_BASE, (req: { filter: never }, res: { send(e: unknown): void; end(): void; attributes?: string[] }, next: () => void) => {
    // ldapjs compares the requested names, as sent, with lower-cased entry names: align them
    res.attributes = (res.attributes ?? []).map((a) => a.toLowerCase());
    for (const e of entries) {
      const text = Object.fromEntries(Object.entries(e.attrs).map(([k, v]) => [k, v.map((x) => (Buffer.isBuffer(x) ? x.toString('latin1') : x))]));
      if (matches(req.filter, text)) res.send({ dn: e.dn, attributes: e.attrs });
    }
    res.end();
    return next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `ldap://127.0.0.1:${new URL(server.url).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Active Directory (the reason comes in the bind error: 530-773 only after the right password, 775 always)', () => {
  let ad: Awaited<ReturnType<typeof startAdLike>>;
  let server: TestServer;
  beforeAll(async () => {
    ad = await startAdLike();
    server = await startTestServer({ ...QUIET, LDAP_URL: ad.url, LDAP_BIND_DN: AD_SERVICE.dn, LDAP_BIND_PASSWORD: AD_SERVICE.password, LDAP_BASE_DN: AD_BASE, LDAP_PRESET: 'activedirectory', LDAP_MAIL_DOMAINS: 'tinh.gov.vn', LDAP_GROUPS: 'none' });
  });
  afterAll(async () => {
    await server?.stop();
    await ad?.close();
  });

  test('active: wrong is wrong, right lets in', async () => {
    expect(await tryLogin(server, 'annv', WRONG)).toMatchObject({ status: 401, alert: INVALID });
    expect((await tryLogin(server, 'annv', AD_PEOPLE.annv!.password)).leftTo).toMatch(/code=/);
  });

  test.each([['disabled (533)', 'binhtt', /bị khóa hoặc ngừng sử dụng/], ['expired (701)', 'cuonglv', /hết hạn/]])('%s: a wrong password (52e) is a wrong password; the right one is told the state', async (_s, sam, said) => {
    expect(await tryLogin(server, sam, WRONG)).toMatchObject({ status: 401, alert: INVALID });
    const right = await tryLogin(server, sam, AD_PEOPLE[sam]!.password);
    expect(right.status).toBe(403);
    expect(right.alert).toMatch(said);
  });

  test('locked out (775, whatever the password): the neutral answer', async () => {
    expect(await tryLogin(server, 'khoapd', WRONG)).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
    expect(await tryLogin(server, 'khoapd', AD_PEOPLE.khoapd!.password)).toMatchObject({ status: 401, alert: NEUTRAL_PAGE });
    expect(reasons(server, 'khoapd')).toEqual(['locked (unverified)', 'locked (unverified)']);
  });
});
