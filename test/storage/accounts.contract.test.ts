/**
 * Storage contract of the account repository (db/repos/accounts.ts), on SQLite and PostgreSQL:
 * lookups by id, canonical login and directory id; create and update; unique logins and
 * directory ids; text as written (Vietnamese, long values); removal.
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

describe('account repository: lists and search', () => {
  beforeAll(async () => {
    for (const [id, login, status, admin, search] of [
      ['s-1', 'tran.b', 'active', true, 'tran thi b'],
      ['s-2', 'le.c', 'disabled', false, 'le van c'],
      ['s-3', 'pham.d', 'locked', false, ''],
    ] as const) await repo.create(id, { login, displayName: login, source: 'local', status, admin, search });
  });

  test('search: every word in the search text, by status, by login, a page at a time', async () => {
    expect((await repo.search(['van'], undefined, { skip: 0, take: 10 })).rows.map((r) => r.login)).toEqual(['le.c']);
    expect((await repo.search(['tran', 'b'], 'active', { skip: 0, take: 10 })).total).toBe(1);
    expect((await repo.search(['tran'], 'disabled', { skip: 0, take: 10 })).total).toBe(0);
    const all = await repo.search([], undefined, { skip: 1, take: 2 });
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => r.login)).toEqual(['nguyen.van.an', 'pham.d']);
  });

  test('counts by status, lists by filter, logins by id', async () => {
    expect(await repo.countByStatus()).toEqual({ active: 1, disabled: 3 });
    expect((await repo.list({ admin: true })).map((r) => r.login)).toEqual(['tran.b']);
    expect((await repo.list({ source: 'local', status: 'disabled' })).map((r) => r.login)).toEqual(['le.c']);
    expect([...(await repo.loginsById(['s-2', 'missing', 'id-1'])).entries()].sort()).toEqual([['id-1', 'nguyen.van.an'], ['s-2', 'le.c']]);
    expect((await repo.loginsById([])).size).toBe(0);
  });

  test('search text still to fill: listed, filled once (another writer first wins)', async () => {
    expect((await repo.withoutSearch(10)).map((r) => r.id).sort()).toEqual(['id-1', 's-3']);
    await repo.fillSearch('s-3', 'pham d');
    await repo.fillSearch('s-3', 'overwritten?');
    expect((await repo.byId('s-3'))!.search).toBe('pham d');
    expect((await repo.withoutSearch(10)).map((r) => r.id)).toEqual(['id-1']);
  });

  test('remove: the row is gone (its login free again); a second time, or an unknown id, is false', async () => {
    await repo.create('gone-1', { login: 'tam.thoi', displayName: 'Tạm Thời', source: 'local' });
    expect(await repo.remove('gone-1')).toBe(true);
    expect(await repo.byId('gone-1')).toBeNull();
    expect(await repo.remove('gone-1')).toBe(false);
    expect(await repo.remove('nope')).toBe(false);
    expect((await repo.create('gone-2', { login: 'tam.thoi', displayName: 'Người khác', source: 'local' })).login).toBe('tam.thoi');
  });
});

describe('byEmail (the certificate login\'s mapping)', () => {
  test('every account with the address, as given or in lower case, up to the limit', async () => {
    await repo.create('mail-1', { login: 'mail.one', displayName: 'Một', source: 'local', email: 'chung@tinh.gov.vn' });
    await repo.create('mail-2', { login: 'mail.two', displayName: 'Hai', source: 'local', email: 'chung@tinh.gov.vn' });
    await repo.create('mail-3', { login: 'mail.three', displayName: 'Ba', source: 'local', email: 'rieng@tinh.gov.vn' });
    expect((await repo.byEmail('chung@tinh.gov.vn', 5)).map((a) => a.id)).toEqual(['mail-1', 'mail-2']);
    expect((await repo.byEmail('Chung@Tinh.gov.vn', 5)).map((a) => a.id)).toEqual(['mail-1', 'mail-2']);
    expect(await repo.byEmail('chung@tinh.gov.vn', 1)).toHaveLength(1);
    expect((await repo.byEmail('rieng@tinh.gov.vn', 2)).map((a) => a.id)).toEqual(['mail-3']);
    expect(await repo.byEmail('khong@tinh.gov.vn', 2)).toEqual([]);
  });
});
