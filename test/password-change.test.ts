/**
 * A password changed in the directory ends the person's sessions and refresh tokens, and the
 * applications are told (back-channel logout), as a disable does; the account stays enabled.
 * Against real directories (slapd: a Zimbra tree whose entries carry zimbraPasswordModifiedTime,
 * and a plain OpenLDAP with ppolicy, which writes pwdChangedTime itself) and the real server.
 * The first sync only records what it sees (no logout after an upgrade); SYNC_PASSWORD_CHANGE_LOGOUT=false
 * turns the logout off.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { slapdEnv, startSlapd, type Slapd } from './helpers/slapd.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, logoutReceiver, rpConfig } from './helpers/rp.js';
import { until } from './helpers/until.js';
import { ldifLine, ldifRecord, type FixturePerson } from './fixtures/ldap/generate.js';
import { zimbraPeople as Z } from './fixtures/ldap/zimbra.ldif.js';
import { openldapPeople as O } from './fixtures/ldap/openldap.ldif.js';
import { formatGeneralizedTime } from '../src/directory/ldap/presets.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

type Receiver = Awaited<ReturnType<typeof logoutReceiver>>;

/** An application with a back-channel logout URI, and a person signed in to it with a refresh token. */
async function signedIn(server: TestServer, receiver: Receiver, who: FixturePerson) {
  const c = await server.services.clients.add({ name: `Ứng dụng ${who.login}`, type: 'web', redirectUris: [REDIRECT], backchannelLogoutUri: receiver.url, firstParty: true });
  const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);
  const { tokens } = await loginAndExchange(config, new Browser(server.issuer), REDIRECT, who.login, who.password, 'openid offline_access');
  return { config, tokens, sub: tokens.claims()!.sub, sid: decodeJwt(tokens.id_token!).sid };
}

/** The logout deliveries queued for this account so far. */
const deliveries = async (server: TestServer, sub: string) => server.services.deprovision.list({ accountId: sub });

/** Zimbra: a new password, and the time Zimbra writes with it. */
const zimbraPasswordChange = (p: FixturePerson, password: string) =>
  [ldifLine('dn', p.dn), 'changetype: modify', 'replace: userPassword', `userPassword: ${password}`, '-',
    'replace: zimbraPasswordModifiedTime', `zimbraPasswordModifiedTime: ${formatGeneralizedTime(new Date())}`, '-', ''].join('\n');

describe('Zimbra (zimbraPasswordModifiedTime)', () => {
  let slapd: Slapd;
  let server: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'zimbra' });
    receiver = await logoutReceiver();
    // the in-server sync is run by the test (runNow), so that each step is one run
    server = await startTestServer(slapdEnv(slapd));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await slapd?.stop();
  });

  test('the first sync records what it sees and ends nothing; a changed password then logs the person out everywhere', async () => {
    const lan = await signedIn(server, receiver, Z.lan);
    // the first sync (as after an upgrade): a baseline only
    expect(await server.sync!.runNow('full')).toMatchObject({ status: 'partial', created: expect.any(Number) });
    expect(await deliveries(server, lan.sub)).toEqual([]);
    const refreshed = await oidc.refreshTokenGrant(lan.config, lan.tokens.refresh_token!);

    await slapd.ldapModify(zimbraPasswordChange(Z.lan, 'Mat-khau-moi-2025'));
    expect(await server.sync!.runNow('changed')).toMatchObject({ status: 'success', updated: 1, disabled: 0 });
    const [token] = await receiver.waitFor(1, 10_000);
    expect(decodeJwt(token!)).toMatchObject({ sub: lan.sub, sid: lan.sid });
    await expect(oidc.refreshTokenGrant(lan.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // the account stays enabled: the new password signs in
    expect((await server.services.accounts.byId(lan.sub))!.status).toBe('active');
    await loginAndExchange(lan.config, new Browser(server.issuer), REDIRECT, Z.lan.login, 'Mat-khau-moi-2025', 'openid');
    await server.services.audit.flush();
    const [event] = await server.services.audit.list({ type: 'account.password_changed', limit: 5 });
    expect(event).toMatchObject({ subject: lan.sub, outcome: 'access_ended', actor: expect.stringMatching(/^directory-sync@/) });
    expect(JSON.parse(event!.detail)).toMatchObject({ login: Z.lan.login, source: 'directory', queued: 1 });
    const ended = (await server.services.audit.list({ type: 'account.access_ended', limit: 50 })).find((e) => e.subject === lan.sub);
    expect(JSON.parse(ended!.detail)).toMatchObject({ reason: 'directory: password changed' });

    // listed again (the overlap), it ends nothing more
    await server.sync!.runNow('changed');
    expect(await deliveries(server, lan.sub)).toHaveLength(1);
  }, 60_000);

  test('an account made at a login that no sync has seen yet: a password changed since the last sync logs it out too', async () => {
    // a new civil servant, added after the last full sync, signs in (the account is made then)
    const dn = `uid=hoalt,ou=people,${slapd.baseDn}`;
    await slapd.ldapModify(`${ldifRecord(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'zimbraAccount'], uid: 'hoalt', cn: 'Lê Thị Hoa', sn: 'Lê', givenName: 'Thị Hoa',
      mail: 'hoalt@tinh.gov.vn', zimbraMailDeliveryAddress: 'hoalt@tinh.gov.vn', zimbraId: '6f1c0d2e-7b3a-4c59-9e18-2a4b6c8d0e1f', zimbraAccountStatus: 'active',
      userPassword: 'Hoa-mat-khau-1', zimbraPasswordModifiedTime: formatGeneralizedTime(new Date()),
    })}\n`);
    const hoa: FixturePerson = { ...Z.lan, key: 'hoa', uid: 'hoalt', login: 'hoalt', dn, password: 'Hoa-mat-khau-1' };
    const signed = await signedIn(server, receiver, hoa);
    const before = receiver.tokens.length;
    // her password changes before any sync has read her entry: no baseline to compare with, but
    // the change is later than where the changed-only listing starts
    await slapd.ldapModify(zimbraPasswordChange(hoa, 'Hoa-mat-khau-2'));
    expect(await server.sync!.runNow('changed')).toMatchObject({ updated: 1 });
    await receiver.waitFor(before + 1, 10_000);
    expect(decodeJwt(receiver.tokens[before]!)).toMatchObject({ sub: signed.sub, sid: signed.sid });
    await expect(oidc.refreshTokenGrant(signed.config, signed.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  }, 60_000);

  test('SYNC_PASSWORD_CHANGE_LOGOUT=false: the change is followed, nobody is logged out', async () => {
    const quiet = await startTestServer(slapdEnv(slapd, { SYNC_PASSWORD_CHANGE_LOGOUT: 'false' }));
    try {
      const hung = await signedIn(quiet, receiver, Z.hung);
      await quiet.sync!.runNow('full');
      await slapd.ldapModify(zimbraPasswordChange(Z.hung, 'Hung-mat-khau-moi-1'));
      expect(await quiet.sync!.runNow('changed')).toMatchObject({ updated: 1 });
      expect(await deliveries(quiet, hung.sub)).toEqual([]);
      await oidc.refreshTokenGrant(hung.config, hung.tokens.refresh_token!);
    } finally {
      await quiet.stop();
    }
  }, 60_000);
});

describe('OpenLDAP with ppolicy (pwdChangedTime)', () => {
  let slapd: Slapd;
  let server: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'openldap' });
    receiver = await logoutReceiver();
    server = await startTestServer(slapdEnv(slapd, { LDAP_PRESET: 'openldap', LDAP_GROUPS: 'search' }));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await slapd?.stop();
  });

  test('ppolicy writes pwdChangedTime when the password is changed: the person is logged out', async () => {
    const hung = await signedIn(server, receiver, O.hung);
    await server.sync!.runNow('full');
    expect(await deliveries(server, hung.sub)).toEqual([]);
    // only the password: the overlay writes pwdChangedTime
    await slapd.ldapModify([ldifLine('dn', O.hung.dn), 'changetype: modify', 'replace: userPassword', 'userPassword: Hung-ppolicy-moi-2', '-', ''].join('\n'));
    expect(await server.sync!.runNow('changed')).toMatchObject({ updated: 1 });
    await until('the logout token', () => (receiver.tokens.length ? receiver.tokens : null), 10_000);
    expect(decodeJwt(receiver.tokens[0]!)).toMatchObject({ sub: hung.sub, sid: hung.sid });
    await expect(oidc.refreshTokenGrant(hung.config, hung.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await server.services.accounts.byId(hung.sub))!.status).toBe('active');
  }, 60_000);
});
