/**
 * Builds the oidc-provider instance and keeps it current: every KEY_REFRESH_INTERVAL it re-reads
 * the key set from the database and, when it changed (rotation by any instance), swaps in a new
 * provider. In-flight requests finish on the one they started with; all state is in the database.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { errors } from 'oidc-provider';
import type { JWK, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import { userAgentOf } from '../util/log-fields.js';
import { serialized } from '../util/serialized.js';
import type { AccountService } from '../accounts/service.js';
import { verifyClientSecrets } from '../clients/secret.js';
import { createAdapterFactory } from './adapter/payload-adapter.js';
import type { OidcPayloadRepository, SessionSeen } from '../db/repos/oidc-payloads.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import type { ClientMetadataRecord } from '../clients/cache.js';
import type { ClientCache } from '../clients/cache.js';
import { providerConfiguration, type ProviderDeps } from './configuration.js';
import { keySetVersion } from '../domain/keys.js';
import type { KeyStore } from '../keys/store.js';
import type { AuditLog } from '../audit/log.js';
import type { Metrics } from '../metrics/metrics.js';
import { isDatabaseUnavailable, outageReporter } from '../db/errors.js';
import type { AdapterFactory } from './adapter/payload-adapter.js';
import { publicDocumentCaching } from './caching.js';
import type { AccessCheck } from './access-policy.js';

export interface ProviderHostDeps {
  config: Config;
  /** What the provider stores and reads: its objects, remembered consent, active clients' metadata. */
  storage: {
    payloads: OidcPayloadRepository;
    sessions: Pick<SessionRepository, 'rememberedGrantId'>;
    loadClient(id: string): Promise<ClientMetadataRecord | undefined>;
  };
  accounts: AccountService;
  keys: KeyStore;
  pages: ProviderDeps['pages'];
  logger: Logger;
  audit?: Pick<AuditLog, 'record'> | undefined;
  /** Token counters (sso_tokens_issued_total, sso_token_requests_refused_total). */
  metrics?: Pick<Metrics, 'tokenIssued' | 'tokenRefused' | 'logoutDelivery'> | undefined;
  /**
   * Queues the back-channel logout token of one application when a person logs out here
   * (deprovision's queue: delivered at once, retried with back-off). Without it oidc-provider
   * posts the token itself, once.
   */
  queueLogout?: ((clientId: string, accountId: string, sid: string | null) => Promise<unknown>) | undefined;
  /** Client metadata kept briefly in this process (clients/cache.ts); without it every lookup reads the database. */
  clientCache?: ClientCache | undefined;
  /** Per-application access policy (src/access/), asked at every authorization and refresh; absent: everyone is admitted. */
  access?: AccessCheck | undefined;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ProviderHost {
  readonly provider: Provider;
  readonly keyVersion: string;
  handle: RequestHandler;
  /** Re-reads the key set; rebuilds the provider if it changed. Returns true when it did. */
  refresh(): Promise<boolean>;
  close(): void;
  /** Resolves when the work the provider's events started (a logout's audit record) is done. */
  settled(): Promise<void>;
}

/** A database outage as the provider answers it: 503 temporarily_unavailable, protocol-shaped, no detail. */
export function temporarilyUnavailable(): Error {
  const err = new errors.TemporarilyUnavailable('the service is temporarily unavailable, try again shortly');
  return Object.assign(err, { status: 503, statusCode: 503, expose: true });
}

type Report = ReturnType<typeof outageReporter>;

/** Runs `run`; a database outage becomes temporarilyUnavailable(), other errors pass unchanged. */
function guarded<T>(run: () => Promise<T>, report: Report, where: string): Promise<T> {
  return run().catch((err: unknown) => {
    if (!isDatabaseUnavailable(err)) throw err;
    report(err, where);
    throw temporarilyUnavailable();
  });
}

/** Every adapter method guarded: the storage the provider reaches on each request. */
function guardAdapters(factory: AdapterFactory, report: Report): AdapterFactory {
  return (model) => {
    const adapter = factory(model);
    return new Proxy(adapter, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => guarded(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args), report, `oidc.${model}`);
      },
    });
  };
}

/** The access check with a database outage answered as one (503 temporarily_unavailable). */
function guardedAccess(access: AccessCheck | undefined, report: Report): AccessCheck | undefined {
  return access && { check: (q) => guarded(() => access.check(q), report, 'oidc.access') };
}

/** The browser and address of the provider request under way (oidc-provider keeps its context per request), if any. */
function sessionSeen(): SessionSeen | undefined {
  const ctx = (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
  if (!ctx) return undefined;
  return { userAgent: userAgentOf(ctx.get('user-agent')) ?? null, address: ctx.ip || null, at: new Date() };
}

/** Work an event of the provider started after its response (the logout's audit record): waited for by settled(). */
type Track = (work: Promise<unknown>) => void;

function build(deps: ProviderHostDeps, jwks: JWK[], report: Report, track: Track): Provider {
  const remembered = (accountId: string, clientId: string) => deps.storage.sessions.rememberedGrantId(accountId, clientId, new Date());
  const provider = new Provider(
    deps.config.issuer,
    providerConfiguration({
      config: deps.config,
      adapter: guardAdapters(createAdapterFactory(deps.storage.payloads, { loadClient: deps.storage.loadClient, clientCache: deps.clientCache, sessionSeen }), report),
      accounts: { ...deps.accounts, findActive: (id) => guarded(() => deps.accounts.findActive(id), report, 'oidc.findAccount') },
      jwks,
      findRememberedGrantId: (accountId, clientId) => guarded(() => remembered(accountId, clientId), report, 'oidc.grant'),
      pages: deps.pages,
      access: guardedAccess(deps.access, report),
    }),
  );
  provider.proxy = deps.config.trustProxy;
  // The client address as our own proxy saw it: the last X-Forwarded-For entry (one hop, as
  // Express's trust proxy = 1 for the pages). Koa would take the first, which the client writes.
  provider.maxIpsCount = 1;
  provider.use(publicDocumentCaching(deps.config.keys));
  // Client secrets are stored as salted HMACs (clients/secret.ts), never in the clear. The one
  // before the last rotation is accepted until the overlap's end, checked against the clock now.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string; previous_secret_hash?: string; previous_secret_until?: number }, actual: string) {
    return verifyClientSecrets(actual, { current: this.clientSecret, previous: this.previous_secret_hash, previousUntil: this.previous_secret_until });
  };
  const queueLogout = deps.queueLogout;
  if (queueLogout) {
    // oidc-provider calls this for each application of the session at logout; the queue delivers
    provider.Client.prototype.backchannelLogout = function backchannelLogout(this: { clientId: string }, sub: string, sid: string) {
      return queueLogout(this.clientId, sub, sid ?? null).then(() => undefined);
    };
  }
  const log = deps.logger;
  const metrics = deps.metrics;
  provider.on('server_error', (_ctx, err) => log.error({ event: 'oidc.server_error', err: { message: err.message, name: err.name } }, 'oidc server error'));
  // Koa's own error event (the connection failed while answering: the client went away, or sent
  // bytes that are not HTTP). Without a listener Koa prints the stack to stderr.
  (provider as unknown as NodeJS.EventEmitter).on('error', (err: NodeJS.ErrnoException) => {
    const clientSide = /^(HPE_|ECONNRESET|EPIPE|ECONNABORTED|ERR_STREAM_PREMATURE_CLOSE)/.test(String(err.code ?? '')) || /aborted|Parse Error/i.test(err.message);
    log[clientSide ? 'debug' : 'warn']({ event: 'http.connection_error', errorCode: err.code, error: err.message.slice(0, 200) }, 'connection failed while answering');
  });
  // RP-initiated logout: with queueLogout these say the token was queued (the queue counts the
  // deliveries); without it oidc-provider posted it itself, once
  provider.on('backchannel.error', (_ctx, err, client) => {
    if (!queueLogout) metrics?.logoutDelivery('failed');
    log.warn({ event: queueLogout ? 'logout.queue_failed' : 'logout.failed', client: client.clientId, error: err.message }, queueLogout ? 'back-channel logout could not be queued' : 'back-channel logout delivery failed');
  });
  provider.on('backchannel.success', (_ctx, client) => {
    if (!queueLogout) metrics?.logoutDelivery('delivered');
    log.info({ event: queueLogout ? 'logout.queued' : 'logout.delivered', client: client.clientId }, queueLogout ? 'back-channel logout queued' : 'back-channel logout delivered');
  });
  provider.on('end_session.success', (ctx) => {
    track(loggedOut(deps, ctx));
    if (queueLogout && ctx.oidc.params?.logout) track(queueSamlLogouts(ctx, queueLogout));
  });
  provider.on('end_session.error', (ctx, err) => {
    log.info({ event: 'logout.failure', ...koaClient(ctx), client: ctx.oidc?.client?.clientId, outcome: (err as { error?: string }).error ?? err.name }, 'logout refused');
  });
  // routine token traffic: counted in the metrics, logged at debug only (one line per token would
  // flood the log at the default level); refusals stay at info (a wrong client secret is news)
  provider.on('grant.success', (ctx) => {
    metrics?.tokenIssued(ctx.oidc.params?.grant_type);
    log.debug({ event: 'token.issued', client: ctx.oidc.client?.clientId, grant: ctx.oidc.params?.grant_type, ip: ctx.ip }, 'token issued');
  });
  provider.on('grant.error', (ctx, err) => {
    metrics?.tokenRefused((err as { error?: string }).error);
    log.info({ event: 'token.refused', ...koaClient(ctx), client: ctx.oidc?.client?.clientId, grant: ctx.oidc?.params?.grant_type, outcome: (err as { error?: string }).error ?? err.name }, 'token request refused');
  });
  return provider;
}

/** The client address and User-Agent of a provider request. */
function koaClient(ctx: KoaContextWithOIDC): { ip: string | undefined; userAgent: string | undefined } {
  return { ip: ctx.ip, userAgent: userAgentOf(ctx.get('user-agent')) };
}

/**
 * oidc-provider tells only the clients with a back-channel logout URI; the SAML SPs' linked clients
 * (`saml-<id>`) have none: the queue sends those SPs with a SOAP SingleLogoutService a LogoutRequest.
 */
async function queueSamlLogouts(ctx: KoaContextWithOIDC, queue: NonNullable<ProviderHostDeps['queueLogout']>): Promise<void> {
  const session = ctx.oidc.session;
  if (!session?.accountId) return;
  for (const [clientId, a] of Object.entries(session.authorizations ?? {})) {
    if (clientId.startsWith('saml-')) await queue(clientId, session.accountId, (a as { sid?: string }).sid ?? null);
  }
}

/** A logout at the IdP: audited (the person as actor) and logged with the client's address and User-Agent. */
async function loggedOut(deps: ProviderHostDeps, ctx: KoaContextWithOIDC): Promise<void> {
  const accountId = ctx.oidc.session?.accountId ?? null;
  const clientId = ctx.oidc.client?.clientId ?? null;
  const client = koaClient(ctx);
  const login = accountId ? (await deps.accounts.byId(accountId).catch(() => null))?.login ?? null : null;
  deps.logger.info({ event: 'logout.success', account: accountId, login, client: clientId, ...client, outcome: 'success' }, 'logged out');
  await deps.audit?.record({ type: 'logout', outcome: 'success', actor: login, subject: accountId, clientId, ip: ctx.ip, detail: client.userAgent ? { user_agent: client.userAgent } : {} });
}

export async function createProviderHost(deps: ProviderHostDeps): Promise<ProviderHost> {
  const first = await deps.keys.current();
  let version = keySetVersion(first.set);
  const report = outageReporter(deps.logger);
  const pending = new Set<Promise<unknown>>();
  const track: Track = (work) => {
    const p = work.catch(() => undefined).finally(() => pending.delete(p));
    pending.add(p);
  };
  let provider = build(deps, first.jwks as unknown as JWK[], report, track);
  let handler = provider.callback() as RequestHandler;
  let timer: NodeJS.Timeout | undefined;

  // refreshes run one after another: a slow read of the key set (a timer's, started before a
  // rotation) must never finish after a newer one and put the older key set back
  const refresh = serialized(async (): Promise<boolean> => {
    const next = await deps.keys.current();
    const v = keySetVersion(next.set);
    if (v === version) return false;
    provider = build(deps, next.jwks as unknown as JWK[], report, track);
    handler = provider.callback() as RequestHandler;
    version = v;
    deps.logger.info({ event: 'keys.reloaded', keys: v }, 'signing key set changed; provider rebuilt');
    return true;
  });

  timer = setInterval(() => {
    refresh().catch((err: Error) => deps.logger.warn({ event: 'keys.refresh_failed', error: err.message }, 'key set refresh failed; keeping the current keys'));
  }, deps.config.keys.refreshIntervalSeconds * 1000);
  timer.unref();

  return {
    get provider() { return provider; },
    get keyVersion() { return version; },
    handle: (req, res) => handler(req, res),
    refresh,
    close() { if (timer) clearInterval(timer); timer = undefined; },
    async settled() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}
