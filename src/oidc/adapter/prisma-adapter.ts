/**
 * oidc-provider's storage adapter on Prisma: one row per persisted object in OidcPayload,
 * keyed by (model name, id). The provider checks expiry and consumption itself; this adapter
 * finds, consumes and destroys, and hides rows whose expiry has passed (gc removes them).
 * The Client model is not stored here: it reads the Client table (see clients/metadata.ts),
 * through a short-lived in-process cache when one is given (clients/cache.ts).
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../../db/client.js';
import { activeClientLoader, type ClientCache, type ClientMetadataRecord } from '../../clients/cache.js';
import { InsertBatcher } from './insert-batcher.js';
import { createClientRepository } from '../../db/repos/clients.js';
import { isStorableKey } from '../../db/text.js';
import { Prisma } from '../../db/generated/sqlite/client.js';

export type AdapterFactory = (model: string) => Adapter;

/** The models oidc-provider issues under a grant (as its own memory adapter lists them). */
export const GRANTABLE = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];

export function createPrismaAdapterFactory(prisma: Db, opts: { clientCache?: ClientCache | undefined } = {}): AdapterFactory {
  return (model: string) => (model === 'Client' ? new ClientAdapter(prisma, opts.clientCache) : new PrismaAdapter(prisma, model));
}


type Row = { payload: string; expiresAt: Date | null; consumedAt: Date | null };
type RawRow = { payload: string; expiresAt: Date | string | null; consumedAt: Date | string | null };

const asDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));
const fromRaw = (r: RawRow): Row => ({ payload: r.payload, expiresAt: asDate(r.expiresAt), consumedAt: asDate(r.consumedAt) });

function toPayload(row: Row | null, now = Date.now()): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.expiresAt && row.expiresAt.getTime() <= now) return undefined;
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (row.consumedAt) payload.consumed = Math.floor(row.consumedAt.getTime() / 1000);
  return payload;
}

/**
 * A session that began (loginTs, whole seconds) before the second its account's access was ended
 * everywhere: a request in flight when the sessions were deleted saved it again. Pure.
 */
export function sessionOutlived(payload: AdapterPayload, notBefore: Date | null): boolean {
  if (!notBefore) return false;
  const loginTs = typeof payload.loginTs === 'number' ? payload.loginTs : 0;
  return loginTs < Math.floor(notBefore.getTime() / 1000);
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * The tokens the token endpoint issues, each written once under a fresh random id: saved by
 * group commit (insert-batcher.ts), one INSERT ... ON CONFLICT for every token issued meanwhile.
 */
export const BATCHED_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'ClientCredentials']);

type PayloadRow = { type: string; id: string; payload: string; grantId: string | null; userCode: string | null; uid: string | null; accountId: string | null; clientId: string | null; expiresAt: Date | null };

/**
 * Rows upserted in one statement, the same SQL on SQLite and PostgreSQL. Raw, because Prisma
 * compiles a query plan for each shape of a multi-row write (measured: on 50-row batches the
 * model API cost 6x to 18x more per row than this statement). The last row of an id wins.
 */
export function upsertPayloads(prisma: Db, rows: PayloadRow[]) {
  const byKey = new Map(rows.map((r) => [`${r.type}\u0000${r.id}`, r]));
  const now = new Date();
  const values = [...byKey.values()].map((r) => Prisma.sql`(${r.type}, ${r.id}, ${r.payload}, ${r.grantId}, ${r.userCode}, ${r.uid}, ${r.accountId}, ${r.clientId}, ${r.expiresAt}, ${now})`);
  return prisma.$executeRaw`INSERT INTO "OidcPayload" ("type", "id", "payload", "grantId", "userCode", "uid", "accountId", "clientId", "expiresAt", "createdAt")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("type", "id") DO UPDATE SET "payload" = excluded."payload", "grantId" = excluded."grantId", "userCode" = excluded."userCode",
      "uid" = excluded."uid", "accountId" = excluded."accountId", "clientId" = excluded."clientId", "expiresAt" = excluded."expiresAt"`;
}

export class PrismaAdapter implements Adapter {
  private readonly batcher?: InsertBatcher<PayloadRow>;

  constructor(private readonly prisma: Db, private readonly type: string) {
    if (BATCHED_MODELS.has(type)) this.batcher = new InsertBatcher<PayloadRow>({ write: (rows) => upsertPayloads(prisma, rows) });
  }

  private write(row: PayloadRow) {
    return upsertPayloads(this.prisma, [row]);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const row: PayloadRow = {
      type: this.type,
      id,
      payload: JSON.stringify(payload),
      grantId: str(payload.grantId),
      userCode: str(payload.userCode),
      uid: str(payload.uid),
      accountId: str(payload.accountId),
      clientId: str(payload.clientId),
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    if (this.batcher) await this.batcher.add(row);
    else await this.write(row);
  }

  // find, upsert, consume and destroy run on every protocol request: plain SQL by primary key
  // (the same on SQLite and PostgreSQL), without Prisma's per-query planning. The rare lookups
  // below keep the model API.
  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!isStorableKey(id)) return undefined;
    if (this.type === 'Session') return this.findSession(Prisma.sql`p."id" = ${id}`);
    const rows = await this.prisma.$queryRaw<RawRow[]>`SELECT "payload", "expiresAt", "consumedAt" FROM "OidcPayload" WHERE "type" = ${this.type} AND "id" = ${id}`;
    return toPayload(rows[0] ? fromRaw(rows[0]) : null);
  }

  /** A session, with its account's sessionsNotBefore: refused when it began before (sessionOutlived). */
  private async findSession(where: Prisma.Sql): Promise<AdapterPayload | undefined> {
    const rows = await this.prisma.$queryRaw<(RawRow & { notBefore: Date | string | null })[]>`
      SELECT p."payload", p."expiresAt", p."consumedAt", a."sessionsNotBefore" AS "notBefore"
      FROM "OidcPayload" p LEFT JOIN "Account" a ON a."id" = p."accountId"
      WHERE p."type" = 'Session' AND ${where}`;
    const payload = toPayload(rows[0] ? fromRaw(rows[0]) : null);
    return payload && !sessionOutlived(payload, asDate(rows[0]!.notBefore)) ? payload : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    if (!isStorableKey(userCode)) return undefined;
    const row = await this.prisma.oidcPayload.findFirst({
      where: { type: this.type, userCode },
      select: { payload: true, expiresAt: true, consumedAt: true },
    });
    return toPayload(row);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (!isStorableKey(uid)) return undefined;
    if (this.type === 'Session') return this.findSession(Prisma.sql`p."uid" = ${uid}`);
    const row = await this.prisma.oidcPayload.findFirst({
      where: { type: this.type, uid },
      select: { payload: true, expiresAt: true, consumedAt: true },
    });
    return toPayload(row);
  }

  /** Idempotent: consuming twice keeps the first consumption time. */
  async consume(id: string): Promise<void> {
    if (!isStorableKey(id)) return;
    await this.prisma.$executeRaw`UPDATE "OidcPayload" SET "consumedAt" = ${new Date()} WHERE "type" = ${this.type} AND "id" = ${id} AND "consumedAt" IS NULL`;
  }

  /** Idempotent: destroying a missing row is not an error. */
  async destroy(id: string): Promise<void> {
    if (!isStorableKey(id)) return;
    await this.prisma.$executeRaw`DELETE FROM "OidcPayload" WHERE "type" = ${this.type} AND "id" = ${id}`;
  }

  /** Removes every token and code issued under the grant (not interactions in progress). */
  async revokeByGrantId(grantId: string): Promise<void> {
    if (!isStorableKey(grantId)) return;
    await this.prisma.oidcPayload.deleteMany({ where: { grantId, type: { in: GRANTABLE } } });
  }
}

/** Read-only view of the Client table in the shape oidc-provider expects. */
class ClientAdapter implements Adapter {
  private readonly load: (id: string) => Promise<ClientMetadataRecord | undefined>;
  constructor(prisma: Db, private readonly cache?: ClientCache) {
    this.load = activeClientLoader(createClientRepository(prisma));
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await (this.cache ? this.cache.get(id) : this.load(id))) as AdapterPayload | undefined;
  }

  async upsert(): Promise<void> {
    throw new Error('clients are managed with `sso client`, not through the provider');
  }

  async findByUid(): Promise<undefined> { return undefined; }
  async findByUserCode(): Promise<undefined> { return undefined; }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** Deletes every expired row; returns how many. Run on a schedule and by `sso db gc`. */
export async function collectGarbage(prisma: Db, now = new Date()): Promise<number> {
  const { count } = await prisma.oidcPayload.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
