/** The console's dashboard (/admin): accounts, live sessions, the last sync, logout deliveries that failed. */
import type express from 'express';
import { listSyncRuns } from '../sync/state.js';
import type { AdminDeps } from './section.js';
import { syncRunView } from './view-models.js';

export function dashboardRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;
  const prisma = s.db.prisma;

  // ---- dashboard ----------------------------------------------------------------------------
  router.get('/', async (req, res) => {
    const now = new Date();
    const [counts, sessions, runs, failed, retrying, failures] = await Promise.all([
      s.accounts.countByStatus(),
      prisma.oidcPayload.count({ where: { type: 'Session', OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
      listSyncRuns(prisma, 1),
      prisma.logoutDelivery.count({ where: { status: 'failed' } }),
      prisma.logoutDelivery.count({ where: { status: { in: ['pending', 'sending'] }, attempts: { gt: 0 } } }),
      s.deprovision.list({ status: 'failed', limit: 5 }),
    ]);
    pages.page(req, res, 'admin/dashboard', {
      title: 'dashboard.title',
      nav: 'dashboard',
      counts,
      sessions,
      lastSync: runs[0] ? syncRunView(runs[0]) : null,
      deliveries: { failed, retrying, recent: failures },
    });
  });
}
