/**
 * The console's helpdesk section (/admin/helpdesk), for helpdesk officers and administrators:
 * find a person (by login, name or mail), see their state here and in the directory, their recent
 * failed logins and active login blocks; unblock them and log them out everywhere (CSRF-checked
 * POSTs, then the person's page again: post/redirect/get). Every action is audited with the
 * officer (`console:<login>`) as the actor. Resetting a second factor comes with second factors.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { who } from '../console/pages.js';
import { createHelpdesk } from '../helpdesk/person.js';
import { lookupText } from '../web/i18n/index.js';
import { formatDateTime, formatRelative } from '../web/i18n/format.js';
import { parseQuery, queryText } from '../web/forms.js';
import { done, idParam, type AdminDeps } from './section.js';

const DONE = ['unblocked', 'nothing', 'loggedOut'] as const;
const PAGE_SIZE = 20;

const searchQuery = z.object({
  q: queryText(200).transform((v) => v.trim()),
  page: queryText(9).transform((v) => Math.min(Math.max(1, Number.parseInt(v, 10) || 1), 1_000_000)),
});

export function helpdeskRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;
  const helpdesk = createHelpdesk({ ...s, directory: deps.directory?.connector });

  async function search(req: Request, res: Response) {
    const { q, page } = parseQuery(searchQuery, req.query);
    const result = q ? await s.accounts.search({ q, page, pageSize: PAGE_SIZE }) : null;
    const link = (p: number) => `/admin/helpdesk?${new URLSearchParams({ q, page: String(p) })}`;
    pages.page(req, res, 'admin/helpdesk', {
      title: 'helpdesk.title',
      nav: 'helpdesk',
      q,
      result,
      prev: result && result.page > 1 ? link(result.page - 1) : null,
      next: result && result.page < result.pages ? link(result.page + 1) : null,
    });
  }

  async function person(req: Request, res: Response) {
    const now = new Date();
    const st = await helpdesk.state(idParam(req, 'id'), now);
    const l = pages.locale(req, res);
    // the applications' names, in one query (a province has tens of them)
    const names = new Map(st.failures.some((f) => f.clientId) ? (await s.clients.list()).map((c) => [c.client_id, c.name] as const) : []);
    pages.page(req, res, 'admin/helpdesk-person', {
      title: 'helpdesk.title',
      nav: 'helpdesk',
      person: st.account,
      directory: st.directory,
      sessions: st.sessions,
      lastLogin: st.account.lastLoginAt ? `${formatDateTime(st.account.lastLoginAt)} (${formatRelative(st.account.lastLoginAt, now, l.locale)})` : null,
      failures: st.failures.map((f) => ({
        at: formatDateTime(new Date(f.at)),
        ago: formatRelative(new Date(f.at), now, l.locale),
        reason: lookupText(l.t, `helpdesk.reason.${f.outcome}`, f.outcome),
        ip: f.ip ?? '',
        application: f.clientId ? (names.get(f.clientId) ?? f.clientId) : '',
      })),
      blocks: st.blocks.map((b) => ({ ...b, until: formatDateTime(b.blockedUntil), last: formatDateTime(b.lastFailureAt) })),
      done: done(req, DONE),
    });
  }

  async function unblock(req: Request, res: Response) {
    const id = idParam(req, 'id');
    const lifted = await helpdesk.unblock(id);
    res.redirect(303, `/admin/helpdesk/people/${encodeURIComponent(id)}?done=${lifted ? 'unblocked' : 'nothing'}`);
  }

  async function logout(req: Request, res: Response) {
    const id = idParam(req, 'id');
    await helpdesk.logout(id, who(res).account.login);
    res.redirect(303, `/admin/helpdesk/people/${encodeURIComponent(id)}?done=loggedOut`);
  }

  router.get('/helpdesk', search);
  router.get('/helpdesk/people/:id', person);
  router.post('/helpdesk/people/:id/unblock', unblock);
  router.post('/helpdesk/people/:id/logout', logout);
}
