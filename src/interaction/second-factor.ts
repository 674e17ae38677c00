/**
 * The login's second step: after the password (or, for a step-up, inside a live session), the
 * second factor is asked on its own page before the interaction is finished; a person who must
 * use one and has none is led through enrolment here (the same TOTP enrolment as "My account").
 *
 * The pending first factor lives in the interaction oidc-provider keeps (its `result`, saved
 * with the interaction's remaining lifetime), never in the browser: `pendingLogin(d)` reads it,
 * `completeSecondFactor(...)` finishes the login with the method the person used. Another
 * method (WebAuthn, the certificate) plugs in with these two: its own route checks its proof
 * for `pendingLogin(d).accountId`, then calls `completeSecondFactor(flow, req, res, d, 'hwk')`.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { parse as parseCookie } from 'cookie';
import { deviceRemembered, rememberDevice, REMEMBERED_DEVICE_COOKIE } from '../second-factor/remembered-device.js';
import { acrOf, ACR_MFA, withMethod, type Method } from '../domain/authn-level.js';
import { retryAfterMinutes } from '../domain/throttle.js';
import { SsoError } from '../domain/errors.js';
import type { AccountRecord } from '../accounts/claims.js';
import type { CodeFailure } from '../second-factor/service.js';
import { qrDataUrl } from '../second-factor/qr.js';
import { groupSecret } from '../domain/second-factor.js';
import { ACR_UNMET, wantedLevel, type WantedLevel } from '../oidc/acr.js';
import { expressLocale } from '../web/locale.js';
import { formatDuration } from '../web/i18n/format.js';
import { parseForm } from '../web/forms.js';
import type { TextKey } from '../web/i18n/index.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';

/** Where the pending first factor is kept in the interaction's result. */
export const PENDING_KEY = 'sso_second_factor';

/** A login waiting for its second factor (or for the person to enrol one). */
export interface PendingLogin {
  accountId: string;
  /** The methods used so far (the password's ['pwd'], or the live session's). */
  amr: string[];
  remember: boolean;
  /** verify: ask the factor; enrol: set one up first; codes: enrolled, recovery codes shown, `amrAfter` to finish with. */
  stage: 'verify' | 'enrol' | 'codes';
  /** The person may put off enrolling (grace period, nobody asked for the level). */
  mayDefer: boolean;
  /** The level was asked by the request or the client: cancelling is unmet_authentication_requirements. */
  requested: boolean;
  /** A step-up inside a live session (no password was typed now). */
  stepUp: boolean;
  selectAccount: boolean;
  /** Enrolling needs a one-time enrolment code (an administrator or helpdesk officer). */
  needsEnrolCode: boolean;
  amrAfter?: string[] | undefined;
}

const pendingSchema = z.object({
  accountId: z.string().max(200),
  amr: z.array(z.string().max(10)).max(10),
  remember: z.boolean(),
  stage: z.enum(['verify', 'enrol', 'codes']),
  mayDefer: z.boolean(),
  requested: z.boolean(),
  stepUp: z.boolean(),
  selectAccount: z.boolean(),
  needsEnrolCode: z.boolean(),
  amrAfter: z.array(z.string().max(10)).max(10).optional(),
});

/** The login waiting for a second factor in this interaction, if any. */
export function pendingLogin(d: Interaction): PendingLogin | undefined {
  const p = pendingSchema.safeParse((d.result as Record<string, unknown> | undefined)?.[PENDING_KEY]);
  return p.success ? p.data : undefined;
}

async function savePending(d: Interaction, p: PendingLogin): Promise<void> {
  d.result = { ...(d.result ?? {}), [PENDING_KEY]: p };
  await d.persist();
}

/** Finishes the login with the second factor `method` used (`uv`: a WebAuthn assertion with user verification). */
export async function completeSecondFactor(flow: InteractionFlow, req: Request, res: Response, d: Interaction, method: Method, opts: { uv?: boolean } = {}): Promise<void> {
  const p = pendingLogin(d);
  if (!p) throw new SsoError('session_expired', 'no login waiting for a second factor');
  return finishWith(flow, req, res, p, withMethod(p.amr, method, opts));
}

function finishWith(flow: InteractionFlow, req: Request, res: Response, p: PendingLogin, amr: string[]): Promise<void> {
  return flow.finish(req, res, {
    login: { accountId: p.accountId, amr, acr: acrOf(amr), remember: p.remember },
    ...(p.selectAccount ? { select_account: {} } : {}),
  });
}

const codeForm = z.object({ code: z.string().max(40).catch(''), remember: z.string().max(5).catch('').transform((v) => v === '1' || v === 'on') }).catch({ code: '', remember: false });
const enrolForm = z.object({ code: z.string().max(40).catch(''), enrol_code: z.string().max(40).catch('') }).catch({ code: '', enrol_code: '' });

const FAILURE_TEXT: Record<CodeFailure, TextKey> = {
  wrong: 'mfa.error.wrong',
  reused: 'mfa.error.reused',
  expired: 'mfa.error.expired',
  throttled: 'mfa.error.throttled',
  enrol_code: 'mfa.error.enrolCode',
};

export interface PageOptions {
  error?: { reason: CodeFailure; until?: Date | undefined } | undefined;
  /** Another method's refusal, in words (a security key not verified, a certificate of another account). */
  methodError?: TextKey | undefined;
  codes?: string[] | undefined;
}

/**
 * Another second-factor method offered on this page (WebAuthn, the certificate): whether the
 * person has it, and the link to its own page under /interaction/:uid/ (which checks its proof
 * for pendingLogin(d).accountId and ends with completeSecondFactor).
 */
export interface SecondFactorMethod {
  /** Whether the account has this method enrolled (a person with any method is asked for one). */
  enrolled(accountId: string): Promise<boolean>;
  /**
   * Offered on the page whenever a second factor is asked, enrolled or not (the certificate:
   * nothing is enrolled, the person holds one or not); such a method never makes one asked.
   */
  always?: boolean;
  /** link: a link to its page; webauthn: the security-key button on this page (POST path/options, then path). */
  kind: 'link' | 'webauthn';
  /** The link's or button's text. */
  label: TextKey;
  /** Its route, relative to /interaction/:uid/ (e.g. "second-factor/webauthn"). */
  path: string;
}

type H = { deps: InteractionDeps; flow: InteractionFlow; methods: readonly SecondFactorMethod[] };

/** The other methods this account has enrolled (`offered`: with those offered to everyone). */
async function otherMethods(h: H, accountId: string, offered = false): Promise<SecondFactorMethod[]> {
  const mine = await Promise.all(h.methods.map(async (m) => ((offered && m.always) || (await m.enrolled(accountId)) ? m : null)));
  return mine.filter((m): m is SecondFactorMethod => m !== null);
}

/** What the verify page offers besides the code: links, and the security-key button. */
async function offeredMethods(h: H, accountId: string, uid: string, t: (k: TextKey) => string, onlyAlways = false) {
  const base = `/interaction/${uid}`;
  const methods = onlyAlways ? h.methods.filter((m) => m.always) : await otherMethods(h, accountId, true);
  const key = methods.find((m) => m.kind === 'webauthn');
  return {
    links: methods.filter((m) => m.kind === 'link').map((m) => ({ href: `${base}/${m.path}`, label: t(m.label) })),
    securityKey: key ? { action: `${base}/${key.path}`, optionsAction: `${base}/${key.path}/options`, label: t(key.label) } : undefined,
  };
}

async function clientRequiresMfa(h: H, d: Interaction): Promise<boolean> {
  const clientId = d.params.client_id;
  const client = typeof clientId === 'string' ? await h.deps.host.provider.Client.find(clientId) : undefined;
  return client?.['require_mfa'] === true;
}

async function wantedFor(h: H, d: Interaction): Promise<WantedLevel> {
  return wantedLevel({ acrValues: d.params.acr_values, claims: d.params.claims, clientRequiresMfa: await clientRequiresMfa(h, d) });
}

async function accountOf(h: H, p: PendingLogin): Promise<AccountRecord> {
  const a = await h.deps.accounts.findActive(p.accountId);
  if (!a) throw new SsoError('session_expired', 'the pending login\'s account is no longer active');
  return a;
}

/** The page of the pending step: the code (verify), the authenticator to add (enrol), the recovery codes (codes). */
async function show(h: H, req: Request, res: Response, d: Interaction, p: PendingLogin, opts: PageOptions = {}) {
  const { deps, flow } = h;
  const l = expressLocale(req, res, deps.config);
  const a = await accountOf(h, p);
  const setup = p.stage === 'enrol' ? await deps.secondFactors.totpSetup(a) : null;
  const error = opts.error
    ? l.t(FAILURE_TEXT[opts.error.reason], opts.error.until ? { wait: formatDuration(retryAfterMinutes(opts.error.until, new Date()) * 60, l.locale) } : undefined)
    : opts.methodError ? l.t(opts.methodError) : undefined;
  const base = `/interaction/${d.uid}`;
  // verify: every method the person has, and those offered to all; enrol: those offered to all (a certificate instead of an app)
  const offered = p.stage === 'codes' ? { links: [], securityKey: undefined } : await offeredMethods(h, p.accountId, d.uid, l.t, p.stage === 'enrol');
  // the code form only for a person with an authenticator app (a person with only a key is asked the key)
  const totp = p.stage !== 'verify' || (await deps.secondFactors.status(p.accountId)).totp === 'confirmed';
  res.status(opts.error ? (opts.error.reason === 'throttled' ? 429 : 401) : opts.methodError ? 401 : 200).type('html').send(deps.render.render('second-factor', {
    ...l,
    title: l.t(p.stage === 'verify' ? 'mfa.title' : p.stage === 'enrol' ? 'mfa.enrol.title' : 'mfa.codes.title'),
    stage: p.stage,
    login: a.login,
    client: { name: await flow.clientName(d.params.client_id) },
    stepUp: p.stepUp,
    rememberDays: p.stage === 'verify' && deps.config.mfa.rememberDeviceSeconds > 0 && !p.requested ? Math.max(1, Math.round(deps.config.mfa.rememberDeviceSeconds / 86400)) : undefined,
    otherMethods: offered.links,
    securityKey: offered.securityKey,
    totp,
    csrfToken: flow.csrfFor(req, res, d.uid),
    action: `${base}/second-factor`,
    enrolAction: `${base}/second-factor/enrol`,
    deferAction: p.mayDefer ? `${base}/second-factor/later` : undefined,
    continueAction: `${base}/second-factor/continue`,
    cancelAction: `${base}/second-factor/cancel`,
    error,
    setup: setup ? { uri: setup.uri, secret: groupSecret(setup.secret), qr: await qrDataUrl(setup.uri) } : undefined,
    needsEnrolCode: p.needsEnrolCode,
    codes: opts.codes,
  }));
}

type FirstFactor = { account: AccountRecord; amr: string[]; remember: boolean; selectAccount: boolean; stepUp: boolean };

/** Decides, once the first factor is known, whether a second step is needed; true when its page was shown (or the login ended). */
async function begin(h: H, req: Request, res: Response, d: Interaction, first: FirstFactor): Promise<boolean> {
  const wanted = await wantedFor(h, d);
  if (wanted === 'unknown') {
    // an essential acr of none this server knows: it cannot be met
    await h.flow.finish(req, res, { error: 'unmet_authentication_requirements', error_description: 'the requested acr cannot be met' });
    return true;
  }
  const r = await h.deps.secondFactors.requirement(first.account, await clientRequiresMfa(h, d));
  const requested = wanted === ACR_MFA;
  let stage: PendingLogin['stage'] | undefined;
  const other = (await otherMethods(h, first.account.id)).length > 0;
  if (r.enrolled || other) stage = 'verify';
  else if (r.required || requested) stage = 'enrol';
  if (!stage) return false;
  // a browser remembered after a second factor (MFA_REMEMBER_DEVICE): not asked again, unless the level is asked
  if (stage === 'verify' && !requested && (await remembered(h, req, first.account.id))) return false;
  const p: PendingLogin = {
    accountId: first.account.id, amr: first.amr, remember: first.remember, stage,
    mayDefer: stage === 'enrol' && !requested && !r.mustEnrolNow && !first.stepUp, requested, stepUp: first.stepUp, selectAccount: first.selectAccount,
    needsEnrolCode: r.needsEnrolCode,
  };
  await savePending(d, p);
  await show(h, req, res, d, p);
  return true;
}

/**
 * GET /interaction/:uid at the login prompt: the login waiting for its second factor, or, with a
 * live session below the level asked (and nothing else asking for the password), the second
 * factor without the password again. False: the login page.
 */
async function stepUp(h: H, req: Request, res: Response, d: Interaction): Promise<boolean> {
  const pending = pendingLogin(d);
  if (pending) {
    await show(h, req, res, d, pending);
    return true;
  }
  if (!d.prompt.reasons.length || !d.prompt.reasons.every((r) => r === ACR_UNMET)) return false;
  const session = d.session;
  if (!session?.accountId) return false;
  const a = await h.deps.accounts.findActive(session.accountId);
  if (!a) return false;
  const amr = Array.isArray(session.amr) ? session.amr.map(String) : ['pwd'];
  // a session without the password (the certificate alone): the step-up asks the password first,
  // then the second factor (a held factor added to another held one is not two kinds)
  if (!amr.includes('pwd')) return false;
  return begin(h, req, res, d, { account: a, amr, remember: false, selectAccount: false, stepUp: true });
}

/** Whether this browser is remembered for the account's current enrolment (MFA_REMEMBER_DEVICE). */
async function remembered(h: H, req: Request, accountId: string): Promise<boolean> {
  if (h.deps.config.mfa.rememberDeviceSeconds <= 0) return false;
  const since = (await h.deps.secondFactors.status(accountId)).confirmedAt;
  const value = parseCookie(req.headers.cookie ?? '')[REMEMBERED_DEVICE_COOKIE];
  return since !== null && deviceRemembered(h.deps.config.cookieKeys, value, accountId, since.getTime(), Math.floor(Date.now() / 1000));
}

/** Remembers this browser for the account's enrolment, for MFA_REMEMBER_DEVICE (the person ticked it). */
async function rememberThisDevice(h: H, res: Response, accountId: string): Promise<void> {
  const seconds = h.deps.config.mfa.rememberDeviceSeconds;
  const since = (await h.deps.secondFactors.status(accountId)).confirmedAt;
  if (seconds <= 0 || !since) return;
  const value = rememberDevice(h.deps.config.cookieKeys, { accountId, since: since.getTime(), exp: Math.floor(Date.now() / 1000) + seconds });
  res.cookie(REMEMBERED_DEVICE_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: h.deps.config.issuer.startsWith('https:'), path: '/interaction', maxAge: seconds * 1000 });
}

async function pendingOf(h: H, req: Request, res: Response, stage: PendingLogin['stage']): Promise<{ d: Interaction; p: PendingLogin }> {
  res.set('Cache-Control', 'no-store');
  const d = await h.flow.details(req, res);
  h.flow.checkCsrf(req, d.uid);
  const p = pendingLogin(d);
  if (!p || p.stage !== stage) throw new SsoError('session_expired', 'no login waiting for this step');
  return { d, p };
}

const ctxOf = (req: Request, d: Interaction) => ({ ip: req.ip, clientId: typeof d.params.client_id === 'string' ? d.params.client_id : undefined });

/** The forms of the second-factor page. */
function posts(h: H) {
  const { flow } = h;
  return {
    /** POST /interaction/:uid/second-factor: a TOTP or recovery code. */
    async submitCode(req: Request, res: Response) {
      const { d, p } = await pendingOf(h, req, res, 'verify');
      const form = parseForm(codeForm, req.body);
      const outcome = await h.deps.secondFactors.verify(await accountOf(h, p), form.code, ctxOf(req, d));
      if (outcome.kind === 'failed') return show(h, req, res, d, p, { error: outcome });
      if (form.remember && !p.requested) await rememberThisDevice(h, res, p.accountId);
      return completeSecondFactor(flow, req, res, d, 'otp');
    },

    /** POST /interaction/:uid/second-factor/enrol: the first code of the new authenticator (and the enrolment code). */
    async submitEnrol(req: Request, res: Response) {
      const { d, p } = await pendingOf(h, req, res, 'enrol');
      const form = parseForm(enrolForm, req.body);
      const outcome = await h.deps.secondFactors.confirmTotp(await accountOf(h, p), { code: form.code, enrolCode: form.enrol_code }, { ...ctxOf(req, d), duringLogin: true });
      if (outcome.kind === 'failed') return show(h, req, res, d, p, { error: outcome });
      // enrolled meanwhile (another tab): the factor is asked as for anyone enrolled
      const next: PendingLogin = outcome.kind === 'already_enrolled' ? { ...p, stage: 'verify' } : { ...p, stage: 'codes', amrAfter: withMethod(p.amr, 'otp') };
      await savePending(d, next);
      // the code just typed proves the new factor: the login goes on with it once the codes are saved
      return show(h, req, res, d, next, { codes: outcome.kind === 'enrolled' ? outcome.recoveryCodes : undefined });
    },

    /** POST /interaction/:uid/second-factor/continue: the recovery codes were shown; the login finishes. */
    async continueAfterCodes(req: Request, res: Response) {
      const { p } = await pendingOf(h, req, res, 'codes');
      return finishWith(flow, req, res, p, p.amrAfter ?? p.amr);
    },

    /** POST /interaction/:uid/second-factor/later: enrolment put off (grace period): the password alone. */
    async later(req: Request, res: Response) {
      const { p } = await pendingOf(h, req, res, 'enrol');
      if (!p.mayDefer) throw new SsoError('invalid_input', 'enrolment cannot be put off here');
      return finishWith(flow, req, res, p, p.amr);
    },

    /** POST /interaction/:uid/second-factor/cancel: no second factor; the application gets an error. */
    async cancel(req: Request, res: Response) {
      res.set('Cache-Control', 'no-store');
      const d = await flow.details(req, res);
      flow.checkCsrf(req, d.uid);
      const error = pendingLogin(d)?.requested ? 'unmet_authentication_requirements' : 'access_denied';
      return flow.finish(req, res, { error, error_description: 'the second factor was not given' });
    },
  };
}

export function secondFactorHandlers(deps: InteractionDeps, flow: InteractionFlow, methods: readonly SecondFactorMethod[] = []) {
  const h: H = { deps, flow, methods };
  return {
    begin: (req: Request, res: Response, d: Interaction, first: FirstFactor) => begin(h, req, res, d, first),
    stepUp: (req: Request, res: Response, d: Interaction) => stepUp(h, req, res, d),
    show: (req: Request, res: Response, d: Interaction, p: PendingLogin, opts?: PageOptions) => show(h, req, res, d, p, opts),
    ...posts(h),
  };
}

export type SecondFactorHandlers = ReturnType<typeof secondFactorHandlers>;
