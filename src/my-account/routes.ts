/**
 * "My account" at /account, for every civil servant with a session: the applications they have
 * given access to (revoke one) and their sign-in sessions (end one, or all of them everywhere).
 * The same services as the console and the `sso` command; the person is the audit actor.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { AccountService } from '../accounts/service.js';
import type { Deprovisioner } from '../deprovision/service.js';
import { logoutEverywhere } from '../deprovision/account-access.js';
import { SsoError } from '../domain/errors.js';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';
import { who, type ConsolePages } from '../console/pages.js';
import type { ConsoleAuth } from '../console/auth.js';
import { consoleRole, isAdministrator } from '../admin/policy.js';
import { scopeDescription } from '../web/i18n/index.js';
import { parseForm, parseQuery, queryText, text } from '../web/forms.js';

export interface MyAccountDeps {
  services: { accounts: AccountService; deprovision: Deprovisioner };
  pages: ConsolePages;
  auth: ConsoleAuth;
  adminGroups: readonly string[];
  /** HELPDESK_GROUPS: their members see the console's helpdesk section in the menu. */
  helpdeskGroups?: readonly string[] | undefined;
}

const DONE = ['sessionEnded', 'revoked'] as const;

const homeQuery = z.object({ done: queryText(20).transform((d) => ((DONE as readonly string[]).includes(d) ? d : undefined)) });
const revokeForm = z.object({ client_id: text(100) });
const endSessionForm = z.object({ session: text(100) });

export function myAccountRouter(deps: MyAccountDeps): express.Router {
  const { services: s, pages, auth } = deps;
  const router = express.Router();
  // everyone with a session may come in; administrators and the helpdesk see the console's menu too
  const groups = { groups: deps.adminGroups, helpdeskGroups: deps.helpdeskGroups ?? [] };
  router.use(pages.form, pages.signedIn({ isAdmin: (x) => isAdministrator(x.account, deps.adminGroups), role: (x) => consoleRole(x.account, groups), requireAdmin: false }));

  async function home(req: Request, res: Response) {
    const me = who(res);
    const [sessions, applications] = await Promise.all([s.accounts.sessions(me.account.id), s.accounts.applications(me.account.id, { exclude: [CONSOLE_CLIENT_ID] })]);
    const { done } = parseQuery(homeQuery, req.query);
    const l = pages.locale(req, res);
    pages.page(req, res, 'account/home', {
      title: 'me.title',
      nav: 'account',
      sessions: sessions.map((x) => ({
        ...x,
        current: x.applications.some((a) => a.clientId === CONSOLE_CLIENT_ID && a.sid === me.session.sid),
        applications: x.applications.filter((a) => a.clientId !== CONSOLE_CLIENT_ID),
      })),
      // what each application receives, in words
      applications: applications.map((a) => ({ ...a, scopes: a.scopes.filter((sc) => sc !== 'openid').map((sc) => scopeDescription(l.t, sc)) })),
      done,
    });
  }

  async function revokeApplication(req: Request, res: Response) {
    const { client_id: clientId } = parseForm(revokeForm, req.body);
    if (!clientId || clientId === CONSOLE_CLIENT_ID) throw new SsoError('invalid_input', 'client_id: no application to revoke', { field: 'client_id', params: { detail: 'client_id' } });
    await s.deprovision.revokeApplication(who(res).account.id, clientId, 'my account: access revoked');
    res.redirect(303, '/account?done=revoked');
  }

  async function endSession(req: Request, res: Response) {
    const me = who(res);
    const { session: uid } = parseForm(endSessionForm, req.body);
    const r = uid ? await s.deprovision.endSession(me.account.id, uid, 'my account: session ended') : null;
    if (!r) throw new SsoError('not_found', 'no such session');
    // ending the session this page runs in signs the person out here too (the next request finds it gone)
    res.redirect(303, '/account?done=sessionEnded');
  }

  async function logoutAll(req: Request, res: Response) {
    const me = who(res);
    await logoutEverywhere(s, me.account.login, 'my account: signed out everywhere');
    auth.forget(res);
    res.locals.signedIn = undefined;
    const l = pages.locale(req, res);
    pages.page(req, res, 'admin/message', { title: 'me.title', nav: 'account', message: l.t('me.done.loggedOut'), ok: true, signInLink: true });
  }

  function signOut(req: Request, res: Response) {
    auth.signOut(req, res, who(res));
  }

  router.get('/', home);
  router.post('/applications/revoke', revokeApplication);
  router.post('/sessions/end', endSession);
  router.post('/logout-everywhere', logoutAll);
  router.post('/sign-out', signOut);
  router.use(pages.errorHandler());
  return router;
}
