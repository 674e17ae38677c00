/**
 * The storage contract of db/repos/webauthn-credentials.ts on a fresh database (SQLite or
 * PostgreSQL, as TEST_DATABASE selects): authenticators listed per account, a credential id
 * registered once, rename and remove only one's own, the counter moved by compare-and-set, the
 * count of accounts, and challenges taken once and never after they expire.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createWebAuthnCredentialRepository, type NewAuthenticator, type WebAuthnCredentialRepository } from '../../src/db/repos/webauthn-credentials.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let repo: WebAuthnCredentialRepository;

beforeAll(async () => {
  t = await createTestDatabase();
  repo = createWebAuthnCredentialRepository(t.db.prisma);
});
afterAll(async () => t?.drop());

const T0 = new Date('2026-12-12T01:00:00Z');

function authenticator(id: string, accountId: string, o: Partial<NewAuthenticator> = {}): NewAuthenticator {
  return {
    id, accountId, credentialId: `cred-${id}`, publicKey: new Uint8Array([1, 2, 3, 255, 0, 7]), signCount: 0,
    transports: ['usb', 'nfc'], attachment: 'cross-platform', name: `Khóa ${id}`, createdAt: new Date(T0.getTime() + id.length * 1000), ...o,
  };
}

describe('authenticators', () => {
  test('stored and listed per account, oldest first, with every field as written', async () => {
    expect(await repo.insert(authenticator('a1', 'acc-1'))).toBe(true);
    expect(await repo.insert(authenticator('a22', 'acc-1', { attachment: 'platform', transports: ['internal'], signCount: 4_000_000_000 }))).toBe(true);
    expect(await repo.insert(authenticator('b1', 'acc-2', { transports: [] }))).toBe(true);
    const mine = await repo.listFor('acc-1');
    expect(mine.map((a) => a.id)).toEqual(['a1', 'a22']);
    expect(mine[0]).toMatchObject({ credentialId: 'cred-a1', transports: ['usb', 'nfc'], attachment: 'cross-platform', name: 'Khóa a1', signCount: 0, lastUsedAt: null });
    expect([...mine[0]!.publicKey]).toEqual([1, 2, 3, 255, 0, 7]);
    expect(mine[1]!.signCount).toBe(4_000_000_000);
    expect((await repo.byCredentialId('cred-b1'))?.transports).toEqual([]);
    expect(await repo.byCredentialId('nope')).toBeNull();
  });

  test('a credential id is registered once, to anyone', async () => {
    expect(await repo.insert(authenticator('a1-again', 'acc-2', { credentialId: 'cred-a1' }))).toBe(false);
  });

  test('rename and remove touch only the account\'s own', async () => {
    expect(await repo.rename('acc-2', 'a1', 'stolen')).toBe(false);
    expect(await repo.rename('acc-1', 'a1', 'Khóa USB phòng họp')).toBe(true);
    expect((await repo.byCredentialId('cred-a1'))?.name).toBe('Khóa USB phòng họp');
    expect(await repo.remove('acc-2', 'a1')).toBeNull();
    expect((await repo.remove('acc-1', 'a1'))?.name).toBe('Khóa USB phòng họp');
    expect(await repo.remove('acc-1', 'a1')).toBeNull();
    expect((await repo.listFor('acc-1')).map((a) => a.id)).toEqual(['a22']);
  });

  test('a use moves the counter only from the value read', async () => {
    const at = new Date(T0.getTime() + 60_000);
    expect(await repo.recordUse('b1', 0, 5, at)).toBe(true);
    expect(await repo.recordUse('b1', 0, 6, at)).toBe(false);
    const b1 = await repo.byCredentialId('cred-b1');
    expect(b1?.signCount).toBe(5);
    expect(b1?.lastUsedAt?.getTime()).toBe(at.getTime());
  });

  test('accounts counted once however many authenticators; removeAll empties one account', async () => {
    await repo.insert(authenticator('b2', 'acc-2'));
    expect(await repo.countAccounts()).toBe(2);
    expect(await repo.removeAll('acc-2')).toBe(2);
    expect(await repo.listFor('acc-2')).toEqual([]);
    expect(await repo.countAccounts()).toBe(1);
  });
});

describe('challenges', () => {
  test('taken once, never after expiry; expired ones are cleared by the next put', async () => {
    const now = T0;
    const later = new Date(T0.getTime() + 300_000);
    await repo.putChallenge({ id: 'c1', challenge: 'abc', purpose: 'register', accountId: 'acc-1', expiresAt: later }, now);
    await repo.putChallenge({ id: 'c2', challenge: 'def', purpose: 'passwordless', accountId: null, expiresAt: later }, now);
    expect(await repo.takeChallenge('c1', now)).toMatchObject({ challenge: 'abc', purpose: 'register', accountId: 'acc-1' });
    expect(await repo.takeChallenge('c1', now)).toBeNull();
    expect(await repo.takeChallenge('c2', later)).toBeNull();
    await repo.putChallenge({ id: 'c3', challenge: 'ghi', purpose: 'authenticate', accountId: 'acc-1', expiresAt: later }, now);
    await repo.putChallenge({ id: 'c4', challenge: 'jkl', purpose: 'authenticate', accountId: 'acc-1', expiresAt: new Date(later.getTime() + 300_000) }, later);
    expect(await repo.takeChallenge('c3', now)).toBeNull();
    expect((await repo.takeChallenge('c4', later))?.challenge).toBe('jkl');
  });
});
