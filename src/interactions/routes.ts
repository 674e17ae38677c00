/**
 * Login, account selection, consent and abort: the interaction pages oidc-provider sends the
 * browser to (/interaction/:uid). Express serves them; each POST carries a CSRF token and
 * bounded, validated fields.
 */
import express, { type Request, type Response, type NextFunction } from 'express';
import { parse as parseCookie } from 'cookie';
import { errors, type InteractionResults } from 'oidc-provider';
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import { z } from 'zod';
import type { AccountService } from '../accounts/service.js';
import type { LoginFailure } from '../login/types.js';
import type { LoginUseCase } from '../login/attempt.js';
import type { ProviderHost } from '../oidc/provider.js';
import type { AuditLog } from '../audit/log.js';
import { CSRF_COOKIE, CSRF_FIELD, csrfToken, newCsrfNonce, verifyCsrf } from '../web/csrf.js';
import { expressLocale as localeFor } from '../web/locale.js';
import { scopeDescription, type MessageKey } from '../web/i18n/index.js';
import type { Renderer } from '../web/render.js';
import { retryAfterMinutes, retryAfterSeconds } from '../domain/throttle.js';
import { isDatabaseUnavailable, outageReporter } from '../db/errors.js';

export interface InteractionDeps {
  config: Config;
  host: ProviderHost;
  accounts: AccountService;
  /** The login use case: throttle, password check, account state, audit and metrics. */
  login: LoginUseCase;
  render: Renderer;
  logger: Logger;
  /** The audit trail: consent. */
  audit?: Pick<AuditLog, 'record'> | undefined;
}

export const FIELD_LIMITS = { login: 254, password: 256 } as const;

/** What the person reads, and the status, for each reason a login fails. */
export const LOGIN_FAILURE_PAGES: Record<LoginFailure, readonly [MessageKey, number]> = {
  invalid_credentials: ['error.invalidCredentials', 401],
  disabled: ['error.accountDisabled', 403],
  locked: ['error.accountLocked', 403],
  expired: ['error.accountExpired', 403],
  password_expired: ['error.passwordExpired', 403],
  must_change_password: ['error.mustChangePassword', 403],
  conflict: ['error.accountConflict', 403],
  unavailable: ['error.directoryUnavailable', 503],
};

/** The login form's fields: bounded strings, anything else read as empty (then refused as a bad request). */
const loginForm = z.object({
  login: z.string().max(FIELD_LIMITS.login).catch(''),
  password: z.string().max(FIELD_LIMITS.password).catch(''),
}).catch({ login: '', password: '' });

/** Reasons that mean "the person must type the password again", even with a live session. */
const REAUTH_REASONS = new Set(['login_prompt', 'max_age', 'id_token_hint', 'claims_id_token_sub_value']);

export class PageError extends Error {
  constructor(readonly status: number, readonly messageKey: MessageKey, detail?: string) {
    super(detail ?? messageKey);
  }
}

function cookies(req: Request): Record<string, string | undefined> {
  return parseCookie(req.headers.cookie ?? '');
}

export function interactionRouter(deps: InteractionDeps): express.Router {
  const { config, host, render, logger } = deps;
  const router = express.Router();
  const body = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const csrfKey = config.cookieKeys[0]!;
  const secure = config.issuer.startsWith('https:');

  function csrfFor(req: Request, res: Response, uid: string): string {
    let nonce = cookies(req)[CSRF_COOKIE];
    if (!nonce || nonce.length > 64) {
      nonce = newCsrfNonce();
      res.cookie(CSRF_COOKIE, nonce, { httpOnly: true, sameSite: 'lax', secure, path: '/interaction' });
    }
    return csrfToken(csrfKey, uid, nonce);
  }

  function checkCsrf(req: Request, uid: string): void {
    const presented = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    if (!verifyCsrf(csrfKey, uid, cookies(req)[CSRF_COOKIE], presented)) throw new PageError(403, 'error.csrf', 'csrf token missing or wrong');
  }

  async function details(req: Request, res: Response) {
    const d = await host.provider.interactionDetails(req, res);
    if (d.uid !== req.params.uid) throw new PageError(400, 'error.sessionExpired', 'interaction uid does not match the cookie');
    return d;
  }

  async function clientName(clientId: unknown): Promise<string> {
    const client = typeof clientId === 'string' ? await host.provider.Client.find(clientId) : undefined;
    return client?.clientName ?? (typeof clientId === 'string' ? clientId : '');
  }

  async function renderLogin(req: Request, res: Response, d: Awaited<ReturnType<typeof details>>, opts: { error?: MessageKey; errorParams?: Record<string, string | number>; status?: number; login?: string } = {}) {
    const l = localeFor(req, res, config);
    const sessionAccount = d.session?.accountId ? await deps.accounts.findActive(d.session.accountId) : null;
    const forceReauth = d.prompt.name === 'login' && d.prompt.reasons.some((r) => REAUTH_REASONS.has(r));
    const hint = typeof d.params.login_hint === 'string' ? d.params.login_hint.slice(0, FIELD_LIMITS.login) : '';
    res.status(opts.status ?? 200).type('html').send(
      render.render('login', {
        ...l,
        title: l.t('title.login'),
        uid: d.uid,
        action: `/interaction/${d.uid}/login`,
        continueAction: `/interaction/${d.uid}/continue`,
        csrfToken: csrfFor(req, res, d.uid),
        login: opts.login ?? (forceReauth && sessionAccount ? sessionAccount.login : hint),
        error: opts.error ? l.t(opts.error, opts.errorParams) : undefined,
        client: { name: await clientName(d.params.client_id) },
        session: sessionAccount ? { login: sessionAccount.login, displayName: sessionAccount.displayName } : undefined,
        forceReauth,
      }),
    );
  }

  async function finish(req: Request, res: Response, result: InteractionResults) {
    const redirectTo = await host.provider.interactionResult(req, res, result, { mergeWithLastSubmission: true });
    res.redirect(303, redirectTo);
  }

  /** Consent for the scopes and claims the prompt says are missing, saved as a grant. */
  async function grantConsent(d: Awaited<ReturnType<typeof details>>): Promise<string> {
    const { Grant } = host.provider;
    const accountId = d.session!.accountId;
    const clientId = String(d.params.client_id);
    const existing = d.grantId ? await Grant.find(d.grantId) : undefined;
    const grant = existing ?? new Grant({ accountId, clientId });
    const det = d.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (det.missingOIDCScope?.length) grant.addOIDCScope(det.missingOIDCScope.join(' '));
    if (det.missingOIDCClaims?.length) grant.addOIDCClaims(det.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(det.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    return grant.save();
  }

  router.get('/:uid', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const d = await details(req, res);
    const prompt = d.prompt.name;
    if (prompt === 'login' || prompt === 'select_account') return renderLogin(req, res, d);
    if (prompt === 'consent') {
      const client = await host.provider.Client.find(String(d.params.client_id));
      if (client?.['first_party'] === true) {
        // First-party applications of the province: consent is implied, no page.
        return finish(req, res, { consent: { grantId: await grantConsent(d) } });
      }
      const l = localeFor(req, res, config);
      const det = d.prompt.details as { missingOIDCScope?: string[] };
      const requested = det.missingOIDCScope?.length ? det.missingOIDCScope : String(d.params.scope ?? 'openid').split(' ');
      const account = await deps.accounts.findActive(d.session!.accountId);
      return res.type('html').send(
        render.render('consent', {
          ...l,
          title: l.t('title.consent'),
          action: `/interaction/${d.uid}/confirm`,
          abortAction: `/interaction/${d.uid}/abort`,
          csrfToken: csrfFor(req, res, d.uid),
          client: { name: client?.clientName ?? String(d.params.client_id) },
          account: { displayName: account?.displayName ?? '' },
          scopes: requested.filter((s) => s !== 'openid').map((s) => ({ name: s, description: scopeDescription(l.t, s) })),
        }),
      );
    }
    throw new PageError(400, 'error.invalidRequest', `unknown prompt ${prompt}`);
  });

  router.post('/:uid/login', body, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const d = await details(req, res);
    checkCsrf(req, d.uid);
    if (d.prompt.name !== 'login' && d.prompt.name !== 'select_account') throw new PageError(400, 'error.invalidRequest', 'login posted to a non-login prompt');
    const form = loginForm.parse(req.body ?? {});
    const outcome = await deps.login.attempt(form, { ip: req.ip, clientId: String(d.params.client_id) });
    switch (outcome.kind) {
      case 'success':
        // Another account than the session's: the old session is replaced by oidc-provider.
        return finish(req, res, { login: { accountId: outcome.account.id, amr: outcome.amr }, ...(d.prompt.name === 'select_account' ? { select_account: {} } : {}) });
      case 'bad_request':
        return renderLogin(req, res, d, { error: 'error.invalidCredentials', status: 400, login: form.login });
      case 'throttled': {
        const now = new Date();
        res.set('Retry-After', String(retryAfterSeconds(outcome.until, now)));
        return renderLogin(req, res, d, { error: 'error.tooManyAttempts', errorParams: { minutes: retryAfterMinutes(outcome.until, now) }, status: 429, login: form.login });
      }
      case 'failure': {
        const [key, status] = LOGIN_FAILURE_PAGES[outcome.reason];
        return renderLogin(req, res, d, { error: key, status, login: form.login });
      }
    }
  });

  router.post('/:uid/continue', body, async (req, res) => {
    const d = await details(req, res);
    checkCsrf(req, d.uid);
    if (d.prompt.name !== 'select_account' || !d.session?.accountId) throw new PageError(400, 'error.invalidRequest', 'continue without a session to continue');
    return finish(req, res, { select_account: {} });
  });

  router.post('/:uid/confirm', body, async (req, res) => {
    const d = await details(req, res);
    checkCsrf(req, d.uid);
    if (d.prompt.name !== 'consent') throw new PageError(400, 'error.invalidRequest', 'consent posted to a non-consent prompt');
    const grantId = await grantConsent(d);
    logger.info({ event: 'consent.granted', account: d.session?.accountId, client: String(d.params.client_id) }, 'consent granted');
    void deps.audit?.record({ type: 'consent', outcome: 'granted', subject: d.session?.accountId ?? null, clientId: String(d.params.client_id), ip: req.ip ?? null, detail: { scopes: (d.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope ?? [] } });
    return finish(req, res, { consent: { grantId } });
  });

  router.post('/:uid/abort', body, async (req, res) => {
    const d = await details(req, res);
    checkCsrf(req, d.uid);
    if (d.prompt.name === 'consent') void deps.audit?.record({ type: 'consent', outcome: 'denied', subject: d.session?.accountId ?? null, clientId: String(d.params.client_id), ip: req.ip ?? null });
    return finish(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  });

  return router;
}

/** Interaction errors -> a readable page (never a stack trace). */
export function interactionErrorHandler(deps: Pick<InteractionDeps, 'config' | 'render' | 'logger'>) {
  const reportOutage = outageReporter(deps.logger);
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    let status = 500;
    let key: MessageKey = 'error.server';
    if (err instanceof PageError) {
      status = err.status;
      key = err.messageKey;
    } else if (isDatabaseUnavailable(err) || err instanceof errors.TemporarilyUnavailable) {
      // the database is out of reach (the provider's storage says so as temporarily_unavailable)
      status = 503;
      key = 'error.unavailable';
      res.set('Retry-After', '5');
    } else if (err instanceof errors.SessionNotFound || err instanceof errors.InvalidRequest) {
      status = 400;
      key = 'error.sessionExpired';
    } else if (typeof err === 'object' && err && 'status' in err && typeof (err as { status: unknown }).status === 'number' && (err as { status: number }).status < 500) {
      status = (err as { status: number }).status; // body parser: 413 too large, 400 malformed
      key = 'error.invalidRequest';
    }
    const requestId = Math.random().toString(36).slice(2, 10);
    if (status === 503) reportOutage(err, 'interaction');
    else if (status >= 500) deps.logger.error({ requestId, error: (err as Error)?.message, stack: (err as Error)?.stack }, 'interaction failed');
    else deps.logger.info({ requestId, status, error: (err as Error)?.message }, 'interaction refused');
    const l = localeFor(req, res, deps.config);
    res.status(status).type('html').set('Cache-Control', 'no-store').send(
      deps.render.render('error', { ...l, title: l.t('title.error'), status, message: l.t(key), requestId }),
    );
  };
}
