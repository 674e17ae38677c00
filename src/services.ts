/**
 * The services the server and the CLI share, built from one Config. The CLI uses these
 * directly (never the HTTP API), so both act on the database the same way.
 */
import type { Config } from './config/load.js';
import { openDatabase, type Database } from './db/client.js';
import { migrate, type MigrateResult } from './db/migrate.js';
import { createAccountService, type AccountService } from './accounts/service.js';
import { createAccountRepository } from './db/repos/accounts.js';
import { SsoError } from './domain/errors.js';
import { createSyncRepository, type SyncRepository } from './db/repos/sync.js';
import { createClientService, type ClientService } from './clients/service.js';
import { createClientRepository } from './db/repos/clients.js';
import { createOidcPayloadRepository, type OidcPayloadRepository } from './db/repos/oidc-payloads.js';
import { activeClientLoader, createClientCache, type ClientCache, type ClientMetadataRecord } from './clients/cache.js';
import { createKeyStore, type KeyStore } from './keys/store.js';
import { createSigningKeyRepository } from './db/repos/signing-keys.js';
import { createDeprovisioner, type Deprovisioner } from './deprovision/service.js';
import { createSessionRepository, type SessionRepository } from './db/repos/sessions.js';
import { createLogoutDeliveryRepository, type LogoutDeliveryRepository } from './db/repos/logout-deliveries.js';
import { createLogger, type Logger } from './util/logger.js';
import { createAuditLog, type AuditLog } from './audit/log.js';
import { createAuditRepository } from './db/repos/audit.js';
import { createAuditQuery, type AuditQuery } from './audit/query.js';
import { actorAware, processActor } from './audit/actor.js';
import type { Metrics } from './metrics/metrics.js';

export interface Services {
  config: Config;
  db: Database;
  accounts: AccountService;
  clients: ClientService;
  /** Client metadata the provider reads on every request, kept a few seconds; the client service drops what it changes. */
  clientCache: ClientCache;
  keys: KeyStore;
  /** Ends an account's access (sessions, grants, tokens) and delivers back-channel logout tokens. */
  deprovision: Deprovisioner;
  /** Single sign-on sessions and consent as stored (the read model pages and the dashboard show). */
  sessions: SessionRepository;
  /** The back-channel logout queue (what the dashboard counts and `sso logout-deliveries` lists). */
  deliveries: LogoutDeliveryRepository;
  /**
   * The hash-chained audit trail. The services above record their own changes in it; the
   * provider side (logins, consent, logout) and the sync record theirs with audit.record().
   */
  audit: AuditLog;
  /** The console's view of the trail: filters, pages, exports. */
  auditQuery: AuditQuery;
  /** What oidc-provider stores (sessions, tokens, codes, grants). */
  oidcPayloads: OidcPayloadRepository;
  /** Active clients' metadata from the database (the provider reads it through clientCache). */
  loadClient(id: string): Promise<ClientMetadataRecord | undefined>;
  /** The directory sync's storage (its runs, its mark, the accounts it reads and writes in bulk). */
  syncRepo: SyncRepository;
  close(): Promise<void>;
}

/**
 * Disables an account and ends its access at once (sessions, grants, tokens; its applications are
 * told): `sso account disable` and the console do exactly this.
 */
export async function disableAccount(s: Pick<Services, 'accounts' | 'deprovision'>, login: string, reason: string) {
  const account = await s.accounts.setStatus(login, 'disabled');
  return { account, ...(await s.deprovision.endAccess(account.id, reason)) };
}

/** Ends every session and token of an account, which stays enabled: `sso account logout` and the console. */
export async function logoutEverywhere(s: Pick<Services, 'accounts' | 'deprovision'>, login: string, reason: string) {
  const account = await s.accounts.byLogin(login);
  if (!account) throw new SsoError('not_found', `no account with login "${login}"`);
  return { account, ...(await s.deprovision.endAccess(account.id, reason)) };
}

/** Applies the pending migrations (openServices does it too): `sso db migrate`. */
export function migrateDatabase(config: Pick<Config, 'databaseUrl'>): Promise<MigrateResult> {
  return migrate(config.databaseUrl);
}

/**
 * Housekeeping: deletes the expired sessions, tokens, codes and interactions, retires the
 * signing keys past their grace period, then prunes the audit trail (which throws, refusing,
 * when the events to remove do not verify): `sso db gc`.
 */
export async function runMaintenance(s: Pick<Services, 'oidcPayloads' | 'keys' | 'audit'>): Promise<{ removed: number; retired: number }> {
  const removed = await s.oidcPayloads.collectGarbage(new Date());
  const retired = await s.keys.retireExpired();
  await s.audit.prune();
  return { removed, retired };
}

/** The login of each of these accounts, in one query (an id with no account is left out). */
export function loginsById(s: Pick<Services, 'accounts'>, ids: readonly string[]): Promise<Map<string, string>> {
  return s.accounts.loginsById(ids);
}

export interface OpenServicesOptions {
  migrate?: boolean;
  logger?: Logger;
  /** Who the services' changes are recorded as (default: the OS user and host of this process). */
  actor?: string;
  /** The server's metrics (the CLI has none). */
  metrics?: Metrics | undefined;
}

export async function openServices(config: Config, opts: OpenServicesOptions = {}): Promise<Services> {
  if (opts.migrate !== false) await migrate(config.databaseUrl);
  const db = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  // the CLI passes no logger: an audit event it cannot write still goes to stderr, at error level
  // actorAware: inside actingAs() (a console request) the services record that person as the actor
  const auditRepo = createAuditRepository(db.prisma);
  const audit = actorAware(createAuditLog(auditRepo, {
    logger: opts.logger ?? createLogger('error', process.stderr),
    retentionSeconds: config.audit.retentionSeconds,
    actor: opts.actor ?? processActor(),
  }));
  const keys = createKeyStore(createSigningKeyRepository(db.prisma), { secret: config.keyEncryptionSecret, algs: config.signingAlgs, audit });
  const sessions = createSessionRepository(db.prisma);
  const deliveries = createLogoutDeliveryRepository(db.prisma);
  const deprovision = createDeprovisioner({
    idTokenAlg: config.signingAlgs[0],
    sessions,
    deliveries,
    keys,
    issuer: config.issuer,
    logger: opts.logger ?? createLogger('silent'),
    attempts: config.logoutDelivery.attempts,
    timeoutMs: config.logoutDelivery.timeoutMs,
    audit,
    metrics: opts.metrics,
  });
  const clientRepo = createClientRepository(db.prisma);
  const clientCache = createClientCache(activeClientLoader(clientRepo));
  return {
    config,
    db,
    accounts: createAccountService({ accounts: createAccountRepository(db.prisma), sessions, clients: clientRepo }, { audit }),
    clients: createClientService(clientRepo, { audit, cache: clientCache }),
    clientCache,
    keys,
    deprovision,
    sessions,
    deliveries,
    audit,
    auditQuery: createAuditQuery(auditRepo),
    oidcPayloads: createOidcPayloadRepository(db.prisma),
    loadClient: activeClientLoader(clientRepo),
    syncRepo: createSyncRepository(db.prisma),
    close: async () => {
      await deprovision.stop();
      await audit.flush();
      await db.close();
    },
  };
}
