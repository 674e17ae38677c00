/** Express: interaction pages, static assets, health. Protocol endpoints never come here. */
import express from 'express';
import { fileURLToPath } from 'node:url';
import type { Db } from '../db/client.js';
import type { DirectoryConnector } from '../directory/types.js';
import { interactionErrorHandler, interactionRouter, localeFor, type InteractionDeps } from '../interactions/routes.js';

export interface AppDeps extends InteractionDeps {
  prisma: Db;
  directory?: DirectoryConnector | undefined;
}

const publicDir = fileURLToPath(new URL('../../public', import.meta.url));

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
    const [database, directory] = await Promise.all([
      deps.prisma.$queryRawUnsafe('SELECT 1').then(() => 'ok', () => 'unreachable'),
      deps.directory ? deps.directory.ping().then((ok) => (ok ? 'ok' : 'unreachable')) : Promise.resolve('not configured'),
    ]);
    const ready = database === 'ok' && directory !== 'unreachable';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', database, directory });
  });
  app.get('/', (_req, res) => {
    res.redirect(302, '/.well-known/openid-configuration');
  });
  app.use('/interaction', interactionRouter(deps));
  app.use((req, res) => {
    const l = localeFor(req, res, deps.config);
    res.status(404).type('html').send(deps.render.render('error', { ...l, title: l.t('title.error'), status: 404, message: l.t('error.notFound') }));
  });
  app.use(interactionErrorHandler(deps));
  return app;
}
