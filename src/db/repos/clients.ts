/**
 * Registered applications as stored (the Client table: the secret only as a keyed hash), behind
 * an interface with its one Prisma implementation.
 */
import type { Db } from '../client.js';
import { isUniqueViolation } from '../errors.js';

export interface ClientRecord {
  id: string;
  name: string;
  type: string;
  firstParty: boolean;
  secretHash: string | null;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string | null;
  releaseGroupDns: boolean;
  requireMfa?: boolean | undefined;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date | null;
  /** The secret before the last rotation (keyed hash), accepted until previousSecretUntil. */
  previousSecretHash: string | null;
  previousSecretUntil: Date | null;
  /** Where the application lives (the app launcher's link), or null: not listed there. */
  homeUrl: string | null;
  description: string | null;
  /** The ETag of its logo (ClientLogo), or null when it has none. */
  logoEtag: string | null;
  /** Who may use it (domain/access-policy.ts): JSON arrays of group DNs, department and organisation names. */
  allowGroups: string;
  allowDepartments: string;
  allowOrganizations: string;
}

/** An application's logo as stored. */
export interface ClientLogoRecord {
  contentType: string;
  data: Uint8Array;
  etag: string;
}

/** The columns a write may set. */
export type ClientData = Partial<Omit<ClientRecord, 'id' | 'createdAt' | 'updatedAt'>>;

export interface ClientRepository {
  byId(id: string): Promise<ClientRecord | null>;
  /** Every client, oldest first. */
  list(): Promise<ClientRecord[]>;
  /** Names and first-party flags of these clients (unknown ids are left out). */
  names(ids: readonly string[]): Promise<Map<string, { name: string; firstParty: boolean }>>;
  /** Stores a new client; false when the id is taken (by another instance at the same moment too). */
  create(id: string, data: ClientData & Pick<ClientRecord, 'name' | 'type' | 'redirectUris'>): Promise<ClientRecord | null>;
  update(id: string, data: ClientData): Promise<ClientRecord>;
  /** Active clients with a home URL (what the app launcher may list), by name. */
  launchable(): Promise<ClientRecord[]>;
  /** The client's logo, or null. */
  logo(id: string): Promise<ClientLogoRecord | null>;
  /** In one transaction: stores (or, with null, removes) the logo and sets the client's logoEtag to match. */
  setLogo(id: string, logo: ClientLogoRecord | null): Promise<ClientRecord>;
  /** Forgets the previous secrets whose overlap ended before `now`; returns how many. */
  clearEndedOverlaps(now: Date): Promise<number>;
  /** Removes every stored token, code, grant and session entry issued to the client; returns how many. */
  revokeIssued(id: string): Promise<number>;
  /** In one transaction: what revokeIssued removes, then the client itself. Returns how many issued rows went; null when there was no such client. */
  remove(id: string): Promise<number | null>;
}

/** Rolls back a removal that found no client (nothing issued to an unknown id is deleted either). */
class NoSuchClient extends Error {}

export function createClientRepository(prisma: Db): ClientRepository {
  const clients = prisma.client;
  return {
    byId: (id) => clients.findUnique({ where: { id } }),
    list: () => clients.findMany({ orderBy: { createdAt: 'asc' } }),
    async names(ids) {
      const unique = [...new Set(ids.filter(Boolean))];
      const rows = unique.length ? await clients.findMany({ where: { id: { in: unique } }, select: { id: true, name: true, firstParty: true } }) : [];
      return new Map(rows.map((r) => [r.id, { name: r.name, firstParty: r.firstParty }]));
    },
    async create(id, data) {
      try {
        return await clients.create({ data: { id, ...data } });
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },
    update: (id, data) => clients.update({ where: { id }, data }),
    async clearEndedOverlaps(now) {
      const { count } = await clients.updateMany({ where: { previousSecretUntil: { lte: now } }, data: { previousSecretHash: null, previousSecretUntil: null } });
      return count;
    },
    launchable: () => clients.findMany({ where: { status: 'active', homeUrl: { not: null } }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
    async logo(id) {
      const r = await prisma.clientLogo.findUnique({ where: { clientId: id }, select: { contentType: true, data: true, etag: true } });
      return r ? { contentType: r.contentType, data: new Uint8Array(r.data), etag: r.etag } : null;
    },
    setLogo(id, logo) {
      return prisma.$transaction(async (tx) => {
        if (logo) {
          const data = { contentType: logo.contentType, data: new Uint8Array(logo.data), etag: logo.etag };
          await tx.clientLogo.upsert({ where: { clientId: id }, create: { clientId: id, ...data }, update: data });
        } else await tx.clientLogo.deleteMany({ where: { clientId: id } });
        return tx.client.update({ where: { id }, data: { logoEtag: logo?.etag ?? null } });
      });
    },
    async revokeIssued(id) {
      return (await prisma.oidcPayload.deleteMany({ where: { clientId: id } })).count;
    },
    async remove(id) {
      return prisma.$transaction(async (tx) => {
        const revoked = (await tx.oidcPayload.deleteMany({ where: { clientId: id } })).count;
        await tx.clientLogo.deleteMany({ where: { clientId: id } });
        const { count } = await tx.client.deleteMany({ where: { id } });
        if (!count) throw new NoSuchClient();
        return revoked;
      }).catch((err: unknown) => {
        if (err instanceof NoSuchClient) return null;
        throw err;
      });
    },
  };
}
