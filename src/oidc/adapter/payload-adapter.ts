/**
 * oidc-provider's storage adapter over the OidcPayload repository (db/repos/oidc-payloads.ts):
 * one row per persisted object, keyed by (model name, id). The provider checks expiry and
 * consumption itself; this adapter finds, consumes and destroys, and hides rows whose expiry has
 * passed (garbage collection removes them).
 *
 * Bearer values are never stored (domain/bearer-values.ts): the repository keys such rows by a
 * digest of the id, and the payload is written without them (`jti`; an Interaction's copy of the
 * session cookie and the id in its resume URL); `jti` and the resume URL are put back from the id
 * presented when the row is found.
 *
 * The Client model is not stored here: it reads the Client table (clients/metadata.ts), through
 * a short-lived in-process cache when one is given (clients/cache.ts).
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientCache, ClientMetadataRecord } from '../../clients/cache.js';
import { InsertBatcher } from './insert-batcher.js';
import { isStorableKey } from '../../db/text.js';
import { payloadAtRest, restoredPayload } from '../../domain/bearer-values.js';
import type { OidcPayloadRepository, PayloadRecord, PayloadRow, SessionSeen } from '../../db/repos/oidc-payloads.js';

export type AdapterFactory = (model: string) => Adapter;

/** The models oidc-provider issues under a grant (as its own memory adapter lists them). */
export const GRANTABLE = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];

/**
 * The tokens the token endpoint issues, each written once under a fresh random id: saved by
 * group commit (insert-batcher.ts), one INSERT ... ON CONFLICT for every token issued meanwhile.
 */
export const BATCHED_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'ClientCredentials']);

export interface AdapterFactoryOptions {
  /** Active clients' metadata by id (the Client model); through the cache when one is given. */
  loadClient(id: string): Promise<ClientMetadataRecord | undefined>;
  clientCache?: ClientCache | undefined;
  /** The browser and address of the request saving a session, when there is one (My account tells sessions apart by them). */
  sessionSeen?: (() => SessionSeen | undefined) | undefined;
}

export function createAdapterFactory(repo: OidcPayloadRepository, opts: AdapterFactoryOptions): AdapterFactory {
  const client = new ClientAdapter(opts.clientCache ? (id) => opts.clientCache!.get(id) : opts.loadClient);
  return (model: string) => (model === 'Client' ? client : new PayloadAdapter(repo, model, model === 'Session' ? opts.sessionSeen : undefined));
}

/** A row as oidc-provider reads it; `jti` from the id it was found by (none when found by uid or user code). */
function toPayload(type: string, row: PayloadRecord | null, presentedId?: string, now = Date.now()): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.expiresAt && row.expiresAt.getTime() <= now) return undefined;
  const payload = restoredPayload(type, row.payload, presentedId) as AdapterPayload;
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

export class PayloadAdapter implements Adapter {
  private readonly batcher?: InsertBatcher<PayloadRow>;

  constructor(private readonly repo: OidcPayloadRepository, private readonly type: string, private readonly seen?: () => SessionSeen | undefined) {
    if (BATCHED_MODELS.has(type)) this.batcher = new InsertBatcher<PayloadRow>({ write: (rows) => repo.upsert(rows) });
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const row: PayloadRow = {
      type: this.type,
      id,
      payload: JSON.stringify(payloadAtRest(this.type, id, payload)),
      grantId: str(payload.grantId),
      userCode: str(payload.userCode),
      uid: str(payload.uid),
      accountId: str(payload.accountId),
      clientId: str(payload.clientId),
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      seen: this.seen?.(),
    };
    if (this.batcher) await this.batcher.add(row);
    else await this.repo.upsert([row]);
  }

  // Keys from a request may hold NUL, which PostgreSQL text cannot: such a key is not found,
  // without asking the database.
  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!isStorableKey(id)) return undefined;
    if (this.type === 'Session') return this.session(await this.repo.findSession({ id }), id);
    return toPayload(this.type, await this.repo.find(this.type, id), id);
  }

  /** A session, refused when it began before its account's access was ended (sessionOutlived). */
  private session(row: (PayloadRecord & { notBefore: Date | null }) | null, presentedId?: string): AdapterPayload | undefined {
    const payload = toPayload('Session', row, presentedId);
    return payload && !sessionOutlived(payload, row!.notBefore) ? payload : undefined;
  }

  /**
   * Found by user code, a DeviceCode has no jti (its device code is stored only as a digest):
   * the device flow is not enabled here (docs/tokens-at-rest.md says what enabling it needs).
   */
  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    if (!isStorableKey(userCode)) return undefined;
    return toPayload(this.type, await this.repo.findByUserCode(this.type, userCode));
  }

  /**
   * Found by uid, a Session has no jti (its cookie value is stored only as a digest):
   * oidc-provider finds sessions by uid only to check them (their account and grants, for a token
   * bound to its session and when an interaction resumes), never to save them.
   */
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (!isStorableKey(uid)) return undefined;
    if (this.type === 'Session') return this.session(await this.repo.findSession({ uid }));
    return toPayload(this.type, await this.repo.findByUid(this.type, uid));
  }

  /** Idempotent: consuming twice keeps the first consumption time. */
  async consume(id: string): Promise<void> {
    if (!isStorableKey(id)) return;
    await this.repo.consume(this.type, id, new Date());
  }

  /** Idempotent: destroying a missing row is not an error. */
  async destroy(id: string): Promise<void> {
    if (!isStorableKey(id)) return;
    await this.repo.destroy(this.type, id);
  }

  /** Removes every token and code issued under the grant (not interactions in progress). */
  async revokeByGrantId(grantId: string): Promise<void> {
    if (!isStorableKey(grantId)) return;
    await this.repo.revokeByGrantId(grantId, GRANTABLE);
  }
}

/** Read-only view of the Client table in the shape oidc-provider expects. */
class ClientAdapter implements Adapter {
  constructor(private readonly load: (id: string) => Promise<ClientMetadataRecord | undefined>) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.load(id)) as AdapterPayload | undefined;
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
