/** The console's dashboard (/admin): accounts, live sessions, the last sync, logout deliveries that failed. */
import type express from 'express';
import type { AdminDeps } from './section.js';
import { syncRunView } from './view-models.js';

export function dashboardRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;

  // ---- dashboard ----------------------------------------------------------------------------
  router.get('/', async (req, res) => {
    const [counts, sessions, runs, { failed, retrying }, failures] = await Promise.all([
      s.accounts.countByStatus(),
      s.sessions.countLive(new Date()),
      s.syncRepo.listRuns(1),
      s.deliveries.counts(),
      s.deliveries.list({ status: 'failed', limit: 5 }),
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
