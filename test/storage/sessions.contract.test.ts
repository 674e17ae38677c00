/**
 * The storage contract of db/repos/sessions.ts: every method of SessionRepository and of the
 * transaction it hands to ending access, on a fresh database (SQLite or PostgreSQL, as
 * TEST_DATABASE selects). Rows are written as oidc-provider's adapter writes them: the payload
 * JSON, and the columns it indexes (uid, accountId, clientId, grantId) taken from the payload;
 * sessions and tokens under the SHA-256 of their value, without it in the payload
 * (domain/bearer-values.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client.js';
import { createSessionRepository, type SessionRepository } from '../../src/db/repos/sessions.js';
import { createLogoutDeliveryRepository } from '../../src/db/repos/logout-deliveries.js';
import { createOidcPayloadRepository } from '../../src/db/repos/oidc-payloads.js';
import { isBearerModel, storedId } from '../../src/domain/bearer-values.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let db: Db;
let repo: SessionRepository;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db.prisma;
  repo = createSessionRepository(db);
});
afterAll(async () => t?.drop());

const NOW = new Date();
const sec = (d: Date) => Math.floor(d.getTime() / 1000);
const inMs = (ms: number) => new Date(NOW.getTime() + ms);
const HOUR = 3_600_000;
const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

/** Writes one OidcPayload row as the adapter does; returns its id as oidc-provider names it (a session's cookie value, a token). */
async function store(type: string, payload: Record<string, unknown>, o: { id?: string; expiresAt?: Date | null; createdAt?: Date } = {}): Promise<string> {
  const id = o.id ?? randomUUID();
  const expiresAt = o.expiresAt === undefined ? inMs(HOUR) : o.expiresAt;
  await db.oidcPayload.create({
    data: {
      type,
      id: storedId(type, id),
      payload: JSON.stringify({ ...payload, kind: type, ...(isBearerModel(type) ? {} : { jti: id }), iat: sec(NOW), ...(expiresAt ? { exp: sec(expiresAt) } : {}) }),
      grantId: str(payload.grantId),
      uid: str(payload.uid),
      accountId: str(payload.accountId),
      clientId: str(payload.clientId),
      expiresAt,
      ...(o.createdAt ? { createdAt: o.createdAt } : {}),
    },
  });
  return id;
}

/** An oidc-provider Session: `authorizations: { [clientId]: { sid, grantId, persistsLogout } }`. */
function session(accountId: string, apps: Record<string, { sid: string; grantId?: string }>, o: { uid?: string | null; loginTs?: number; expiresAt?: Date | null } = {}) {
  const uid = o.uid === undefined ? `uid-${randomUUID()}` : o.uid;
  const authorizations = Object.fromEntries(Object.entries(apps).map(([c, a]) => [c, { sid: a.sid, ...(a.grantId ? { grantId: a.grantId } : {}), persistsLogout: true }]));
  return store('Session', { accountId, ...(uid ? { uid } : {}), loginTs: o.loginTs ?? sec(NOW) - 60, amr: ['pwd'], authorizations }, { expiresAt: o.expiresAt });
}

/** An oidc-provider Grant: `openid: { scope, claims }`. */
function grant(accountId: string, clientId: string, scope: string, o: { expiresAt?: Date | null; createdAt?: Date } = {}) {
  return store('Grant', { accountId, clientId, openid: { scope, claims: [] } }, o);
}

function token(type: string, accountId: string, clientId: string, grantId: string, sessionUid: string, o: { id?: string } = {}) {
  return store(type, { accountId, clientId, grantId, sessionUid, scope: 'openid', gty: 'authorization_code' }, o);
}

async function account(): Promise<string> {
  const id = randomUUID();
  await db.account.create({ data: { id, login: `s.${id.slice(0, 8)}`, displayName: 'Phiên', source: 'local' } });
  return id;
}

async function client(o: { uri?: string | null; status?: string } = {}): Promise<string> {
  const id = `app-${randomUUID().slice(0, 8)}`;
  await db.client.create({ data: { id, name: id, type: 'web', redirectUris: '[]', backchannelLogoutUri: o.uri === undefined ? `https://${id}.tinh.gov.vn/bcl` : o.uri, status: o.status ?? 'active' } });
  return id;
}

const uidOf = async (id: string) => (await db.oidcPayload.findUnique({ where: { type_id: { type: 'Session', id: storedId('Session', id) } } }))!.uid!;
const exists = async (type: string, id: string) => (await db.oidcPayload.count({ where: { type, id: storedId(type, id) } })) === 1;
/** The row id of a session: what StoredSession.id holds and deleteSessions takes (never the cookie value). */
const rowOf = (session: string) => storedId('Session', session);

describe('the read model', () => {
  test('liveSessions: the account\'s live sessions with a uid, newest login first, their applications and sids', async () => {
    const a = await account();
    const older = await session(a, { vpdt: { sid: 'sid-1', grantId: 'g-1' } }, { loginTs: sec(NOW) - 3600 });
    const newer = await session(a, { vpdt: { sid: 'sid-2', grantId: 'g-2' }, motcua: { sid: 'sid-3' } }, { loginTs: sec(NOW) - 10, expiresAt: null });
    await session(a, { vpdt: { sid: 'gone' } }, { expiresAt: inMs(-1000) }); // expired
    await session(a, { vpdt: { sid: 'no-uid' } }, { uid: null }); // not one pages can name
    await store('Session', { accountId: a, uid: `uid-${randomUUID()}` }, { id: 'no-login-time' });
    await session(await account(), { vpdt: { sid: 'other' } });

    const live = await repo.liveSessions(a, NOW);
    expect(live.map((s) => s.id)).toEqual([newer, older, 'no-login-time'].map(rowOf));
    expect(live[0]).toEqual({
      id: rowOf(newer),
      uid: await uidOf(newer),
      loginAt: new Date((sec(NOW) - 10) * 1000),
      expiresAt: null,
      authorizations: [{ clientId: 'vpdt', sid: 'sid-2', grantId: 'g-2' }, { clientId: 'motcua', sid: 'sid-3', grantId: null }],
      userAgent: null,
      address: null,
      lastSeenAt: null,
    });
    expect(live[1]!.expiresAt).toEqual(inMs(HOUR));
    expect(live[2]).toMatchObject({ loginAt: null, authorizations: [] });
    expect(await repo.liveSessions(a, inMs(2 * HOUR))).toEqual([expect.objectContaining({ id: rowOf(newer) })]);
    expect(await repo.liveSessions(randomUUID(), NOW)).toEqual([]);
  });

  test('applications: live grants by application, scopes united, granted when the first was, expiring with the last', async () => {
    const a = await account();
    await grant(a, 'vpdt', 'openid profile', { createdAt: inMs(-2 * HOUR), expiresAt: inMs(HOUR) });
    await grant(a, 'vpdt', 'openid email offline_access', { createdAt: inMs(-HOUR), expiresAt: inMs(3 * HOUR) });
    await grant(a, 'motcua', 'openid', { createdAt: inMs(-HOUR), expiresAt: inMs(HOUR) });
    await grant(a, 'motcua', 'openid phone', { createdAt: inMs(-3 * HOUR), expiresAt: null });
    await grant(a, 'expired', 'openid', { expiresAt: inMs(-1) });
    await store('Grant', { accountId: a }); // no client
    await store('Grant', { accountId: a, clientId: 'odd', openid: 'not an object' });
    await grant(await account(), 'vpdt', 'openid');

    const apps = await repo.applications(a, NOW);
    expect([...apps].sort((x, y) => x.clientId.localeCompare(y.clientId))).toEqual([
      { clientId: 'motcua', scopes: expect.arrayContaining(['openid', 'phone']), grantedAt: inMs(-3 * HOUR), expiresAt: null },
      { clientId: 'odd', scopes: [], grantedAt: expect.any(Date), expiresAt: inMs(HOUR) },
      { clientId: 'vpdt', scopes: expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']), grantedAt: inMs(-2 * HOUR), expiresAt: inMs(3 * HOUR) },
    ]);
    expect(apps.find((x) => x.clientId === 'vpdt')!.scopes).toHaveLength(4);
    expect(apps.find((x) => x.clientId === 'motcua')!.scopes).toHaveLength(2);
    expect((await repo.applications(a, inMs(2 * HOUR))).map((x) => x.clientId).sort()).toEqual(['motcua', 'vpdt']);
  });

  test('countLive counts every account\'s live sessions; countOf one account\'s, live or expired', async () => {
    const before = await repo.countLive(NOW);
    const a = await account();
    await session(a, { vpdt: { sid: 's1' } });
    await session(a, { vpdt: { sid: 's2' } }, { expiresAt: null });
    await session(a, { vpdt: { sid: 's3' } }, { expiresAt: inMs(-1000) });
    await session(await account(), { vpdt: { sid: 's4' } });
    await grant(a, 'vpdt', 'openid');
    expect(await repo.countLive(NOW)).toBe(before + 3);
    expect(await repo.countOf(a)).toBe(3);
    expect(await repo.countOf(randomUUID())).toBe(0);
  });

  test('isAlive: a live session of the account in which the application has that sid', async () => {
    const a = await account();
    await session(a, { 'sso-console': { sid: 'console-sid' }, vpdt: { sid: 'vpdt-sid' } });
    await session(a, { 'sso-console': { sid: 'expired-sid' } }, { expiresAt: inMs(-1000) });
    expect(await repo.isAlive(a, 'sso-console', 'console-sid', NOW)).toBe(true);
    expect(await repo.isAlive(a, 'sso-console', 'vpdt-sid', NOW)).toBe(false);
    expect(await repo.isAlive(a, 'vpdt', 'console-sid', NOW)).toBe(false);
    expect(await repo.isAlive(a, 'sso-console', 'expired-sid', NOW)).toBe(false);
    expect(await repo.isAlive(await account(), 'sso-console', 'console-sid', NOW)).toBe(false);
    expect(await repo.isAlive(a, 'sso-console', 'console-sid', inMs(2 * HOUR))).toBe(false);
  });

  test('sidOfAccessToken: the sid the application has in the session the token was issued in', async () => {
    const a = await account();
    const g = await grant(a, 'sso-console', 'openid');
    const s = await session(a, { 'sso-console': { sid: 'the-sid', grantId: g } });
    const uid = await uidOf(s);
    const at = await token('AccessToken', a, 'sso-console', g, uid);
    expect(await repo.sidOfAccessToken(at, 'sso-console')).toBe('the-sid');
    expect(await repo.sidOfAccessToken(at, 'vpdt')).toBeNull(); // not in that session
    expect(await repo.sidOfAccessToken('no-such-token', 'sso-console')).toBeNull();
    const orphan = await token('AccessToken', a, 'sso-console', g, 'no-such-session');
    expect(await repo.sidOfAccessToken(orphan, 'sso-console')).toBeNull();
    const noUid = await store('AccessToken', { accountId: a, clientId: 'sso-console', grantId: g });
    expect(await repo.sidOfAccessToken(noUid, 'sso-console')).toBeNull();
    const refresh = await token('RefreshToken', a, 'sso-console', g, uid);
    expect(await repo.sidOfAccessToken(refresh, 'sso-console')).toBeNull(); // access tokens only
    // the token's stored digest is not the token
    expect(await repo.sidOfAccessToken(storedId('AccessToken', at), 'sso-console')).toBeNull();
  });

  test('rememberedGrantId: the newest live grant of the account to the application', async () => {
    const a = await account();
    await grant(a, 'vpdt', 'openid', { createdAt: inMs(-2 * HOUR) });
    const newest = await grant(a, 'vpdt', 'openid profile', { createdAt: inMs(-HOUR), expiresAt: null });
    await grant(a, 'vpdt', 'openid', { createdAt: inMs(-60_000), expiresAt: inMs(-1) }); // newer, expired
    await grant(a, 'motcua', 'openid', { createdAt: NOW });
    expect(await repo.rememberedGrantId(a, 'vpdt', NOW)).toBe(newest);
    expect(await repo.rememberedGrantId(a, 'baocao', NOW)).toBeUndefined();
    expect(await repo.rememberedGrantId(await account(), 'vpdt', NOW)).toBeUndefined();
  });

  test('noteSeen: the browser, address and time, at most once a minute; the provider\'s save keeps what it does not know', async () => {
    const a = await account();
    const id = await session(a, { vpdt: { sid: 's' } });
    const uid = await uidOf(id);
    const at = new Date(Math.floor(NOW.getTime() / 1000) * 1000);
    expect(await repo.noteSeen(uid, { userAgent: 'UA-1', address: '10.0.0.1', at })).toBe(true);
    expect(await repo.noteSeen(uid, { userAgent: 'UA-2', address: '10.0.0.2', at: new Date(at.getTime() + 59_000) })).toBe(false);
    expect((await repo.liveSessions(a, NOW))[0]).toMatchObject({ userAgent: 'UA-1', address: '10.0.0.1', lastSeenAt: at });
    expect(await repo.noteSeen(uid, { userAgent: null, address: '10.0.0.3', at: new Date(at.getTime() + 60_000) })).toBe(true);
    expect((await repo.liveSessions(a, NOW))[0]).toMatchObject({ userAgent: 'UA-1', address: '10.0.0.3', lastSeenAt: new Date(at.getTime() + 60_000) });
    expect(await repo.noteSeen('no-such-uid', { userAgent: null, address: null, at })).toBe(false);
    // the provider saving the session again with no request behind it keeps what was seen
    const row = (await db.oidcPayload.findUnique({ where: { type_id: { type: 'Session', id: rowOf(id) } } }))!;
    const payloads = createOidcPayloadRepository(db);
    await payloads.upsert([{ type: 'Session', id, payload: row.payload, grantId: null, userCode: null, uid, accountId: a, clientId: null, expiresAt: null }]);
    expect((await repo.liveSessions(a, NOW))[0]).toMatchObject({ userAgent: 'UA-1', address: '10.0.0.3' });
    const later = new Date(at.getTime() + 120_000);
    await payloads.upsert([{ type: 'Session', id, payload: row.payload, grantId: null, userCode: null, uid, accountId: a, clientId: null, expiresAt: null, seen: { userAgent: 'UA-3', address: null, at: later } }]);
    expect((await repo.liveSessions(a, NOW))[0]).toMatchObject({ userAgent: 'UA-3', address: '10.0.0.3', lastSeenAt: later });
  });

  test('refuseSessionsBefore marks the account; an unknown account is no error', async () => {
    const a = await account();
    const at = new Date('2026-12-02T10:00:00.700Z');
    await repo.refuseSessionsBefore(a, at);
    expect((await db.account.findUnique({ where: { id: a } }))!.sessionsNotBefore).toEqual(at);
    await expect(repo.refuseSessionsBefore(randomUUID(), at)).resolves.toBeUndefined();
  });
});

describe('ending access (one transaction)', () => {
  test('sessionsOf, sessionOf and grantIdsOf read live and expired rows of the account only', async () => {
    const a = await account();
    const live = await session(a, { vpdt: { sid: 's1', grantId: 'g1' } });
    const expired = await session(a, { vpdt: { sid: 's2' } }, { expiresAt: inMs(-1000) });
    await session(await account(), { vpdt: { sid: 'other' } });
    const g1 = await grant(a, 'vpdt', 'openid');
    const g2 = await grant(a, 'motcua', 'openid', { expiresAt: inMs(-1) });
    await repo.ending(async (tx) => {
      expect((await tx.sessionsOf(a)).map((s) => s.id).sort()).toEqual([live, expired].map(rowOf).sort());
      expect(await tx.sessionOf(a, await uidOf(live))).toMatchObject({ id: rowOf(live), authorizations: [{ clientId: 'vpdt', sid: 's1', grantId: 'g1' }] });
      expect(await tx.sessionOf(a, await uidOf(expired))).toMatchObject({ id: rowOf(expired) });
      expect(await tx.sessionOf(await account(), await uidOf(live))).toBeNull();
      expect((await tx.grantIdsOf(a)).sort()).toEqual([g1, g2].sort());
      expect(await tx.grantIdsOf(a, 'motcua')).toEqual([g2]);
      expect(await tx.grantIdsOf(a, 'baocao')).toEqual([]);
    });
  });

  test('deleteSessions and deleteAccountRows: the sessions named, then everything else of the account or its grants', async () => {
    const a = await account();
    const other = await account();
    const g = await grant(a, 'vpdt', 'openid');
    const s = await session(a, { vpdt: { sid: 's', grantId: g } });
    const kept = await session(a, { vpdt: { sid: 'later' } }); // written after the read: not named
    const at = await token('AccessToken', a, 'vpdt', g, await uidOf(s));
    const shared = await store('RefreshToken', { clientId: 'vpdt', grantId: g }); // no accountId column, under its grant
    const othersGrant = await grant(other, 'vpdt', 'openid');
    const othersSession = await session(other, { vpdt: { sid: 'o' } });
    const r = await repo.ending(async (tx) => ({ sessions: await tx.deleteSessions([rowOf(s)]), rest: await tx.deleteAccountRows(a, [g]), none: await tx.deleteSessions([]) }));
    expect(r).toEqual({ sessions: 1, rest: 3, none: 0 });
    expect(await exists('Session', s)).toBe(false);
    expect(await exists('Session', kept)).toBe(true);
    for (const [type, id] of [['Grant', g], ['AccessToken', at], ['RefreshToken', shared]] as const) expect(await exists(type, id)).toBe(false);
    expect(await exists('Grant', othersGrant)).toBe(true);
    expect(await exists('Session', othersSession)).toBe(true);
    expect(await repo.ending((tx) => tx.deleteAccountRows(a, []))).toBe(0);
  });

  test('deleteSessionTokens: only what was issued in that session under those grants', async () => {
    const a = await account();
    const g = await grant(a, 'vpdt', 'openid');
    const s1 = await session(a, { vpdt: { sid: 's1', grantId: g } });
    const s2 = await session(a, { vpdt: { sid: 's2', grantId: g } });
    const [u1, u2] = [await uidOf(s1), await uidOf(s2)];
    const mine = [await token('AccessToken', a, 'vpdt', g, u1), await token('RefreshToken', a, 'vpdt', g, u1)];
    const theirs = await token('AccessToken', a, 'vpdt', g, u2);
    const otherGrant = await token('AccessToken', a, 'vpdt', 'another-grant', u1);
    expect(await repo.ending((tx) => tx.deleteSessionTokens([g], u1))).toBe(2);
    for (const id of mine) expect(await db.oidcPayload.count({ where: { id: { in: [id, storedId('AccessToken', id)] } } })).toBe(0);
    expect(await exists('AccessToken', theirs)).toBe(true);
    expect(await exists('AccessToken', otherGrant)).toBe(true);
    expect(await exists('Grant', g)).toBe(true);
    expect(await exists('Session', s1)).toBe(true);
    expect(await repo.ending((tx) => tx.deleteSessionTokens([], u2))).toBe(0);
  });

  test('deleteGrants and deleteApplicationTokens: one application\'s consent and what was issued under it', async () => {
    const a = await account();
    const g = await grant(a, 'vpdt', 'openid');
    const keep = await grant(a, 'motcua', 'openid');
    const s = await session(a, { vpdt: { sid: 's', grantId: g }, motcua: { sid: 'm', grantId: keep } });
    const u = await uidOf(s);
    const issued = [await token('AccessToken', a, 'vpdt', g, u), await token('AuthorizationCode', a, 'vpdt', g, u)];
    const noGrant = await store('AccessToken', { accountId: a, clientId: 'vpdt' }); // the account's, at that application
    const underGrant = await store('RefreshToken', { clientId: 'vpdt', grantId: g });
    const kept = await token('AccessToken', a, 'motcua', keep, u);
    expect(await repo.ending(async (tx) => [await tx.deleteGrants([g]), await tx.deleteApplicationTokens(a, 'vpdt', [g]), await tx.deleteGrants([])])).toEqual([1, 4, 0]);
    expect(await exists('Grant', g)).toBe(false);
    for (const id of [...issued, noGrant, underGrant]) expect(await db.oidcPayload.count({ where: { id: { in: [id, storedId('AccessToken', id)] } } })).toBe(0);
    expect(await exists('Grant', keep)).toBe(true);
    expect(await exists('AccessToken', kept)).toBe(true);
    expect(await exists('Session', s)).toBe(true); // sessions and grants are never "application tokens"
    expect(await repo.ending((tx) => tx.deleteApplicationTokens(a, 'motcua', []))).toBe(1);
    expect(await exists('Grant', keep)).toBe(true);
  });

  test('deliveries.queue inside the transaction; a failure rolls the deletes and the queued rows back together', async () => {
    const a = await account();
    const c = await client();
    const s = await session(a, { [c]: { sid: 's' } });
    const deliveries = createLogoutDeliveryRepository(db);
    const at = new Date();
    expect(await repo.ending(async (tx) => tx.deliveries.queue({ accountId: a, reason: 'test', at, targets: [{ clientId: c, sid: 's' }] }))).toBe(1);
    expect(await deliveries.list({ accountId: a })).toMatchObject([{ clientId: c, sid: 's', status: 'pending' }]);

    await expect(repo.ending(async (tx) => {
      await tx.deliveries.queue({ accountId: a, reason: 'rolled back', at, targets: [{ clientId: c, sid: 's' }] });
      await tx.deleteSessions([rowOf(s)]);
      await tx.deleteAccountRows(a, []);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await exists('Session', s)).toBe(true);
    expect((await deliveries.list({ accountId: a })).map((d) => d.reason)).toEqual(['test']);
  });
});
