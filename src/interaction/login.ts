/**
 * The login page: the form (or "continue as …" with a live session), its POST through the login
 * use case, and each outcome's page.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { LoginFailure } from '../login/types.js';
import { retryAfterMinutes, retryAfterSeconds } from '../domain/throttle.js';
import { SsoError } from '../domain/errors.js';
import { expressLocale } from '../web/locale.js';
import { parseForm } from '../web/forms.js';
import type { MessageKey } from '../web/i18n/index.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';

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

export interface LoginPageOptions {
  error?: MessageKey;
  errorParams?: Record<string, string | number>;
  status?: number;
  login?: string;
}

export function loginHandlers(deps: InteractionDeps, flow: InteractionFlow) {
  const { config, render } = deps;

  async function showLogin(req: Request, res: Response, d: Interaction, opts: LoginPageOptions = {}) {
    const l = expressLocale(req, res, config);
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
        csrfToken: flow.csrfFor(req, res, d.uid),
        login: opts.login ?? (forceReauth && sessionAccount ? sessionAccount.login : hint),
        error: opts.error ? l.t(opts.error, opts.errorParams) : undefined,
        client: { name: await flow.clientName(d.params.client_id) },
        session: sessionAccount ? { login: sessionAccount.login, displayName: sessionAccount.displayName } : undefined,
        forceReauth,
      }),
    );
  }

  /** POST /interaction/:uid/login: the credentials, through the login use case. */
  async function submitLogin(req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    const d = await flow.details(req, res);
    flow.checkCsrf(req, d.uid);
    if (d.prompt.name !== 'login' && d.prompt.name !== 'select_account') throw new SsoError('invalid_input', 'login posted to a non-login prompt');
    const form = parseForm(loginForm, req.body);
    const outcome = await deps.login.attempt(form, { ip: req.ip, clientId: String(d.params.client_id) });
    switch (outcome.kind) {
      case 'success':
        // Another account than the session's: the old session is replaced by oidc-provider.
        return flow.finish(req, res, { login: { accountId: outcome.account.id, amr: outcome.amr }, ...(d.prompt.name === 'select_account' ? { select_account: {} } : {}) });
      case 'bad_request':
        return showLogin(req, res, d, { error: 'error.invalidCredentials', status: 400, login: form.login });
      case 'throttled': {
        const now = new Date();
        res.set('Retry-After', String(retryAfterSeconds(outcome.until, now)));
        return showLogin(req, res, d, { error: 'error.tooManyAttempts', errorParams: { minutes: retryAfterMinutes(outcome.until, now) }, status: 429, login: form.login });
      }
      case 'failure': {
        const [key, status] = LOGIN_FAILURE_PAGES[outcome.reason];
        return showLogin(req, res, d, { error: key, status, login: form.login });
      }
    }
  }

  /** POST /interaction/:uid/continue: "continue as …" with the live session. */
  async function continueSession(req: Request, res: Response) {
    const d = await flow.details(req, res);
    flow.checkCsrf(req, d.uid);
    if (d.prompt.name !== 'select_account' || !d.session?.accountId) throw new SsoError('invalid_input', 'continue without a session to continue');
    return flow.finish(req, res, { select_account: {} });
  }

  return { showLogin, submitLogin, continueSession };
}
