/**
 * The console's accounts: search, one account (claims, sessions, applications, why it is an
 * administrator), disable and sign out everywhere (each asking first: ./confirm.ts), enable,
 * end one session. Every change ends in a redirect with a one-time message.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { disableAccount, logoutEverywhere } from '../deprovision/account-access.js';
import { SsoError } from '../domain/errors.js';
import type { AccountRecord } from '../accounts/claims.js';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';
import { who } from '../console/pages.js';
import { parseQuery, queryText } from '../web/forms.js';
import { adminGrounds, helpdeskGrounds } from './policy.js';
import { idParam, type AdminDeps } from './section.js';
import { claimRows } from './view-models.js';
import { confirmed } from './confirm.js';
import { accountMfaRoutes } from './account-mfa.js';

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
      mfa: await s.secondFactors.status(a.id),
    });
  }

  const page = (a: { id: string }) => `/admin/accounts/${encodeURIComponent(a.id)}`;
  const by = (res: Response) => `console: ${who(res).account.login}`;

  accountActions(router, deps, accountOr404);
  accountMfaRoutes(router, deps, accountOr404);

  /** POST /admin/accounts/:id/enable: nothing lost by it, so no question. */
  async function enableAccount(req: Request, res: Response) {
    const a = await accountOr404(req);
    await s.accounts.setStatus(a.login, 'active');
    pages.redirect(res, page(a), { key: 'account.done.enabled' });
  }

  async function endSession(req: Request, res: Response) {
    const a = await accountOr404(req);
    const r = await s.deprovision.endSession(a.id, idParam(req, 'uid'), by(res));
    if (!r) throw new SsoError('not_found', 'no such session');
    pages.redirect(res, page(a), { key: 'account.done.sessionEnded' });
  }

  router.get('/accounts', listAccounts);
  router.get('/accounts/:id', showAccount);
  router.post('/accounts/:id/enable', enableAccount);
  router.post('/accounts/:id/sessions/:uid/end', endSession);
}

/** The destructive actions on an account, each asking first (./confirm.ts). */
function accountActions(router: express.Router, deps: AdminDeps, load: (req: Request) => Promise<AccountRecord>): void {
  const s = deps.services;
  const page = (a: { id: string }) => `/admin/accounts/${encodeURIComponent(a.id)}`;
  const by = (res: Response) => `console: ${who(res).account.login}`;
  confirmed(router, deps, {
    path: '/accounts/:id/disable',
    nav: 'accounts',
    load,
    ask: (a) => ({ key: 'accountDisable', params: { name: a.displayName, login: a.login }, back: page(a) }),
    async run(a, _req, res) {
      await disableAccount(s, a.login, by(res));
      return { to: page(a), flash: { key: 'account.done.disabled' } };
    },
  });
  confirmed(router, deps, {
    path: '/accounts/:id/logout',
    nav: 'accounts',
    load,
    ask: (a) => ({ key: 'accountLogout', params: { name: a.displayName, login: a.login }, back: page(a) }),
    async run(a, _req, res) {
      await logoutEverywhere(s, a.login, by(res));
      return { to: page(a), flash: { key: 'account.done.loggedOut' } };
    },
  });
}
