/**
 * "My account" at /account, for every civil servant with a session: the applications they have
 * given access to (revoke one) and their sign-in sessions (end one, or all of them everywhere).
 * The same services as the console and the `sso` command; the person is the audit actor.
 */
import express from 'express';
import type { Services } from '../services.js';
import { logoutEverywhere } from '../services.js';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';
import { ConsolePageError, field, queryParam, who, type ConsolePages } from '../console/pages.js';
import type { ConsoleAuth } from '../console/auth.js';
import { isAdministrator } from '../admin/policy.js';
import { scopeDescription } from '../web/i18n/index.js';

export interface AccountPageDeps {
  services: Pick<Services, 'accounts' | 'deprovision'>;
  pages: ConsolePages;
  auth: ConsoleAuth;
  adminGroups: readonly string[];
}

const DONE = ['sessionEnded', 'revoked'] as const;

export function accountRouter(deps: AccountPageDeps): express.Router {
  const { services: s, pages, auth } = deps;
  const router = express.Router();
  // everyone with a session may come in; administrators see the console's menu too
  router.use(pages.form, pages.signedIn({ isAdmin: (x) => isAdministrator(x.account, deps.adminGroups), requireAdmin: false }));

  router.get('/', async (req, res) => {
    const me = who(res);
    const [sessions, applications] = await Promise.all([s.accounts.sessions(me.account.id), s.accounts.applications(me.account.id, { exclude: [CONSOLE_CLIENT_ID] })]);
    const d = queryParam(req.query, 'done', 20);
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
      done: (DONE as readonly string[]).includes(d) ? d : undefined,
    });
  });

  router.post('/applications/revoke', async (_req, res) => {
    const clientId = field(_req.body, 'client_id', 100);
    if (!clientId || clientId === CONSOLE_CLIENT_ID) throw new ConsolePageError(400, 'console.error.invalid', { detail: 'client_id' });
    await s.deprovision.revokeApplication(who(res).account.id, clientId, 'my account: access revoked');
    res.redirect(303, '/account?done=revoked');
  });

  router.post('/sessions/end', async (req, res) => {
    const me = who(res);
    const uid = field(req.body, 'session', 100);
    const r = uid ? await s.deprovision.endSession(me.account.id, uid, 'my account: session ended') : null;
    if (!r) throw new ConsolePageError(404, 'console.error.notFound');
    // ending the session this page runs in signs the person out here too (the next request finds it gone)
    res.redirect(303, '/account?done=sessionEnded');
  });

  router.post('/logout-everywhere', async (req, res) => {
    const me = who(res);
    await logoutEverywhere(s, me.account.login, 'my account: signed out everywhere');
    auth.forget(res);
    res.locals.signedIn = undefined;
    const l = pages.locale(req, res);
    pages.page(req, res, 'admin/message', { title: 'me.title', nav: 'account', message: l.t('me.done.loggedOut'), ok: true, signInLink: true });
  });

  router.post('/sign-out', (req, res) => {
    auth.signOut(req, res, who(res));
  });

  router.use(pages.errorHandler());
  return router;
}
