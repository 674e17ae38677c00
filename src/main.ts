/**
 * Composition root of the server: config -> logger -> database (migrated) -> keys -> provider
 * -> HTTP. Returns a handle that tests and the CLI use to stop it cleanly.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from './config/load.js';
import { createLogger, type Logger } from './util/logger.js';
import { openServices, type Services } from './services.js';
import { createProviderHost, type ProviderHost } from './oidc/provider.js';
import { providerPages } from './interaction/pages.js';
import { createRenderer } from './web/render.js';
import { closeServer, createApp, createDispatcher, listen } from './app/http.js';
import { seedDemo, type DemoCredentials } from './demo.js';
import { consoleClient } from './console/internal-client.js';
import { createConsoleAuth, ownAddress } from './console/auth.js';
import { openDirectory, type OpenDirectory } from './directory/open.js';
import { createAuthenticator } from './login/authenticate.js';
import { createLoginUseCase } from './login/attempt.js';
import { createThrottle } from './db/repos/throttle.js';
import { createAccountRepository } from './db/repos/accounts.js';
import { startSyncScheduler, type SyncScheduler } from './sync/scheduler.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';

export interface RunningServer {
  url: string;
  address: AddressInfo;
  services: Services;
  host: ProviderHost;
  demo?: DemoCredentials | undefined;
  directory: OpenDirectory;
  sync?: SyncScheduler | undefined;
  /** This server's own metrics registry (GET /metrics). */
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  if (config.generatedSecrets.length) {
    logger.warn({ generated: config.generatedSecrets, dataDir: config.dataDir },
      'DEVELOPMENT SECRETS IN USE: generated and stored in DATA_DIR/dev-secrets.json. Set COOKIE_KEYS and KEY_ENCRYPTION_SECRET for any real deployment.');
  }
  const metrics = createMetrics({ ldapServers: config.directory.kind === 'ldap' ? config.directory.urls : [] });
  const services = await openServices(config, { logger, metrics });
  const created = await services.keys.ensure();
  if (created.length) logger.info({ kids: created }, 'signing keys generated');
  const demo = config.demo ? await seedDemo(services) : undefined;
  // the console's own client (its secret derived from COOKIE_KEYS, so every instance agrees)
  await services.clients.ensureInternal(consoleClient(config.issuer, config.cookieKeys));
  const filled = await services.accounts.fillSearch();
  if (filled) logger.info({ accounts: filled }, 'search text filled in for accounts written without it');
  const directory = await openDirectory(config.directory, logger, { metrics });

  const render = createRenderer();
  const connector = directory.connector;
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
  });
  const app = createApp({
    config,
    host,
    accounts: services.accounts,
    login: createLoginUseCase({
      throttle: createThrottle(services.db.prisma, config.throttle, { gcIntervalMs: config.gcIntervalSeconds * 1000 }),
      authenticate: createAuthenticator({
        accounts: createAccountRepository(services.db.prisma),
        directory: directory.connector,
        mailDomains: directory.mailDomains,
        logger,
        endAccess: (id, reason) => services.deprovision.endAccess(id, reason),
      }),
      mailDomains: directory.mailDomains,
      logger,
      audit: services.audit,
      metrics,
    }),
    render,
    logger,
    readiness: { database: () => services.db.ping(), directory: connector ? () => connector.ping() : undefined },
    audit: services.audit,
    metrics,
    console: {
      // the console's code exchange and JWKS fetch go to this instance's own address
      auth: createConsoleAuth({ config, sessions: services.sessions, accounts: services.accounts, logger, selfUrl: () => selfUrl }),
      services,
      directory: { connector: directory.connector, mailDomains: directory.mailDomains },
    },
  });
  const server = createDispatcher(host, app, config.issuer.startsWith('https:'));
  const address = await listen(server, config.port, config.host);
  const selfUrl = ownAddress(address);
  services.deprovision.start();

  const gc = setInterval(() => {
    services.oidcPayloads.collectGarbage(new Date())
      .then((n) => n && logger.debug({ removed: n }, 'expired rows removed'))
      .then(() => services.keys.retireExpired())
      .catch((err: Error) => logger.warn({ error: err.message }, 'garbage collection failed'))
      // a prune refuses to remove rows that do not verify: that is tampering, not housekeeping
      .then(() => services.audit.prune())
      .catch((err: Error) => logger.error({ event: 'audit.prune_refused', error: err.message }, 'audit retention not applied'));
  }, config.gcIntervalSeconds * 1000);
  gc.unref();

  // Directory sync inside the server: changed-only every SYNC_INTERVAL, full every
  // SYNC_FULL_INTERVAL; one run at a time across instances (a lease in the database).
  const scheduler: SyncScheduler | undefined = directory.connector
    ? startSyncScheduler({
        repo: services.syncRepo,
        directory: directory.connector,
        mailDomains: directory.mailDomains,
        maxDisablePercent: config.sync.maxDisablePercent,
        pageSize: config.sync.pageSize,
        endAccess: (id, reason) => services.deprovision.endAccess(id, reason),
        audit: services.audit,
        logger,
        intervalSeconds: config.sync.intervalSeconds,
        fullIntervalSeconds: config.sync.fullIntervalSeconds,
        metrics,
      })
    : undefined;

  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ issuer: config.issuer, listening: url, database: services.db.provider, directory: config.directory.kind }, 'sso started');

  let closing: Promise<void> | undefined;
  return {
    url,
    address,
    services,
    host,
    demo,
    directory,
    sync: scheduler,
    metrics,
    close() {
      closing ??= (async () => {
        clearInterval(gc);
        host.close();
        await closeServer(server);
        await scheduler?.stop();
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
