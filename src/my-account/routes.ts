/**
 * "My account" at /account, for every civil servant with a session: their profile as the directory
 * holds it, the applications they have given access to (revoke one), their sign-in sessions told
 * apart by device (end one, or all of them everywhere), and their recent sign-ins, with "This was
 * not me" (/account/not-me) leading to signing out everywhere and the helpdesk.
 * The same services as the console and the `sso` command; the person is the audit actor.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { AccountService, SessionView } from '../accounts/service.js';
import type { Deprovisioner } from '../deprovision/service.js';
import { logoutEverywhere } from '../deprovision/account-access.js';
import { SsoError } from '../domain/errors.js';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';
import { who, type ConsolePages } from '../console/pages.js';
import type { ConsoleAuth } from '../console/auth.js';
import { consoleRole, isAdministrator } from '../admin/policy.js';
import { scopeDescription } from '../web/i18n/index.js';
import { parseForm, parseQuery, queryText, text } from '../web/forms.js';
import { clientFields } from '../util/log-fields.js';
import { seenIsDue } from '../domain/sessions.js';
import type { SignInActivity } from './activity.js';
import { profileOf, sessionRows, signInRows } from './views.js';
import { securityKeyRoutes } from './security-keys.js';
import type { WebAuthnService } from '../webauthn/service.js';
import { securityRoutes } from './security.js';
import type { SecondFactorService } from '../second-factor/service.js';

/** What "My account" calls (the composition root's services). */
export interface MyAccountServices {
  accounts: AccountService;
  deprovision: Deprovisioner;
  signIns: SignInActivity;
  /** Security keys and passkeys (./security-keys.ts). */
  webauthn: WebAuthnService;
  /** The person's own second factor (./security.ts). */
  secondFactors: SecondFactorService;
}

export interface MyAccountDeps {
  services: MyAccountServices;
  pages: ConsolePages;
  auth: ConsoleAuth;
  adminGroups: readonly string[];
  /** PASSWORD_HELP_URL and HELPDESK_CONTACT, when configured. */
  help: { passwordHelpUrl?: string | undefined; helpdeskContact?: string | undefined };
  /** HELPDESK_GROUPS: their members see the console's helpdesk section in the menu. */
  helpdeskGroups?: readonly string[] | undefined;
  /** Whether the issuer is https: (cookies are Secure). */
  secure?: boolean | undefined;
}

const DONE = ['sessionEnded', 'revoked'] as const;

const homeQuery = z.object({ done: queryText(20).transform((d) => ((DONE as readonly string[]).includes(d) ? d : undefined)) });
const revokeForm = z.object({ client_id: text(100) });
const endSessionForm = z.object({ session: text(100) });

/** My account's page: profile, applications, sessions told apart, recent sign-ins. */
function homePage(deps: MyAccountDeps) {
  const { services: s, pages } = deps;
  return async function home(req: Request, res: Response) {
    const me = who(res);
    const [stored, applications, signIns] = await Promise.all([
      s.accounts.sessions(me.account.id),
      s.accounts.applications(me.account.id, { exclude: [CONSOLE_CLIENT_ID] }),
      s.signIns.recent(me.account),
    ]);
    const { done } = parseQuery(homeQuery, req.query);
    const l = pages.locale(req, res);
    const now = new Date();
    const sessions = stored.map((x) => ({
      ...x,
      current: x.applications.some((a) => a.clientId === CONSOLE_CLIENT_ID && a.sid === me.session.sid),
      applications: x.applications.filter((a) => a.clientId !== CONSOLE_CLIENT_ID),
    }));
    const current = sessions.find((x) => x.current);
    if (current) await noteThisDevice(s.accounts, current, req, now);
    pages.page(req, res, 'account/home', {
      title: 'me.title',
      nav: 'account',
      profile: profileOf(me.account),
      help: deps.help,
      sessions: sessionRows(sessions, l.t, l.locale, now),
      signIns: signInRows(signIns, l.t, l.locale, now),
      // what each application receives, in words
      applications: applications.map((a) => ({ ...a, scopes: a.scopes.filter((sc) => sc !== 'openid').map((sc) => scopeDescription(l.t, sc)) })),
      done,
    });
  };
}

/** This device was seen now: noted at most once a minute (never a write per request), and shown so. */
async function noteThisDevice(accounts: AccountService, session: SessionView, req: Request, now: Date): Promise<void> {
  if (!seenIsDue(session.lastSeenAt, now)) return;
  const { ip, userAgent } = clientFields(req);
  const seen = { userAgent: userAgent ?? null, address: ip ?? null, at: now };
  if (!(await accounts.noteSeen(session.uid, seen))) return;
  session.lastSeenAt = now;
  if (seen.userAgent) session.userAgent = seen.userAgent;
  if (seen.address) session.address = seen.address;
}

export function myAccountRouter(deps: MyAccountDeps): express.Router {
  const { services: s, pages, auth } = deps;
  const router = express.Router();
  // everyone with a session may come in; administrators and the helpdesk see the console's menu too
  const groups = { groups: deps.adminGroups, helpdeskGroups: deps.helpdeskGroups ?? [] };
  router.use(pages.form, pages.signedIn({ isAdmin: (x) => isAdministrator(x.account, deps.adminGroups), role: (x) => consoleRole(x.account, groups), requireAdmin: false }));

  const home = homePage(deps);

  /** "This was not me": sign out everywhere, change the mail password, call the helpdesk. */
  function notMe(req: Request, res: Response) {
    pages.page(req, res, 'account/not-me', { title: 'me.notMe.title', nav: 'account', help: deps.help, local: who(res).account.source === 'local' });
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
  router.get('/not-me', notMe);
  securityRoutes(router, { secondFactors: s.secondFactors, pages, roleGroups: { groups: deps.adminGroups, helpdeskGroups: deps.helpdeskGroups ?? [] } });
  router.post('/applications/revoke', revokeApplication);
  router.post('/sessions/end', endSession);
  router.post('/logout-everywhere', logoutAll);
  router.post('/sign-out', signOut);
  securityKeyRoutes(router, { webauthn: s.webauthn, pages, secure: deps.secure ?? false });
  router.use(pages.errorHandler());
  return router;
}
