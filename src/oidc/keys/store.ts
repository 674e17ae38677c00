/**
 * Signing keys in the database: generated on first start, private parts sealed with
 * KEY_ENCRYPTION_SECRET, rotated by `sso keys rotate`. Every instance on the same database
 * derives the same key set from the same rows (keys/schedule.ts).
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { open, seal } from './envelope.js';
import { keySchedule, type KeySet } from './schedule.js';
import type { AuditRecorder } from '../../audit/log.js';
import { awaitLease } from '../../db/lease.js';

export const SUPPORTED_SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SUPPORTED_SIGNING_ALGS)[number];

export interface StoredKey {
  kid: string;
  alg: string;
  status: string;
  activatedAt: Date | null;
  retireAfter: Date | null;
  retiredAt: Date | null;
  createdAt: Date;
  encryptedJwk: string;
}

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

export function createKeyStore(prisma: Db, { secret, algs, audit }: KeyStoreOptions) {
  async function insert(jwk: PrivateJwk, activatedAt: Date) {
    await prisma.signingKey.create({
      data: { kid: jwk.kid, alg: jwk.alg, status: 'active', activatedAt, encryptedJwk: seal(JSON.stringify(jwk), secret, jwk.kid) },
    });
  }

  async function list(): Promise<StoredKey[]> {
    return prisma.signingKey.findMany({ orderBy: { createdAt: 'asc' } });
  }

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
      const lease = await awaitLease(prisma, KEYS_LEASE, holder, { ttlMs: ENSURE_LEASE_MS, waitMs: ENSURE_WAIT_MS, busy: 'signing keys: another instance holds the key lease and has not finished' });
      try {
        const created: string[] = [];
        for (const alg of await missing()) {
          const jwk = generateJwk(alg);
          await insert(jwk, now());
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
      const retiring: string[] = [];
      await prisma.$transaction(async (tx) => {
        for (const alg of rotateAlgs) {
          const old = current.signing.get(alg);
          const jwk = generateJwk(alg);
          await tx.signingKey.create({
            data: { kid: jwk.kid, alg, status: 'active', activatedAt: opts.activateAt, encryptedJwk: seal(JSON.stringify(jwk), secret, jwk.kid) },
          });
          created.push({ kid: jwk.kid, alg });
          if (old) {
            await tx.signingKey.update({ where: { kid: old.kid }, data: { status: 'retiring', retireAfter } });
            retiring.push(old.kid);
          }
        }
      });
      await audit?.record({
        type: 'keys.rotated',
        outcome: 'success',
        detail: { created, retiring, activate_at: opts.activateAt, retire_after: retireAfter, grace_seconds: opts.graceSeconds },
      });
      return { created, retiring, activateAt: opts.activateAt, retireAfter };
    },

    /** Marks keys past their retireAfter as retired (kept for the record, never published). */
    async retireExpired(now = new Date()): Promise<number> {
      const { count } = await prisma.signingKey.updateMany({
        where: { status: { not: 'retired' }, retireAfter: { lte: now } },
        data: { status: 'retired', retiredAt: now },
      });
      return count;
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
