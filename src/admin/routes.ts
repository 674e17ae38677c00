/**
 * The IT staff's console at /admin: dashboard, accounts, applications, directory sync, audit.
 * Only administrators (src/admin/policy.ts) get past the door; every form is a CSRF-checked POST
 * and every change goes through the same services as the `sso` command, recorded in the audit
 * trail with the administrator as the actor. GET never changes anything.
 */
import express, { type Request, type Response } from 'express';
import type { Config } from '../config/load.js';
import type { Services } from '../services.js';
import { disableAccount, logoutEverywhere } from '../services.js';
import type { Logger } from '../util/logger.js';
import type { DirectoryConnector } from '../directory/types.js';
import { runSync, type SyncMode } from '../sync/run.js';
import { CLIENT_TYPES, isInternalClient, type ClientType } from '../clients/types.js';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';
import { ConsolePageError, field, lines, queryParam, who, type ConsolePages } from '../console/pages.js';
import { AUDIT_EVENT_TYPES } from '../audit/events.js';
import { EXPORT_FORMATS, type ExportFormat } from '../audit/export.js';
import { adminGrounds, isAdministrator } from './policy.js';
import { createAuditQuery, isAuditType, parseDay, type AuditFilter } from './audit-query.js';
import { claimRows, syncRunView } from './view-models.js';

export interface AdminDeps {
  config: Config;
  services: Pick<Services, 'accounts' | 'clients' | 'deprovision' | 'audit' | 'db' | 'syncRepo'>;
  pages: ConsolePages;
  logger: Logger;
  directory?: { connector?: DirectoryConnector | undefined; mailDomains: string[] } | undefined;
}

const ID_MAX = 100;
/** How long a sync started from the console is waited for before the page answers. */
const SYNC_WAIT_MS = 20_000;
const DONE = {
  accounts: ['disabled', 'enabled', 'loggedOut', 'sessionEnded'],
  clients: ['updated', 'disabled', 'enabled'],
} as const;

/** A whitelisted "done" notice from the query (never reflected text). Pure. */
function done<T extends readonly string[]>(req: Request, allowed: T): T[number] | undefined {
  const d = queryParam(req.query, 'done', 40);
  return (allowed as readonly string[]).includes(d) ? (d as T[number]) : undefined;
}

function idParam(req: Request, name: string): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !v || v.length > ID_MAX) throw new ConsolePageError(404, 'console.error.notFound');
  return v;
}

export function adminRouter(deps: AdminDeps): express.Router {
  const { config, services: s, pages, logger } = deps;
  const prisma = s.db.prisma;
  const audits = createAuditQuery(prisma);
  const router = express.Router();
  router.use(pages.form, pages.signedIn({ isAdmin: (x) => isAdministrator(x.account, config.admin.groups), requireAdmin: true }));

  // ---- dashboard ----------------------------------------------------------------------------
  router.get('/', async (req, res) => {
    const now = new Date();
    const [counts, sessions, runs, failed, retrying, failures] = await Promise.all([
      s.accounts.countByStatus(),
      prisma.oidcPayload.count({ where: { type: 'Session', OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
      s.syncRepo.listRuns(1),
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

  // ---- accounts -----------------------------------------------------------------------------
  router.get('/accounts', async (req, res) => {
    const q = queryParam(req.query, 'q', 200);
    const statusParam = queryParam(req.query, 'status', 20);
    const status = statusParam === 'active' || statusParam === 'disabled' ? statusParam : undefined;
    const page = Math.min(Math.max(1, Number.parseInt(queryParam(req.query, 'page', 9), 10) || 1), 1_000_000);
    const result = await s.accounts.search({ q, status, page, pageSize: 50 });
    const link = (p: number) => `/admin/accounts?${new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), page: String(p) })}`;
    pages.page(req, res, 'admin/accounts', {
      title: 'accounts.title',
      nav: 'accounts',
      q,
      statusFilter: status ?? '',
      result,
      prev: result.page > 1 ? link(result.page - 1) : null,
      next: result.page < result.pages ? link(result.page + 1) : null,
    });
  });

  async function accountOr404(req: Request) {
    const a = await s.accounts.byId(idParam(req, 'id'));
    if (!a) throw new ConsolePageError(404, 'console.error.notFound');
    return a;
  }

  router.get('/accounts/:id', async (req, res) => {
    const a = await accountOr404(req);
    const [sessions, applications] = await Promise.all([s.accounts.sessions(a.id), s.accounts.applications(a.id, { exclude: [CONSOLE_CLIENT_ID] })]);
    pages.page(req, res, 'admin/account', {
      title: 'accounts.title',
      nav: 'accounts',
      account: a,
      claims: claimRows(s.accounts.claims(a)),
      adminGrounds: adminGrounds(a, config.admin.groups),
      sessions: sessions.map((x) => ({ ...x, applications: x.applications.filter((a) => a.clientId !== CONSOLE_CLIENT_ID) })),
      applications,
      done: done(req, DONE.accounts),
    });
  });

  const accountActions = {
    disable: async (login: string, by: string) => void (await disableAccount(s, login, by)),
    enable: async (login: string) => void (await s.accounts.setStatus(login, 'active')),
    logout: async (login: string, by: string) => void (await logoutEverywhere(s, login, by)),
  } as const;
  const accountDone = { disable: 'disabled', enable: 'enabled', logout: 'loggedOut' } as const;
  for (const action of Object.keys(accountActions) as (keyof typeof accountActions)[]) {
    router.post(`/accounts/:id/${action}`, async (req, res) => {
      const a = await accountOr404(req);
      await accountActions[action](a.login, `console: ${who(res).account.login}`);
      res.redirect(303, `/admin/accounts/${encodeURIComponent(a.id)}?done=${accountDone[action]}`);
    });
  }

  router.post('/accounts/:id/sessions/:uid/end', async (req, res) => {
    const a = await accountOr404(req);
    const r = await s.deprovision.endSession(a.id, idParam(req, 'uid'), `console: ${who(res).account.login}`);
    if (!r) throw new ConsolePageError(404, 'console.error.notFound');
    res.redirect(303, `/admin/accounts/${encodeURIComponent(a.id)}?done=sessionEnded`);
  });

  // ---- applications -------------------------------------------------------------------------
  function clientInput(body: unknown) {
    const backchannel = field(body, 'backchannel_logout_uri', 2000).trim();
    return {
      name: field(body, 'name', 200),
      redirectUris: lines(field(body, 'redirect_uris', 20_000)),
      postLogoutRedirectUris: lines(field(body, 'post_logout_redirect_uris', 20_000)),
      backchannelLogoutUri: backchannel || null,
    };
  }

  router.get('/clients', async (req, res) => {
    const clients = await s.clients.list();
    pages.page(req, res, 'admin/clients', { title: 'clients.title', nav: 'clients', clients: clients.map((c) => ({ ...c, internal: isInternalClient(c.client_id) })), types: CLIENT_TYPES });
  });

  router.post('/clients', async (req, res) => {
    const input = clientInput(req.body);
    const type = field(req.body, 'type', 20) as ClientType;
    if (!CLIENT_TYPES.includes(type)) throw new ConsolePageError(400, 'console.error.invalid', { detail: `type must be one of ${CLIENT_TYPES.join(', ')}` });
    const r = await s.clients.add({ ...input, type, backchannelLogoutUri: input.backchannelLogoutUri ?? undefined, firstParty: field(req.body, 'first_party', 5) === 'on' });
    pages.page(req, res, 'admin/secret', { title: 'clients.secretTitle', nav: 'clients', client: r.client, secret: r.clientSecret });
  });

  async function clientOr404(req: Request) {
    const id = idParam(req, 'id');
    try {
      return await s.clients.get(id);
    } catch {
      throw new ConsolePageError(404, 'console.error.notFound');
    }
  }

  router.get('/clients/:id', async (req, res) => {
    const c = await clientOr404(req);
    pages.page(req, res, 'admin/client', { title: 'clients.title', nav: 'clients', client: c, internal: isInternalClient(c.client_id), done: done(req, DONE.clients) });
  });

  router.post('/clients/:id', async (req, res) => {
    const c = await clientOr404(req);
    await s.clients.update(c.client_id, clientInput(req.body));
    res.redirect(303, `/admin/clients/${encodeURIComponent(c.client_id)}?done=updated`);
  });

  router.post('/clients/:id/rotate', async (req, res) => {
    const c = await clientOr404(req);
    const secret = await s.clients.rotateSecret(c.client_id);
    pages.page(req, res, 'admin/secret', { title: 'clients.secretTitle', nav: 'clients', client: c, secret });
  });

  for (const [action, to] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    router.post(`/clients/:id/${action}`, async (req, res) => {
      const c = await clientOr404(req);
      await s.clients.setStatus(c.client_id, to);
      res.redirect(303, `/admin/clients/${encodeURIComponent(c.client_id)}?done=${to === 'disabled' ? 'disabled' : 'enabled'}`);
    });
  }

  // ---- directory sync -----------------------------------------------------------------------
  async function syncPage(req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) {
    const runs = await s.syncRepo.listRuns(30);
    pages.page(req, res, 'admin/sync', {
      title: 'sync.title',
      nav: 'sync',
      status,
      runs: runs.map(syncRunView),
      directory: Boolean(deps.directory?.connector),
      interval: config.sync.intervalSeconds,
      ...extra,
    });
  }

  router.get('/sync', (req, res) => syncPage(req, res));

  router.post('/sync', async (req, res) => {
    const connector = deps.directory?.connector;
    if (!connector) throw new ConsolePageError(409, 'console.error.noDirectory');
    const modeField = field(req.body, 'mode', 10);
    const mode: SyncMode = modeField === 'full' ? 'full' : 'changed';
    const dryRun = field(req.body, 'dry_run', 5) === '1';
    const run = runSync({
      repo: s.syncRepo,
      directory: connector,
      mailDomains: deps.directory!.mailDomains,
      mode,
      dryRun,
      maxDisablePercent: config.sync.maxDisablePercent,
      pageSize: config.sync.pageSize,
      endAccess: (id, reason) => s.deprovision.endAccess(id, reason),
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
      return syncPage(req, res, { running: true }, 202);
    }
    if (waited.busy) throw new ConsolePageError(409, 'console.error.busy');
    await syncPage(req, res, { result: syncRunView(waited) });
  });

  // ---- audit trail --------------------------------------------------------------------------
  async function auditFilter(req: Request): Promise<{ filter: AuditFilter; form: Record<string, string> }> {
    const form = {
      person: queryParam(req.query, 'person', 254).trim(),
      client: queryParam(req.query, 'client', ID_MAX).trim(),
      type: queryParam(req.query, 'type', 60),
      from: queryParam(req.query, 'from', 10),
      to: queryParam(req.query, 'to', 10),
    };
    const since = form.from ? parseDay(form.from) : undefined;
    const until = form.to ? parseDay(form.to, true) : undefined;
    if (since === null || until === null) throw new ConsolePageError(400, 'console.error.invalid', { detail: 'YYYY-MM-DD' });
    if (form.type && !isAuditType(form.type)) throw new ConsolePageError(400, 'console.error.invalid', { detail: 'type' });
    let subject: string | undefined;
    if (form.person) subject = (await s.accounts.byLogin(form.person).catch(() => null))?.id ?? form.person;
    return {
      form,
      filter: { subject, actor: form.person || undefined, clientId: form.client || undefined, type: form.type || undefined, since, until },
    };
  }

  router.get('/audit', async (req, res) => {
    const { filter, form } = await auditFilter(req);
    const seq = (name: string) => {
      const v = queryParam(req.query, name, 12);
      return /^\d{1,12}$/.test(v) ? Number(v) : undefined;
    };
    const p = await audits.page(filter, { before: seq('before'), after: seq('after') });
    const query = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const link = (k: 'before' | 'after', v: number) => `/admin/audit?${new URLSearchParams([...query, [k, String(v)]])}`;
    pages.page(req, res, 'admin/audit', {
      title: 'audit.title',
      nav: 'audit',
      form,
      types: AUDIT_EVENT_TYPES,
      rows: p.rows,
      newer: p.newer !== null ? link('after', p.newer) : null,
      older: p.older !== null ? link('before', p.older) : null,
      exportQuery: query.toString(),
    });
  });

  router.get('/audit/export', async (req, res) => {
    const { filter } = await auditFilter(req);
    const f = queryParam(req.query, 'format', 10);
    const format: ExportFormat = (EXPORT_FORMATS as readonly string[]).includes(f) ? (f as ExportFormat) : 'jsonl';
    res.status(200).set({
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.${format}"`,
      'Cache-Control': 'no-store',
    });
    await audits.export(filter, format, (line) => {
      res.write(`${line}\n`);
    });
    res.end();
  });

  router.get('/audit/verify', async (req, res) => {
    const r = await s.audit.verify();
    const l = pages.locale(req, res);
    const message = r.ok
      ? l.t('audit.verifyOk', { count: r.count, head: r.head ? `${r.head.seq}:${r.head.hash}` : '-' })
      : l.t('audit.verifyBroken', { seq: r.problem.seq, message: r.problem.message });
    pages.page(req, res, 'admin/message', { title: 'audit.verify', nav: 'audit', status: r.ok ? 200 : 409, message, ok: r.ok, backLink: '/admin/audit' });
  });

  router.use(pages.errorHandler());
  return router;
}
