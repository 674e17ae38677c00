/**
 * The server, from the composition root's services (container.ts): config -> logger -> services
 * (database migrated) -> keys -> directory -> provider -> HTTP -> background work (logout
 * deliveries, housekeeping, directory sync). Returns a handle that tests and the CLI use to stop
 * it cleanly.
 */
import { createSamlSso } from '../saml/sso.js';
import { createSamlLogout } from '../saml/logout.js';
import { samlRelyingParty } from '../saml/relying-party.js';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/load.js';
import { createLogger, type Logger } from '../util/logger.js';
import { openServices, type Services } from './container.js';
import { createProviderHost, type ProviderHost } from '../oidc/provider.js';
import { providerPages } from '../interaction/pages.js';
import { createRenderer, DEFAULT_VIEWS_DIR } from '../web/render.js';
import type { BrandSetup } from '../web/brand.js';
import { readBrandLogo } from './brand-logo.js';
import { closeServer, createApp, createCertificateApp, createDispatcher, listen } from './http.js';
import { openCertificateLogin } from './certificate.js';
import { seedDemo, type DemoCredentials } from './demo.js';
import { consoleClient } from '../console/internal-client.js';
import { createConsoleAuth, ownAddress } from '../console/auth.js';
import { openDirectory, type OpenDirectory } from '../directory/open.js';
import { createAuthenticator } from '../login/authenticate.js';
import { createLoginUseCase } from '../login/attempt.js';
import { createKnownDevices } from '../login/known-device.js';
import { startSyncScheduler, type SyncScheduler } from '../sync/scheduler.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { openToOthers, storagePaths } from '../db/files.js';
import { startAuditForwarding, type ForwarderTuning } from './audit-forwarding.js';
import type { AuditForwarder } from '../audit/syslog/forwarder.js';
import { createAccess } from '../access/current.js';

export interface RunningServer {
  url: string;
  address: AddressInfo;
  services: Services;
  host: ProviderHost;
  demo?: DemoCredentials | undefined;
  directory: OpenDirectory;
  sync?: SyncScheduler | undefined;
  /** The audit trail's syslog forwarder (AUDIT_SYSLOG). */
  forwarder?: AuditForwarder | undefined;
  /** This server's own metrics registry (GET /metrics). */
  metrics: Metrics;
  close(): Promise<void>;
}

/** A warning (event storage.permissions_open) when the data directory or the database files are open to other users. */
function warnOpenFiles(config: Config, logger: Logger): void {
  const open = openToOthers(storagePaths(config.databaseUrl, config.dataDir));
  if (!open.length) return;
  logger.warn({ event: 'storage.permissions_open', paths: open },
    'data files open to other users of this machine (they hold the accounts, consent, sealed signing keys and the audit trail): chmod 700 the directories and 600 the files listed (docs/upgrading.md)');
}

/** Before serving: signing keys, the demo, the console's own client, search text of older rows. */
async function prepare(config: Config, services: Services, logger: Logger): Promise<DemoCredentials | undefined> {
  warnOpenFiles(config, logger);
  if (config.generatedSecrets.length) {
    logger.warn({ event: 'config.dev_secrets', generated: config.generatedSecrets, dataDir: config.dataDir },
      'DEVELOPMENT SECRETS IN USE: generated and stored in DATA_DIR/dev-secrets.json. Set COOKIE_KEYS and KEY_ENCRYPTION_SECRET for any real deployment.');
  }
  for (const problem of config.unknownSettings) logger.warn({ event: 'config.unknown_setting', name: problem.split(' ')[0] }, problem);
  if (!config.mfa.consoleRequired && config.production) logger.warn({ event: 'config.mfa_console_off' }, 'MFA_CONSOLE_REQUIRED=false: administrators and helpdesk officers reach the console with a password alone (for trials only)');
  const created = await services.keys.ensure();
  if (created.length) logger.info({ event: 'keys.created', kids: created }, 'signing keys generated');
  const demo = config.demo ? await seedDemo(services) : undefined;
  // the console's own client (its secret derived from KEY_ENCRYPTION_SECRET, so every instance agrees, whatever their COOKIE_KEYS)
  await services.clients.ensureInternal(consoleClient(config.issuer, config.keyEncryptionSecret));
  // the SAML signing key and certificate, and each SAML service provider's linked client
  if (await services.saml.keys.ensure()) logger.info({ event: 'keys.created', use: 'saml' }, 'SAML signing key and certificate generated');
  await services.saml.registry.ensureClients();
  const filled = await services.accounts.fillSearch();
  if (filled) logger.info({ event: 'accounts.search_filled', accounts: filled }, 'search text filled in for accounts written without it');
  return demo;
}

/** The login use case on this directory. */
function loginUseCase(services: Services, directory: OpenDirectory, logger: Logger, metrics: Metrics) {
  return createLoginUseCase({
    throttle: services.throttle,
    authenticate: createAuthenticator({
      accounts: services.accountRepo,
      directory: directory.connector,
      mailDomains: directory.mailDomains,
      logger,
      endAccess: (id, reason) => services.deprovision.endAccess(id, reason),
    }),
    mailDomains: directory.mailDomains,
    logger,
    audit: services.audit,
    metrics,
    devices: createKnownDevices(services.config.cookieKeys, services.config.login.knownDeviceTtlSeconds),
    failureFloorMs: services.config.login.failureFloorMs,
  });
}

interface Parts {
  config: Config;
  /** The brand every page shows (the logo read and checked at start). */
  brand: BrandSetup;
  services: Services;
  directory: OpenDirectory;
  logger: Logger;
  metrics: Metrics;
}

/** The provider host and the HTTP server in front of it (not listening yet). */
async function buildHttp(p: Parts, selfUrl: () => string) {
  const { config, services, directory, logger, metrics } = p;
  const render = createRenderer(DEFAULT_VIEWS_DIR, p.brand);
  const connector = directory.connector;
  // who may use which application: groups read again from the directory, kept ACCESS_GROUPS_CACHE
  const access = createAccess({ accounts: services.accountRepo, directory: connector, cacheSeconds: config.access.groupsCacheSeconds, logger, audit: services.audit });
  const host = await createProviderHost({
    config,
    storage: { payloads: services.oidcPayloads, sessions: services.sessions, loadClient: services.loadClient },
    accounts: services.accounts,
    keys: services.keys,
    pages: providerPages(render, config, logger),
    logger,
    audit: services.audit,
    metrics,
    clientCache: services.clientCache,
    queueLogout: (clientId, accountId, sid) => services.deprovision.queueLogout(clientId, accountId, sid, 'logout at the IdP'),
    access,
  });
  const certificate = await openCertificateLogin(config, services, logger, connector);
  const app = createApp({
    config,
    host,
    certificate,
    accounts: services.accounts,
    login: loginUseCase(services, directory, logger, metrics),
    webauthn: services.webauthn,
    secondFactors: services.secondFactors,
    render,
    brand: p.brand,
    logger,
    readiness: { database: () => services.db.ping(), directory: connector ? () => connector.ping() : undefined },
    audit: services.audit,
    metrics,
    console: {
      // the console's code exchange and JWKS fetch go to this instance's own address
      auth: createConsoleAuth({ config, sessions: services.sessions, accounts: services.accounts, logger, selfUrl }),
      services: { ...services, launcher: services.launcher.withAccess(access) },
      directory: { connector, mailDomains: directory.mailDomains },
    },
    saml: {
      keys: services.saml.keys,
      sso: createSamlSso({ issuer: config.issuer, keyEncryptionSecret: config.keyEncryptionSecret, repo: services.saml.repo, keys: services.saml.keys, accounts: services.accounts, sessions: services.sessions, rp: samlRelyingParty(config, selfUrl), homeUrlOf: async (id) => (await services.clients.get(id).catch(() => null))?.home_url ?? null, audit: services.audit }),
      logout: createSamlLogout({ issuer: config.issuer, repo: services.saml.repo, keys: services.saml.keys, sessions: services.sessions, endSession: (accountId, sid, reason) => services.deprovision.endSession(accountId, sid, reason), audit: services.audit }),
    },
  });
  const certificateApp = certificate ? createCertificateApp({ config, render, brand: p.brand, logger, certificate }) : undefined;
  return { host, server: createDispatcher(host, app, config, certificateApp) };
}

/** Every GC_INTERVAL: expired rows, retired keys, audit retention. */
function startHousekeeping(config: Config, services: Services, logger: Logger): NodeJS.Timeout {
  // the steps of runMaintenance (`sso db gc`), each going on when the one before failed
  const gc = setInterval(() => {
    services.oidcPayloads.collectGarbage(new Date())
      .then((n) => n && logger.debug({ event: 'gc.removed', removed: n }, 'expired rows removed'))
      .then(() => services.clients.forgetEndedOverlaps())
      .then(() => services.keys.retireExpired())
      .catch((err: Error) => logger.warn({ event: 'gc.failed', error: err.message }, 'garbage collection failed'))
      // a prune refuses to remove rows that do not verify: that is tampering, not housekeeping
      .then(() => services.audit.prune())
      .catch((err: Error) => logger.error({ event: 'audit.prune_refused', error: err.message }, 'audit retention not applied'));
  }, config.gcIntervalSeconds * 1000);
  gc.unref();
  return gc;
}

/**
 * Directory sync inside the server: changed-only every SYNC_INTERVAL, full every
 * SYNC_FULL_INTERVAL; one run at a time across instances (a lease in the database).
 */
function startSync(p: Parts): SyncScheduler | undefined {
  const { config, services, directory } = p;
  if (!directory.connector) return undefined;
  return startSyncScheduler({
    repo: services.syncRepo,
    directory: directory.connector,
    mailDomains: directory.mailDomains,
    maxDisablePercent: config.sync.maxDisablePercent,
    pageSize: config.sync.pageSize,
    endAccess: (id, reason) => services.deprovision.endAccess(id, reason),
    endSessionsOnPasswordChange: config.sync.passwordChangeLogout,
    audit: services.audit,
    logger: p.logger,
    intervalSeconds: config.sync.intervalSeconds,
    fullIntervalSeconds: config.sync.fullIntervalSeconds,
    metrics: p.metrics,
  });
}

export interface StartOptions {
  /** The audit forwarder's pauses and lease times (tests). */
  forwarder?: ForwarderTuning;
}

/** The brand from the configuration; a bad BRAND_LOGO_FILE throws ConfigError (before anything is opened). */
function brandOf(config: Config): BrandSetup {
  return { ...config.brand, logo: readBrandLogo(config.brand.logoFile), helpdeskContact: config.login.helpdeskContact };
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel), opts: StartOptions = {}): Promise<RunningServer> {
  const brand = brandOf(config);
  const metrics = createMetrics({ ldapServers: config.directory.kind === 'ldap' ? config.directory.urls : [] });
  const services = await openServices(config, { logger, metrics, migrate: config.migrate });
  metrics.mfaEnrolledFrom(async () => ({ ...(await services.secondFactors.enrolledCounts()), webauthn: await services.webauthn.accountsWithAuthenticators() }));
  const demo = await prepare(config, services, logger);
  const directory = await openDirectory(config.directory, logger, { metrics });
  const parts: Parts = { config, brand, services, directory, logger, metrics };
  let selfUrl = '';
  const { host, server } = await buildHttp(parts, () => selfUrl);
  // before listening: an unreadable AUDIT_SYSLOG_CA_FILE stops the start
  const forwarder = startAuditForwarding(config, services.auditForward, logger, opts.forwarder);
  const address = await listen(server, config.port, config.host);
  selfUrl = ownAddress(address);
  services.deprovision.start();
  const gc = startHousekeeping(config, services, logger);
  const scheduler = startSync(parts);
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ event: 'sso.started', issuer: config.issuer, listening: url, database: services.db.provider, directory: config.directory.kind }, 'sso started');

  let closing: Promise<void> | undefined;
  return {
    url,
    address,
    services,
    host,
    demo,
    directory,
    sync: scheduler,
    forwarder,
    metrics,
    close() {
      closing ??= (async () => {
        clearInterval(gc);
        host.close();
        await closeServer(server);
        // a logout answered just before: its audit record is written before the trail is closed
        await host.settled();
        await scheduler?.stop();
        await forwarder?.stop();
        await services.deprovision.stop();
        await directory.close();
        await services.close();
        metrics.close();
        logger.info({ event: 'sso.stopped' }, 'sso stopped: HTTP server closed, sync and deliveries stopped, directory connections and database pool closed');
      })();
      return closing;
    },
  };
}
