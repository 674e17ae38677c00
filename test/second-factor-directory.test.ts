/**
 * Who must use a second factor, against a real directory (slapd): MFA_REQUIRED_GROUPS by group
 * DN (written another way than the directory writes it), the grace period (MFA_ENROL_GRACE: "Later"
 * until it has passed), and wrong codes counted like passwords until the person is blocked.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { ldifRecord } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const GROUP = 'cn=ketoan,ou=groups,dc=tinh,dc=gov,dc=vn';
const REDIRECT = 'http://127.0.0.1:9/cb';
let slapd: Slapd;
let server: TestServer;
let config: oidc.Configuration;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra', extraLdif: ldifRecord(GROUP, { objectClass: ['top', 'groupOfNames'], cn: 'ketoan', member: [P.hung.dn] }) });
  server = await startTestServer(slapdEnv(slapd, { MFA_REQUIRED_GROUPS: 'CN=KeToan, OU=Groups, DC=tinh,DC=gov,DC=vn', MFA_ENROL_GRACE: '7d', THROTTLE_ACCOUNT_BLOCK_AFTER: '5' }));
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [REDIRECT], firstParty: true });
  config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret!);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  await slapd?.stop();
});

const actionEnding = (html: string, suffix: string) => [...html.matchAll(/action="([^"]*)"/g)].map((m) => m[1]!).find((a) => a.endsWith(suffix));

async function passwordStep(who: { login: string; password: string }) {
  const browser = new Browser(server.issuer, 'en');
  const start = await startAuth(config, REDIRECT, 'openid');
  const page = await submitLogin(browser, (await browser.go(start.url.toString())).html, who.login, who.password);
  return { browser, start, page };
}

async function claimsOf(start: Awaited<ReturnType<typeof startAuth>>, leftTo: string) {
  const tokens = await oidc.authorizationCodeGrant(config, new URL(leftTo), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  return tokens.claims()!;
}

describe('MFA_REQUIRED_GROUPS and the grace period', () => {
  it('someone outside the groups signs in with the password alone', async () => {
    const { start, page } = await passwordStep(P.an);
    expect(page.leftTo).toBeDefined();
    expect((await claimsOf(start, page.leftTo!)).amr).toEqual(['pwd']);
  });

  it('a member is led through enrolment, may put it off during the grace period, and not after', async () => {
    const first = await passwordStep(P.hung);
    expect(first.page.html).toContain('otpauth://totp/');
    const later = actionEnding(first.page.html, '/second-factor/later')!;
    expect(later).toBeDefined();
    const out = await first.browser.go(later, { form: { csrf: inputValue(first.page.html, 'csrf')! } });
    const claims = await claimsOf(first.start, out.leftTo!);
    expect(claims).toMatchObject({ acr: 'urn:sso:acr:pwd', amr: ['pwd'] });
    // eight days on
    const hung = (await server.services.accounts.byLogin(P.hung.login))!;
    await server.services.db.prisma.mfaRequirement.update({ where: { accountId: hung.id }, data: { requiredSince: new Date(Date.now() - 8 * 86400_000) } });
    const again = await passwordStep(P.hung);
    expect(again.page.html).toContain('otpauth://totp/');
    expect(actionEnding(again.page.html, '/second-factor/later')).toBeUndefined();
  });

  it('wrong codes count like passwords: blocked after THROTTLE_ACCOUNT_BLOCK_AFTER, with its own sentence', async () => {
    const { browser, page } = await passwordStep(P.hung);
    const action = actionEnding(page.html, '/second-factor/enrol')!;
    const csrf = inputValue(page.html, 'csrf')!;
    const statuses: number[] = [];
    let last = '';
    for (let i = 0; i < 6; i++) {
      const r = await browser.go(action, { form: { csrf, code: '12345' + String(i) } });
      statuses.push(r.status);
      last = r.html;
    }
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses[5]).toBe(429);
    expect(last).toContain('Too many wrong codes');
    const { rows } = await server.services.auditQuery.page({ type: 'mfa.failed' });
    expect(rows.map((r) => r.outcome)).toContain('throttled');
    // the helpdesk lifts it as any login block
    const lifted = await server.services.throttleBlocks.unblock({ login: P.hung.login });
    expect(lifted.lifted).toBeGreaterThan(0);
  });
});
