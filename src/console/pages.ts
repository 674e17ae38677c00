/**
 * What the console's and "my account"'s routes share: the page language, drawing a page with the
 * console layout, the signed-in person (or a sign-in), CSRF on every POST, the acting person as
 * the audit actor, and readable error pages (never a stack trace).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import type { ConsoleViewName, Renderer } from '../web/render.js';
import { expressLocale, type PageLocale } from '../web/locale.js';
import { actingAs } from '../audit/actor.js';
import { AccountError } from '../accounts/service.js';
import { ClientError } from '../clients/service.js';
import type { ConsoleKey, TextKey } from '../web/i18n/index.js';
import type { ConsoleAuth, SignedIn } from './auth.js';
import { ConsolePageError } from './errors.js';
import { isDatabaseUnavailable, outageReporter } from '../db/errors.js';
import { isStorableKey } from '../db/text.js';

export type NavItem = 'dashboard' | 'accounts' | 'clients' | 'sync' | 'audit' | 'account';

export { ConsolePageError };

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

/** Dates as people in the province read them (Việt Nam has one time zone). Pure. */
export function formatTime(d: Date | null | undefined, locale: 'vi' | 'en'): string {
  if (!d) return '';
  return new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Asia/Ho_Chi_Minh' }).format(d);
}

export function consolePages(deps: ConsolePageDeps) {
  const { config, render, logger, auth } = deps;

  function locale(req: Request, res: Response): PageLocale {
    return expressLocale(req, res, config);
  }

  /** Draws a console page. `nav` marks the current menu item; admins see the whole menu. */
  function page(req: Request, res: Response, view: ConsoleViewName, data: { title: ConsoleKey; nav: NavItem; status?: number; [k: string]: unknown }) {
    const l = locale(req, res);
    const s = res.locals.signedIn as SignedIn | undefined;
    const { title, status, ...rest } = data;
    res.status(status ?? 200).type('html').set('Cache-Control', 'no-store').send(
      render.render(view, {
        ...l,
        ...rest,
        title: l.t(title),
        time: (d: Date | null | undefined) => formatTime(d, l.locale),
        csrf: s?.csrf ?? '',
        me: s ? { name: s.account.displayName || s.account.login, login: s.account.login } : undefined,
        isAdmin: res.locals.isAdmin === true,
      }),
    );
  }

  /**
   * Requires a console session (or starts a sign-in). `isAdmin` says who sees the console's menu;
   * with `requireAdmin`, nobody else goes on (a readable 403).
   */
  function signedIn(opts: { isAdmin: (s: SignedIn) => boolean; requireAdmin: boolean }): RequestHandler {
    return async (req, res, next) => {
      const s = await auth.current(req, res);
      if (!s) {
        if (req.method === 'GET' || req.method === 'HEAD') return auth.signIn(req, res, req.originalUrl);
        throw new ConsolePageError(401, 'console.error.signInAgain');
      }
      res.locals.signedIn = s;
      res.locals.isAdmin = opts.isAdmin(s);
      if (opts.requireAdmin && !res.locals.isAdmin) throw new ConsolePageError(403, 'console.error.forbidden', { login: s.account.login });
      if (req.method === 'POST' && !auth.checkCsrf(req, s)) throw new ConsolePageError(403, 'error.csrf');
      // the services record this person, from this address, as the actor of what they change
      actingAs({ actor: `console:${s.account.login}`, ip: req.ip ?? null }, () => next());
    };
  }

  /** Urlencoded forms, bounded. */
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 });

  /** Errors -> a readable console page with the status (the services' validation errors as 400, a database outage as 503). */
  function errorHandler() {
    const reportOutage = outageReporter(logger);
    return (err: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(err);
      let status = 500;
      let key: TextKey = 'console.error.title';
      let params: Record<string, string | number> = {};
      let message: string | undefined;
      if (err instanceof ConsolePageError) {
        ({ status, key, params } = err);
      } else if (isDatabaseUnavailable(err)) {
        status = 503;
        key = 'error.unavailable';
        res.set('Retry-After', '5');
      } else if (err instanceof AccountError || err instanceof ClientError) {
        status = err.code === 'not_found' ? 404 : err.code === 'exists' ? 409 : 400;
        key = err.code === 'not_found' ? 'console.error.notFound' : 'console.error.invalid';
        params = { detail: err.message };
      } else if (typeof err === 'object' && err && 'status' in err && typeof (err as { status: unknown }).status === 'number' && (err as { status: number }).status < 500) {
        status = (err as { status: number }).status; // body parser: too large, malformed
        key = 'console.error.invalid';
        params = { detail: String((err as { message?: unknown }).message ?? '') };
      }
      const requestId = Math.random().toString(36).slice(2, 10);
      if (status === 503) reportOutage(err, 'console');
      else if (status >= 500) logger.error({ requestId, error: (err as Error)?.message, stack: (err as Error)?.stack }, 'console request failed');
      else logger.info({ requestId, status, error: (err as Error)?.message }, 'console request refused');
      const l = locale(req, res);
      if (status >= 500 && status !== 503) message = `${l.t('error.server')} ${l.t('error.reference', { id: requestId })}`;
      page(req, res, 'admin/message', {
        title: 'console.error.title',
        nav: req.baseUrl.startsWith('/admin') ? 'dashboard' : 'account',
        status,
        message: message ?? l.t(key, params),
        signInLink: status === 401 || key === 'console.error.signInFailed',
        homeLink: status === 403,
      });
    };
  }

  return { locale, page, signedIn, form, errorHandler };
}

export type ConsolePages = ReturnType<typeof consolePages>;

/** A form field as a bounded string ('' when absent); anything else is a readable 400. Pure. */
export function field(body: unknown, name: string, max: number): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (v === undefined) return '';
  if (typeof v !== 'string' || v.length > max || !isStorableKey(v)) throw new ConsolePageError(400, 'console.error.invalid', { detail: `${name} (at most ${max} characters)` });
  return v;
}

/** A query parameter as a bounded string ('' when absent or not a single string). Pure. */
export function queryParam(query: unknown, name: string, max: number): string {
  const v = (query as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' && v.length <= max && isStorableKey(v) ? v : '';
}

/** Lines of a textarea: trimmed, empty ones dropped. Pure. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}
