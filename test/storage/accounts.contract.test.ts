/**
 * Storage contract of the account repository (db/repos/accounts.ts), on SQLite and PostgreSQL:
 * lookups by id, canonical login and directory id; create and update; unique logins and
 * directory ids; text as written (Vietnamese, long values).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createAccountRepository, type AccountRepository } from '../../src/db/repos/accounts.js';

let db: TestDatabase;
let repo: AccountRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = createAccountRepository(db.db.prisma);
});
afterAll(async () => db?.drop());

describe('account repository', () => {
  test('create, then find by id, login and directory id; unknown ones are null', async () => {
    const created = await repo.create('id-1', { login: 'nguyen.van.an', displayName: 'Nguyễn Văn An', source: 'directory', externalId: 'zimbra-1', email: 'an@tinh.gov.vn', status: 'active' });
    expect(created).toMatchObject({ id: 'id-1', login: 'nguyen.van.an', displayName: 'Nguyễn Văn An', status: 'active', admin: false, attributes: '{}', sessionsNotBefore: null });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect((await repo.byId('id-1'))?.login).toBe('nguyen.van.an');
    expect((await repo.byLogin('nguyen.van.an'))?.id).toBe('id-1');
    expect((await repo.byExternalId('zimbra-1'))?.id).toBe('id-1');
    expect(await repo.byId('nope')).toBeNull();
    expect(await repo.byLogin('NGUYEN.VAN.AN')).toBeNull(); // callers pass the canonical form
    expect(await repo.byExternalId('zimbra-2')).toBeNull();
  });

  test('update sets only what it is given and moves updatedAt', async () => {
    const before = (await repo.byId('id-1'))!;
    await new Promise((r) => setTimeout(r, 5));
    const at = new Date('2026-05-01T01:02:03.004Z');
    const after = await repo.update('id-1', { lastLoginAt: at, status: 'disabled', disabledAt: at, attributes: '{"groups":["Văn phòng"]}' });
    expect(after).toMatchObject({ login: 'nguyen.van.an', email: 'an@tinh.gov.vn', status: 'disabled', lastLoginAt: at, disabledAt: at, attributes: '{"groups":["Văn phòng"]}' });
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
  });

  test('a taken login or directory id is refused; an update of a missing account throws', async () => {
    await expect(repo.create('id-2', { login: 'nguyen.van.an', displayName: 'x', source: 'local' })).rejects.toThrow();
    await expect(repo.create('id-3', { login: 'other', displayName: 'x', source: 'directory', externalId: 'zimbra-1' })).rejects.toThrow();
    await expect(repo.update('missing', { status: 'active' })).rejects.toThrow();
    expect(await repo.byId('id-2')).toBeNull();
  });
});
