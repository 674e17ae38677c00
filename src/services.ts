/**
 * The services the server and the CLI share, built from one Config. The CLI uses these
 * directly (never the HTTP API), so both act on the database the same way.
 */
import type { Config } from './config/load.js';
import { openDatabase, type Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createSyncRepository, type SyncRepository } from './db/repos/sync.js';
import { AccountError, createAccountService, type AccountService } from './accounts/service.js';
import { createClientService, type ClientService } from './clients/service.js';
import { activeClientLoader, createClientCache, type ClientCache } from './clients/cache.js';
import { createKeyStore, type KeyStore } from './oidc/keys/store.js';
import { createDeprovisioner, type Deprovisioner } from './deprovision/service.js';
import { createLogger, type Logger } from './util/logger.js';
import { createAuditLog, type AuditLog } from './audit/log.js';
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
  /**
   * The hash-chained audit trail. The services above record their own changes in it; the
   * provider side (logins, consent, logout) and the sync record theirs with audit.record().
   */
  audit: AuditLog;
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
  if (!account) throw new AccountError('not_found', `no account with login "${login}"`);
  return { account, ...(await s.deprovision.endAccess(account.id, reason)) };
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
  const audit = actorAware(createAuditLog(db.prisma, {
    logger: opts.logger ?? createLogger('error', process.stderr),
    retentionSeconds: config.audit.retentionSeconds,
    actor: opts.actor ?? processActor(),
  }));
  const keys = createKeyStore(db.prisma, { secret: config.keyEncryptionSecret, algs: config.signingAlgs, audit });
  const deprovision = createDeprovisioner({
    idTokenAlg: config.signingAlgs[0],
    prisma: db.prisma,
    keys,
    issuer: config.issuer,
    logger: opts.logger ?? createLogger('silent'),
    attempts: config.logoutDelivery.attempts,
    timeoutMs: config.logoutDelivery.timeoutMs,
    audit,
    metrics: opts.metrics,
  });
  const clientCache = createClientCache(activeClientLoader(db.prisma));
  return {
    config,
    db,
    accounts: createAccountService(db.prisma, { audit }),
    clients: createClientService(db.prisma, { audit, cache: clientCache }),
    clientCache,
    keys,
    deprovision,
    audit,
    syncRepo: createSyncRepository(db.prisma),
    close: async () => {
      await deprovision.stop();
      await audit.flush();
      await db.close();
    },
  };
}
