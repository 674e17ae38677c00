/**
 * Storage contract of the SAML repository (db/repos/saml.ts), on SQLite and PostgreSQL: service
 * providers (unique id and entity ID), a pending request taken once and only before it expires,
 * a request ID seen once (a replay refused, also when two take it at once), garbage collection,
 * and the SAML key's rotation stored whole.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createSamlRepository, type SamlRepository, type SamlSpFields } from '../../src/db/repos/saml.js';

let db: TestDatabase;
let repo: SamlRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = createSamlRepository(db.db.prisma);
});
afterAll(async () => db?.drop());

const sp = (entityId: string, clientId: string): SamlSpFields => ({
  entityId, name: 'Hồ sơ', clientId, metadataXml: '<md/>', acsUrls: '[]', signingCerts: '[]', encryptionCerts: '[]', encryptionMethod: null,
  nameIdFormat: 'persistent', attributes: '["mail"]', signResponse: false, wantSignedRequests: true, sloUrls: '[]', idpInitiated: false, metadataUrl: null, status: 'active',
});

describe('SAML repository', () => {
  test('service providers: created once per id and per entity ID, found, updated, removed', async () => {
    expect(await repo.create('hoso', sp('https://hoso/saml', 'saml-hoso'))).toBe(true);
    expect(await repo.create('hoso', sp('https://other/saml', 'saml-other'))).toBe(false);
    expect(await repo.create('hoso2', sp('https://hoso/saml', 'saml-hoso2'))).toBe(false);
    expect((await repo.byEntityId('https://hoso/saml'))?.id).toBe('hoso');
    await repo.update('hoso', { status: 'disabled' });
    expect((await repo.byId('hoso'))?.status).toBe('disabled');
    expect((await repo.list()).map((r) => r.id)).toEqual(['hoso']);
    expect(await repo.remove('hoso')).toBe(true);
    expect(await repo.remove('hoso')).toBe(false);
  });

  test('a pending request is taken once, and not after it expires', async () => {
    const now = new Date();
    await repo.putPending('p1', '{"a":1}', new Date(now.getTime() + 60_000));
    const [a, b] = await Promise.all([repo.takePending('p1', now), repo.takePending('p1', now)]);
    expect([a, b].filter(Boolean)).toEqual(['{"a":1}']);
    await repo.putPending('p2', '{}', new Date(now.getTime() - 1));
    expect(await repo.takePending('p2', now)).toBeNull();
  });

  test('a request ID is seen once per SP; the second sighting (even at the same moment) is a replay', async () => {
    const until = new Date(Date.now() + 60_000);
    const both = await Promise.all([repo.markSeen('https://hoso/saml', '_r1', until), repo.markSeen('https://hoso/saml', '_r1', until)]);
    expect(both.sort()).toEqual([false, true]);
    expect(await repo.markSeen('https://other/saml', '_r1', until)).toBe(true);
    await repo.markSeen('https://hoso/saml', '_old', new Date(Date.now() - 1));
    await repo.putPending('p3', '{}', new Date(Date.now() - 1));
    expect(await repo.collectGarbage(new Date())).toBe(2);
  });

  test('the SPs a session entered: recorded once per (sid, SP), found by sid and by NameID, forgotten', async () => {
    await repo.recordSession({ sid: 's1', spEntityId: 'https://hoso/saml', accountId: 'a1', nameId: 'n1' });
    await repo.recordSession({ sid: 's1', spEntityId: 'https://hoso/saml', accountId: 'a1', nameId: 'n1b' });
    await repo.recordSession({ sid: 's1', spEntityId: 'https://other/saml', accountId: 'a1', nameId: 'n2' });
    await repo.recordSession({ sid: 's2', spEntityId: 'https://hoso/saml', accountId: 'a1', nameId: 'n1b' });
    expect((await repo.sessionsOf('s1')).map((r) => [r.spEntityId, r.nameId]).sort()).toEqual([['https://hoso/saml', 'n1b'], ['https://other/saml', 'n2']]);
    expect((await repo.sessionsByNameId('https://hoso/saml', 'n1b')).map((r) => r.sid).sort()).toEqual(['s1', 's2']);
    expect(await repo.forgetSessions(['s1'])).toBe(2);
    expect(await repo.sessionsOf('s1')).toEqual([]);
    expect(await repo.forgetSessions([])).toBe(0);
  });

  test('the SAML key: inserted, and rotated with the old one retiring until the grace ends', async () => {
    await repo.insertKey({ id: 'k1', certificate: 'c1', encryptedKey: 's1', status: 'active', activatedAt: new Date() });
    const until = new Date(Date.now() + 86_400_000);
    await repo.rotateKey({ id: 'k2', certificate: 'c2', encryptedKey: 's2', status: 'active', activatedAt: new Date() }, until);
    const keys = await repo.keys();
    expect(keys.map((k) => [k.id, k.status])).toEqual([['k1', 'retiring'], ['k2', 'active']]);
    expect(keys[0]!.retireAfter?.getTime()).toBe(until.getTime());
  });
});
