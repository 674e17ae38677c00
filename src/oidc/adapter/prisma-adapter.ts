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

export type AdapterFactory = (model: string) => Adapter;

/** The models oidc-provider issues under a grant (as its own memory adapter lists them). */
export const GRANTABLE = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];

export function createPrismaAdapterFactory(prisma: Db, opts: { clientCache?: ClientCache | undefined } = {}): AdapterFactory {
  return (model: string) => (model === 'Client' ? new ClientAdapter(prisma, opts.clientCache) : new PrismaAdapter(prisma, model));
}


type Row = { payload: string; expiresAt: Date | null; consumedAt: Date | null };

function toPayload(row: Row | null, now = Date.now()): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.expiresAt && row.expiresAt.getTime() <= now) return undefined;
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (row.consumedAt) payload.consumed = Math.floor(row.consumedAt.getTime() / 1000);
  return payload;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export class PrismaAdapter implements Adapter {
  constructor(private readonly prisma: Db, private readonly type: string) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const data = {
      payload: JSON.stringify(payload),
      grantId: str(payload.grantId),
      userCode: str(payload.userCode),
      uid: str(payload.uid),
      accountId: str(payload.accountId),
      clientId: str(payload.clientId),
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    await this.prisma.oidcPayload.upsert({
      where: { type_id: { type: this.type, id } },
      create: { type: this.type, id, ...data },
      update: data,
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const row = await this.prisma.oidcPayload.findUnique({
      where: { type_id: { type: this.type, id } },
      select: { payload: true, expiresAt: true, consumedAt: true },
    });
    return toPayload(row);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const row = await this.prisma.oidcPayload.findFirst({
      where: { type: this.type, userCode },
      select: { payload: true, expiresAt: true, consumedAt: true },
    });
    return toPayload(row);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const row = await this.prisma.oidcPayload.findFirst({
      where: { type: this.type, uid },
      select: { payload: true, expiresAt: true, consumedAt: true },
    });
    return toPayload(row);
  }

  /** Idempotent: consuming twice keeps the first consumption time. */
  async consume(id: string): Promise<void> {
    await this.prisma.oidcPayload.updateMany({
      where: { type: this.type, id, consumedAt: null },
      data: { consumedAt: new Date() },
    });
  }

  /** Idempotent: destroying a missing row is not an error. */
  async destroy(id: string): Promise<void> {
    await this.prisma.oidcPayload.deleteMany({ where: { type: this.type, id } });
  }

  /** Removes every token and code issued under the grant (not interactions in progress). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.prisma.oidcPayload.deleteMany({ where: { grantId, type: { in: GRANTABLE } } });
  }
}

/** Read-only view of the Client table in the shape oidc-provider expects. */
class ClientAdapter implements Adapter {
  private readonly load: (id: string) => Promise<ClientMetadataRecord | undefined>;
  constructor(prisma: Db, private readonly cache?: ClientCache) {
    this.load = activeClientLoader(prisma);
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
