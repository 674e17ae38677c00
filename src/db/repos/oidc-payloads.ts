/**
 * What oidc-provider persists (sessions, tokens, codes, grants, interactions, ...): one row per
 * object in OidcPayload, keyed by (model name, id), behind an interface with its one
 * implementation. The hot lookups (find, upsert, consume, destroy) are plain SQL by primary key,
 * the same on SQLite and PostgreSQL, without Prisma's per-query planning; the rare ones use the
 * model API.
 *
 * Every id this interface takes is the value oidc-provider names the object by; the row id is
 * its SHA-256 when that value is a bearer value (a token, a code, a cookie:
 * domain/bearer-values.ts), so the table never holds one. Payloads arrive without theirs (the
 * adapter leaves them out).
 */
import type { Db } from '../client.js';
import { Prisma } from '../generated/sqlite/client.js';
import { storedId } from '../../domain/bearer-values.js';

/** A stored object as read: its JSON payload and the times the provider needs. */
export interface PayloadRecord {
  payload: string;
  expiresAt: Date | null;
  consumedAt: Date | null;
}

/** A session as read: with its account's sessionsNotBefore (when access was last ended everywhere). */
export interface SessionRecord extends PayloadRecord {
  notBefore: Date | null;
}

/** Where a session was last used from (the request that saved it): its browser and address, and when. */
export interface SessionSeen {
  userAgent: string | null;
  address: string | null;
  at: Date;
}

/** A row to write; the indexed columns come from the payload. */
export interface PayloadRow {
  type: string;
  /** The object's id as oidc-provider names it (stored as its digest when it is a bearer value). */
  id: string;
  /** The payload JSON, without bearer values (domain/bearer-values.ts, payloadAtRest). */
  payload: string;
  grantId: string | null;
  userCode: string | null;
  uid: string | null;
  accountId: string | null;
  clientId: string | null;
  expiresAt: Date | null;
  /** Sessions only: the request that saved it (a browser and address not known keep the ones stored). */
  seen?: SessionSeen | undefined;
}

export interface OidcPayloadRepository {
  find(type: string, id: string): Promise<PayloadRecord | null>;
  findByUid(type: string, uid: string): Promise<PayloadRecord | null>;
  findByUserCode(type: string, userCode: string): Promise<PayloadRecord | null>;
  /** A session by id or by uid, with its account's sessionsNotBefore. */
  findSession(by: { id: string } | { uid: string }): Promise<SessionRecord | null>;
  /** Rows upserted in one statement; the last row of an (type, id) wins. */
  upsert(rows: readonly PayloadRow[]): Promise<void>;
  /** Marks consumed; consuming twice keeps the first time. */
  consume(type: string, id: string, at: Date): Promise<void>;
  /** Removes the row; a missing row is not an error. */
  destroy(type: string, id: string): Promise<void>;
  /** Removes the rows of these types issued under the grant. */
  revokeByGrantId(grantId: string, types: readonly string[]): Promise<void>;
  /** Removes every row whose expiry is at or before `now`; returns how many. */
  collectGarbage(now: Date): Promise<number>;
}

type RawRow = { payload: string; expiresAt: Date | string | null; consumedAt: Date | string | null };

const asDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));
const fromRaw = (r: RawRow): PayloadRecord => ({ payload: r.payload, expiresAt: asDate(r.expiresAt), consumedAt: asDate(r.consumedAt) });
const selected = { payload: true, expiresAt: true, consumedAt: true } as const;

export function createOidcPayloadRepository(prisma: Db): OidcPayloadRepository {
  return {
    async find(type, id) {
      const rows = await prisma.$queryRaw<RawRow[]>`SELECT "payload", "expiresAt", "consumedAt" FROM "OidcPayload" WHERE "type" = ${type} AND "id" = ${storedId(type, id)}`;
      return rows[0] ? fromRaw(rows[0]) : null;
    },
    findByUid: (type, uid) => prisma.oidcPayload.findFirst({ where: { type, uid }, select: selected }),
    findByUserCode: (type, userCode) => prisma.oidcPayload.findFirst({ where: { type, userCode }, select: selected }),
    async findSession(by) {
      const where = 'id' in by ? Prisma.sql`p."id" = ${storedId('Session', by.id)}` : Prisma.sql`p."uid" = ${by.uid}`;
      const rows = await prisma.$queryRaw<(RawRow & { notBefore: Date | string | null })[]>`
        SELECT p."payload", p."expiresAt", p."consumedAt", a."sessionsNotBefore" AS "notBefore"
        FROM "OidcPayload" p LEFT JOIN "Account" a ON a."id" = p."accountId"
        WHERE p."type" = 'Session' AND ${where}`;
      const r = rows[0];
      return r ? { ...fromRaw(r), notBefore: asDate(r.notBefore) } : null;
    },
    async upsert(rows) {
      // Raw, because Prisma compiles a query plan for each shape of a multi-row write (measured:
      // on 50-row batches the model API cost 6x to 18x more per row than this statement).
      const byKey = new Map(rows.map((r) => {
        const id = storedId(r.type, r.id);
        return [`${r.type}\u0000${id}`, { ...r, id }];
      }));
      const now = new Date();
      const values = [...byKey.values()].map((r) => Prisma.sql`(${r.type}, ${r.id}, ${r.payload}, ${r.grantId}, ${r.userCode}, ${r.uid}, ${r.accountId}, ${r.clientId}, ${r.expiresAt}, ${now}, ${r.seen?.userAgent ?? null}, ${r.seen?.address ?? null}, ${r.seen?.at ?? null})`);
      await prisma.$executeRaw`INSERT INTO "OidcPayload" ("type", "id", "payload", "grantId", "userCode", "uid", "accountId", "clientId", "expiresAt", "createdAt", "userAgent", "address", "lastSeenAt")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("type", "id") DO UPDATE SET "payload" = excluded."payload", "grantId" = excluded."grantId", "userCode" = excluded."userCode",
          "uid" = excluded."uid", "accountId" = excluded."accountId", "clientId" = excluded."clientId", "expiresAt" = excluded."expiresAt",
          "userAgent" = COALESCE(excluded."userAgent", "OidcPayload"."userAgent"), "address" = COALESCE(excluded."address", "OidcPayload"."address"),
          "lastSeenAt" = COALESCE(excluded."lastSeenAt", "OidcPayload"."lastSeenAt")`;
    },
    async consume(type, id, at) {
      await prisma.$executeRaw`UPDATE "OidcPayload" SET "consumedAt" = ${at} WHERE "type" = ${type} AND "id" = ${storedId(type, id)} AND "consumedAt" IS NULL`;
    },
    async destroy(type, id) {
      await prisma.$executeRaw`DELETE FROM "OidcPayload" WHERE "type" = ${type} AND "id" = ${storedId(type, id)}`;
    },
    async revokeByGrantId(grantId, types) {
      await prisma.oidcPayload.deleteMany({ where: { grantId, type: { in: [...types] } } });
    },
    async collectGarbage(now) {
      return (await prisma.oidcPayload.deleteMany({ where: { expiresAt: { lte: now } } })).count;
    },
  };
}
