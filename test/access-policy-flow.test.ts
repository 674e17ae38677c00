/**
 * Who may use which application, end to end with real parts: slapd (groups by memberOf, changed
 * live as the rootdn), the server, openid-client as the application.
 * - a member of the allowed group signs in and gets tokens; another person is refused with the
 *   "no access" page (with the helpdesk contact) and the application receives access_denied when
 *   they go back; with a session already open (no login prompt) and with prompt=none too;
 * - a person removed from the group fails at the next refresh with invalid_grant once the groups
 *   cache (ACCESS_GROUPS_CACHE, 1 s here) allows, and refreshes again once put back;
 * - a department policy, compared with the department the account carries (written at login and
 *   by the sync);
 * - the launcher lists only the applications that admit the person.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { loginAndExchange, rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { until } from './helpers/until.js';
import { ldifRecord } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const BASE = 'dc=tinh,dc=gov,dc=vn';
const GROUP = `cn=ke-toan,ou=groups,${BASE}`;
const HELPDESK = 'Phòng CNTT – 0228 3852 000';
const REDIRECT = 'http://127.0.0.1:9/cb';

let slapd: Slapd;
let server: TestServer;
/** The application for the group, the one for everyone, the one for a department. */
const apps = { group: { id: '', secret: '' }, open: { id: '', secret: '' }, department: { id: '', secret: '' } };

beforeAll(async () => {
  slapd = await startSlapd({
    fixture: 'zimbra',
    extraLdif: ldifRecord(GROUP, { objectClass: ['top', 'groupOfNames'], cn: 'ke-toan', member: [P.hung.dn, P.khai.dn] }),
  });
  server = await startTestServer(slapdEnv(slapd, { ACCESS_GROUPS_CACHE: '1s', HELPDESK_CONTACT: HELPDESK }));
  const s = server.services;
  const web = (name: string, home: string) => ({ name, type: 'web' as const, redirectUris: [REDIRECT], firstParty: true, homeUrl: home });
  // the group written another way than the directory writes it: compared as a DN
  const g = await s.clients.add({ ...web('Kế toán', 'https://ketoan.tinh.gov.vn/'), accessPolicy: { groups: ['CN=Ke-Toan, OU=Groups, DC=tinh,DC=gov,DC=vn'], departments: [], organizations: [] } });
  const o = await s.clients.add(web('Hộp thư', 'https://mail.tinh.gov.vn/'));
  apps.group = { id: g.client.client_id, secret: g.clientSecret! };
  apps.open = { id: o.client.client_id, secret: o.clientSecret! };
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await slapd?.stop();
});

const callbackParams = (leftTo: string | undefined) => new URL(leftTo ?? 'http://invalid/').searchParams;

describe('at authorization', () => {
  it('a member of the allowed group signs in and gets tokens', async () => {
    const config = await rpConfig(server.issuer, apps.group.id, apps.group.secret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.hung.login, P.hung.password, 'openid');
    expect(tokens.claims()!.sub).toBeTruthy();
  });

  it('another person sees "no access" with the helpdesk contact; going back, the application gets access_denied', async () => {
    const config = await rpConfig(server.issuer, apps.group.id, apps.group.secret);
    const browser = new Browser(server.issuer);
    const start = await startAuth(config, REDIRECT, 'openid');
    const login = await browser.go(start.url.toString());
    const page = await submitLogin(browser, login.html, P.an.login, P.an.password);
    expect(page.leftTo).toBeUndefined();
    expect(page.status).toBe(403);
    expect(page.html).toContain('Không có quyền truy cập ứng dụng Kế toán');
    expect(page.html).toContain(HELPDESK);
    const back = await browser.go(formAction(page.html, 'csrf')!, { form: { csrf: inputValue(page.html, 'csrf')! } });
    const params = callbackParams(back.leftTo);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(start.state);
    await expect(oidc.authorizationCodeGrant(config, new URL(back.leftTo!), { pkceCodeVerifier: start.verifier, expectedState: start.state })).rejects.toMatchObject({ error: 'access_denied' });

    // the session stays: the application for everyone opens at once, this one is refused again without a login prompt
    const openConfig = await rpConfig(server.issuer, apps.open.id, apps.open.secret);
    const open = await browser.go((await startAuth(openConfig, REDIRECT, 'openid')).url.toString());
    expect(callbackParams(open.leftTo).get('code')).toBeTruthy();
    const again = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
    expect(again.status).toBe(403);
    expect(again.html).not.toMatch(/name="password"/);
    expect(again.html).toContain('Không có quyền truy cập ứng dụng Kế toán');
    // prompt=none: access_denied at once
    const silent = await browser.go((await startAuth(config, REDIRECT, 'openid', { prompt: 'none' })).url.toString());
    expect(callbackParams(silent.leftTo).get('error')).toBe('access_denied');

    const an = await server.services.accounts.byLogin(P.an.login);
    const events = await until('access.denied audited', async () => {
      const rows = await server.services.audit.list({ type: 'access.denied' });
      return rows.filter((r) => r.subject === an!.id).length >= 3 ? rows : null;
    });
    expect(events[0]).toMatchObject({ clientId: apps.group.id, outcome: 'authorization' });
  });

  it('in English too', async () => {
    const config = await rpConfig(server.issuer, apps.group.id, apps.group.secret);
    const browser = new Browser(server.issuer, 'en');
    const login = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
    const page = await submitLogin(browser, login.html, P.an.login, P.an.password);
    expect(page.html).toContain('No access to the application Kế toán');
  });
});

describe('at refresh', () => {
  it('a person removed from the group fails at the next refresh with invalid_grant, and refreshes again once put back', async () => {
    const config = await rpConfig(server.issuer, apps.group.id, apps.group.secret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.hung.login, P.hung.password, 'openid offline_access');
    let refresh = tokens.refresh_token!;
    expect(refresh).toBeTruthy();
    refresh = (await oidc.refreshTokenGrant(config, refresh)).refresh_token!;

    await slapd.ldapModify(`dn: ${GROUP}\nchangetype: modify\ndelete: member\nmember: ${P.hung.dn}\n`);
    // within the cache the groups read before still hold; after it, the directory says no
    const refused = await until('refresh refused', async () => {
      try {
        refresh = (await oidc.refreshTokenGrant(config, refresh)).refresh_token!;
        return null;
      } catch (err) {
        return err as { error?: string };
      }
    }, 10_000, 100);
    expect(refused.error).toBe('invalid_grant');
    const hung = await server.services.accounts.byLogin(P.hung.login);
    await until('access.denied at refresh audited', async () =>
      (await server.services.audit.list({ type: 'access.denied' })).find((r) => r.subject === hung!.id && r.outcome === 'refresh') ?? null);

    // put back: the same refresh token (refused, not used up) works again
    await slapd.ldapModify(`dn: ${GROUP}\nchangetype: modify\nadd: member\nmember: ${P.hung.dn}\n`);
    const again = await until('refresh admitted again', async () => {
      try {
        return await oidc.refreshTokenGrant(config, refresh);
      } catch {
        return null;
      }
    }, 10_000, 100);
    expect(again.access_token).toBeTruthy();
  });
});

describe('by department', () => {
  it('admits the people of the department the account carries (login, sync), whatever the case', async () => {
    const attrs = JSON.parse((await server.services.accounts.byLogin(P.hung.login))!.attributes) as { organization?: { department?: string } };
    const department = attrs.organization?.department;
    expect(department).toBeTruthy();
    const d = await server.services.clients.add({
      name: 'Nội vụ', type: 'web', redirectUris: [REDIRECT], firstParty: true, homeUrl: 'https://noivu.tinh.gov.vn/',
      accessPolicy: { groups: [], departments: [` ${department!.toUpperCase()} `], organizations: [] },
    });
    apps.department = { id: d.client.client_id, secret: d.clientSecret! };
    const config = await rpConfig(server.issuer, d.client.client_id, d.clientSecret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.hung.login, P.hung.password, 'openid');
    expect(tokens.access_token).toBeTruthy();
    const browser = new Browser(server.issuer);
    const login = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
    const page = await submitLogin(browser, login.html, P.an.login, P.an.password);
    expect(page.status).toBe(403);
    expect(page.html).toContain('Không có quyền truy cập ứng dụng Nội vụ');
  });
});

describe('the launcher', () => {
  const tiles = (html: string) => [...html.matchAll(/class="tile__name">([^<]+)</g)].map((m) => m[1]).sort();
  async function launcherOf(who: { login: string; password: string }) {
    const browser = new Browser(server.issuer);
    const start = await browser.request('/sign-in');
    const login = await browser.go(start.headers.get('location')!);
    const page = await submitLogin(browser, login.html, who.login, who.password);
    expect(new URL(page.url).pathname).toBe('/');
    return tiles(page.html);
  }

  it('lists only the applications that admit the person', async () => {
    expect(await launcherOf(P.hung)).toEqual(['Hộp thư', 'Kế toán', 'Nội vụ']);
    expect(await launcherOf(P.an)).toEqual(['Hộp thư']);
  });

  it('an update to "everyone" lists it for everyone', async () => {
    await server.services.clients.update(apps.group.id, { accessPolicy: { groups: [], departments: [], organizations: [] } });
    expect(await launcherOf(P.an)).toEqual(['Hộp thư', 'Kế toán']);
  });
});

describe('with the directory down (last: it stops slapd)', () => {
  it('a refresh is decided on the groups last read, with a warning, not refused', async () => {
    const c = await server.services.clients.add({
      name: 'Kế toán 2', type: 'web', redirectUris: [REDIRECT], firstParty: true,
      accessPolicy: { groups: [GROUP], departments: [], organizations: [] },
    });
    const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.hung.login, P.hung.password, 'openid offline_access');
    let refresh = (await oidc.refreshTokenGrant(config, tokens.refresh_token!)).refresh_token!;
    await slapd.stop();
    // past the groups cache (1 s): the directory is asked, cannot answer, the groups last read hold
    await until('a warning that the directory could not be read', async () => {
      refresh = (await oidc.refreshTokenGrant(config, refresh)).refresh_token!;
      return server.logs.find((l) => l.includes('"event":"access.directory_unavailable"')) ?? null;
    }, 10_000, 200);
    expect((await oidc.refreshTokenGrant(config, refresh)).access_token).toBeTruthy();
  });
});
