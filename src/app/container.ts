/**
 * The composition root: every repository and service, built once from one Config, for the
 * server (server.ts) and the CLI alike. The CLI uses these directly (never the HTTP API), so
 * both act on the database the same way.
 */
import type { Config } from '../config/load.js';
import { openDatabase, type Database } from '../db/client.js';
import { migrate, requireCurrentSchema, schemaProblem, schemaStatus, type MigrateResult, type SchemaStatus } from '../db/migrate.js';
import { dbProviderOf, type DbProvider } from '../db/provider.js';
import { createAccountService, type AccountService } from '../accounts/service.js';
import { createAccountRepository, type AccountRepository } from '../db/repos/accounts.js';
import { createThrottle, type LoginThrottle } from '../db/repos/throttle.js';
import { createSyncRepository, type SyncRepository } from '../db/repos/sync.js';
import { createClientService, type ClientService } from '../clients/service.js';
import { createClientRepository } from '../db/repos/clients.js';
import { createOidcPayloadRepository, type OidcPayloadRepository } from '../db/repos/oidc-payloads.js';
import { activeClientLoader, createClientCache, type ClientCache, type ClientMetadataRecord } from '../clients/cache.js';
import { createKeyStore, type KeyStore } from '../keys/store.js';
import { createSigningKeyRepository } from '../db/repos/signing-keys.js';
import { createDeprovisioner, type DeliveryRow, type Deprovisioner } from '../deprovision/service.js';
import { createSessionRepository, type SessionRepository } from '../db/repos/sessions.js';
import { createLogoutDeliveryRepository, type LogoutDeliveryRepository } from '../db/repos/logout-deliveries.js';
import { createLogger, type Logger } from '../util/logger.js';
import { createAuditLog, type AuditLog } from '../audit/log.js';
import { createAuditRepository } from '../db/repos/audit.js';
import { createAuditForwardRepository, type AuditForwardRepository } from '../db/repos/audit-forward.js';
import { createAuditQuery, type AuditQuery } from '../audit/query.js';
import { createLoginActivityRepository } from '../db/repos/login-activity.js';
import { translator } from '../web/i18n/index.js';
import { createWebAuthn, type WebAuthnService } from '../webauthn/service.js';
import { createWebAuthnCredentialRepository } from '../db/repos/webauthn-credentials.js';
import { createSignInActivity, type SignInActivity } from '../my-account/activity.js';
import { actorAware, processActor } from '../audit/actor.js';
import { buildSecondFactors } from './second-factor.js';
import type { SecondFactorService } from '../second-factor/service.js';
import type { Metrics } from '../metrics/metrics.js';
import { createThrottleBlocks, type ThrottleBlocks } from '../login/blocks.js';
import { createLauncher, type Launcher } from '../launcher/apps.js';
import { createMailer } from '../mail/mailer.js';
import { createSecurityNotices, type SecurityNotices } from '../mail/notices.js';
import { createSamlServices, type SamlServices } from '../saml/services.js';
import { createSamlRepository } from '../db/repos/saml.js';
import { samlSoapLogout } from '../saml/soap-logout.js';
import { SAML_PATHS } from '../saml/metadata.js';

export interface Services {
  config: Config;
  db: Database;
  accounts: AccountService;
  clients: ClientService;
  /** The app launcher at / (which applications a person may open, their logos). */
  launcher: Launcher;
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
  /** The syslog forwarder's cursor and lease (AUDIT_SYSLOG). */
  auditForward: AuditForwardRepository;
  /** The console's view of the trail: filters, pages, exports. */
  auditQuery: AuditQuery;
  /** A person's recent sign-ins, from the trail ("My account"). */
  signIns: SignInActivity;
  /** Security keys and passkeys (WebAuthn): registration, the ceremonies, the helpdesk's reset. */
  webauthn: WebAuthnService;
  /** What oidc-provider stores (sessions, tokens, codes, grants). */
  oidcPayloads: OidcPayloadRepository;
  /** Active clients' metadata from the database (the provider reads it through clientCache). */
  loadClient(id: string): Promise<ClientMetadataRecord | undefined>;
  /** The directory sync's storage (its runs, its mark, the accounts it reads and writes in bulk). */
  syncRepo: SyncRepository;
  /** Accounts as stored (the login links directory entries to them). */
  accountRepo: AccountRepository;
  /** The password-guessing counters, shared by every instance. */
  throttle: LoginThrottle;
  /** The throttle's active blocks, listed and lifted (`sso throttle`, the console), audited. */
  throttleBlocks: ThrottleBlocks;
  /** Security notices mailed to a person (SMTP_URL): a second factor enrolled or removed, a recovery code used. */
  notices: SecurityNotices;
  /** The second factor: TOTP, recovery codes, who must, the helpdesk's tools (src/second-factor/). */
  secondFactors: SecondFactorService;
  /** The SAML identity provider: its registered service providers, its signing key, its storage. */
  saml: SamlServices;
  close(): Promise<void>;
}

/** Applies the pending migrations (`sso serve` does it too, unless MIGRATE=false): `sso db migrate`. */
export function migrateDatabase(config: Pick<Config, 'databaseUrl'>): Promise<MigrateResult> {
  return migrate(config.databaseUrl);
}

/** Applied and pending migrations, read only, and what is wrong when the schema is not current: `sso db status`. */
export async function databaseSchemaStatus(config: Pick<Config, 'databaseUrl'>): Promise<SchemaStatus & { provider: DbProvider; problem: string | null }> {
  const status = await schemaStatus(config.databaseUrl);
  return { ...status, provider: dbProviderOf(config.databaseUrl), problem: schemaProblem(status) };
}

/**
 * Housekeeping: deletes the expired sessions, tokens, codes and interactions (and the client
 * secrets whose overlap ended), retires the
 * signing keys past their grace period, then prunes the audit trail (which throws, refusing,
 * when the events to remove do not verify): `sso db gc`.
 */
export async function runMaintenance(s: Pick<Services, 'oidcPayloads' | 'keys' | 'audit' | 'clients'> & Partial<Pick<Services, 'saml'>>): Promise<{ removed: number; retired: number }> {
  const removed = (await s.oidcPayloads.collectGarbage(new Date())) + ((await s.saml?.repo.collectGarbage(new Date())) ?? 0);
  await s.clients.forgetEndedOverlaps();
  const retired = await s.keys.retireExpired();
  await s.audit.prune();
  return { removed, retired };
}

export interface OpenServicesOptions {
  /**
   * Apply pending migrations first (the server, unless MIGRATE=false; tests). false: change
   * nothing, and refuse a schema that is behind or ahead of this version (every CLI command but
   * `sso db migrate`), naming the command that fixes it.
   */
  migrate?: boolean;
  logger?: Logger;
  /** Who the services' changes are recorded as (default: the OS user and host of this process). */
  actor?: string;
  /** The server's metrics (the CLI has none). */
  metrics?: Metrics | undefined;
}

/** Every repository on one database: the storage seam, built once. */
function repositories(config: Config, db: Database) {
  const prisma = db.prisma;
  return {
    accounts: createAccountRepository(prisma),
    clients: createClientRepository(prisma),
    sessions: createSessionRepository(prisma),
    deliveries: createLogoutDeliveryRepository(prisma),
    audit: createAuditRepository(prisma),
    auditForward: createAuditForwardRepository(prisma),
    signingKeys: createSigningKeyRepository(prisma),
    oidcPayloads: createOidcPayloadRepository(prisma),
    sync: createSyncRepository(prisma),
    throttle: createThrottle(prisma, config.throttle, { gcIntervalMs: config.gcIntervalSeconds * 1000 }),
  };
}

/** The deprovisioner: ending access and the logout delivery queue (back-channel tokens, SAML SOAP). */
function deprovisionerFor(config: Config, repos: ReturnType<typeof repositories>, keys: Services['keys'], audit: Services['audit'], opts: OpenServicesOptions, samlSoap: (row: DeliveryRow) => Promise<string>): Deprovisioner {
  return createDeprovisioner({
    idTokenAlg: config.signingAlgs[0],
    sessions: repos.sessions,
    deliveries: repos.deliveries,
    keys,
    issuer: config.issuer,
    logger: opts.logger ?? createLogger('silent'),
    attempts: config.logoutDelivery.attempts,
    timeoutMs: config.logoutDelivery.timeoutMs,
    audit,
    metrics: opts.metrics,
    samlSoap,
  });
}

export async function openServices(config: Config, opts: OpenServicesOptions = {}): Promise<Services> {
  if (opts.migrate !== false) {
    const { applied } = await migrate(config.databaseUrl);
    if (applied.length) opts.logger?.info({ event: 'db.migrated', applied }, `database migrated: ${applied.length} migration${applied.length === 1 ? '' : 's'} applied`);
  } else {
    await requireCurrentSchema(config.databaseUrl);
  }
  const db = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  const repos = repositories(config, db);
  // the CLI passes no logger: an audit event it cannot write still goes to stderr, at error level
  // actorAware: inside actingAs() (a console request) the services record that person as the actor
  const audit = actorAware(createAuditLog(repos.audit, {
    logger: opts.logger ?? createLogger('error', process.stderr),
    retentionSeconds: config.audit.retentionSeconds,
    actor: opts.actor ?? processActor(),
    // with AUDIT_SYSLOG, retention never removes an event before it was forwarded
    forwardedThrough: config.audit.syslog ? () => repos.auditForward.cursor() : undefined,
  }));
  const keys = createKeyStore(repos.signingKeys, { secret: config.keyEncryptionSecret, algs: config.signingAlgs, audit });
  const samlRepo = createSamlRepository(db.prisma);
  // SAML SPs with a SOAP SingleLogoutService: a signed LogoutRequest through the same queue
  const deprovision = deprovisionerFor(config, repos, keys, audit, opts, (row) => samlSoapLogout({ issuer: config.issuer, repo: samlRepo, keys: saml.keys })(row));
  const clientCache = createClientCache(activeClientLoader(repos.clients));
  const clients = createClientService(repos.clients, { audit, cache: clientCache });
  const mailer = createMailer(config.mail, opts.logger ?? createLogger('error', process.stderr));
  const notices = createSecurityNotices(mailer, { issuer: config.issuer, helpdesk: config.login.helpdeskContact });
  const accounts = createAccountService({ accounts: repos.accounts, sessions: repos.sessions, clients: repos.clients }, { audit });
  const webauthn = createWebAuthn({
    repo: createWebAuthnCredentialRepository(db.prisma), accounts: { findActive: (id) => accounts.findActive(id) }, audit, notices, logger: opts.logger,
    issuer: config.issuer, rpName: config.brand.name ?? translator('vi')('app.name'), passwordless: config.webauthn.passwordless,
  });
  const saml = createSamlServices(samlRepo, { issuer: config.issuer, keyEncryptionSecret: config.keyEncryptionSecret, clients, audit });
  return {
    config,
    db,
    accounts,
    clients,
    // SAML SPs registered with --idp-initiated: their tile starts at /saml/idp-initiated/<id>
    launcher: createLauncher(repos.clients, undefined, async () => new Map((await samlRepo.list()).filter((r) => r.idpInitiated && r.status === 'active').map((r) => [r.clientId, `${config.issuer}${SAML_PATHS.idpInitiated}/${r.id}`]))),
    clientCache,
    keys,
    deprovision,
    sessions: repos.sessions,
    deliveries: repos.deliveries,
    audit,
    auditForward: repos.auditForward,
    auditQuery: createAuditQuery(repos.audit),
    signIns: createSignInActivity({ activity: createLoginActivityRepository(db.prisma), clients: repos.clients, mailDomains: config.directory.kind === 'none' ? [] : config.directory.mailDomains }),
    webauthn,
    oidcPayloads: repos.oidcPayloads,
    loadClient: activeClientLoader(repos.clients),
    syncRepo: repos.sync,
    accountRepo: repos.accounts,
    throttle: repos.throttle,
    throttleBlocks: createThrottleBlocks({
      throttle: repos.throttle,
      accounts: repos.accounts,
      mailDomains: config.directory.kind === 'none' ? [] : config.directory.mailDomains,
      directoryLockoutAfter: config.login.directoryLockoutAfter,
      audit,
    }),
    notices,
    secondFactors: buildSecondFactors(config, db.prisma, repos.throttle, audit, { notices, otherFactors: webauthn }),
    saml,
    close: async () => {
      mailer.close();
      await deprovision.stop();
      await audit.flush();
      await db.close();
    },
  };
}
