/**
 * Signing keys as stored (the SigningKey table: the private JWK sealed, never in the clear),
 * behind an interface with its one Prisma implementation. Key creation across instances is made
 * one at a time with a lease (db/lease.ts).
 */
import type { Db } from '../client.js';
import { awaitLease, type AwaitOptions, type HeldLease } from '../lease.js';

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

export interface NewKey {
  kid: string;
  alg: string;
  activatedAt: Date;
  encryptedJwk: string;
}

export interface SigningKeyRepository {
  /** Every key, oldest first. */
  list(): Promise<StoredKey[]>;
  insert(key: NewKey): Promise<void>;
  /** In one transaction: the new keys stored active, the keys they replace retiring until `retireAfter`. */
  rotate(created: readonly NewKey[], retiring: readonly string[], retireAfter: Date): Promise<void>;
  /** Keys past their retireAfter marked retired (revoked ones stay revoked); returns how many. */
  retireExpired(now: Date): Promise<number>;
  /**
   * In one transaction: the key marked revoked at `at` (never published or signing again), and
   * `replacement`, when given, stored signing from its activation time. False when no such key.
   */
  revoke(kid: string, at: Date, replacement?: NewKey): Promise<boolean>;
  /** Waits for and takes the named lease (one key creation at a time across instances). */
  lease(name: string, holder: string, opts: AwaitOptions): Promise<HeldLease>;
}

export function createSigningKeyRepository(prisma: Db): SigningKeyRepository {
  const row = (k: NewKey) => ({ kid: k.kid, alg: k.alg, status: 'active', activatedAt: k.activatedAt, encryptedJwk: k.encryptedJwk });
  return {
    list: () => prisma.signingKey.findMany({ orderBy: { createdAt: 'asc' } }),
    async insert(key) {
      await prisma.signingKey.create({ data: row(key) });
    },
    async rotate(created, retiring, retireAfter) {
      await prisma.$transaction(async (tx) => {
        for (const k of created) await tx.signingKey.create({ data: row(k) });
        for (const kid of retiring) await tx.signingKey.update({ where: { kid }, data: { status: 'retiring', retireAfter } });
      });
    },
    async retireExpired(now) {
      const { count } = await prisma.signingKey.updateMany({ where: { status: { in: ['active', 'retiring'] }, retireAfter: { lte: now } }, data: { status: 'retired', retiredAt: now } });
      return count;
    },
    async revoke(kid, at, replacement) {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.signingKey.updateMany({ where: { kid }, data: { status: 'revoked', retiredAt: at } });
        if (count && replacement) await tx.signingKey.create({ data: row(replacement) });
        return count > 0;
      });
    },
    lease: (name, holder, opts) => awaitLease(prisma, name, holder, opts),
  };
}
