/**
 * WebAuthn authenticators as stored (the WebAuthnCredential table), and the ceremonies'
 * challenges (WebAuthnChallenge: short-lived, taken once), behind an interface with its one
 * Prisma implementation for SQLite and PostgreSQL. The signature counter is a BigInt column (an
 * authenticator's counter is an unsigned 32-bit number); it is read and written as a number.
 */
import type { Db } from '../client.js';

/** One registered authenticator. */
export interface StoredAuthenticator {
  /** Our id (what the pages name it by). */
  id: string;
  accountId: string;
  /** The authenticator's credential id, base64url. */
  credentialId: string;
  /** Its COSE public key. */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The last signature counter seen (0: never counted). */
  signCount: number;
  /** The transports the browser reported (usb, nfc, ble, internal, hybrid, ...). */
  transports: string[];
  /** "cross-platform" (a security key), "platform", or "" when the browser did not say. */
  attachment: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewAuthenticator = Omit<StoredAuthenticator, 'createdAt' | 'lastUsedAt'> & { createdAt?: Date };

export interface StoredChallenge {
  id: string;
  challenge: string;
  purpose: string;
  accountId: string | null;
  expiresAt: Date;
}

export interface WebAuthnCredentialRepository {
  /** The account's authenticators, oldest first. */
  listFor(accountId: string): Promise<StoredAuthenticator[]>;
  /** The authenticator with this credential id (whoever's it is), or null. */
  byCredentialId(credentialId: string): Promise<StoredAuthenticator | null>;
  /** Stores a new authenticator; false when its credential id is already registered (to anyone). */
  insert(a: NewAuthenticator): Promise<boolean>;
  /** Renames one of the account's authenticators; false when the account has no such one. */
  rename(accountId: string, id: string, name: string): Promise<boolean>;
  /** Removes one of the account's authenticators; the removed one, or null when there was none. */
  remove(accountId: string, id: string): Promise<StoredAuthenticator | null>;
  /** Removes every authenticator of the account; how many. */
  removeAll(accountId: string): Promise<number>;
  /**
   * Records a use: the new counter and the time, only while the stored counter is still
   * `expectedCount` (two uses racing cannot both move it); false when it had moved or the row is gone.
   */
  recordUse(id: string, expectedCount: number, newCount: number, at: Date): Promise<boolean>;
  /** How many accounts have at least one authenticator (metrics). */
  countAccounts(): Promise<number>;
  /** Stores a challenge; expired ones are deleted on the way. */
  putChallenge(c: StoredChallenge, now: Date): Promise<void>;
  /** Takes (deletes and returns) the challenge when it exists and has not expired; a second take gets null. */
  takeChallenge(id: string, now: Date): Promise<StoredChallenge | null>;
}

type Row = {
  id: string; accountId: string; credentialId: string; publicKey: Uint8Array; signCount: bigint | number;
  transports: string; attachment: string; name: string; createdAt: Date; lastUsedAt: Date | null;
};

function toStored(r: Row): StoredAuthenticator {
  return {
    id: r.id,
    accountId: r.accountId,
    credentialId: r.credentialId,
    publicKey: new Uint8Array(r.publicKey),
    signCount: Number(r.signCount),
    transports: r.transports ? r.transports.split(',') : [],
    attachment: r.attachment,
    name: r.name,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

export function createWebAuthnCredentialRepository(prisma: Db): WebAuthnCredentialRepository {
  const t = prisma.webAuthnCredential;
  return {
    async listFor(accountId) {
      const rows = await t.findMany({ where: { accountId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return rows.map(toStored);
    },

    async byCredentialId(credentialId) {
      const r = await t.findUnique({ where: { credentialId } });
      return r ? toStored(r) : null;
    },

    async insert(a) {
      try {
        await t.create({
          data: {
            id: a.id, accountId: a.accountId, credentialId: a.credentialId, publicKey: Buffer.from(a.publicKey),
            signCount: BigInt(a.signCount), transports: a.transports.join(','), attachment: a.attachment, name: a.name,
            createdAt: a.createdAt ?? new Date(),
          },
        });
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    async rename(accountId, id, name) {
      const r = await t.updateMany({ where: { id, accountId }, data: { name } });
      return r.count === 1;
    },

    async remove(accountId, id) {
      const row = await t.findFirst({ where: { id, accountId } });
      if (!row) return null;
      const r = await t.deleteMany({ where: { id, accountId } });
      return r.count === 1 ? toStored(row) : null;
    },

    async removeAll(accountId) {
      return (await t.deleteMany({ where: { accountId } })).count;
    },

    async recordUse(id, expectedCount, newCount, at) {
      const r = await t.updateMany({ where: { id, signCount: BigInt(expectedCount) }, data: { signCount: BigInt(newCount), lastUsedAt: at } });
      return r.count === 1;
    },

    async countAccounts() {
      const rows = await t.groupBy({ by: ['accountId'] });
      return rows.length;
    },

    async putChallenge(c, now) {
      await prisma.webAuthnChallenge.deleteMany({ where: { expiresAt: { lte: now } } });
      await prisma.webAuthnChallenge.create({ data: { ...c } });
    },

    async takeChallenge(id, now) {
      const row = await prisma.webAuthnChallenge.findUnique({ where: { id } });
      if (!row) return null;
      // the delete is the take: of two racing requests, one deletes the row and the other nothing
      const r = await prisma.webAuthnChallenge.deleteMany({ where: { id } });
      if (r.count !== 1 || row.expiresAt.getTime() <= now.getTime()) return null;
      return row;
    },
  };
}
