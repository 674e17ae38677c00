/**
 * SAML 2.0 storage: the registered service providers, the AuthnRequests waiting for their login
 * (one-time), the request IDs already seen (so that every instance refuses a replay), and the
 * SAML signing keys (the private key sealed). One Prisma implementation for both databases.
 */
import type { Db } from '../client.js';
import { isUniqueViolation } from '../errors.js';

/** How long the SPs a session entered are remembered (longer than any session lives). */
export const SAML_SESSION_KEEP_MS = 90 * 86_400_000;

export interface SamlSpRow {
  id: string;
  entityId: string;
  name: string;
  clientId: string;
  metadataXml: string;
  acsUrls: string;
  signingCerts: string;
  encryptionCerts: string;
  encryptionMethod: string | null;
  nameIdFormat: string;
  attributes: string;
  signResponse: boolean;
  wantSignedRequests: boolean;
  /** The SP's SingleLogoutService endpoints (JSON array of SloEndpoint). */
  sloUrls: string;
  /** Sign-in may start at the IdP (the launcher): an unsolicited Response. */
  idpInitiated: boolean;
  /** Where the metadata is fetched from (`--metadata-url`, `sso saml refresh`), or null. */
  metadataUrl: string | null;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

export type SamlSpFields = Omit<SamlSpRow, 'id' | 'createdAt' | 'updatedAt'>;

export interface SamlKeyRow {
  id: string;
  certificate: string;
  encryptedKey: string;
  status: string;
  createdAt: Date;
  /** Signs from then on (until a key activated later takes over). */
  activatedAt: Date;
  retireAfter: Date | null;
}

export type NewSamlKey = Omit<SamlKeyRow, 'createdAt' | 'retireAfter'>;

/** A service provider a single sign-on session entered, and the NameID it was given. */
export interface SamlSessionRow {
  sid: string;
  spEntityId: string;
  accountId: string;
  nameId: string;
}

export interface SamlRepository {
  list(): Promise<SamlSpRow[]>;
  byId(id: string): Promise<SamlSpRow | null>;
  byEntityId(entityId: string): Promise<SamlSpRow | null>;
  /** The SP whose linked client this is. */
  byClientId(clientId: string): Promise<SamlSpRow | null>;
  /** False when the id or the entity ID is taken. */
  create(id: string, fields: SamlSpFields): Promise<boolean>;
  update(id: string, fields: Partial<SamlSpFields>): Promise<void>;
  remove(id: string): Promise<boolean>;
  /** Stores a pending request until `expiresAt`. */
  putPending(id: string, payload: string, expiresAt: Date): Promise<void>;
  /** Takes (reads and deletes, once) a pending request that has not expired. */
  takePending(id: string, now: Date): Promise<string | null>;
  /** Records a request ID as seen until `expiresAt`; false when it was seen already (a replay). */
  markSeen(spEntityId: string, requestId: string, expiresAt: Date): Promise<boolean>;
  /** Deletes expired pending requests and seen IDs; returns how many. */
  collectGarbage(now: Date): Promise<number>;
  /** Notes that session `sid` entered the SP with this NameID (again: the NameID replaced). */
  recordSession(row: SamlSessionRow): Promise<void>;
  /** The SPs session `sid` entered. */
  sessionsOf(sid: string): Promise<SamlSessionRow[]>;
  /** The SP's sessions of this NameID. */
  sessionsByNameId(spEntityId: string, nameId: string): Promise<SamlSessionRow[]>;
  /** Forgets the SAML sessions of these sids; returns how many. */
  forgetSessions(sids: readonly string[]): Promise<number>;
  keys(): Promise<SamlKeyRow[]>;
  insertKey(key: NewSamlKey): Promise<void>;
  /** In one transaction: the new key active (signing from its activatedAt), the others retiring until `retireAfter`. */
  rotateKey(key: NewSamlKey, retireAfter: Date): Promise<void>;
}

export function createSamlRepository(prisma: Db): SamlRepository {
  return {
    list: () => prisma.samlServiceProvider.findMany({ orderBy: { id: 'asc' } }),
    byId: (id) => prisma.samlServiceProvider.findUnique({ where: { id } }),
    byEntityId: (entityId) => prisma.samlServiceProvider.findUnique({ where: { entityId } }),
    byClientId: (clientId) => prisma.samlServiceProvider.findUnique({ where: { clientId } }),
    async create(id, fields) {
      try {
        await prisma.samlServiceProvider.create({ data: { id, ...fields } });
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    async update(id, fields) {
      await prisma.samlServiceProvider.update({ where: { id }, data: fields });
    },
    async remove(id) {
      const { count } = await prisma.samlServiceProvider.deleteMany({ where: { id } });
      return count > 0;
    },
    async putPending(id, payload, expiresAt) {
      await prisma.samlPendingRequest.create({ data: { id, payload, expiresAt } });
    },
    async takePending(id, now) {
      const row = await prisma.samlPendingRequest.findUnique({ where: { id } });
      if (!row) return null;
      // one taker only: the delete that removes the row wins
      const { count } = await prisma.samlPendingRequest.deleteMany({ where: { id } });
      return count === 1 && row.expiresAt > now ? row.payload : null;
    },
    async markSeen(spEntityId, requestId, expiresAt) {
      try {
        await prisma.samlSeenRequest.create({ data: { spEntityId, requestId, expiresAt } });
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    async collectGarbage(now) {
      const a = await prisma.samlPendingRequest.deleteMany({ where: { expiresAt: { lte: now } } });
      const b = await prisma.samlSeenRequest.deleteMany({ where: { expiresAt: { lte: now } } });
      // what a session entered: kept longer than any single sign-on session lives
      const c = await prisma.samlSession.deleteMany({ where: { createdAt: { lte: new Date(now.getTime() - SAML_SESSION_KEEP_MS) } } });
      return a.count + b.count + c.count;
    },
    async recordSession(row) {
      const { sid, spEntityId, accountId, nameId } = row;
      await prisma.samlSession.upsert({ where: { sid_spEntityId: { sid, spEntityId } }, create: { sid, spEntityId, accountId, nameId }, update: { accountId, nameId } });
    },
    sessionsOf: (sid) => prisma.samlSession.findMany({ where: { sid }, select: { sid: true, spEntityId: true, accountId: true, nameId: true }, orderBy: { createdAt: 'asc' } }),
    sessionsByNameId: (spEntityId, nameId) => prisma.samlSession.findMany({ where: { spEntityId, nameId }, select: { sid: true, spEntityId: true, accountId: true, nameId: true }, take: 100 }),
    async forgetSessions(sids) {
      if (!sids.length) return 0;
      return (await prisma.samlSession.deleteMany({ where: { sid: { in: [...sids] } } })).count;
    },
    keys: () => prisma.samlKey.findMany({ orderBy: { createdAt: 'asc' } }),
    async insertKey(key) {
      await prisma.samlKey.create({ data: key });
    },
    async rotateKey(key, retireAfter) {
      await prisma.$transaction(async (tx) => {
        await tx.samlKey.updateMany({ where: { status: 'active' }, data: { status: 'retiring', retireAfter } });
        await tx.samlKey.create({ data: key });
      });
    },
  };
}
