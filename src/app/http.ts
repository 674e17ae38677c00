/**
 * The HTTP side of the server: the Express app (interaction pages, the console and "my account",
 * static assets, health, metrics) and the dispatcher by path in front of it, which sends protocol
 * endpoints straight to oidc-provider. Graceful shutdown: stop accepting, let in-flight requests end.
 */
import { browserBundle, WEBAUTHN_BROWSER_PATH } from '../webauthn/http.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import type { DirectoryConnector } from '../directory/types.js';
import { isProtocolPath } from '../oidc/routes.js';
import type { ProviderHost } from '../oidc/provider.js';
import { metricsHandler, warnIfMetricsOpen } from '../metrics/endpoint.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AuditLog } from '../audit/log.js';
import { createConsentUseCase } from '../consent/grant.js';
import { interactionRouter, type InteractionDeps } from '../interaction/routes.js';
import type { ConsoleAuth } from '../console/auth.js';
import { consolePages } from '../console/pages.js';
import { adminRouter, type AdminServices } from '../admin/routes.js';
import { myAccountRouter, type MyAccountServices } from '../my-account/routes.js';
import { errorPages } from '../web/errors.js';
import { setSecurityHeaders } from '../web/security-headers.js';
import { brandAssets, type BrandSetup } from '../web/brand.js';
import { ADDRESS_PATHS, isMisdirected, misdirectedBody, pinToIssuer } from '../web/host.js';
import type { Config } from '../config/load.js';
import type { Launcher } from '../launcher/apps.js';
import { logoHandler } from '../launcher/logo-route.js';
import { launcherRouter } from '../launcher/routes.js';
import { certificateRouter } from '../certificate/routes.js';
import { fromTrustedProxy } from '../certificate/login.js';
import { samlRouter } from '../saml/routes.js';
import type { SamlKeyStore } from '../saml/keys.js';
import type { SamlSso } from '../saml/sso.js';
import type { SamlLogout } from '../saml/logout.js';

/**
 * What /readyz asks: the database answers; the directory, when there is one, answers its ping.
 * Only the database decides readiness: without the directory, sessions, refresh tokens and local
 * accounts still work, and taking every instance out of the load balancer would turn a directory
 * outage into a full one. `?strict=1` counts the directory too.
 */
export interface Readiness {
  database(): Promise<unknown>;
  directory?: (() => Promise<boolean>) | undefined;
}

export interface AppDeps extends Omit<InteractionDeps, 'consent'> {
  readiness: Readiness;
  /** The logo and colour served under /assets (the renderer shows the rest of the brand). */
  brand?: Pick<BrandSetup, 'logo' | 'primaryColor'> | undefined;
  /** The audit trail: consent. */
  audit?: Pick<AuditLog, 'record'> | undefined;
  /** Served at GET /metrics when given. */
  metrics?: Metrics | undefined;
  /** The admin console (/admin) and "my account" (/account), signed in through the IdP itself. */
  console?: {
    auth: ConsoleAuth;
    services: AdminServices & MyAccountServices & { launcher: Launcher };
    directory?: { connector?: DirectoryConnector | undefined; mailDomains: string[] } | undefined;
  } | undefined;
  /** The SAML identity provider (/saml/metadata, /saml/sso, /saml/callback). */
  saml?: { keys: SamlKeyStore; sso: SamlSso; logout?: SamlLogout | undefined } | undefined;
}

/** /readyz answers within this bound even when the database or the directory hangs. */
export const READY_TIMEOUT_MS = 2_000;

/** The probe's verdict, or 'unreachable' when it fails or takes longer than `ms`. */
function probe(check: () => Promise<unknown>, ms: number): Promise<'ok' | 'unreachable'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('unreachable'), ms);
    timer.unref();
    Promise.resolve()
      .then(check)
      .then((ok) => resolve(ok === false ? 'unreachable' : 'ok'), () => resolve('unreachable'))
      .finally(() => clearTimeout(timer));
  });
}

const publicDir = join(PROJECT_ROOT, 'public');

/**
 * GET /readyz: 200 when the database answers in time, else 503. The body says the directory's
 * state too (`degraded` when it is unreachable); `?strict=1` answers 503 for the directory as well.
 */
function readyz(readiness: Readiness): express.RequestHandler {
  return async (req, res) => {
    const strict = ['1', 'true', 'yes'].includes(String(req.query.strict ?? '').toLowerCase());
    const dir = readiness.directory;
    const [database, directory] = await Promise.all([
      probe(() => readiness.database(), READY_TIMEOUT_MS),
      dir ? probe(() => dir(), READY_TIMEOUT_MS) : Promise.resolve('not configured' as const),
    ]);
    const directoryDown = directory === 'unreachable';
    const ready = database === 'ok' && !(strict && directoryDown);
    const status = !ready ? 'unavailable' : directoryDown ? 'degraded' : 'ready';
    res.status(ready ? 200 : 503).set('Cache-Control', 'no-store').json({ status, database, directory, strict });
  };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // One hop: the address our own proxy saw (it appends to X-Forwarded-For); earlier entries are the client's word.
  app.set('trust proxy', deps.config.trustProxy ? 1 : false);
  app.use(brandAssets(deps.brand ?? {}));
  app.get(WEBAUTHN_BROWSER_PATH, browserBundle());
  app.use('/assets', express.static(publicDir, { index: false, maxAge: '1h', fallthrough: false }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', readyz(deps.readiness));
  if (deps.metrics) {
    app.get('/metrics', metricsHandler(deps.metrics, deps.config.metricsToken, deps.logger));
    warnIfMetricsOpen(deps.config.production, deps.config.metricsToken, deps.logger);
  }
  // the interaction pages' errors get their own pages (and a database outage its 503) before any later handler
  const errors = errorPages(deps);
  const consent = createConsentUseCase({ grants: () => deps.host.provider.Grant, logger: deps.logger, audit: deps.audit });
  app.use('/interaction', interactionRouter({ ...deps, consent }), errors.handler);
  if (deps.saml) app.use(samlRouter({ config: deps.config, render: deps.render, logger: deps.logger, audit: deps.audit, ...deps.saml }), errors.handler);
  if (deps.console) {
    const c = deps.console;
    app.get('/apps/:id/logo', logoHandler(c.services.launcher));
    // the app launcher at / (signed out: the product's name and "sign in")
    app.use(launcherRouter({ config: deps.config, render: deps.render, auth: c.auth, launcher: c.services.launcher }), errors.handler);
    const pages = consolePages({ config: deps.config, render: deps.render, logger: deps.logger, auth: c.auth });
    app.use(c.auth.router(), pages.errorHandler());
    app.use('/admin', adminRouter({ config: deps.config, services: c.services, pages, logger: deps.logger, directory: c.directory }));
    const help = { passwordHelpUrl: deps.config.brand.passwordHelpUrl, helpdeskContact: deps.config.login.helpdeskContact };
    app.use('/account', myAccountRouter({ services: c.services, pages, auth: c.auth, adminGroups: deps.config.admin.groups, helpdeskGroups: deps.config.admin.helpdeskGroups, help, secure: deps.config.issuer.startsWith('https:') }));
  }
  app.use(errors.notFound);
  app.use(errors.handler);
  return app;
}

/**
 * The certificate host's app (CERT_LOGIN_URL): the certificate page and the assets its page
 * needs, nothing else (every other path is a 404 there).
 */
export function createCertificateApp(deps: Pick<AppDeps, 'config' | 'render' | 'logger' | 'brand'> & { certificate: NonNullable<AppDeps['certificate']> }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy ? 1 : false);
  app.use(brandAssets(deps.brand ?? {}));
  app.use('/assets', express.static(publicDir, { index: false, maxAge: '1h', fallthrough: false }));
  const errors = errorPages(deps);
  app.use(certificateRouter({ config: deps.config, render: deps.render, certificate: deps.certificate }), errors.handler);
  app.use(errors.notFound);
  app.use(errors.handler);
  return app;
}

/** Headers only a proxy may write: dropped from a request whose peer is not one of TRUSTED_PROXIES. */
const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded', 'x-real-ip'];

/**
 * The one door: security headers, the host check, then oidc-provider for protocol paths and
 * Express for the rest. A request naming another host than ISSUER's gets 421 (probes' paths
 * excepted); one that passes is pinned to the issuer's host and scheme, so every URL either
 * side builds is the issuer's.
 */
export function createDispatcher(
  host: ProviderHost,
  app: express.Express,
  config: Pick<Config, 'issuer' | 'trustProxy'> & Partial<Pick<Config, 'trustedProxies' | 'certificate'>>,
  certificateApp?: express.Express,
): Server {
  const issuer = new URL(config.issuer);
  const https = issuer.protocol === 'https:';
  const misdirected = misdirectedBody(config.issuer);
  const proxies = config.trustedProxies ?? [];
  // the certificate host (CERT_LOGIN_URL) serves its own app only; the issuer's host never asks for a certificate
  const certOrigin = certificateApp && config.certificate ? new URL(config.certificate.loginUrl) : undefined;
  const server = createServer((req, res) => {
    setSecurityHeaders(res, https);
    // TRUSTED_PROXIES: what a proxy says is believed only from a proxy
    if (proxies.length && !fromTrustedProxy(req.socket.remoteAddress, proxies)) for (const h of FORWARDED_HEADERS) delete req.headers[h];
    const q = req.url?.indexOf('?') ?? -1;
    const path = q === -1 ? (req.url ?? '/') : req.url!.slice(0, q);
    if (certOrigin && !ADDRESS_PATHS.has(path) && !isMisdirected(req.headers, config.trustProxy, certOrigin)) {
      pinToIssuer(req.headers, config.trustProxy, certOrigin);
      certificateApp!(req, res);
      return;
    }
    if (!ADDRESS_PATHS.has(path)) {
      if (isMisdirected(req.headers, config.trustProxy, issuer)) {
        res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(misdirected);
        return;
      }
      pinToIssuer(req.headers, config.trustProxy, issuer);
    }
    if (isProtocolPath(path)) host.handle(req, res);
    else app(req, res);
  });
  // an idle kept-alive connection outlives the proxy's (nginx's upstream keepalive_timeout is 60 s):
  // with Node's 5 s, the proxy or a client could send on a connection the server was closing at
  // that moment and get a reset (a 502 at the proxy). Shutdown closes idle connections at once.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  return server;
}

/** How long an idle kept-alive connection stays open: longer than a proxy's own idle timeout. */
export const KEEP_ALIVE_MS = 65_000;

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections, closes idle ones, waits up to `graceMs` for the rest. A kept-alive
 * connection is closed as soon as its request in flight has been answered (swept every 100 ms),
 * so the stop does not wait for clients' keep-alive timeouts.
 */
export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
