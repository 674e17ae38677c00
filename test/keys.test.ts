/**
 * Signing keys: the at-rest envelope, the pure key schedule, and the key store on the real
 * database TEST_DATABASE selects.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { open, seal } from '../src/keys/envelope.js';
import { isPublished, isSigning, keySchedule, keySetVersion, keyState, type KeyRecord } from '../src/domain/keys.js';
import { createKeyStore, generateJwk, type PrivateJwk } from '../src/keys/store.js';
import { createSigningKeyRepository } from '../src/db/repos/signing-keys.js';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/db.js';

const SECRET = 'k'.repeat(16) + 'test-key-encryption-secret';
const OTHER_SECRET = 'o'.repeat(16) + 'another-encryption-secret!';

describe('envelope (AES-256-GCM, kid as associated data)', () => {
  it('seal/open round trip', () => {
    const plaintext = JSON.stringify({ kty: 'EC', d: 'private-part', note: 'Chữ ký số – tỉnh' });
    const sealed = seal(plaintext, SECRET, 'kid-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('private-part');
    expect(open(sealed, SECRET, 'kid-1')).toBe(plaintext);
  });

  it('round trips an empty plaintext', () => {
    expect(open(seal('', SECRET, 'kid-empty'), SECRET, 'kid-empty')).toBe('');
  });

  it('uses a fresh IV each time: sealing the same plaintext twice gives different ciphertexts that both open', () => {
    const a = seal('same', SECRET, 'kid-1');
    const b = seal('same', SECRET, 'kid-1');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(open(a, SECRET, 'kid-1')).toBe('same');
    expect(open(b, SECRET, 'kid-1')).toBe('same');
  });

  it('a wrong secret fails with a message naming the key and KEY_ENCRYPTION_SECRET', () => {
    const sealed = seal('secret jwk', SECRET, 'kid-wrong-secret');
    expect(() => open(sealed, OTHER_SECRET, 'kid-wrong-secret')).toThrow(
      'cannot decrypt signing key kid-wrong-secret: KEY_ENCRYPTION_SECRET differs from the one the key was stored with',
    );
  });

  it('binds the kid: a ciphertext sealed under one kid does not open under another', () => {
    const sealed = seal('secret jwk', SECRET, 'kid-a');
    expect(() => open(sealed, SECRET, 'kid-b')).toThrow(/cannot decrypt signing key kid-b/);
    expect(open(sealed, SECRET, 'kid-a')).toBe('secret jwk');
  });

  it('detects tampering with the ciphertext or the tag', () => {
    const sealed = seal('secret jwk', SECRET, 'kid-t');
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64url');
      b[0] = b[0]! ^ 1;
      return b.toString('base64url');
    };
    expect(() => open([v, iv, tag, flip(ct)].join('.'), SECRET, 'kid-t')).toThrow(/cannot decrypt/);
    expect(() => open([v, iv, flip(tag), ct].join('.'), SECRET, 'kid-t')).toThrow(/cannot decrypt/);
  });

  it('refuses an unknown format', () => {
    expect(() => open('not-an-envelope', SECRET, 'kid')).toThrow('unknown key envelope format');
    expect(() => open('v2.a.b.c', SECRET, 'kid')).toThrow('unknown key envelope format');
  });
});

describe('keySchedule (pure)', () => {
  const T = (minutes: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, 0) + minutes * 60_000);
  const key = (kid: string, over: Partial<KeyRecord> = {}): KeyRecord => ({
    kid,
    alg: 'ES256',
    status: 'active',
    activatedAt: T(0),
    retireAfter: null,
    createdAt: T(0),
    ...over,
  });
  const kids = (ks: KeyRecord[]) => ks.map((k) => k.kid);

  it('first start: no keys, nothing published, nothing signs', () => {
    const set = keySchedule([], T(0), ['ES256', 'RS256']);
    expect(set.published).toEqual([]);
    expect(set.signing.size).toBe(0);
  });

  it('one active key signs and is published', () => {
    const k = key('a');
    const set = keySchedule([k], T(1), ['ES256']);
    expect(set.signing.get('ES256')).toBe(k);
    expect(kids(set.published)).toEqual(['a']);
    expect(isSigning(k, T(1))).toBe(true);
  });

  describe('rotation with a future activation', () => {
    // "old" signed from T0; at T10 a new key was stored to activate at T12, old retires after T12 + 60min
    const old = key('old', { status: 'retiring', activatedAt: T(0), createdAt: T(0), retireAfter: T(72) });
    const next = key('new', { activatedAt: T(12), createdAt: T(10) });
    const keys = [old, next];

    it('before activation: old keeps signing, both are published, the signer first', () => {
      const set = keySchedule(keys, T(11), ['ES256']);
      expect(set.signing.get('ES256')?.kid).toBe('old');
      expect(kids(set.published)).toEqual(['old', 'new']);
      expect(isSigning(next, T(11))).toBe(false);
      expect(isPublished(next, T(11))).toBe(true);
    });

    it('at and after activation: the new key signs, the old is still published (after it)', () => {
      for (const at of [T(12), T(30), T(71)]) {
        const set = keySchedule(keys, at, ['ES256']);
        expect(set.signing.get('ES256')?.kid).toBe('new');
        expect(kids(set.published)).toEqual(['new', 'old']);
      }
    });

    it('after retireAfter the old key disappears', () => {
      for (const at of [T(72), T(500)]) {
        const set = keySchedule(keys, at, ['ES256']);
        expect(set.signing.get('ES256')?.kid).toBe('new');
        expect(kids(set.published)).toEqual(['new']);
        expect(isPublished(old, at)).toBe(false);
      }
    });

    it('the version fingerprint changes at each step and marks the signer', () => {
      const v1 = keySetVersion(keySchedule(keys, T(11), ['ES256']));
      const v2 = keySetVersion(keySchedule(keys, T(12), ['ES256']));
      const v3 = keySetVersion(keySchedule(keys, T(72), ['ES256']));
      expect(v1).toBe('old*,new');
      expect(v2).toBe('new*,old');
      expect(v3).toBe('new*');
      expect(keySetVersion(keySchedule(keys, T(11.5), ['ES256']))).toBe(v1);
    });
  });

  it('a retired key is never published nor signing, whatever its dates say', () => {
    const retired = key('gone', { status: 'retired', retireAfter: null, activatedAt: T(0) });
    const retiredFuture = key('gone2', { status: 'retired', retireAfter: T(1000) });
    const set = keySchedule([retired, retiredFuture], T(5), ['ES256']);
    expect(set.published).toEqual([]);
    expect(set.signing.size).toBe(0);
    expect(isPublished(retired, T(5))).toBe(false);
    expect(isSigning(retired, T(5))).toBe(false);
  });

  it('a revoked key is never published nor signing, even an active one inside its dates', () => {
    const revoked = key('stolen', { status: 'revoked', activatedAt: T(0), retireAfter: T(1000) });
    const other = key('other', { activatedAt: T(-10), createdAt: T(-10) });
    const set = keySchedule([revoked, other], T(5), ['ES256']);
    expect(kids(set.published)).toEqual(['other']);
    expect(set.signing.get('ES256')).toBe(other);
    expect(isPublished(revoked, T(5))).toBe(false);
  });

  describe('keyState: what sso keys list says', () => {
    const old = key('old', { status: 'retiring', activatedAt: T(0), createdAt: T(0), retireAfter: T(72) });
    const next = key('new', { activatedAt: T(12), createdAt: T(10) });
    const state = (k: KeyRecord, keys: KeyRecord[], at: number) => keyState(k, keys, T(at), ['ES256']);

    it('before the activation: the old key signs until the new one takes over; the new one is next', () => {
      expect(state(old, [old, next], 11)).toEqual({ state: 'signing', signsUntil: T(12), publishedUntil: T(72), signsFrom: null, since: null });
      expect(state(next, [old, next], 11)).toEqual({ state: 'next', signsFrom: T(12), publishedUntil: null, signsUntil: null, since: null });
    });

    it('after it: the new key signs until the next rotation; the old one is published only, until its retireAfter', () => {
      expect(state(next, [old, next], 13)).toMatchObject({ state: 'signing', signsUntil: null, publishedUntil: null });
      expect(state(old, [old, next], 13)).toMatchObject({ state: 'published', publishedUntil: T(72) });
    });

    it('retired (by status or past retireAfter) and revoked, with since when', () => {
      expect(state(old, [old, next], 73)).toMatchObject({ state: 'retired', since: T(72) });
      const retired = { ...key('r', { status: 'retired', retireAfter: T(5) }), retiredAt: T(6) };
      expect(keyState(retired, [retired], T(7), ['ES256'])).toMatchObject({ state: 'retired', since: T(6) });
      const revoked = { ...key('x', { status: 'revoked', retireAfter: T(1000) }), retiredAt: T(3) };
      expect(keyState(revoked, [revoked], T(4), ['ES256'])).toEqual({ state: 'revoked', since: T(3), signsFrom: null, signsUntil: null, publishedUntil: null });
    });

    it('an activated key that does not sign (a newer one of its algorithm does) is published only', () => {
      const older = key('older', { activatedAt: T(0), createdAt: T(0) });
      const newer = key('newer', { activatedAt: T(1), createdAt: T(1) });
      expect(state(older, [older, newer], 5)).toMatchObject({ state: 'published', publishedUntil: null });
      expect(state(newer, [older, newer], 5)).toMatchObject({ state: 'signing' });
    });
  });

  it('a key without an activation time is published but never signs', () => {
    const pending = key('pending', { activatedAt: null });
    const set = keySchedule([pending], T(5), ['ES256']);
    expect(kids(set.published)).toEqual(['pending']);
    expect(set.signing.has('ES256')).toBe(false);
  });

  it('among activated keys the latest activation signs; equal activations fall back to the newest created', () => {
    const a = key('a', { activatedAt: T(0), createdAt: T(0) });
    const b = key('b', { activatedAt: T(5), createdAt: T(1) });
    const c = key('c', { activatedAt: T(5), createdAt: T(2) });
    expect(keySchedule([a, b, c], T(6), ['ES256']).signing.get('ES256')?.kid).toBe('c');
    expect(keySchedule([c, b, a], T(6), ['ES256']).signing.get('ES256')?.kid).toBe('c');
    expect(keySchedule([a, b, c], T(4), ['ES256']).signing.get('ES256')?.kid).toBe('a');
  });

  it('multiple algorithms: one signer per configured algorithm, signers first in the published list', () => {
    const es = key('z-es', { alg: 'ES256' });
    const esOld = key('y-es-old', { alg: 'ES256', status: 'retiring', activatedAt: T(-10), createdAt: T(-10), retireAfter: T(60) });
    const rs = key('x-rs', { alg: 'RS256' });
    const ed = key('w-ed', { alg: 'EdDSA', activatedAt: T(100) });
    const set = keySchedule([es, esOld, rs, ed], T(1), ['ES256', 'RS256', 'EdDSA']);
    expect(set.signing.get('ES256')?.kid).toBe('z-es');
    expect(set.signing.get('RS256')?.kid).toBe('x-rs');
    expect(set.signing.has('EdDSA')).toBe(false);
    const published = kids(set.published);
    expect(published).toHaveLength(4);
    expect(new Set(published.slice(0, 2))).toEqual(new Set(['z-es', 'x-rs']));
    expect(new Set(published.slice(2))).toEqual(new Set(['y-es-old', 'w-ed']));
    // oidc-provider signs with the first key of an alg: that must be the signer
    for (const alg of ['ES256', 'RS256']) expect(set.published.find((k) => k.alg === alg)).toBe(set.signing.get(alg));
  });

  it('an algorithm that is not configured gets no signer', () => {
    const rs = key('rs', { alg: 'RS256' });
    const set = keySchedule([rs], T(1), ['ES256']);
    expect(set.signing.size).toBe(0);
  });
});

describe(`key store on ${testBackend()}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Signs with a private JWK and verifies with its public part: proves the JWK is a usable key pair. */
  function signsAndVerifies(jwk: PrivateJwk): boolean {
    const priv = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const pub = createPublicKey(priv);
    const data = Buffer.from('header.payload');
    const alg = jwk.alg === 'EdDSA' ? null : 'sha256';
    const opts = jwk.alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
    const sig = sign(alg, data, { key: priv, ...opts });
    return verify(alg, data, { key: pub, ...opts }, sig);
  }

  it('generateJwk makes private JWKs for every supported algorithm and refuses others', () => {
    for (const alg of ['ES256', 'RS256', 'EdDSA']) {
      const jwk = generateJwk(alg);
      expect(jwk).toMatchObject({ alg, use: 'sig', kid: expect.any(String), d: expect.any(String) });
      expect(signsAndVerifies(jwk)).toBe(true);
    }
    expect(() => generateJwk('HS256')).toThrow(/unsupported signing algorithm HS256/);
  });

  it('instances starting together on a fresh database make one key per algorithm between them, and see the same set', async () => {
    const fresh = await createTestDatabase();
    try {
      const stores = [1, 2, 3].map(() => createKeyStore(createSigningKeyRepository(fresh.db.prisma), { secret: SECRET, algs: ['ES256', 'RS256'] }));
      const created = await Promise.all(stores.map((s) => s.ensure()));
      expect(created.flat()).toHaveLength(2);
      const rows = await stores[0]!.list();
      expect(rows.map((r) => r.alg).sort()).toEqual(['ES256', 'RS256']);
      const sets = await Promise.all(stores.map(async (s) => (await s.current()).jwks.map((k) => k.kid).sort()));
      expect(sets[1]).toEqual(sets[0]);
      expect(sets[2]).toEqual(sets[0]);
      // the lease is free again
      expect(await fresh.db.prisma.lease.count()).toBe(0);
    } finally {
      await fresh.drop();
    }
  });

  it('ensure → current → rotate → retireExpired, end to end', async () => {
    const prisma = t.db.prisma;
    const store = createKeyStore(createSigningKeyRepository(prisma), { secret: SECRET, algs: ['ES256', 'RS256'] });
    const t0 = new Date(Date.now() - 60 * 60_000);

    // first start: one key per configured algorithm
    const created = await store.ensure(t0);
    expect(created).toHaveLength(2);
    const rows = await store.list();
    expect(rows.map((r) => r.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(rows.every((r) => r.status === 'active' && r.activatedAt?.getTime() === t0.getTime())).toBe(true);
    expect(new Set(rows.map((r) => r.kid))).toEqual(new Set(created));
    // private parts are sealed at rest
    for (const r of rows) {
      expect(r.encryptedJwk).toMatch(/^v1\./);
      expect(r.encryptedJwk).not.toContain('"d"');
    }

    // second start: nothing new
    expect(await store.ensure(new Date(t0.getTime() + 1000))).toEqual([]);
    expect(await prisma.signingKey.count()).toBe(2);

    // current(): decrypted private JWKs, signers first, usable
    const c1 = await store.current(new Date(t0.getTime() + 2000));
    expect(c1.jwks).toHaveLength(2);
    expect(c1.jwks.map((j) => j.kid)).toEqual(c1.set.published.map((k) => k.kid));
    expect(new Set(c1.jwks.map((j) => j.alg))).toEqual(new Set(['ES256', 'RS256']));
    for (const jwk of c1.jwks) {
      expect(jwk.use).toBe('sig');
      expect(typeof jwk.d).toBe('string');
      expect(signsAndVerifies(jwk)).toBe(true);
    }
    const oldEs = c1.set.signing.get('ES256')!.kid;
    const oldRs = c1.set.signing.get('RS256')!.kid;

    // another instance with the wrong secret cannot read them, and says why
    const wrong = createKeyStore(createSigningKeyRepository(prisma), { secret: OTHER_SECRET, algs: ['ES256', 'RS256'] });
    await expect(wrong.current()).rejects.toThrow(/KEY_ENCRYPTION_SECRET differs/);

    // rotate, activating now, with a grace period
    const rotateAt = new Date(t0.getTime() + 10 * 60_000);
    const graceSeconds = 600;
    const r = await store.rotate({ now: rotateAt, activateAt: rotateAt, graceSeconds });
    expect(r.created.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(new Set(r.retiring)).toEqual(new Set([oldEs, oldRs]));
    expect(r.retireAfter.getTime()).toBe(rotateAt.getTime() + graceSeconds * 1000);
    const newEs = r.created.find((k) => k.alg === 'ES256')!.kid;
    const newRs = r.created.find((k) => k.alg === 'RS256')!.kid;

    const c2 = await store.current(new Date(rotateAt.getTime() + 1000));
    expect(c2.set.signing.get('ES256')?.kid).toBe(newEs);
    expect(c2.set.signing.get('RS256')?.kid).toBe(newRs);
    const published = c2.jwks.map((j) => j.kid);
    expect(published).toHaveLength(4);
    expect(new Set(published.slice(0, 2))).toEqual(new Set([newEs, newRs]));
    expect(new Set(published.slice(2))).toEqual(new Set([oldEs, oldRs]));
    for (const jwk of c2.jwks) expect(signsAndVerifies(jwk)).toBe(true);
    expect((await prisma.signingKey.findUnique({ where: { kid: oldEs } }))?.status).toBe('retiring');

    // nothing to retire within the grace period
    expect(await store.retireExpired(new Date(rotateAt.getTime() + (graceSeconds - 1) * 1000))).toBe(0);
    expect((await store.current(new Date(rotateAt.getTime() + (graceSeconds - 1) * 1000))).jwks).toHaveLength(4);

    // after the grace: the old keys are no longer published, and retireExpired marks them
    const after = new Date(rotateAt.getTime() + graceSeconds * 1000 + 1000);
    expect((await store.current(after)).jwks.map((j) => j.kid).sort()).toEqual([newEs, newRs].sort());
    expect(await store.retireExpired(after)).toBe(2);
    for (const kid of [oldEs, oldRs]) {
      const row = await prisma.signingKey.findUnique({ where: { kid } });
      expect(row?.status).toBe('retired');
      expect(row?.retiredAt?.getTime()).toBe(after.getTime());
    }
    expect(await store.retireExpired(new Date(after.getTime() + 1000))).toBe(0);
    const c3 = await store.current(after);
    expect(c3.jwks.map((j) => j.kid).sort()).toEqual([newEs, newRs].sort());
    // retired keys are kept for the record
    expect(await prisma.signingKey.count()).toBe(4);
    // and ensure() has nothing to add
    expect(await store.ensure(after)).toEqual([]);
  });

  it('rotate with a future activation: the old key keeps signing until then, both are published', async () => {
    const prisma = t.db.prisma;
    await prisma.signingKey.deleteMany({});
    const store = createKeyStore(createSigningKeyRepository(prisma), { secret: SECRET, algs: ['ES256'] });
    const t0 = new Date(Date.now() - 60 * 60_000);
    const [oldKid] = await store.ensure(t0);
    const now = new Date(t0.getTime() + 60_000);
    const activateAt = new Date(now.getTime() + 120_000);
    const { created } = await store.rotate({ now, activateAt, graceSeconds: 3600 });
    const newKid = created[0]!.kid;

    const before = await store.current(new Date(activateAt.getTime() - 1000));
    expect(before.set.signing.get('ES256')?.kid).toBe(oldKid);
    expect(before.jwks.map((j) => j.kid)).toEqual([oldKid, newKid]);
    // a new instance starting now must not add a key: the old one still signs
    expect(await store.ensure(new Date(activateAt.getTime() - 1000))).toEqual([]);

    const afterActivation = await store.current(activateAt);
    expect(afterActivation.set.signing.get('ES256')?.kid).toBe(newKid);
    expect(afterActivation.jwks.map((j) => j.kid)).toEqual([newKid, oldKid]);
  });

  it('rotate can target a subset of algorithms', async () => {
    const prisma = t.db.prisma;
    await prisma.signingKey.deleteMany({});
    const store = createKeyStore(createSigningKeyRepository(prisma), { secret: SECRET, algs: ['ES256', 'RS256'] });
    const t0 = new Date(Date.now() - 60 * 60_000);
    await store.ensure(t0);
    const rsBefore = (await store.current(t0)).set.signing.get('RS256')!.kid;
    const at = new Date(t0.getTime() + 1000);
    const r = await store.rotate({ now: at, activateAt: at, graceSeconds: 60, algs: ['ES256'] });
    expect(r.created.map((k) => k.alg)).toEqual(['ES256']);
    expect(r.retiring).toHaveLength(1);
    const c = await store.current(new Date(at.getTime() + 1000));
    expect(c.set.signing.get('RS256')?.kid).toBe(rsBefore);
    expect(c.set.signing.get('ES256')?.kid).toBe(r.created[0]!.kid);
  });

  it('revoke: a replacement only when its algorithm would have no key signing now', async () => {
    const prisma = t.db.prisma;
    await prisma.signingKey.deleteMany({});
    const store = createKeyStore(createSigningKeyRepository(prisma), { secret: SECRET, algs: ['ES256', 'RS256'] });
    const t0 = new Date(Date.now() - 60 * 60_000);
    await store.ensure(t0);
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    // a rotation scheduled for later: the old ES256 key signs, the new one is next
    const rot = await store.rotate({ now: at(1), activateAt: new Date(Date.now() + 3_600_000), graceSeconds: 7200, algs: ['ES256'] });
    const next = rot.created[0]!.kid;
    const signer = rot.retiring[0]!;

    // the next key revoked: the signer still signs, nothing made
    expect(await store.revoke(next, { now: at(2) })).toMatchObject({ kid: next, replacement: null, already: false });
    // the signer revoked: no other ES256 key signs now, so a replacement signs at once
    const r = await store.revoke(signer, { now: at(3) });
    expect(r.replacement).toMatchObject({ alg: 'ES256' });
    const c = await store.current(at(4));
    expect(c.set.signing.get('ES256')?.kid).toBe(r.replacement!.kid);
    expect(c.jwks.map((j) => j.kid)).not.toContain(signer);
    expect(c.jwks.map((j) => j.kid)).not.toContain(next);
    // the RS256 signer is untouched
    expect(c.set.signing.get('RS256')).toBeDefined();
    // revoking again changes nothing; an unknown kid is not_found
    expect(await store.revoke(signer, { now: at(5) })).toMatchObject({ already: true, revokedAt: at(3), replacement: null });
    await expect(store.revoke('nope')).rejects.toMatchObject({ code: 'not_found' });
    expect((await store.list()).filter((k) => k.status === 'revoked').map((k) => k.kid).sort()).toEqual([next, signer].sort());
  });
});
