/**
 * Storage contract of the OidcPayload repository (db/repos/oidc-payloads.ts), on SQLite and
 * PostgreSQL: upsert (last row wins, indexed columns rewritten), lookups by id, uid and user code,
 * a session with its account's sessionsNotBefore, consume once, destroy, revoke by grant, expiry.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createOidcPayloadRepository, type OidcPayloadRepository, type PayloadRow } from '../../src/db/repos/oidc-payloads.js';

let db: TestDatabase;
let repo: OidcPayloadRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = createOidcPayloadRepository(db.db.prisma);
});
afterAll(async () => db?.drop());

const row = (type: string, id: string, more: Partial<PayloadRow> = {}): PayloadRow => ({
  type, id, payload: JSON.stringify({ kind: type, jti: id }), grantId: null, userCode: null, uid: null, accountId: null, clientId: null, expiresAt: null, ...more,
});
const soon = () => new Date(Date.now() + 60_000);

describe('OidcPayload repository', () => {
  test('upsert writes many rows in one call; the last row of an id wins, with its indexed columns', async () => {
    await repo.upsert([row('AccessToken', 'at-1', { grantId: 'g-1', clientId: 'app' }), row('AccessToken', 'at-2', { grantId: 'g-1' }), row('AccessToken', 'at-1', { grantId: 'g-2', payload: '{"v":2}' })]);
    expect(await repo.find('AccessToken', 'at-1')).toEqual({ payload: '{"v":2}', expiresAt: null, consumedAt: null });
    expect((await db.db.prisma.oidcPayload.findUnique({ where: { type_id: { type: 'AccessToken', id: 'at-1' } } }))?.grantId).toBe('g-2');
    expect(await repo.find('RefreshToken', 'at-1')).toBeNull(); // keyed by (type, id)
    expect(await repo.find('AccessToken', 'missing')).toBeNull();
  });

  test('lookups by uid and by user code, within the type', async () => {
    await repo.upsert([row('Interaction', 'i-1', { uid: 'u-1' }), row('DeviceCode', 'd-1', { userCode: 'ABCD-EFGH' })]);
    expect((await repo.findByUid('Interaction', 'u-1'))?.payload).toContain('i-1');
    expect(await repo.findByUid('Session', 'u-1')).toBeNull();
    expect((await repo.findByUserCode('DeviceCode', 'ABCD-EFGH'))?.payload).toContain('d-1');
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
});
