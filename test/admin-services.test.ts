/**
 * What the console needs from the services, on the real database and provider: the folded
 * search column, the administrator flag, client edits, the IdP's own client, ending one session,
 * revoking one application, and the acting person recorded as the actor.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import * as oidc from 'openid-client';
import { foldForSearch, searchText } from '../src/domain/account-link.js';
import { actingAs } from '../src/audit/actor.js';
import { SsoError } from '../src/domain/errors.js';
import { disableAccount } from '../src/deprovision/account-access.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { loginAndExchange, logoutReceiver, rpConfig } from './helpers/rp.js';

describe('foldForSearch', () => {
  it('drops Vietnamese diacritics, đ and case', () => {
    expect(foldForSearch('Nguyễn Văn An')).toBe('nguyen van an');
    expect(foldForSearch('ĐẶNG Thùy Dương')).toBe('dang thuy duong');
    expect(foldForSearch('  Hồ\tQuang\n Minh ')).toBe('ho quang minh');
    // the same text composed (NFC) or decomposed (NFD) folds the same
    expect(foldForSearch('Nguyễn'.normalize('NFD'))).toBe(foldForSearch('Nguyễn'.normalize('NFC')));
  });

  it('is idempotent and never longer than what it folds, whatever the input', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      const f = foldForSearch(s);
      expect(foldForSearch(f)).toBe(f);
      expect(f).toBe(f.toLowerCase());
      expect(/\p{M}/u.test(f)).toBe(false);
    }));
  });

  it('searchText covers name, login, mail and aliases', () => {
    expect(searchText({ displayName: 'Đặng Thùy Dương', login: 'duongdt', email: 'duongdt@tinh.gov.vn', aliases: ['vanthu.stc@tinh.gov.vn'] }))
      .toBe('dang thuy duong duongdt duongdt@tinh.gov.vn vanthu.stc@tinh.gov.vn');
  });
});

describe('services for the console', () => {
  let server: TestServer;
  const REDIRECT = 'http://127.0.0.1:9/cb';

  beforeAll(async () => {
    server = await startTestServer();
    const s = server.services;
    await s.accounts.addLocal({ login: 'annv', password: 'mat-khau-an-2024', displayName: 'Nguyễn Văn An', email: 'annv@tinh.gov.vn' });
    await s.accounts.addLocal({ login: 'anhnv', password: 'mat-khau-anh-2024', displayName: 'Nguyễn Văn Anh' });
    await s.accounts.addLocal({ login: 'duongdt', password: 'mat-khau-duong-24', displayName: 'Đặng Thùy Dương' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('finds accounts ignoring diacritics and case, every word anywhere', async () => {
    const a = server.services.accounts;
    expect((await a.search({ q: 'nguyen van an' })).rows.map((r) => r.login)).toEqual(['anhnv', 'annv']);
    expect((await a.search({ q: 'NGUYỄN an annv@' })).rows.map((r) => r.login)).toEqual(['annv']);
    expect((await a.search({ q: 'dang duong' })).rows.map((r) => r.login)).toEqual(['duongdt']);
    expect((await a.search({ q: '%' })).total).toBe(3); // a LIKE wildcard matches nothing special: no words, every account
    expect((await a.search({ q: 'nguyen_van%an' })).rows.map((r) => r.login)).toEqual(['anhnv', 'annv']);
    expect((await a.search({ q: '' })).total).toBe(3);
    expect((await a.search({ q: 'an', status: 'disabled' })).total).toBe(0);
    const page2 = await a.search({ q: '', page: 2, pageSize: 2 });
    expect(page2).toMatchObject({ total: 3, page: 2, pages: 2 });
    expect(page2.rows.map((r) => r.login)).toEqual(['duongdt']);
  });

  it('fills the search column of rows written without it', async () => {
    const prisma = server.services.db.prisma;
    await prisma.account.create({ data: { id: 'old-row', login: 'hoaqm', displayName: 'Hồ Quang Minh', source: 'directory', attributes: JSON.stringify({ aliases: ['minh.ho@tinh.gov.vn'] }) } });
    expect((await server.services.accounts.search({ q: 'ho quang' })).rows.map((r) => r.login)).toEqual(['hoaqm']);
    expect((await prisma.account.findUnique({ where: { id: 'old-row' } }))!.search).toBe('ho quang minh hoaqm minh.ho@tinh.gov.vn');
    expect(await server.services.accounts.fillSearch()).toBe(0);
  });

  it('grants and revokes the administrator flag, audited once per change', async () => {
    const a = server.services.accounts;
    expect((await a.setAdmin('annv', true)).admin).toBe(true);
    expect((await a.setAdmin('ANNV', true)).admin).toBe(true);
    expect((await a.list({ admin: true })).map((x) => x.login)).toEqual(['annv']);
    expect((await a.setAdmin('annv', false)).admin).toBe(false);
    await server.services.audit.flush();
    const events = await server.services.audit.list({ type: 'account.admin_changed' });
    expect(events.map((e) => e.outcome)).toEqual(['revoked', 'granted']);
  });

  it('edits a client, refusing bad URIs, and keeps the IdP\'s own client out of reach', async () => {
    const c = server.services.clients;
    const { client } = await c.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: ['https://vpdt.tinh.gov.vn/cb'] });
    const updated = await c.update(client.client_id, { redirectUris: ['https://vpdt.tinh.gov.vn/cb', 'https://vpdt.tinh.gov.vn/cb2'], backchannelLogoutUri: 'https://vpdt.tinh.gov.vn/bcl' });
    expect(updated.redirect_uris).toEqual(['https://vpdt.tinh.gov.vn/cb', 'https://vpdt.tinh.gov.vn/cb2']);
    expect(updated.backchannel_logout_uri).toBe('https://vpdt.tinh.gov.vn/bcl');
    await expect(c.update(client.client_id, { redirectUris: ['http://evil.example/cb'] })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(c.update(client.client_id, { redirectUris: [] })).rejects.toThrow(/at least one redirect URI/);
    await expect(c.update('nope', { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await c.update(client.client_id, { backchannelLogoutUri: null })).backchannel_logout_uri).toBeNull();
    await server.services.audit.flush();
    const [ev] = await server.services.audit.list({ type: 'client.updated', limit: 1 });
    expect(JSON.parse(ev!.detail).changed).toEqual(['backchannel_logout_uri']);

    // the console's client exists (start-up ensured it) and cannot be touched from outside
    for (const attempt of [() => c.setStatus('sso-console', 'disabled'), () => c.rotateSecret('sso-console'), () => c.update('sso-console', { name: 'x' })]) {
      await expect(attempt()).rejects.toBeInstanceOf(SsoError);
    }
    expect((await c.get('sso-console')).status).toBe('active');
  });

  it('ensureInternal converges and is idempotent', async () => {
    const c = server.services.clients;
    const spec = { id: 'sso-console', name: 'Quản trị', redirectUris: [`${server.issuer}/console/callback`], postLogoutRedirectUris: [`${server.issuer}/account/signed-out`], secret: 'a-secret-derived-elsewhere-0123456789' };
    expect(await c.ensureInternal(spec)).toBe('updated');
    expect(await c.ensureInternal(spec)).toBe('unchanged');
  });

  it('ends one session, telling its applications, and revokes one application', async () => {
    const s = server.services;
    const receiver = await logoutReceiver();
    try {
      const one = await s.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], backchannelLogoutUri: receiver.url, firstParty: true });
      const two = await s.clients.add({ name: 'Báo cáo', type: 'web', redirectUris: [REDIRECT], firstParty: true });
      const cfgOne = await rpConfig(server.issuer, one.client.client_id, one.clientSecret);
      const cfgTwo = await rpConfig(server.issuer, two.client.client_id, two.clientSecret);
      // two browsers: two sessions of the same person
      const b1 = new Browser(server.issuer);
      const first = await loginAndExchange(cfgOne, b1, REDIRECT, 'duongdt', 'mat-khau-duong-24', 'openid offline_access');
      const alsoTwo = await loginAndExchange(cfgTwo, b1, REDIRECT, 'duongdt', 'mat-khau-duong-24', 'openid offline_access');
      const second = await loginAndExchange(cfgOne, new Browser(server.issuer), REDIRECT, 'duongdt', 'mat-khau-duong-24', 'openid offline_access');
      const account = (await s.accounts.byLogin('duongdt'))!;

      const sessions = await s.accounts.sessions(account.id);
      expect(sessions).toHaveLength(2);
      const firstSid = first.tokens.claims()!.sid;
      const mine = sessions.find((x) => x.applications.some((a) => a.sid === firstSid))!;
      expect(mine.applications.map((a) => a.name).sort()).toEqual(['Báo cáo', 'Một cửa']);
      expect((await s.accounts.applications(account.id)).map((a) => a.name)).toEqual(['Báo cáo', 'Một cửa']);

      const ended = await actingAs({ actor: 'console:annv', ip: '127.0.0.9' }, () => s.deprovision.endSession(account.id, mine.uid, 'console: end session'));
      expect(ended).toMatchObject({ queued: 1 });
      expect(await s.deprovision.endSession(account.id, mine.uid, 'again')).toBeNull();
      const [token] = await receiver.waitFor(1);
      expect(JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()).sid).toBe(firstSid);
      // that session's tokens are gone, the other session's are not
      await expect(oidc.refreshTokenGrant(cfgOne, first.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(oidc.refreshTokenGrant(cfgTwo, alsoTwo.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      const stillThere = await oidc.refreshTokenGrant(cfgOne, second.tokens.refresh_token!);
      expect(stillThere.access_token).toBeTruthy();
      expect(await s.accounts.sessions(account.id)).toHaveLength(1);

      const revoked = await s.deprovision.revokeApplication(account.id, one.client.client_id, 'my account: revoked');
      expect(revoked.queued).toBe(1);
      await receiver.waitFor(2);
      await expect(oidc.refreshTokenGrant(cfgOne, stillThere.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      expect((await s.accounts.applications(account.id)).map((a) => a.name)).toEqual(['Báo cáo']);

      await s.audit.flush();
      const [ev] = await s.audit.list({ type: 'account.session_ended', limit: 1 });
      expect(ev).toMatchObject({ actor: 'console:annv', ip: '127.0.0.9', subject: account.id });
      const [rv] = await s.audit.list({ type: 'account.application_revoked', limit: 1 });
      expect(rv).toMatchObject({ clientId: one.client.client_id, subject: account.id });
      expect(rv!.actor).not.toBe('console:annv'); // outside actingAs: the process's actor
    } finally {
      await receiver.close();
    }
  });

  it('disableAccount disables and ends access, as the CLI and the console do', async () => {
    const r = await disableAccount(server.services, 'anhnv', 'test');
    expect(r.account.status).toBe('disabled');
    expect(r).toMatchObject({ revoked: 0, queued: 0 });
  });
});
