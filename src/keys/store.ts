/**
 * Signing keys: generated on first start, private parts sealed with KEY_ENCRYPTION_SECRET,
 * rotated by `sso keys rotate`, revoked by `sso keys revoke` (a compromised key). Every instance
 * on the same database derives the same key set from the same rows (domain/keys.ts); the rows
 * are read and written through the repository.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { open, seal } from './envelope.js';
import { keySchedule, type KeySet } from '../domain/keys.js';
import { SsoError } from '../domain/errors.js';
import type { AuditRecorder } from '../audit/log.js';
import type { NewKey, SigningKeyRepository, StoredKey } from '../db/repos/signing-keys.js';

export { SUPPORTED_SIGNING_ALGS, type SigningAlg } from '../domain/keys.js';
export type { StoredKey };

/** The lease that makes key creation one instance at a time; held for milliseconds, expires if its holder dies. */
const KEYS_LEASE = 'keys';
const ENSURE_LEASE_MS = 30_000;
const ENSURE_WAIT_MS = 40_000;

export type PrivateJwk = Record<string, unknown> & { kid: string; alg: string; use: 'sig' };

export function generateJwk(alg: string): PrivateJwk {
  let privateKey: KeyObject;
  if (alg === 'ES256') privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  else if (alg === 'RS256') privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  else if (alg === 'EdDSA') privateKey = generateKeyPairSync('ed25519').privateKey;
  else throw new Error(`unsupported signing algorithm ${alg}`);
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { ...jwk, kid: randomUUID(), alg, use: 'sig' };
}

export interface KeyStoreOptions {
  secret: string;
  algs: readonly string[];
  /** Records keys.created and keys.rotated (kids and algorithms only). */
  audit?: AuditRecorder | undefined;
}

export function createKeyStore(repo: SigningKeyRepository, { secret, algs, audit }: KeyStoreOptions) {
  const sealed = (jwk: PrivateJwk, activatedAt: Date): NewKey => ({ kid: jwk.kid, alg: jwk.alg, activatedAt, encryptedJwk: seal(JSON.stringify(jwk), secret, jwk.kid) });
  const list = (): Promise<StoredKey[]> => repo.list();

  return {
    list,
    /**
     * Creates a key for every configured algorithm that has none signing now. Returns the new kids.
     * One instance at a time (a lease): instances starting together on a fresh database would
     * otherwise each make their own keys and, until their next refresh, each publish only theirs.
     */
    async ensure(at?: Date): Promise<string[]> {
      // the time of each step, not of the call: after waiting for another instance's keys, they
      // are judged (and ours made) at the time we look, not at the time we started waiting
      const now = () => at ?? new Date();
      const missing = async () => {
        const set = keySchedule(await list(), now(), algs);
        return algs.filter((alg) => !set.signing.has(alg));
      };
      if (!(await missing()).length) return [];
      const holder = `keys-${randomUUID()}`;
      // another instance making them is waited for; then what is still missing is made
      const lease = await repo.lease(KEYS_LEASE, holder, { ttlMs: ENSURE_LEASE_MS, waitMs: ENSURE_WAIT_MS, busy: 'signing keys: another instance holds the key lease and has not finished' });
      try {
        const created: string[] = [];
        for (const alg of await missing()) {
          const jwk = generateJwk(alg);
          await repo.insert(sealed(jwk, now()));
          created.push(jwk.kid);
          await audit?.record({ type: 'keys.created', outcome: 'success', detail: { kid: jwk.kid, alg, reason: 'no key signing for this algorithm' } });
        }
        return created;
      } finally {
        await lease.release();
      }
    },

    /**
     * Introduces a new key per algorithm, signing from `activateAt`; the keys it replaces keep
     * being published until `activateAt + grace`, so every token they signed stays verifiable.
     */
    async rotate(opts: { now?: Date; activateAt: Date; graceSeconds: number; algs?: readonly string[] }) {
      const now = opts.now ?? new Date();
      const rotateAlgs = opts.algs ?? algs;
      const retireAfter = new Date(opts.activateAt.getTime() + opts.graceSeconds * 1000);
      const current = keySchedule(await list(), now, algs);
      const created: { kid: string; alg: string }[] = [];
      const fresh: NewKey[] = [];
      const retiring: string[] = [];
      for (const alg of rotateAlgs) {
        const jwk = generateJwk(alg);
        fresh.push(sealed(jwk, opts.activateAt));
        created.push({ kid: jwk.kid, alg });
        const old = current.signing.get(alg);
        if (old) retiring.push(old.kid);
      }
      await repo.rotate(fresh, retiring, retireAfter);
      await audit?.record({
        type: 'keys.rotated',
        outcome: 'success',
        detail: { created, retiring, activate_at: opts.activateAt, retire_after: retireAfter, grace_seconds: opts.graceSeconds },
      });
      return { created, retiring, activateAt: opts.activateAt, retireAfter };
    },

    /** Revokes a compromised key (revokeKey). */
    revoke: (kid: string, opts: { now?: Date; reason?: string } = {}) => revokeKey({ repo, algs, audit, sealed }, kid, opts),
    /** Marks keys past their retireAfter as retired (kept for the record, never published). */
    retireExpired(now = new Date()): Promise<number> {
      return repo.retireExpired(now);
    },

    /** The current key set with private JWKs, in the order oidc-provider wants them. */
    async current(now = new Date()): Promise<{ set: KeySet<StoredKey>; jwks: PrivateJwk[] }> {
      const set = keySchedule(await list(), now, algs);
      const jwks = set.published.map((k) => JSON.parse(open(k.encryptedJwk, secret, k.kid)) as PrivateJwk);
      return { set, jwks };
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;

export interface RevokedKey {
  kid: string;
  alg: string;
  revokedAt: Date;
  /** The key made to sign in its place, when its algorithm had no other key signing. */
  replacement: { kid: string; alg: string } | null;
  /** It was revoked already (nothing changed). */
  already: boolean;
}

interface RevokeDeps {
  repo: SigningKeyRepository;
  algs: readonly string[];
  audit?: AuditRecorder | undefined;
  sealed(jwk: PrivateJwk, activatedAt: Date): NewKey;
}

/**
 * Revokes a key (compromised): from now on it is neither published nor signing, and the provider
 * no longer verifies anything with it (an id_token_hint it signed is refused). When that leaves
 * one of the configured algorithms with no key signing now, a new one is made that signs at once.
 * Running servers drop the key at their next key refresh (KEY_REFRESH_INTERVAL).
 */
async function revokeKey(d: RevokeDeps, kid: string, opts: { now?: Date; reason?: string }): Promise<RevokedKey> {
  const now = opts.now ?? new Date();
  const keys = await d.repo.list();
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new SsoError('not_found', `no signing key with kid "${kid}" (sso keys list shows them)`);
  if (key.status === 'revoked') return { kid, alg: key.alg, revokedAt: key.retiredAt ?? now, replacement: null, already: true };
  const rest = keySchedule(keys.filter((k) => k.kid !== kid), now, d.algs);
  const replacement = d.algs.includes(key.alg) && !rest.signing.has(key.alg) ? generateJwk(key.alg) : undefined;
  if (!(await d.repo.revoke(kid, now, replacement ? d.sealed(replacement, now) : undefined))) throw new SsoError('not_found', `no signing key with kid "${kid}"`);
  const made = replacement ? { kid: replacement.kid, alg: replacement.alg } : null;
  await d.audit?.record({ type: 'keys.revoked', outcome: 'success', detail: { kid, alg: key.alg, reason: opts.reason ?? null, replacement: made, previous_status: key.status } });
  return { kid, alg: key.alg, revokedAt: now, replacement: made, already: false };
}
