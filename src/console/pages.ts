/**
 * What the console's and "my account"'s routes share: the page language, drawing a page with the
 * console layout, the signed-in person (or a sign-in), CSRF on every POST, the acting person as
 * the audit actor, and readable error pages (never a stack trace).
 */
import { meetsAcr } from '../domain/authn-level.js';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import { actingAs } from '../audit/actor.js';
import { clientFields } from '../util/log-fields.js';
import { SsoError } from '../domain/errors.js';
import type { ConsoleViewName, Renderer } from '../web/render.js';
import { expressLocale, type PageLocale } from '../web/locale.js';
import { errorPageHandler } from '../web/errors.js';
import { auditEventLabel, auditOutcomeLabel, syncStatusLabel, type TextKey } from '../web/i18n/index.js';
import { formatDateTime, formatDuration, formatRelative } from '../web/i18n/format.js';
import type { ConsoleAuth, SignedIn } from './auth.js';
import { flashes, type Flash } from './flash.js';

export type NavItem = 'dashboard' | 'accounts' | 'clients' | 'sync' | 'throttle' | 'audit' | 'helpdesk' | 'account';

/** What the signed-in person may do in the console (admin/policy.ts decides): it sets the menu. */
export type RoleName = 'admin' | 'helpdesk' | null;

export interface ConsolePageDeps {
  config: Config;
  render: Renderer;
  logger: Logger;
  auth: ConsoleAuth;
}

/** The signed-in person of this request (set by signedIn()). */
export function who(res: Response): SignedIn {
  return res.locals.signedIn as SignedIn;
}

/**
 * What every console page may call to show a code or a value as words, in the page's language:
 * `time` (dd/MM/yyyy HH:mm, Asia/Ho_Chi_Minh), `ago` ("5 phút trước", for lists), `duration`
 * ("5 giây", from seconds), and the labels of a sync status, an audit event type and outcome.
 */
export function pageHelpers(l: PageLocale, now: Date = new Date()) {
  return {
    time: (d: Date | null | undefined) => formatDateTime(d),
    iso: (d: Date | null | undefined) => (d && !Number.isNaN(d.getTime()) ? d.toISOString() : ''),
    ago: (d: Date | null | undefined) => formatRelative(d, now, l.locale),
    duration: (seconds: number) => formatDuration(seconds, l.locale),
    syncStatus: (status: string) => syncStatusLabel(status, l.t),
    eventLabel: (type: string, outcome?: string) => auditEventLabel(type, l.t, outcome),
    outcomeLabel: (outcome: string) => auditOutcomeLabel(outcome, l.t),
  };
}

/**
 * One line per change asked of the console or "my account" (every POST), once answered: who,
 * from where, what, and how it ended (`admin.action` / `account.action`, docs/logging.md).
 */
function logChange(logger: Logger, req: Request, res: Response, login: string | undefined): void {
  const event = req.baseUrl.startsWith('/admin') ? 'admin.action' : 'account.action';
  res.once('finish', () => {
    const status = res.statusCode;
    const outcome = status < 400 ? 'success' : status === 403 ? 'forbidden' : status >= 500 ? 'failed' : 'refused';
    logger[status === 403 ? 'warn' : 'info']({ event, login, ...clientFields(req), method: req.method, path: `${req.baseUrl}${req.path}`, status, outcome }, `console change: ${outcome}`);
  });
}

/** Post/redirect/get: the one-time messages (./flash.ts) a change leaves for the page it leads to. */
function oneTimeMessages(config: Config) {
  const flash = flashes(config.cookieKeys, config.issuer.startsWith('https:'));
  /** A one-time message belongs to the console session it was left in. */
  const binding = (s: SignedIn) => `${s.session.accountId}\0${s.session.sid}`;

  /** The message a POST left for this page (then gone), or null. */
  function takeFlash(req: Request, res: Response): Flash | null {
    const s = res.locals.signedIn as SignedIn | undefined;
    return s && req.method === 'GET' ? flash.take(req, res, binding(s)) : null;
  }

  /** Post/redirect/get: a change done, the browser sent on (303) with a message for the next page. */
  function redirect(res: Response, to: string, message?: Flash) {
    const s = res.locals.signedIn as SignedIn | undefined;
    if (s && message) flash.set(res, binding(s), message);
    res.set('Cache-Control', 'no-store').redirect(303, to);
  }
  return { takeFlash, redirect };
}

/** Who may pass a console route: `isAdmin` sees the whole menu, `role` (default: admin or none) which sections. */
export interface SignedInOptions {
  isAdmin: (s: SignedIn) => boolean;
  role?: (s: SignedIn) => RoleName;
  requireAdmin: boolean;
  /** The level the console session must have reached (MFA_CONSOLE_REQUIRED: urn:sso:acr:mfa); below it, a GET signs in again asking for it. */
  requireAcr?: string | undefined;
}

/**
 * Requires a console session (or starts a sign-in). `isAdmin` says who sees the console's whole
 * menu, `role` (default: admin or none, by isAdmin) which sections; with `requireAdmin`, nobody
 * without a role goes on (a readable 403).
 */
function signedInGuard(auth: ConsoleAuth, logger: Logger, opts: SignedInOptions): RequestHandler {
  return async (req, res, next) => {
    const s = await auth.current(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') logChange(logger, req, res, s?.account.login);
    if (!s) {
      if (req.method === 'GET' || req.method === 'HEAD') return auth.signIn(req, res, req.originalUrl);
      throw new SsoError('unauthenticated', 'no console session');
    }
    res.locals.signedIn = s;
    res.locals.isAdmin = opts.isAdmin(s);
    res.locals.role = opts.role ? opts.role(s) : res.locals.isAdmin ? 'admin' : null;
    if (opts.requireAdmin && !res.locals.role) throw new SsoError('forbidden', 'not an administrator', { params: { login: s.account.login } });
    if (opts.requireAcr && !meetsAcr(s.session.acr, opts.requireAcr)) {
      // a console session without the second factor: the IdP asks for it (step-up), or leads through enrolment
      if (req.method === 'GET' || req.method === 'HEAD') return auth.signIn(req, res, req.originalUrl, { acr: opts.requireAcr });
      throw new SsoError('forbidden', 'a console session without a second factor', { params: { login: s.account.login } });
    }
    if (req.method === 'POST' && !auth.checkCsrf(req, s)) throw new SsoError('csrf', 'csrf token missing or wrong');
    // the services record this person, from this address, as the actor of what they change
    actingAs({ actor: `console:${s.account.login}`, ip: req.ip ?? null, userAgent: clientFields(req).userAgent }, () => next());
  };
}

/** Urlencoded forms, bounded. */
const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 });

export function consolePages(deps: ConsolePageDeps) {
  const { config, render, logger, auth } = deps;
  const { takeFlash, redirect } = oneTimeMessages(config);

  function locale(req: Request, res: Response): PageLocale {
    return expressLocale(req, res, config);
  }

  /**
   * Draws a console page. `nav` marks the current menu item; admins see the whole menu. A
   * message left by the POST that led here is shown once (`flash`: one taken already, or null).
   */
  function page(req: Request, res: Response, view: ConsoleViewName, data: { title: TextKey; nav: NavItem; status?: number; flash?: Flash | null; [k: string]: unknown }) {
    const l = locale(req, res);
    const s = res.locals.signedIn as SignedIn | undefined;
    const { title, status, flash: given, ...rest } = data;
    const f = given === undefined ? takeFlash(req, res) : given;
    res.status(status ?? 200).type('html').set('Cache-Control', 'no-store').send(
      render.render(view, {
        ...l,
        ...rest,
        title: l.t(title),
        ...pageHelpers(l),
        csrf: s?.csrf ?? '',
        me: s ? { name: s.account.displayName || s.account.login, login: s.account.login } : undefined,
        isAdmin: res.locals.isAdmin === true,
        role: (res.locals.role as RoleName | undefined) ?? null,
        flash: f ? [l.t(f.key, f.params), f.also ? l.t(f.also) : '', f.note ?? ''].filter(Boolean).join(' ') : '',
      }),
    );
  }

  const signedIn = (opts: SignedInOptions) => signedInGuard(auth, logger, opts);

  /** Errors -> a readable console page with the status (web/errors.ts says which), in the console's layout. */
  function errorHandler() {
    return errorPageHandler({
      logger,
      texts: 'console',
      log: { where: 'console', failed: 'console request failed', refused: 'console request refused' },
      draw(req, res, f, requestId) {
        const l = locale(req, res);
        const message = f.status >= 500 && f.status !== 503 ? `${l.t('error.server')} ${l.t('error.reference', { id: requestId })}` : l.t(f.messageKey, f.params);
        page(req, res, 'admin/message', {
          title: f.status === 403 && f.messageKey === 'console.error.forbidden' ? 'title.forbidden' : f.status === 404 ? 'title.notFound' : 'console.error.title',
          nav: req.baseUrl.startsWith('/admin') ? 'dashboard' : 'account',
          status: f.status,
          message,
          signInLink: f.status === 401 || f.messageKey === 'console.error.signInFailed',
          homeLink: f.status === 403,
          helpdeskLink: f.status === 403 && res.locals.role === 'helpdesk',
        });
      },
    });
  }

  return { locale, page, signedIn, form, errorHandler, redirect, takeFlash };
}

export type ConsolePages = ReturnType<typeof consolePages>;
