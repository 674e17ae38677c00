/**
 * What a page says when something fails, decided in one place: an SsoError by its code (its
 * status and sentence, unless it names its own), a database outage (503, Retry-After),
 * oidc-provider's errors (its storage out of reach: 503; the interaction gone: the "start again"
 * page), a body-parser refusal (its status), the services' older error types, and anything else
 * (500, with a reference logged beside the error; never a stack trace on the page).
 *
 * Each family of pages keeps its own layout: the login pages' error page (the interaction pages,
 * the 404, oidc-provider's own error page) and the console's message page, which brings its own
 * drawing to errorPageHandler().
 */
import type { NextFunction, Request, Response } from 'express';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { isSsoError, STATUS_OF, type ErrorCode, type SsoError } from '../domain/errors.js';
import { isDatabaseUnavailable, outageReporter } from '../db/errors.js';
import type { Logger } from '../util/logger.js';
import { clientFields } from '../util/log-fields.js';
import { protocolErrorKey, type TextKey } from './i18n/index.js';
import { expressLocale, koaLocale, type LocaleConfig } from './locale.js';
import type { Renderer } from './render.js';
import { waysOn, type KnownClient } from './ways-on.js';

/** Where an interaction page leaves a lookup of the application it is for (res.locals), for an error page's way back. */
export const INTERACTION_CLIENT = 'interactionClient';

/** Whose sentences a page speaks with: the login pages' or the console's. */
export type Texts = 'login' | 'console';

/** A failure as a page shows it. */
export interface Failure {
  status: number;
  messageKey: TextKey;
  params: Record<string, string | number>;
  /** Seconds for Retry-After (the database or the directory out of reach). */
  retryAfter?: number | undefined;
}

const RETRY_AFTER_SECONDS = 5;

/** The sentence of each error code, on each family of pages. */
const SENTENCES: Readonly<Record<Texts, Readonly<Record<ErrorCode | 'server', TextKey>>>> = {
  login: {
    invalid_input: 'error.invalidRequest',
    not_found: 'error.notFound',
    exists: 'error.invalidRequest',
    conflict: 'error.invalidRequest',
    forbidden: 'error.invalidRequest',
    unauthenticated: 'error.sessionExpired',
    csrf: 'error.csrf',
    too_many_attempts: 'error.tooManyAttempts',
    unavailable: 'error.unavailable',
    session_expired: 'error.sessionExpired',
    not_local: 'error.invalidRequest',
    server: 'error.server',
  },
  console: {
    invalid_input: 'console.error.invalid',
    not_found: 'console.error.notFound',
    exists: 'console.error.invalid',
    conflict: 'console.error.invalid',
    forbidden: 'console.error.forbidden',
    unauthenticated: 'console.error.signInAgain',
    csrf: 'error.csrf',
    too_many_attempts: 'error.tooManyAttempts',
    unavailable: 'error.unavailable',
    session_expired: 'console.error.signInAgain',
    not_local: 'console.error.invalid',
    server: 'console.error.title',
  },
};

/**
 * The console's sentence for an error without a sentence or a detail of its own: never the
 * error's message, which is written for operators (in English, with the CLI's options).
 */
function consoleSentence(err: SsoError): TextKey {
  const key = SENTENCES.console[err.code];
  return key === 'console.error.invalid' && !Object.hasOwn(err.params, 'detail') ? 'console.error.invalidPlain' : key;
}

function fromSsoError(err: SsoError, texts: Texts): Failure {
  return {
    status: err.status ?? STATUS_OF[err.code],
    messageKey: (err.messageKey as TextKey | undefined) ?? (texts === 'console' ? consoleSentence(err) : SENTENCES[texts][err.code]),
    // the console's "please check what you entered: {detail}" shows the message unless the error gives its own detail
    params: { detail: err.message, ...err.params },
    retryAfter: err.code === 'unavailable' ? RETRY_AFTER_SECONDS : undefined,
  };
}

/** The status an error carries itself (a body parser's: 413 too large, 400 malformed; a static file's 404). */
function ownStatus(err: unknown): number | undefined {
  const status = typeof err === 'object' && err && 'status' in err ? (err as { status: unknown }).status : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** What the page says about `err`. Pure. */
export function failureOf(err: unknown, texts: Texts): Failure {
  if (isSsoError(err)) return fromSsoError(err, texts);
  if (isDatabaseUnavailable(err) || err instanceof errors.TemporarilyUnavailable) {
    // the database is out of reach (the provider's storage says so as temporarily_unavailable)
    return { status: 503, messageKey: 'error.unavailable', params: {}, retryAfter: RETRY_AFTER_SECONDS };
  }
  if (err instanceof errors.SessionNotFound || err instanceof errors.InvalidRequest) {
    // the interaction (its cookie, its stored state) is gone
    return { status: 400, messageKey: 'error.sessionExpired', params: {} };
  }
  const status = ownStatus(err);
  if (status !== undefined && status < 500) {
    return { status, messageKey: texts === 'console' ? 'console.error.invalidPlain' : SENTENCES[texts].invalid_input, params: { detail: String((err as { message?: unknown }).message ?? '') } };
  }
  return { status: 500, messageKey: SENTENCES[texts].server, params: {} };
}

/** A short reference a person can quote, logged beside the error. */
const newReference = () => Math.random().toString(36).slice(2, 10);

export interface ErrorPageOptions {
  logger: Logger;
  texts: Texts;
  /** Where the log lines say the failure happened (an outage is reported as from `where`), and what they say. */
  log: { where: string; failed: string; refused: string };
  /** Draws the page in its family's layout. */
  draw(req: Request, res: Response, failure: Failure, requestId: string): void;
}

/** An Express error handler: the failure logged (with its stack only in the log), then drawn. */
export function errorPageHandler(o: ErrorPageOptions) {
  const reportOutage = outageReporter(o.logger);
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const failure = failureOf(err, o.texts);
    if (failure.retryAfter !== undefined) res.set('Retry-After', String(failure.retryAfter));
    const requestId = newReference();
    if (failure.status === 503) reportOutage(err, o.log.where);
    else if (failure.status >= 500) o.logger.error({ event: 'http.server_error', where: o.log.where, method: req.method, path: req.path, requestId, error: (err as Error)?.message, stack: (err as Error)?.stack }, o.log.failed);
    else o.logger.info({ event: 'http.refused', where: o.log.where, method: req.method, path: req.path, ...clientFields(req), requestId, status: failure.status, error: (err as Error)?.message }, o.log.refused);
    o.draw(req, res, failure, requestId);
  };
}

export interface ErrorPagesDeps {
  config: LocaleConfig;
  render: Renderer;
  logger: Logger;
}

/** The login pages' error page, for Express: the interaction pages' errors (and any other outside the console), and the 404. */
export function errorPages(deps: ErrorPagesDeps) {
  const { config, render } = deps;
  return {
    handler: errorPageHandler({
      logger: deps.logger,
      texts: 'login',
      log: { where: 'interaction', failed: 'interaction failed', refused: 'interaction refused' },
      draw(req, res, f, requestId) {
        const l = expressLocale(req, res, config);
        const send = (client: KnownClient | undefined) => res.status(f.status).type('html').set('Cache-Control', 'no-store').send(
          render.render('error', { ...l, title: l.t('title.error'), status: f.status, message: l.t(f.messageKey, f.params), next: waysOn(f, client), requestId }),
        );
        // the interaction's application, looked up now that a page needs it (none: no way back)
        const lookup = res.locals[INTERACTION_CLIENT] as (() => Promise<KnownClient | undefined>) | undefined;
        if (!lookup) return void send(undefined);
        lookup().then(send, () => send(undefined)).catch((err: Error) => deps.logger.error({ event: 'http.server_error', where: 'interaction', error: err.message }, 'error page failed'));
      },
    }),
    notFound(req: Request, res: Response): void {
      const l = expressLocale(req, res, config);
      res.status(404).type('html').send(render.render('error', { ...l, title: l.t('title.notFound'), status: 404, message: l.t('error.notFound'), next: waysOn({ status: 404 }) }));
    },
  };
}

/**
 * oidc-provider's own error page (renderError, Koa): the sentence for its code (never its English
 * description), the code itself on a line of its own for the helpdesk, and the way back to the
 * application when oidc-provider knows the client (a wrong redirect_uri: its registered address,
 * never the one asked for).
 */
export function protocolErrorPage(deps: ErrorPagesDeps) {
  return (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error): void => {
    const l = koaLocale(ctx, deps.config);
    const status = ctx.status >= 400 ? ctx.status : 400;
    if (status >= 500) deps.logger.error({ event: 'oidc.error_page', status, error: error.message }, 'protocol error page');
    const gone = error instanceof errors.SessionNotFound ? String((error as { error_description?: unknown }).error_description ?? '') : undefined;
    ctx.type = 'html';
    ctx.status = status;
    ctx.body = deps.render.render('error', {
      ...l,
      title: l.t('title.error'),
      status,
      message: l.t(protocolErrorKey(out.error, { route: ctx.oidc?.route, gone })),
      code: out.error ?? 'server_error',
      next: waysOn({ status, protocolError: out.error }, ctx.oidc?.client),
    });
  };
}
