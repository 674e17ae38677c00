/**
 * The login page: the form (or "continue as …" with a live session), its POST through the login
 * use case, and each outcome's page.
 */
import type { Request, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import { z } from 'zod';
import type { LoginFailure, LoginOutcome } from '../login/types.js';
import { KNOWN_DEVICE_COOKIE } from '../login/known-device.js';
import { retryAfterMinutes, retryAfterSeconds, type KeyType } from '../domain/throttle.js';
import { SsoError } from '../domain/errors.js';
import { acrOf } from '../domain/authn-level.js';
import { userAgentOf } from '../util/log-fields.js';
import { expressLocale } from '../web/locale.js';
import { formatDuration } from '../web/i18n/format.js';
import { parseForm } from '../web/forms.js';
import type { MessageKey } from '../web/i18n/index.js';
import { certificateStartUrl } from '../certificate/routes.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';
import { passkeyOffer } from './passkey.js';
import type { SecondFactorHandlers } from './second-factor.js';
import { ACR_UNMET } from '../oidc/acr.js';

export const FIELD_LIMITS = { login: 254, password: 256 } as const;

/**
 * What the person reads, and the status, for each reason a login fails once the password was
 * found right (or, for invalid_credentials and unavailable, whatever it was). A state the
 * password could not be checked against (`unverified`: never bound, or refused whatever the
 * password) is told as UNVERIFIED_PAGE instead, with the wrong-password status: the response
 * to a wrong password never says whether an account is locked, disabled or expired. A lock is
 * always such a state (a locked entry is never bound; AD says 775 whatever the password).
 */
export const LOGIN_FAILURE_PAGES: Record<LoginFailure, readonly [MessageKey, number]> = {
  invalid_credentials: ['error.invalidCredentials', 401],
  disabled: ['error.accountDisabled', 403],
  locked: ['error.cannotSignIn', 401],
  expired: ['error.accountExpired', 403],
  password_expired: ['error.passwordExpired', 403],
  must_change_password: ['error.mustChangePassword', 403],
  conflict: ['error.accountConflict', 403],
  unavailable: ['error.directoryUnavailable', 503],
};

export const UNVERIFIED_PAGE: readonly [MessageKey, number] = ['error.cannotSignIn', 401];

/** What the person reads when a limit refuses the attempt: whose limit it is, without accusing anyone. */
export const BLOCKED_PAGES: Record<KeyType, MessageKey> = {
  account: 'error.blockedAccount',
  account_address: 'error.blockedAccountAddress',
  address: 'error.blockedAddress',
  device: 'error.blockedDevice',
};

/** The login form's fields: bounded strings, anything else read as empty (then refused as a bad request). */
const loginForm = z.object({
  login: z.string().max(FIELD_LIMITS.login).catch(''),
  password: z.string().max(FIELD_LIMITS.password).catch(''),
  remember: z.string().max(5).catch('').transform((v) => v === '1' || v === 'on'),
}).catch({ login: '', password: '', remember: false });

/** Reasons that mean "the person must type the password again", even with a live session. */
// acr_unmet reaches this page only for a session without the password (the certificate alone):
// the step-up asks the password again, then the second factor (interaction/second-factor.ts)
const REAUTH_REASONS = new Set(['login_prompt', 'max_age', 'id_token_hint', 'claims_id_token_sub_value', ACR_UNMET]);

export interface LoginPageOptions {
  error?: MessageKey;
  errorParams?: Record<string, string | number>;
  /** How long a blocked person waits, in minutes: in words on the page ("30 phút"). */
  waitMinutes?: number;
  status?: number;
  login?: string;
  /** Show HELPDESK_CONTACT with the error (when the person cannot go on alone). */
  helpdesk?: boolean;
}

/** The page of a failed or refused attempt. */
function failurePage(outcome: LoginOutcome & { kind: 'failure' | 'throttled' }, now: Date): LoginPageOptions {
  if (outcome.kind === 'throttled') {
    const key = outcome.keyType ? BLOCKED_PAGES[outcome.keyType] : 'error.tooManyAttempts';
    return { error: key, waitMinutes: retryAfterMinutes(outcome.until, now), status: 429, helpdesk: true };
  }
  const [error, status] = outcome.unverified ? UNVERIFIED_PAGE : LOGIN_FAILURE_PAGES[outcome.reason];
  // the plain wrong password is the person's to retry; anything else may need the helpdesk
  return { error, status, helpdesk: error !== 'error.invalidCredentials' };
}

export function loginHandlers(deps: InteractionDeps, flow: InteractionFlow, secondFactor?: SecondFactorHandlers) {
  const { config, render } = deps;
  const secure = config.issuer.startsWith('https:');
  const rememberOffered = config.login.sessionCookie === 'persistent';

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
        error: opts.error ? l.t(opts.error, opts.waitMinutes === undefined ? opts.errorParams : { wait: formatDuration(opts.waitMinutes * 60, l.locale) }) : undefined,
        helpdesk: opts.error && opts.helpdesk && config.login.helpdeskContact ? l.t('error.helpdeskContact', { contact: config.login.helpdeskContact }) : undefined,
        rememberOffered,
        client: { name: await flow.clientName(d.params.client_id) },
        session: sessionAccount ? { login: sessionAccount.login, displayName: sessionAccount.displayName } : undefined,
        forceReauth,
        // "Đăng nhập bằng chữ ký số": where a certificate alone signs in (src/certificate/)
        certificateUrl: config.certificate?.firstFactor ? certificateStartUrl(config.certificate.loginUrl, d.uid, 'login') : undefined,
        passkey: passkeyOffer(deps, d.uid),
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
    const device = parseCookie(req.headers.cookie ?? '')[KNOWN_DEVICE_COOKIE];
    const outcome = await deps.login.attempt(form, { ip: req.ip, clientId: String(d.params.client_id), device, userAgent: userAgentOf(req.headers['user-agent']) });
    switch (outcome.kind) {
      case 'success': {
        if (outcome.device) {
          // this browser is now a known device for the person (login/known-device.ts)
          res.cookie(KNOWN_DEVICE_COOKIE, outcome.device, { httpOnly: true, sameSite: 'lax', secure, path: '/interaction', maxAge: config.login.knownDeviceTtlSeconds * 1000 });
        }
        // browser (the default): the session cookie ends with the browser; persistent: as the person chose
        const remember = rememberOffered && form.remember;
        // the second step, when the person has a factor, must use one, or the request asks for it
        const selectAccount = d.prompt.name === 'select_account';
        if (secondFactor && (await secondFactor.begin(req, res, d, { account: outcome.account, amr: outcome.amr, remember, selectAccount, stepUp: false }))) return;
        // Another account than the session's: the old session is replaced by oidc-provider.
        return flow.finish(req, res, { login: { accountId: outcome.account.id, amr: outcome.amr, acr: acrOf(outcome.amr), remember }, ...(d.prompt.name === 'select_account' ? { select_account: {} } : {}) });
      }
      case 'bad_request':
        return showLogin(req, res, d, { error: 'error.invalidCredentials', status: 400, login: form.login });
      case 'throttled':
        res.set('Retry-After', String(retryAfterSeconds(outcome.until, new Date())));
        return showLogin(req, res, d, { ...failurePage(outcome, new Date()), login: form.login });
      case 'failure':
        return showLogin(req, res, d, { ...failurePage(outcome, new Date()), login: form.login });
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
