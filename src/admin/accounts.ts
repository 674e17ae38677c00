/**
 * The console's accounts: search, one account (claims, sessions, applications, why it is an
 * administrator), disable, enable, sign out everywhere, end one session.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { disableAccount, logoutEverywhere } from '../deprovision/account-access.js';
import { SsoError } from '../domain/errors.js';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';
import { who } from '../console/pages.js';
import { parseQuery, queryText } from '../web/forms.js';
import { adminGrounds, helpdeskGrounds } from './policy.js';
import { done, idParam, type AdminDeps } from './section.js';
import { claimRows } from './view-models.js';

const DONE = ['disabled', 'enabled', 'loggedOut', 'sessionEnded'] as const;

/** The search: text, status filter (anything else: all), page (clamped). */
const searchQuery = z.object({
  q: queryText(200),
  status: queryText(20).transform((v) => (v === 'active' || v === 'disabled' ? v : undefined)),
  page: queryText(9).transform((v) => Math.min(Math.max(1, Number.parseInt(v, 10) || 1), 1_000_000)),
});

export function accountRoutes(router: express.Router, deps: AdminDeps): void {
  const { config, services: s, pages } = deps;

  async function listAccounts(req: Request, res: Response) {
    const { q, status, page } = parseQuery(searchQuery, req.query);
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
  }

  async function accountOr404(req: Request) {
    const a = await s.accounts.byId(idParam(req, 'id'));
    if (!a) throw new SsoError('not_found', 'no such account');
    return a;
  }

  async function showAccount(req: Request, res: Response) {
    const a = await accountOr404(req);
    const [sessions, applications] = await Promise.all([s.accounts.sessions(a.id), s.accounts.applications(a.id, { exclude: [CONSOLE_CLIENT_ID] })]);
    pages.page(req, res, 'admin/account', {
      title: 'accounts.title',
      nav: 'accounts',
      account: a,
      claims: claimRows(s.accounts.claims(a)),
      adminGrounds: adminGrounds(a, config.admin.groups),
      helpdeskGrounds: helpdeskGrounds(a, config.admin.helpdeskGroups),
      sessions: sessions.map((x) => ({ ...x, applications: x.applications.filter((a) => a.clientId !== CONSOLE_CLIENT_ID) })),
      applications,
      done: done(req, DONE),
    });
  }

  const accountActions = {
    disable: async (login: string, by: string) => void (await disableAccount(s, login, by)),
    enable: async (login: string) => void (await s.accounts.setStatus(login, 'active')),
    logout: async (login: string, by: string) => void (await logoutEverywhere(s, login, by)),
  } as const;
  const accountDone = { disable: 'disabled', enable: 'enabled', logout: 'loggedOut' } as const;

  /** POST /admin/accounts/:id/{disable,enable,logout}. */
  function accountAction(action: keyof typeof accountActions) {
    return async function changeAccount(req: Request, res: Response) {
      const a = await accountOr404(req);
      await accountActions[action](a.login, `console: ${who(res).account.login}`);
      res.redirect(303, `/admin/accounts/${encodeURIComponent(a.id)}?done=${accountDone[action]}`);
    };
  }

  async function endSession(req: Request, res: Response) {
    const a = await accountOr404(req);
    const r = await s.deprovision.endSession(a.id, idParam(req, 'uid'), `console: ${who(res).account.login}`);
    if (!r) throw new SsoError('not_found', 'no such session');
    res.redirect(303, `/admin/accounts/${encodeURIComponent(a.id)}?done=sessionEnded`);
  }

  router.get('/accounts', listAccounts);
  router.get('/accounts/:id', showAccount);
  for (const action of Object.keys(accountActions) as (keyof typeof accountActions)[]) router.post(`/accounts/:id/${action}`, accountAction(action));
  router.post('/accounts/:id/sessions/:uid/end', endSession);
}
