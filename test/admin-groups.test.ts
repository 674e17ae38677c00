/**
 * ADMIN_GROUPS names groups by their DN, against a real directory (slapd): a group named like the
 * administrators' group but placed elsewhere in the tree (under ou=people, where anyone who may
 * create entries there can make one) does not open the console; the real one does, whether
 * groups come from memberOf or from a group search, and after a sync. The groups' DNs reach an
 * application only when it is registered for them (the groups_dn claim).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, rpConfig, submitLogin } from './helpers/rp.js';
import { ldifRecord } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const BASE = 'dc=tinh,dc=gov,dc=vn';
/** The administrators' group, where the province keeps its groups. */
const ADMIN_GROUP = `cn=quantri-sso,ou=groups,${BASE}`;
/** The same name under ou=people: a look-alike. */
const LOOK_ALIKE = `cn=quantri-sso,ou=people,${BASE}`;
const REDIRECT = 'http://127.0.0.1:9/cb';

let slapd: Slapd;

beforeAll(async () => {
  slapd = await startSlapd({
    fixture: 'zimbra',
    extraLdif: [
      ldifRecord(ADMIN_GROUP, { objectClass: ['top', 'groupOfNames'], cn: 'quantri-sso', member: [P.hung.dn] }),
      ldifRecord(LOOK_ALIKE, { objectClass: ['top', 'groupOfNames'], cn: 'quantri-sso', member: [P.an.dn] }),
    ].join('\n\n'),
  });
}, 30_000);
afterAll(async () => {
  await slapd?.stop();
});

/** Signs in at /admin as a person would; the page the console answers with. */
async function consoleAs(server: TestServer, who: { login: string; password: string }) {
  const browser = new Browser(server.issuer, 'en');
  const first = await browser.request('/admin');
  const login = await browser.go(first.headers.get('location')!);
  return submitLogin(browser, login.html, who.login, who.password);
}

describe.each<{ source: string; env: Record<string, string> }>([
  // memberOf, as the memberof overlay keeps it
  { source: 'memberof', env: {} },
  // a group search, with memberOf not read at all (stock Zimbra has none)
  { source: 'search', env: { LDAP_GROUPS: 'search', LDAP_ATTRIBUTE_MAP: '{"memberOf":[]}' } },
])('groups from $source', ({ env }) => {
  let server: TestServer;
  beforeAll(async () => {
    // written another way than the directory writes it: compared after DN normalisation
    server = await startTestServer(slapdEnv(slapd, { ...env, ADMIN_GROUPS: 'CN=QuanTri-SSO, OU=Groups, DC=tinh,DC=gov,DC=vn' }));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a member of the look-alike group is refused the console; a member of the real one enters', async () => {
    const lookAlike = await consoleAs(server, P.an);
    expect(lookAlike.status).toBe(403);
    expect(lookAlike.html).toContain('is not an administrator');
    const admin = await consoleAs(server, P.hung);
    expect(admin.status).toBe(200);
    expect(new URL(admin.url).pathname).toBe('/admin');
    expect(admin.html).toContain('Dashboard');
  });

  it('both accounts carry their group names and DNs', async () => {
    const attrs = async (login: string) => JSON.parse((await server.services.accounts.byLogin(login))!.attributes) as { groups: string[]; groupDns: string[] };
    expect(await attrs(P.hung.login)).toMatchObject({ groups: expect.arrayContaining(['quantri-sso']), groupDns: expect.arrayContaining([ADMIN_GROUP]) });
    const an = await attrs(P.an.login);
    expect(an.groups).toContain('quantri-sso');
    expect(an.groupDns).toEqual([LOOK_ALIKE]);
  });

  it('a full sync keeps the administrator an administrator, and the look-alike refused', async () => {
    const r = await server.sync!.runNow('full');
    expect(r).toMatchObject({ status: 'partial' }); // the fixture's entry without zimbraId
    expect((await consoleAs(server, P.hung)).status).toBe(200);
    expect((await consoleAs(server, P.an)).status).toBe(403);
  });
});

describe('the groups_dn claim', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(slapdEnv(slapd, { ADMIN_GROUPS: ADMIN_GROUP }));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('reaches only an application registered for it; every application gets the names', async () => {
    const plain = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    const withDns = await server.services.clients.add({ name: 'Quản lý văn bản', type: 'web', redirectUris: [REDIRECT], firstParty: true, releaseGroupDns: true });
    expect(withDns.client.release_group_dns).toBe(true);
    for (const [c, dns] of [[plain, false], [withDns, true]] as const) {
      const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);
      const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.hung.login, P.hung.password, 'openid groups');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      expect(info.groups).toEqual(expect.arrayContaining(['Lãnh đạo Sở', 'quantri-sso']));
      if (dns) expect(info.groups_dn).toEqual(expect.arrayContaining([ADMIN_GROUP, `cn=Lãnh đạo Sở,ou=groups,${BASE}`]));
      else expect(info).not.toHaveProperty('groups_dn');
    }
    // turned off again: no more DNs
    await server.services.clients.update(withDns.client.client_id, { releaseGroupDns: false });
    const config = await rpConfig(server.issuer, withDns.client.client_id, withDns.clientSecret);
    const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, P.hung.login, P.hung.password, 'openid groups');
    expect(await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).not.toHaveProperty('groups_dn');
  });
});
