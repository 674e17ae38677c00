/** Express: interaction pages, static assets, health. Protocol endpoints never come here. */
import express from 'express';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import type { Db } from '../db/client.js';
import type { DirectoryConnector } from '../directory/types.js';
import { interactionErrorHandler, interactionRouter, localeFor, type InteractionDeps } from '../interactions/routes.js';
import { metricsHandler } from '../metrics/endpoint.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Services } from '../services.js';
import type { ConsoleAuth } from '../console/auth.js';
import { consolePages } from '../console/pages.js';
import { adminRouter } from '../admin/routes.js';
import { accountRouter } from '../account/routes.js';

export interface AppDeps extends InteractionDeps {
  prisma: Db;
  directory?: DirectoryConnector | undefined;
  /** Served at GET /metrics when given. */
  metrics?: Metrics | undefined;
  /** The admin console (/admin) and "my account" (/account), signed in through the IdP itself. */
  console?: {
    auth: ConsoleAuth;
    services: Pick<Services, 'accounts' | 'clients' | 'deprovision' | 'audit' | 'db' | 'syncRepo'>;
    directory?: { connector?: DirectoryConnector | undefined; mailDomains: string[] } | undefined;
  } | undefined;
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

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // One hop: the address our own proxy saw (it appends to X-Forwarded-For); earlier entries are the client's word.
  app.set('trust proxy', deps.config.trustProxy ? 1 : false);
  app.use('/assets', express.static(publicDir, { index: false, maxAge: '1h', fallthrough: false }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const dir = deps.directory;
    const [database, directory] = await Promise.all([
      probe(() => deps.prisma.$queryRawUnsafe('SELECT 1'), READY_TIMEOUT_MS),
      dir ? probe(() => dir.ping(), READY_TIMEOUT_MS) : Promise.resolve('not configured' as const),
    ]);
    const ready = database === 'ok' && directory !== 'unreachable';
    res.status(ready ? 200 : 503).set('Cache-Control', 'no-store').json({ status: ready ? 'ready' : 'unavailable', database, directory });
  });
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics, deps.config.metricsToken, deps.logger));
  app.get('/', (_req, res) => {
    res.redirect(302, '/.well-known/openid-configuration');
  });
  // the interaction pages' errors get their own pages (and a database outage its 503) before any later handler
  const interactionErrors = interactionErrorHandler(deps);
  app.use('/interaction', interactionRouter(deps), interactionErrors);
  if (deps.console) {
    const c = deps.console;
    const pages = consolePages({ config: deps.config, render: deps.render, logger: deps.logger, auth: c.auth });
    app.use(c.auth.router(), pages.errorHandler());
    app.use('/admin', adminRouter({ config: deps.config, services: c.services, pages, logger: deps.logger, directory: c.directory }));
    app.use('/account', accountRouter({ services: c.services, pages, auth: c.auth, adminGroups: deps.config.admin.groups }));
  }
  app.use((req, res) => {
    const l = localeFor(req, res, deps.config);
    res.status(404).type('html').send(deps.render.render('error', { ...l, title: l.t('title.error'), status: 404, message: l.t('error.notFound') }));
  });
  app.use(interactionErrors);
  return app;
}
