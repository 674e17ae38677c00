/** The console's directory sync (/admin/sync): the history, and a run started by hand. */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { runSync, type SyncMode } from '../sync/run.js';
import { SsoError } from '../domain/errors.js';
import { who } from '../console/pages.js';
import { parseForm, parseQuery, queryText, text } from '../web/forms.js';
import { syncStatusLabel } from '../web/i18n/index.js';
import type { AdminDeps } from './section.js';
import { syncRunView } from './view-models.js';

/** How long a sync started from the console is waited for before the page answers. */
const SYNC_WAIT_MS = 20_000;

/** A run by hand: changed entries only unless `full`, and a dry run with dry_run=1. */
const syncForm = z.object({
  mode: text(10).transform((v): SyncMode => (v === 'full' ? 'full' : 'changed')),
  dry_run: text(5).transform((v) => v === '1'),
});

/** The history's switch: runs that changed nothing are left out unless all=1. */
const historyQuery = z.object({ all: queryText(1).transform((v) => v === '1') });

/** Who started a run, by its holder: a person in the console (by name), the command line, or the schedule. */
function startedBy(holder: string | null, names: ReadonlyMap<string, string>): { kind: 'person' | 'cli' | 'scheduled'; text: string } {
  if (holder?.startsWith('console:')) {
    const login = holder.slice('console:'.length);
    const name = names.get(login);
    return { kind: 'person', text: name ? `${name} (${login})` : login };
  }
  if (holder?.startsWith('sso-cli@')) return { kind: 'cli', text: holder.slice('sso-cli@'.length) };
  return { kind: 'scheduled', text: '' };
}

export function syncRoutes(router: express.Router, deps: AdminDeps): void {
  const { config, services: s, pages, logger } = deps;

  // ---- directory sync -----------------------------------------------------------------------
  async function syncPage(req: Request, res: Response) {
    const { all } = parseQuery(historyQuery, req.query);
    const runs = await s.syncRepo.listRuns(30, { changesOnly: !all });
    // the people who started runs, by name: one query for the page
    const logins = [...new Set(runs.map((r) => r.holder).filter((h): h is string => Boolean(h?.startsWith('console:'))).map((h) => h.slice('console:'.length)))];
    const names = new Map((await s.accounts.labels([], logins)).map((a) => [a.login, a.displayName]));
    pages.page(req, res, 'admin/sync', {
      title: 'sync.title',
      nav: 'sync',
      all,
      runs: runs.map((r) => ({ ...syncRunView(r), startedBy: startedBy(r.holder, names) })),
      directory: Boolean(deps.directory?.connector),
      interval: config.sync.intervalSeconds,
    });
  }

  router.get('/sync', (req, res) => syncPage(req, res));

  router.post('/sync', async (req, res) => {
    const connector = deps.directory?.connector;
    if (!connector) throw new SsoError('conflict', 'no directory configured', { messageKey: 'console.error.noDirectory' });
    const { mode, dry_run: dryRun } = parseForm(syncForm, req.body);
    const run = runSync({
      repo: s.syncRepo,
      directory: connector,
      mailDomains: deps.directory!.mailDomains,
      mode,
      dryRun,
      maxDisablePercent: config.sync.maxDisablePercent,
      pageSize: config.sync.pageSize,
      endAccess: (id, reason) => s.deprovision.endAccess(id, reason),
      endSessionsOnPasswordChange: config.sync.passwordChangeLogout,
      logger,
      holder: `console:${who(res).account.login}`,
      audit: s.audit,
      leaseWaitMs: 15_000,
    }).then(async (r) => {
      if (!dryRun && r.created) await s.accounts.fillSearch();
      return r;
    });
    // a long full run goes on after the page is answered (a proxy would time the request out);
    // the history shows it running, then its counts
    const waited = await Promise.race([run, new Promise<null>((resolve) => setTimeout(resolve, SYNC_WAIT_MS, null).unref())]);
    if (!waited) {
      run.catch((err: Error) => logger.error({ event: 'sync.console_run_failed', error: err.message }, 'sync started from the console failed'));
      return pages.redirect(res, '/admin/sync', { key: 'sync.running' });
    }
    if (waited.busy) throw new SsoError('conflict', 'another sync is running', { messageKey: 'console.error.busy' });
    // post/redirect/get: the history shows the run; the message says its counts once
    const r = syncRunView(waited);
    const { status, seen, created, updated, disabled, unchanged, failed } = r;
    pages.redirect(res, '/admin/sync', { key: 'sync.result', params: { status: syncStatusLabel(status, pages.locale(req, res).t), seen, created, updated, disabled, unchanged, failed }, also: r.dryRun ? 'sync.dry' : undefined, note: r.message.slice(0, 300) || undefined });
  });
}
