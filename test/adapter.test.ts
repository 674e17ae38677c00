/**
 * The oidc-provider adapter contract (upsert, find, findByUid, findByUserCode, consume, destroy,
 * revokeByGrantId) against the real database TEST_DATABASE selects, plus collectGarbage and the
 * read-only Client adapter. Objects keyed by a bearer value are stored under its SHA-256 and
 * without it (domain/bearer-values.ts): found by the value, they come back with `jti` put back.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import type { AdapterFactory } from '../src/oidc/adapter/payload-adapter.js';
import { adapterFactory, collectGarbage } from './helpers/oidc-storage.js';
import { createClientService } from '../src/clients/service.js';
import { createClientRepository } from '../src/db/repos/clients.js';
import type { Db } from '../src/db/client.js';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/db.js';
import { BEARER_MODELS, digestOf, storedId } from '../src/domain/bearer-values.js';

let t: TestDatabase;
let prisma: Db;
let adapter: AdapterFactory;

beforeAll(async () => {
  t = await createTestDatabase();
  prisma = t.db.prisma;
  adapter = adapterFactory(prisma);
});

afterAll(async () => {
  await t?.drop();
});

const now = () => Math.floor(Date.now() / 1000);
const id = () => randomUUID();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A row as stored, bypassing the adapter (to check what the adapter wrote), by the id oidc-provider names it by. */
async function row(type: string, key: string) {
  return prisma.oidcPayload.findUnique({ where: { type_id: { type, id: storedId(type, key) } } });
}

/** A payload without its jti: as a bearer model's object is found otherwise than by its id. */
function withoutJti(payload: AdapterPayload): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  return rest;
}

describe(`PrismaAdapter on ${testBackend()}`, () => {
  it('uses the database backend the suite was started for', () => {
    expect(t.db.provider).toBe(testBackend());
  });

  describe('upsert / find round trip', () => {
    it('Session: payload back as stored, uid indexed, findByUid finds it', async () => {
      const sid = id();
      const uid = `uid-${id()}`;
      const payload: AdapterPayload = { iat: now(), exp: now() + 600, uid, kind: 'Session', jti: sid, accountId: 'acc-1', loginTs: now(), authorizations: { app: { sid: 'sid-1', grantId: 'g-in-session' } } };
      await adapter('Session').upsert(sid, payload, 600);
      expect(await adapter('Session').find(sid)).toEqual(payload);
      // found by uid, nobody presented the cookie value: the store cannot tell it
      expect(await adapter('Session').findByUid(uid)).toEqual(withoutJti(payload));
      const r = await row('Session', sid);
      expect(r?.id).toBe(digestOf(sid));
      expect(r?.payload).not.toContain(sid);
      expect(r?.uid).toBe(uid);
      expect(r?.accountId).toBe('acc-1');
      // a nested grantId (inside authorizations) is not the row's grant
      expect(r?.grantId).toBeNull();
      expect(r?.expiresAt).toBeInstanceOf(Date);
      expect(Math.abs(r!.expiresAt!.getTime() - (Date.now() + 600_000))).toBeLessThan(10_000);
    });

    it('AccessToken: grantId, accountId and clientId go to their indexed columns', async () => {
      const jti = id();
      const grantId = `grant-${id()}`;
      const payload: AdapterPayload = { iat: now(), exp: now() + 3600, accountId: 'acc-2', clientId: 'client-2', grantId, scope: 'openid email', kind: 'AccessToken', jti, gty: 'authorization_code' };
      await adapter('AccessToken').upsert(jti, payload, 3600);
      expect(await adapter('AccessToken').find(jti)).toEqual(payload);
      const r = await row('AccessToken', jti);
      expect(r).toMatchObject({ type: 'AccessToken', id: digestOf(jti), grantId, accountId: 'acc-2', clientId: 'client-2', uid: null, userCode: null, consumedAt: null });
      expect(JSON.parse(r!.payload)).toEqual(withoutJti(payload));
    });

    it('DeviceCode: findByUserCode finds it', async () => {
      const code = id();
      const userCode = `USER-${id().slice(0, 8)}`;
      const payload: AdapterPayload = { iat: now(), exp: now() + 600, clientId: 'tv', userCode, kind: 'DeviceCode', jti: code, params: { scope: 'openid', client_id: 'tv' }, deviceInfo: { ip: '127.0.0.1', ua: 'jest' } };
      await adapter('DeviceCode').upsert(code, payload, 600);
      expect(await adapter('DeviceCode').find(code)).toEqual(payload);
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toEqual(withoutJti(payload));
      expect((await row('DeviceCode', code))?.userCode).toBe(userCode);
    });

    it.each([
      ['Grant', { accountId: 'acc-3', clientId: 'client-3', kind: 'Grant', openid: { scope: 'openid profile' }, resources: {}, rejected: {} }],
      ['ReplayDetection', { kind: 'ReplayDetection', iss: 'client-3', jti: 'assertion-jti' }],
      ['PushedAuthorizationRequest', { kind: 'PushedAuthorizationRequest', request: 'eyJhbGciOiJub25lIn0.e30.', dpopJkt: undefined, trusted: true }],
      ['BackchannelAuthenticationRequest', { kind: 'BackchannelAuthenticationRequest', accountId: 'acc-3', clientId: 'client-3', grantId: 'ciba-grant', params: { scope: 'openid' } }],
      ['RegistrationAccessToken', { kind: 'RegistrationAccessToken', clientId: 'client-3', policies: ['p1'] }],
      ['Interaction', { kind: 'Interaction', uid: 'int-uid', params: { client_id: 'client-3', redirect_uri: 'https://app.example/cb', nonce: 'n' }, prompt: { name: 'login', reasons: ['no_session'], details: {} }, returnTo: 'http://localhost:3000/auth/int', lastSubmission: undefined, cid: 'c' }],
    ] as [string, Record<string, unknown>][])('%s: upsert then find returns the same payload', async (model, extra) => {
      const key = id();
      const payload: AdapterPayload = { iat: now(), exp: now() + 300, jti: key, ...extra } as AdapterPayload;
      await adapter(model).upsert(key, payload, 300);
      const found = await adapter(model).find(key);
      // undefined-valued properties do not survive JSON, exactly as with any persistent store
      expect(found).toEqual(JSON.parse(JSON.stringify(payload)));
      expect(found?.kind).toBe(model);
      const r = await row(model, key);
      expect(r?.clientId ?? null).toBe(typeof extra.clientId === 'string' ? extra.clientId : null);
      expect(r?.grantId ?? null).toBe(typeof extra.grantId === 'string' ? extra.grantId : null);
    });

    it('find on an unknown id returns undefined; findByUid/findByUserCode on unknown values too', async () => {
      expect(await adapter('AccessToken').find(id())).toBeUndefined();
      expect(await adapter('Session').findByUid(id())).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(id())).toBeUndefined();
    });

    it('a key holding NUL (PostgreSQL text cannot) is not found, and consuming, destroying or revoking it is a no-op', async () => {
      const key = `${id()}\u0000`;
      expect(await adapter('AccessToken').find(key)).toBeUndefined();
      expect(await adapter('Session').findByUid(key)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(key)).toBeUndefined();
      expect(await adapter('Client').find(key)).toBeUndefined();
      await adapter('AuthorizationCode').consume(key);
      await adapter('AuthorizationCode').destroy(key);
      await adapter('AccessToken').revokeByGrantId(key);
    });

    it('findByUid only looks in its own model', async () => {
      const uid = `shared-uid-${id()}`;
      await adapter('Interaction').upsert(id(), { kind: 'Interaction', uid }, 300);
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
      expect(await adapter('Interaction').findByUid(uid)).toMatchObject({ uid });
    });
  });

  describe('bearer values at rest', () => {
    it.each([...BEARER_MODELS])('%s: the row id is the SHA-256 of the value, the payload does not hold it, find puts jti back', async (model) => {
      const key = `${id()}-${id()}`;
      const payload: AdapterPayload = { iat: now(), exp: now() + 300, kind: model, jti: key, clientId: 'client-4', grantId: 'grant-4' };
      await adapter(model).upsert(key, payload, 300);
      expect(await prisma.oidcPayload.count({ where: { type: model, id: key } })).toBe(0);
      const r = await row(model, key);
      expect(r?.id).toBe(digestOf(key));
      expect(r?.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(r?.payload).not.toContain(key);
      expect(r).toMatchObject({ clientId: 'client-4', grantId: 'grant-4' });
      expect(await adapter(model).find(key)).toEqual(payload);
      // the stored digest is no key: presented as a value, it finds nothing and ends nothing
      expect(await adapter(model).find(r!.id)).toBeUndefined();
      await adapter(model).destroy(r!.id);
      await adapter(model).consume(r!.id);
      expect((await row(model, key))?.consumedAt).toBeNull();
      await adapter(model).consume(key);
      expect((await adapter(model).find(key))?.consumed).toEqual(expect.any(Number));
      await adapter(model).destroy(key);
      expect(await row(model, key)).toBeNull();
    });

    it('an Interaction keeps neither the session cookie nor a device code; its resume URL names it again when found', async () => {
      const uid = id();
      const cookie = `session-cookie-${id()}`;
      const deviceCode = `device-code-${id()}`;
      const payload: AdapterPayload = {
        iat: now(), exp: now() + 300, kind: 'Interaction', jti: uid, returnTo: `https://sso.tinh.gov.vn/auth/${uid}`,
        session: { accountId: 'acc-5', uid: 'session-uid-5', cookie, acr: 'urn:x' }, deviceCode, grantId: 'grant-5', params: { client_id: 'c5' },
      };
      await adapter('Interaction').upsert(uid, payload, 300);
      const r = await row('Interaction', uid);
      for (const secret of [uid, cookie, deviceCode]) expect(r?.payload).not.toContain(secret);
      expect(JSON.parse(r!.payload)).toMatchObject({ returnTo: 'https://sso.tinh.gov.vn/auth/{id}', session: { accountId: 'acc-5', uid: 'session-uid-5', acr: 'urn:x' } });
      const found = await adapter('Interaction').find(uid);
      expect(found).toEqual({ ...payload, session: { accountId: 'acc-5', uid: 'session-uid-5', acr: 'urn:x' }, deviceCode: undefined });
      expect(found?.deviceCode).toBeUndefined();
    });

    it.each(['Grant', 'ReplayDetection', 'PushedAuthorizationRequest'])('%s is not keyed by a bearer value: stored under its own id, as it was', async (model) => {
      const key = id();
      const payload: AdapterPayload = { iat: now(), exp: now() + 300, kind: model, jti: key };
      await adapter(model).upsert(key, payload, 300);
      const r = await prisma.oidcPayload.findUnique({ where: { type_id: { type: model, id: key } } });
      expect(JSON.parse(r!.payload)).toEqual(payload);
      expect(await adapter(model).find(key)).toEqual(payload);
    });
  });

  describe('upsert overwrites', () => {
    it('replaces payload, indexed columns and expiry of an existing row', async () => {
      const sid = id();
      const a = `uid-a-${id()}`;
      const b = `uid-b-${id()}`;
      await adapter('Session').upsert(sid, { kind: 'Session', uid: a, accountId: 'first' }, 60);
      await adapter('Session').upsert(sid, { kind: 'Session', uid: b, accountId: 'second' }, 0);
      expect(await adapter('Session').find(sid)).toEqual({ kind: 'Session', uid: b, accountId: 'second', jti: sid });
      expect(await adapter('Session').findByUid(a)).toBeUndefined();
      expect(await adapter('Session').findByUid(b)).toMatchObject({ accountId: 'second' });
      const r = await row('Session', sid);
      expect(r?.accountId).toBe('second');
      expect(r?.expiresAt).toBeNull();
      expect(await prisma.oidcPayload.count({ where: { type: 'Session', id: digestOf(sid) } })).toBe(1);
    });

    it('a previously expired row becomes visible again when upserted with a new lifetime', async () => {
      const key = id();
      await prisma.oidcPayload.create({ data: { type: 'AccessToken', id: digestOf(key), payload: JSON.stringify({ old: true }), expiresAt: new Date(Date.now() - 1000) } });
      expect(await adapter('AccessToken').find(key)).toBeUndefined();
      await adapter('AccessToken').upsert(key, { kind: 'AccessToken', fresh: true }, 60);
      expect(await adapter('AccessToken').find(key)).toEqual({ kind: 'AccessToken', fresh: true, jti: key });
    });
  });

  describe('consume', () => {
    it('sets consumed (epoch seconds) and consuming twice keeps the first time', async () => {
      const code = id();
      await adapter('AuthorizationCode').upsert(code, { kind: 'AuthorizationCode', grantId: 'g', clientId: 'c' }, 60);
      expect((await adapter('AuthorizationCode').find(code))?.consumed).toBeUndefined();
      const before = now();
      await adapter('AuthorizationCode').consume(code);
      const first = await adapter('AuthorizationCode').find(code);
      expect(Number.isInteger(first?.consumed)).toBe(true);
      expect(first!.consumed).toBeGreaterThanOrEqual(before);
      expect(first!.consumed).toBeLessThanOrEqual(now());
      // the rest of the payload is intact
      expect(first).toMatchObject({ kind: 'AuthorizationCode', grantId: 'g', clientId: 'c' });

      const firstAt = (await row('AuthorizationCode', code))!.consumedAt!;
      await sleep(1100);
      await adapter('AuthorizationCode').consume(code);
      const second = await adapter('AuthorizationCode').find(code);
      expect(second?.consumed).toBe(first!.consumed);
      expect((await row('AuthorizationCode', code))!.consumedAt!.getTime()).toBe(firstAt.getTime());
    });

    it('consuming a missing id is not an error and creates nothing', async () => {
      const missing = id();
      await expect(adapter('AuthorizationCode').consume(missing)).resolves.toBeUndefined();
      expect(await row('AuthorizationCode', missing)).toBeNull();
    });

    it('only consumes the row of its own model', async () => {
      const shared = id();
      await adapter('AuthorizationCode').upsert(shared, { kind: 'AuthorizationCode' }, 60);
      await adapter('RefreshToken').upsert(shared, { kind: 'RefreshToken' }, 60);
      await adapter('AuthorizationCode').consume(shared);
      expect((await adapter('AuthorizationCode').find(shared))?.consumed).toEqual(expect.any(Number));
      expect((await adapter('RefreshToken').find(shared))?.consumed).toBeUndefined();
    });
  });

  describe('destroy', () => {
    it('removes the row; destroying again or destroying a missing id is fine', async () => {
      const key = id();
      await adapter('AccessToken').upsert(key, { kind: 'AccessToken' }, 60);
      await adapter('AccessToken').destroy(key);
      expect(await adapter('AccessToken').find(key)).toBeUndefined();
      expect(await row('AccessToken', key)).toBeNull();
      await expect(adapter('AccessToken').destroy(key)).resolves.toBeUndefined();
      await expect(adapter('AccessToken').destroy(id())).resolves.toBeUndefined();
    });
  });

  describe('revokeByGrantId', () => {
    it('removes every object issued under the grant, of any model, and nothing else', async () => {
      const grantId = `grant-${id()}`;
      const otherGrant = `grant-${id()}`;
      const mine = [
        ['AccessToken', id()],
        ['RefreshToken', id()],
        ['AuthorizationCode', id()],
        ['DeviceCode', id()],
        ['BackchannelAuthenticationRequest', id()],
      ] as const;
      for (const [model, key] of mine) await adapter(model).upsert(key, { kind: model, grantId, clientId: 'c', accountId: 'a' }, 600);
      const theirs = [
        ['AccessToken', id()],
        ['RefreshToken', id()],
      ] as const;
      for (const [model, key] of theirs) await adapter(model).upsert(key, { kind: model, grantId: otherGrant, clientId: 'c', accountId: 'a' }, 600);
      // the Grant record itself carries no grantId: oidc-provider destroys it on its own (as with the memory adapter)
      await adapter('Grant').upsert(grantId, { kind: 'Grant', jti: grantId, clientId: 'c', accountId: 'a' }, 600);
      const unrelated = id();
      await adapter('AccessToken').upsert(unrelated, { kind: 'AccessToken', clientId: 'c', accountId: 'a' }, 600);

      await adapter('AccessToken').revokeByGrantId(grantId);

      for (const [model, key] of mine) expect(await adapter(model).find(key)).toBeUndefined();
      expect(await prisma.oidcPayload.count({ where: { grantId } })).toBe(0);
      for (const [model, key] of theirs) expect(await adapter(model).find(key)).toMatchObject({ grantId: otherGrant });
      expect(await adapter('Grant').find(grantId)).toMatchObject({ jti: grantId });
      expect(await adapter('AccessToken').find(unrelated)).toBeDefined();

      // revoking an unknown grant is not an error
      await expect(adapter('RefreshToken').revokeByGrantId(`grant-${id()}`)).resolves.toBeUndefined();
    });
  });

  describe('expiry', () => {
    it('expired rows are not returned by find/findByUid/findByUserCode; collectGarbage removes them and keeps live ones', async () => {
      const expired = id();
      const expiredSession = id();
      const expiredUid = `uid-${id()}`;
      const expiredDevice = id();
      const expiredUserCode = `UC-${id()}`;
      const live = id();
      const forever = id();

      await adapter('AccessToken').upsert(expired, { kind: 'AccessToken' }, 1);
      await adapter('Session').upsert(expiredSession, { kind: 'Session', uid: expiredUid }, 1);
      await adapter('DeviceCode').upsert(expiredDevice, { kind: 'DeviceCode', userCode: expiredUserCode }, 1);
      await adapter('AccessToken').upsert(live, { kind: 'AccessToken' }, 3600);
      await adapter('AccessToken').upsert(forever, { kind: 'AccessToken' }, 0);

      expect(await adapter('AccessToken').find(expired)).toBeDefined();
      await sleep(1200);

      expect(await adapter('AccessToken').find(expired)).toBeUndefined();
      expect(await adapter('Session').find(expiredSession)).toBeUndefined();
      expect(await adapter('Session').findByUid(expiredUid)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(expiredUserCode)).toBeUndefined();
      // still stored until collected
      expect(await row('AccessToken', expired)).not.toBeNull();

      const removed = await collectGarbage(prisma);
      expect(removed).toBeGreaterThanOrEqual(3);
      expect(await row('AccessToken', expired)).toBeNull();
      expect(await row('Session', expiredSession)).toBeNull();
      expect(await row('DeviceCode', expiredDevice)).toBeNull();
      expect(await adapter('AccessToken').find(live)).toEqual({ kind: 'AccessToken', jti: live });
      expect(await adapter('AccessToken').find(forever)).toEqual({ kind: 'AccessToken', jti: forever });
      // nothing left to collect right after
      expect(await collectGarbage(prisma)).toBe(0);
    });

    it('collectGarbage(now) removes exactly the rows whose expiry is at or before `now`', async () => {
      const soon = id();
      const later = id();
      await adapter('RefreshToken').upsert(soon, { kind: 'RefreshToken' }, 100);
      await adapter('RefreshToken').upsert(later, { kind: 'RefreshToken' }, 10_000);
      const removed = await collectGarbage(prisma, new Date(Date.now() + 1000 * 1000));
      expect(removed).toBeGreaterThanOrEqual(1);
      expect(await row('RefreshToken', soon)).toBeNull();
      expect(await row('RefreshToken', later)).not.toBeNull();
    });

    it.each([
      ['0', 0],
      ['undefined', undefined],
    ])('expiresIn %s means no expiry', async (_label, expiresIn) => {
      const key = id();
      await adapter('Grant').upsert(key, { kind: 'Grant', accountId: 'a' }, expiresIn as unknown as number);
      expect((await row('Grant', key))?.expiresAt).toBeNull();
      await collectGarbage(prisma, new Date(Date.now() + 100 * 365 * 86400 * 1000));
      expect(await adapter('Grant').find(key)).toEqual({ kind: 'Grant', accountId: 'a' });
    });
  });

  describe('models are independent', () => {
    it('the same id under two models are two rows; destroying one keeps the other', async () => {
      const shared = id();
      await adapter('AccessToken').upsert(shared, { kind: 'AccessToken', n: 1 }, 60);
      await adapter('RefreshToken').upsert(shared, { kind: 'RefreshToken', n: 2 }, 60);
      expect(await adapter('AccessToken').find(shared)).toEqual({ kind: 'AccessToken', n: 1, jti: shared });
      expect(await adapter('RefreshToken').find(shared)).toEqual({ kind: 'RefreshToken', n: 2, jti: shared });
      await adapter('AccessToken').destroy(shared);
      expect(await adapter('AccessToken').find(shared)).toBeUndefined();
      expect(await adapter('RefreshToken').find(shared)).toEqual({ kind: 'RefreshToken', n: 2, jti: shared });
    });
  });

  describe('Client adapter', () => {
    it('returns metadata from the Client table, and undefined once the client is disabled', async () => {
      const clients = createClientService(createClientRepository(prisma));
      const { client, clientSecret } = await clients.add({
        id: 'adapter-web-app',
        name: 'Adapter web app',
        type: 'web',
        redirectUris: ['https://app.example.gov.vn/callback'],
        postLogoutRedirectUris: ['https://app.example.gov.vn/'],
        backchannelLogoutUri: 'https://app.example.gov.vn/backchannel',
      });
      expect(clientSecret).toEqual(expect.any(String));
      const stored = await prisma.client.findUnique({ where: { id: client.client_id } });

      const meta = await adapter('Client').find('adapter-web-app');
      expect(meta).toMatchObject({
        client_id: 'adapter-web-app',
        client_name: 'Adapter web app',
        redirect_uris: ['https://app.example.gov.vn/callback'],
        post_logout_redirect_uris: ['https://app.example.gov.vn/'],
        backchannel_logout_uri: 'https://app.example.gov.vn/backchannel',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      });
      expect(meta?.client_secret).toBe(stored?.secretHash);
      expect(meta?.client_secret).not.toBe(clientSecret);
      expect(await adapter('Client').find('no-such-client')).toBeUndefined();

      await clients.setStatus('adapter-web-app', 'disabled');
      expect(await adapter('Client').find('adapter-web-app')).toBeUndefined();
      await clients.setStatus('adapter-web-app', 'active');
      expect(await adapter('Client').find('adapter-web-app')).toMatchObject({ client_id: 'adapter-web-app' });
    });

    it('disabling a client removes the tokens issued to it', async () => {
      const clients = createClientService(createClientRepository(prisma));
      await clients.add({ id: 'adapter-spa', name: 'SPA', type: 'spa', redirectUris: ['https://spa.example.gov.vn/cb'] });
      const token = id();
      const otherToken = id();
      await adapter('AccessToken').upsert(token, { kind: 'AccessToken', clientId: 'adapter-spa' }, 600);
      await adapter('AccessToken').upsert(otherToken, { kind: 'AccessToken', clientId: 'someone-else' }, 600);
      await clients.setStatus('adapter-spa', 'disabled');
      expect(await adapter('AccessToken').find(token)).toBeUndefined();
      expect(await adapter('AccessToken').find(otherToken)).toBeDefined();
    });

    it('upsert on Client throws and writes nothing', async () => {
      await expect(adapter('Client').upsert('dyn-client', { client_id: 'dyn-client' }, 0)).rejects.toThrow(/sso client/);
      expect(await prisma.client.findUnique({ where: { id: 'dyn-client' } })).toBeNull();
      expect(await row('Client', 'dyn-client')).toBeNull();
    });
  });
});
