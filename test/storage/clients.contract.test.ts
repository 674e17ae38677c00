/**
 * Storage contract of the client repository (db/repos/clients.ts), on SQLite and PostgreSQL:
 * create (a taken id is refused without an error), find, list oldest first, names of several,
 * update, revoking what was issued to a client, and removing a client with what was issued to it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createClientRepository, type ClientRepository } from '../../src/db/repos/clients.js';

let db: TestDatabase;
let repo: ClientRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = createClientRepository(db.db.prisma);
});
afterAll(async () => db?.drop());

const fields = { type: 'web', redirectUris: '["https://mot-cua.tinh.gov.vn/cb"]' };

describe('client repository', () => {
  test('create and find; a taken id gives null and leaves the first one as it was', async () => {
    const c = await repo.create('mot-cua', { ...fields, name: 'Một cửa điện tử', secretHash: 'h1', firstParty: true });
    expect(c).toMatchObject({ id: 'mot-cua', name: 'Một cửa điện tử', firstParty: true, status: 'active', postLogoutRedirectUris: '[]', backchannelLogoutUri: null, secretHash: 'h1' });
    expect(await repo.create('mot-cua', { ...fields, name: 'other' })).toBeNull();
    expect((await repo.byId('mot-cua'))?.name).toBe('Một cửa điện tử');
    expect(await repo.byId('missing')).toBeNull();
  });

  test('list oldest first; names of several, unknown ids left out', async () => {
    await new Promise((r) => setTimeout(r, 5));
    await repo.create('bao-cao', { ...fields, name: 'Báo cáo' });
    expect((await repo.list()).map((c) => c.id)).toEqual(['mot-cua', 'bao-cao']);
    const names = await repo.names(['bao-cao', 'missing', 'mot-cua', 'bao-cao', '']);
    expect([...names.entries()].sort()).toEqual([['bao-cao', { name: 'Báo cáo', firstParty: false }], ['mot-cua', { name: 'Một cửa điện tử', firstParty: true }]]);
    expect((await repo.names([])).size).toBe(0);
  });

  test('update changes what it is given; a missing client throws', async () => {
    const u = await repo.update('bao-cao', { status: 'disabled', backchannelLogoutUri: 'https://bao-cao.tinh.gov.vn/logout' });
    expect(u).toMatchObject({ name: 'Báo cáo', status: 'disabled', backchannelLogoutUri: 'https://bao-cao.tinh.gov.vn/logout' });
    await expect(repo.update('missing', { name: 'x' })).rejects.toThrow();
  });

  test('revokeIssued removes what was issued to the client, nothing of others', async () => {
    const p = db.db.prisma.oidcPayload;
    for (const [id, clientId] of [['a1', 'bao-cao'], ['a2', 'bao-cao'], ['a3', 'mot-cua']] as const) {
      await p.create({ data: { type: 'AccessToken', id, payload: '{}', clientId } });
    }
    expect(await repo.revokeIssued('bao-cao')).toBe(2);
    expect(await repo.revokeIssued('bao-cao')).toBe(0);
    expect((await p.findMany()).map((r) => r.id)).toEqual(['a3']);
  });

  test('remove takes the client and what was issued to it, nothing of others; an unknown id removes nothing', async () => {
    const p = db.db.prisma.oidcPayload;
    await repo.create('tam-thoi', { ...fields, name: 'Tạm thời' });
    for (const [id, clientId] of [['r1', 'tam-thoi'], ['r2', 'tam-thoi']] as const) await p.create({ data: { type: 'Grant', id, payload: '{}', clientId } });
    expect(await repo.remove('tam-thoi')).toBe(2);
    expect(await repo.byId('tam-thoi')).toBeNull();
    expect((await p.findMany()).map((r) => r.id)).toEqual(['a3']);
    // unknown: null, and its issued rows (left over from a client deleted by hand) stay, rolled back
    await p.create({ data: { type: 'Grant', id: 'orphan', payload: '{}', clientId: 'gone' } });
    expect(await repo.remove('gone')).toBeNull();
    expect((await p.findMany()).map((r) => r.id).sort()).toEqual(['a3', 'orphan']);
    expect((await repo.list()).map((c) => c.id)).toEqual(['mot-cua', 'bao-cao']);
  });
});
