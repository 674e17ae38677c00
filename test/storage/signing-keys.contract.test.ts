/**
 * Storage contract of the signing-key repository (db/repos/signing-keys.ts), on SQLite and
 * PostgreSQL: keys listed oldest first, a rotation stored whole, retirement by the clock, a
 * revocation (with its replacement) stored whole and never undone by retirement, and the
 * key-creation lease held by one holder at a time.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createSigningKeyRepository, type SigningKeyRepository } from '../../src/db/repos/signing-keys.js';

let db: TestDatabase;
let repo: SigningKeyRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = createSigningKeyRepository(db.db.prisma);
});
afterAll(async () => db?.drop());

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('signing-key repository', () => {
  test('insert and list, oldest first, as stored', async () => {
    await repo.insert({ kid: 'k1', alg: 'ES256', activatedAt: t(0), encryptedJwk: 'sealed-1' });
    await new Promise((r) => setTimeout(r, 5));
    await repo.insert({ kid: 'k2', alg: 'RS256', activatedAt: t(0), encryptedJwk: 'sealed-2' });
    const keys = await repo.list();
    expect(keys.map((k) => k.kid)).toEqual(['k1', 'k2']);
    expect(keys[0]).toMatchObject({ alg: 'ES256', status: 'active', activatedAt: t(0), retireAfter: null, retiredAt: null, encryptedJwk: 'sealed-1' });
  });

  test('a rotation stores the new keys and marks the old ones retiring, all or nothing', async () => {
    await repo.rotate([{ kid: 'k3', alg: 'ES256', activatedAt: t(60), encryptedJwk: 'sealed-3' }], ['k1'], t(3600));
    const keys = new Map((await repo.list()).map((k) => [k.kid, k]));
    expect(keys.get('k3')).toMatchObject({ status: 'active', activatedAt: t(60) });
    expect(keys.get('k1')).toMatchObject({ status: 'retiring', retireAfter: t(3600) });
    // a rotation naming a key that does not exist changes nothing
    await expect(repo.rotate([{ kid: 'k4', alg: 'ES256', activatedAt: t(60), encryptedJwk: 'sealed-4' }], ['missing'], t(3600))).rejects.toThrow();
    expect((await repo.list()).some((k) => k.kid === 'k4')).toBe(false);
  });

  test('retireExpired retires exactly the keys past their retireAfter', async () => {
    expect(await repo.retireExpired(t(3599))).toBe(0);
    expect(await repo.retireExpired(t(3600))).toBe(1);
    const k1 = (await repo.list()).find((k) => k.kid === 'k1')!;
    expect(k1).toMatchObject({ status: 'retired', retiredAt: t(3600) });
    expect(await repo.retireExpired(t(9999))).toBe(0);
  });

  test('revoke marks the key revoked at that time and stores the replacement with it; retirement leaves it revoked', async () => {
    await repo.insert({ kid: 'k5', alg: 'EdDSA', activatedAt: t(0), encryptedJwk: 'sealed-5' });
    await repo.rotate([], ['k5'], t(5000));
    expect(await repo.revoke('k5', t(4000), { kid: 'k6', alg: 'EdDSA', activatedAt: t(4000), encryptedJwk: 'sealed-6' })).toBe(true);
    const keys = new Map((await repo.list()).map((k) => [k.kid, k]));
    expect(keys.get('k5')).toMatchObject({ status: 'revoked', retiredAt: t(4000), retireAfter: t(5000) });
    expect(keys.get('k6')).toMatchObject({ status: 'active', activatedAt: t(4000), encryptedJwk: 'sealed-6' });
    // past its retireAfter, a revoked key is not turned into a retired one
    expect(await repo.retireExpired(t(9999))).toBe(0);
    expect((await repo.list()).find((k) => k.kid === 'k5')).toMatchObject({ status: 'revoked', retiredAt: t(4000) });
    // an unknown kid: nothing stored, not even the replacement
    expect(await repo.revoke('missing', t(4000), { kid: 'k7', alg: 'EdDSA', activatedAt: t(4000), encryptedJwk: 'sealed-7' })).toBe(false);
    expect((await repo.list()).some((k) => k.kid === 'k7')).toBe(false);
  });

  test('the lease is one holder at a time; released, the next holder gets it', async () => {
    const first = await repo.lease('keys-test', 'a', { ttlMs: 30_000, waitMs: 1_000, busy: 'busy' });
    await expect(repo.lease('keys-test', 'b', { ttlMs: 30_000, waitMs: 300, busy: 'still busy' })).rejects.toThrow('still busy');
    await first.release();
    const second = await repo.lease('keys-test', 'b', { ttlMs: 30_000, waitMs: 1_000, busy: 'busy' });
    expect(second.holder).toBe('b');
    await second.release();
  });
});
