/**
 * Storage contract of the OidcPayload repository (db/repos/oidc-payloads.ts), on SQLite and
 * PostgreSQL: upsert (last row wins, indexed columns rewritten), lookups by id, uid and user code,
 * a session with its account's sessionsNotBefore, consume once, destroy, revoke by grant, expiry;
 * bearer values (tokens, codes, cookies) stored only as their SHA-256, everything looked up by the
 * value itself.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createOidcPayloadRepository, type OidcPayloadRepository, type PayloadRow } from '../../src/db/repos/oidc-payloads.js';
import { BEARER_MODELS, PLAIN_ID_MODELS, digestOf } from '../../src/domain/bearer-values.js';

let db: TestDatabase;
let repo: OidcPayloadRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = createOidcPayloadRepository(db.db.prisma);
});
afterAll(async () => db?.drop());

const row = (type: string, id: string, more: Partial<PayloadRow> = {}): PayloadRow => ({
  type, id, payload: JSON.stringify({ kind: type, note: `${type} ${id.length}` }), grantId: null, userCode: null, uid: null, accountId: null, clientId: null, expiresAt: null, ...more,
});
const soon = () => new Date(Date.now() + 60_000);

describe('OidcPayload repository', () => {
  test('upsert writes many rows in one call; the last row of an id wins, with its indexed columns', async () => {
    await repo.upsert([row('AccessToken', 'at-1', { grantId: 'g-1', clientId: 'app' }), row('AccessToken', 'at-2', { grantId: 'g-1' }), row('AccessToken', 'at-1', { grantId: 'g-2', payload: '{"v":2}' })]);
    expect(await repo.find('AccessToken', 'at-1')).toEqual({ payload: '{"v":2}', expiresAt: null, consumedAt: null });
    expect((await db.db.prisma.oidcPayload.findUnique({ where: { type_id: { type: 'AccessToken', id: digestOf('at-1') } } }))?.grantId).toBe('g-2');
    expect(await repo.find('RefreshToken', 'at-1')).toBeNull(); // keyed by (type, id)
    expect(await repo.find('AccessToken', 'missing')).toBeNull();
  });

  test('lookups by uid and by user code, within the type', async () => {
    await repo.upsert([row('Interaction', 'i-1', { uid: 'u-1', payload: '{"n":"i"}' }), row('DeviceCode', 'd-1', { userCode: 'ABCD-EFGH', payload: '{"n":"d"}' })]);
    expect((await repo.findByUid('Interaction', 'u-1'))?.payload).toBe('{"n":"i"}');
    expect(await repo.findByUid('Session', 'u-1')).toBeNull();
    expect((await repo.findByUserCode('DeviceCode', 'ABCD-EFGH'))?.payload).toBe('{"n":"d"}');
    expect(await repo.findByUserCode('DeviceCode', 'abcd-efgh')).toBeNull();
  });

  test('a session by id or uid carries its account sessionsNotBefore', async () => {
    const mark = new Date('2026-12-02T10:00:00.000Z');
    await db.db.prisma.account.create({ data: { id: 'acc-1', login: 'an', displayName: 'An', source: 'local', sessionsNotBefore: mark } });
    await repo.upsert([row('Session', 's-1', { uid: 'su-1', accountId: 'acc-1', expiresAt: soon() }), row('Session', 's-2', { uid: 'su-2' })]);
    expect(await repo.findSession({ id: 's-1' })).toMatchObject({ notBefore: mark });
    expect(await repo.findSession({ uid: 'su-1' })).toMatchObject({ notBefore: mark });
    expect(await repo.findSession({ uid: 'su-2' })).toMatchObject({ notBefore: null });
    expect(await repo.findSession({ id: 'nope' })).toBeNull();
  });

  test('consume keeps the first time; destroy and revokeByGrantId remove exactly their rows', async () => {
    await repo.upsert([row('AuthorizationCode', 'c-1', { grantId: 'g-9' }), row('RefreshToken', 'r-1', { grantId: 'g-9' }), row('Grant', 'g-9', { grantId: 'g-9' })]);
    const first = new Date('2026-01-01T00:00:00.000Z');
    await repo.consume('AuthorizationCode', 'c-1', first);
    await repo.consume('AuthorizationCode', 'c-1', new Date('2026-01-02T00:00:00.000Z'));
    expect((await repo.find('AuthorizationCode', 'c-1'))?.consumedAt).toEqual(first);
    await repo.revokeByGrantId('g-9', ['AuthorizationCode', 'RefreshToken']);
    expect(await repo.find('AuthorizationCode', 'c-1')).toBeNull();
    expect(await repo.find('RefreshToken', 'r-1')).toBeNull();
    expect(await repo.find('Grant', 'g-9')).not.toBeNull(); // the grant itself is not a token of the grant
    await repo.destroy('Grant', 'g-9');
    await repo.destroy('Grant', 'g-9');
    expect(await repo.find('Grant', 'g-9')).toBeNull();
  });

  test('collectGarbage removes the rows expired at `now`, and only those', async () => {
    const now = new Date();
    await repo.upsert([row('AccessToken', 'old', { expiresAt: new Date(now.getTime() - 1000) }), row('AccessToken', 'edge', { expiresAt: now }), row('AccessToken', 'live', { expiresAt: soon() })]);
    expect(await repo.collectGarbage(now)).toBe(2);
    expect(await repo.find('AccessToken', 'live')).not.toBeNull();
    expect(await repo.collectGarbage(now)).toBe(0);
  });

  test('a bearer value is stored only as its SHA-256; found, consumed and destroyed by the value, never by the digest', async () => {
    const now = new Date('2026-03-01T00:00:00.000Z');
    for (const type of BEARER_MODELS) {
      const value = `${type}-value-${'x'.repeat(32)}`;
      await repo.upsert([row(type, value, { uid: `${type}-uid`, payload: '{"kind":"k"}' })]);
      const stored = await db.db.prisma.oidcPayload.findMany({ where: { type } });
      expect(stored.filter((r) => r.id === digestOf(value))).toHaveLength(1);
      expect(stored.filter((r) => r.id.includes(value) || r.payload.includes(value))).toEqual([]);
      expect(await repo.find(type, value)).toMatchObject({ payload: '{"kind":"k"}' });
      expect(await repo.find(type, digestOf(value))).toBeNull();
      await repo.consume(type, digestOf(value), now);
      await repo.destroy(type, digestOf(value));
      expect(await repo.find(type, value)).toMatchObject({ consumedAt: null });
      await repo.consume(type, value, now);
      expect(await repo.find(type, value)).toMatchObject({ consumedAt: now });
      await repo.destroy(type, value);
      expect(await repo.find(type, value)).toBeNull();
    }
    await repo.upsert([row('Session', 'cookie-value-1', { uid: 'cookie-uid-1' })]);
    expect(await repo.findSession({ id: 'cookie-value-1' })).not.toBeNull();
    expect(await repo.findSession({ id: digestOf('cookie-value-1') })).toBeNull();
    expect(await repo.findSession({ uid: 'cookie-uid-1' })).not.toBeNull();
  });

  test('ids that are not bearer values (grants, replay detection, pushed requests) are stored as they are', async () => {
    for (const type of PLAIN_ID_MODELS) {
      await repo.upsert([row(type, `${type}-id`)]);
      expect((await db.db.prisma.oidcPayload.findMany({ where: { type } })).map((r) => r.id)).toContain(`${type}-id`);
      expect(await repo.find(type, `${type}-id`)).not.toBeNull();
    }
  });
});
