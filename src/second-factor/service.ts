/**
 * The second factor, as use cases: who must use one, TOTP enrolment (My account, or during the
 * login), checking a code (TOTP or recovery code) with the throttle, recovery codes, and the
 * helpdesk's tools (status, reset, enrolment codes). Ports in, decisions from
 * domain/second-factor.ts; no database client, no web.
 *
 * Every failed code counts against the person's second-factor key (mfa:<login>, which a right
 * password does not clear) and the address's key (ip:<address>, shared with passwords), as
 * passwords do; a blocked key refuses the next code before it is checked.
 */
import { generateSecret, generateURI } from 'otplib';
import type { AccountRecord } from '../accounts/claims.js';
import { parseAttributes } from '../accounts/claims.js';
import type { AuditRecorder } from '../audit/log.js';
import type { LoginThrottle } from '../db/repos/throttle.js';
import type { SecondFactorRepository } from '../db/repos/second-factors.js';
import { addressKey, mfaKey } from '../domain/throttle-keys.js';
import {
  checkTotp, enrolmentDue, looksLikeRecoveryCode, RECOVERY_CODE_COUNT, secondFactorRequired,
} from '../domain/second-factor.js';
import type { FactorSecrets } from './codes.js';
import type { Notice, SecurityNotices } from '../mail/notices.js';

export type ConsoleRoleOf = (account: AccountRecord) => 'admin' | 'helpdesk' | null;

export interface SecondFactorSettings {
  /** MFA_REQUIRED_GROUPS, as DNs. */
  requiredGroups: readonly string[];
  /** MFA_CONSOLE_REQUIRED. */
  consoleRolesRequired: boolean;
  /** MFA_ENROL_GRACE, seconds. */
  enrolGraceSeconds: number;
  /** The issuer name the authenticator app shows (BRAND_NAME or the host). */
  issuerLabel: string;
}

export interface SecondFactorDeps {
  repo: SecondFactorRepository;
  secrets: FactorSecrets;
  throttle: Pick<LoginThrottle, 'check' | 'recordFailure' | 'recordSuccess'>;
  settings: SecondFactorSettings;
  roleOf: ConsoleRoleOf;
  audit?: AuditRecorder | undefined;
  /** Mails the person when a factor is enrolled or reset, or a recovery code used (SMTP_URL). */
  notices?: Pick<SecurityNotices, 'send'> | undefined;
  /** The factors kept elsewhere (security keys and passkeys): removed too at a reset. */
  otherFactors?: { removeAll(accountId: string, reason: string): Promise<number> } | undefined;
  now?: (() => Date) | undefined;
}

/** Where a code comes from. */
export interface FactorContext {
  ip?: string | undefined;
  clientId?: string | undefined;
}

/** Why a code was not accepted; each has its own sentence. */
export type CodeFailure = 'wrong' | 'reused' | 'expired' | 'throttled' | 'enrol_code';
export type VerifyOutcome =
  | { kind: 'ok'; method: 'totp' | 'recovery_code'; recoveryLeft?: number }
  | { kind: 'failed'; reason: CodeFailure; until?: Date | undefined };

export interface Requirement {
  /** A confirmed factor exists: it is asked at every login. */
  enrolled: boolean;
  /** This person must use a second factor here. */
  required: boolean;
  /** Required, not enrolled, and the grace period is over: enrol now or go no further. */
  mustEnrolNow: boolean;
  /** Enrolling needs a one-time enrolment code (an administrator or helpdesk officer). */
  needsEnrolCode: boolean;
}

export interface TotpSetup {
  secret: string;
  uri: string;
}

export type EnrolOutcome = { kind: 'enrolled'; recoveryCodes: string[] } | { kind: 'failed'; reason: CodeFailure; until?: Date | undefined } | { kind: 'already_enrolled' };

export interface FactorStatus {
  totp: 'none' | 'pending' | 'confirmed';
  confirmedAt: Date | null;
  recoveryLeft: number;
}

/** How long an enrolment code lives. */
export const ENROL_CODE_TTL_SECONDS = 72 * 3600;
/** A pending (unconfirmed) authenticator is offered again for this long, then a new secret is made. */
const PENDING_REUSE_MS = 30 * 60_000;

type Ctx = SecondFactorDeps & { now: () => Date };

const keysOf = (account: AccountRecord, ctx: FactorContext) => [mfaKey(account.login), addressKey(ctx.ip)];

async function failed(c: Ctx, account: AccountRecord, ctx: FactorContext, reason: CodeFailure): Promise<{ kind: 'failed'; reason: CodeFailure; until?: Date }> {
  const counted = await c.throttle.recordFailure(keysOf(account, ctx), c.now());
  void c.audit?.record({ type: 'mfa.failed', outcome: reason, subject: account.id, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null });
  const d = counted.decision;
  return d.action === 'block' ? { kind: 'failed', reason, until: d.until } : { kind: 'failed', reason };
}

async function blocked(c: Ctx, account: AccountRecord, ctx: FactorContext): Promise<{ kind: 'failed'; reason: 'throttled'; until: Date } | null> {
  const d = await c.throttle.check(keysOf(account, ctx), c.now());
  if (d.action !== 'block') return null;
  void c.audit?.record({ type: 'mfa.failed', outcome: 'throttled', subject: account.id, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null, detail: { until: d.until.toISOString() } });
  return { kind: 'failed', reason: 'throttled', until: d.until };
}

/** The person's security notice, by mail where configured; never waited for, never a failure. */
function notify(c: Ctx, account: AccountRecord, notice: Notice, ctx: FactorContext): void {
  void c.notices?.send(account, notice, { at: c.now(), ip: ctx.ip });
}

async function makeRecoveryCodes(c: Ctx, accountId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => c.secrets.newCode());
  await c.repo.replaceRecoveryCodes(accountId, codes.map(c.secrets.hashCode));
  return codes;
}

/**
 * Everything that follows someone enrolling a factor, in one place: the audit event (shown in
 * the person's recent activity). The enrolment notice by mail goes here too.
 */
async function enrolled(c: Ctx, account: AccountRecord, method: 'totp', ctx: FactorContext & { duringLogin: boolean; byEnrolCode: boolean }): Promise<void> {
  await c.audit?.record({
    type: 'mfa.enrolled', outcome: 'success', actor: account.login, subject: account.id, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null,
    detail: { method, during_login: ctx.duringLogin, by_enrol_code: ctx.byEnrolCode },
  });
  notify(c, account, { kind: 'enrolled', method }, ctx);
}

async function verifyRecovery(c: Ctx, account: AccountRecord, input: string, ctx: FactorContext): Promise<VerifyOutcome> {
  if (!(await c.repo.useRecoveryCode(account.id, c.secrets.hashCode(input), c.now()))) return failed(c, account, ctx, 'wrong');
  const left = await c.repo.recoveryCodesLeft(account.id);
  await c.throttle.recordSuccess([mfaKey(account.login)]);
  void c.audit?.record({ type: 'mfa.recovery_used', outcome: 'success', subject: account.id, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null, detail: { left } });
  notify(c, account, { kind: 'recovery_used', left }, ctx);
  return { kind: 'ok', method: 'recovery_code', recoveryLeft: left };
}

async function requirement(c: Ctx, account: AccountRecord, clientRequires: boolean): Promise<Requirement> {
  const totp = await c.repo.totpOf(account.id);
  const role = c.roleOf(account);
  const required = secondFactorRequired({
    groupDns: parseAttributes(account.attributes).groupDns ?? [],
    requiredGroups: c.settings.requiredGroups,
    consoleRole: role,
    consoleRolesRequired: c.settings.consoleRolesRequired,
    clientRequires,
  });
  const isEnrolled = Boolean(totp?.confirmedAt);
  let mustEnrolNow = false;
  if (required && !isEnrolled) {
    // an application that requires it is never put off; the grace period is for the person's own requirement
    const since = await c.repo.requiredSince(account.id, c.now());
    mustEnrolNow = clientRequires || enrolmentDue(since, c.now(), c.settings.enrolGraceSeconds);
  }
  return { enrolled: isEnrolled, required, mustEnrolNow, needsEnrolCode: role !== null };
}

/** The authenticator to add: a new secret (or the pending one, shown again), null when one is confirmed already. */
async function totpSetup(c: Ctx, account: AccountRecord): Promise<TotpSetup | null> {
  const current = await c.repo.totpOf(account.id);
  if (current?.confirmedAt) return null;
  let secret: string;
  if (current && c.now().getTime() - current.createdAt.getTime() < PENDING_REUSE_MS) {
    secret = c.secrets.openTotp(current.secretSealed, current.id);
  } else {
    secret = generateSecret();
    if (!(await c.repo.startTotp(account.id, (id) => c.secrets.sealTotp(secret, id)))) return null;
  }
  return { secret, uri: generateURI({ issuer: c.settings.issuerLabel, label: account.login, secret }) };
}

/** Confirms the pending authenticator with one code (and, for the console roles, the enrolment code); makes the recovery codes. */
async function confirmTotp(c: Ctx, account: AccountRecord, input: { code: string; enrolCode?: string | undefined }, ctx: FactorContext & { duringLogin: boolean }): Promise<EnrolOutcome> {
  const stop = await blocked(c, account, ctx);
  if (stop) return stop;
  const totp = await c.repo.totpOf(account.id);
  if (!totp) return failed(c, account, ctx, 'expired');
  if (totp.confirmedAt) return { kind: 'already_enrolled' };
  const check = checkTotp(c.secrets.openTotp(totp.secretSealed, totp.id), input.code, c.now(), null);
  if (check.kind !== 'ok') return failed(c, account, ctx, check.kind);
  const needsCode = c.roleOf(account) !== null;
  if (needsCode && !(input.enrolCode && (await c.repo.useEnrolCode(account.id, c.secrets.hashCode(input.enrolCode), c.now())))) return failed(c, account, ctx, 'enrol_code');
  if (!(await c.repo.confirmTotp(totp.id, check.step, c.now()))) return { kind: 'already_enrolled' };
  await c.throttle.recordSuccess([mfaKey(account.login)]);
  const recoveryCodes = await makeRecoveryCodes(c, account.id);
  await enrolled(c, account, 'totp', { ...ctx, byEnrolCode: needsCode });
  return { kind: 'enrolled', recoveryCodes };
}

/** A code typed as the second factor: a TOTP code, or a recovery code instead. */
async function verify(c: Ctx, account: AccountRecord, code: string, ctx: FactorContext): Promise<VerifyOutcome> {
  const stop = await blocked(c, account, ctx);
  if (stop) return stop;
  if (looksLikeRecoveryCode(code)) return verifyRecovery(c, account, code, ctx);
  const totp = await c.repo.totpOf(account.id);
  if (!totp?.confirmedAt) return failed(c, account, ctx, 'wrong');
  const check = checkTotp(c.secrets.openTotp(totp.secretSealed, totp.id), code, c.now(), totp.lastStep);
  if (check.kind !== 'ok') return failed(c, account, ctx, check.kind);
  // the atomic compare-and-set: of two instances given the same code, one wins
  if (!(await c.repo.useTotpStep(totp.id, check.step))) return failed(c, account, ctx, 'reused');
  await c.throttle.recordSuccess([mfaKey(account.login)]);
  void c.audit?.record({ type: 'mfa.verified', outcome: 'success', subject: account.id, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null, detail: { method: 'totp' } });
  return { kind: 'ok', method: 'totp' };
}

/** The helpdesk's and the person's tools: status, new recovery codes, enrolment codes, reset. */
function tools(c: Ctx) {
  return {
    async status(accountId: string): Promise<FactorStatus> {
      const totp = await c.repo.totpOf(accountId);
      return {
        totp: !totp ? 'none' : totp.confirmedAt ? 'confirmed' : 'pending',
        confirmedAt: totp?.confirmedAt ?? null,
        recoveryLeft: totp?.confirmedAt ? await c.repo.recoveryCodesLeft(accountId) : 0,
      };
    },

    /** New recovery codes (the old ones void), shown once; null when no factor is enrolled. */
    async regenerateRecoveryCodes(account: AccountRecord, ctx: FactorContext = {}): Promise<string[] | null> {
      if (!(await c.repo.totpOf(account.id))?.confirmedAt) return null;
      const codes = await makeRecoveryCodes(c, account.id);
      await c.audit?.record({ type: 'mfa.recovery_regenerated', outcome: 'success', actor: account.login, subject: account.id, ip: ctx.ip ?? null });
      return codes;
    },

    /** A one-time enrolment code for the account (the older ones withdrawn); `actor`: who issued it. */
    async issueEnrolCode(account: AccountRecord, actor?: string): Promise<{ code: string; expiresAt: Date }> {
      const code = c.secrets.newCode();
      const expiresAt = new Date(c.now().getTime() + ENROL_CODE_TTL_SECONDS * 1000);
      await c.repo.issueEnrolCode(account.id, c.secrets.hashCode(code), expiresAt, actor ?? null);
      await c.audit?.record({ type: 'mfa.enrol_code_issued', outcome: 'success', ...(actor ? { actor } : {}), subject: account.id, detail: { login: account.login, expires_at: expiresAt.toISOString() } });
      return { code, expiresAt };
    },

    /** Removes the person's factors and codes: they must enrol again. */
    async reset(account: AccountRecord, actor?: string): Promise<{ hadFactor: boolean }> {
      const keys = (await c.otherFactors?.removeAll(account.id, 'mfa reset')) ?? 0;
      const hadFactor = (await c.repo.reset(account.id)) || keys > 0;
      if (hadFactor) notify(c, account, { kind: 'removed', method: 'all' }, {});
      await c.audit?.record({ type: 'mfa.reset', outcome: 'success', ...(actor ? { actor } : {}), subject: account.id, detail: { login: account.login, had_factor: hadFactor } });
      return { hadFactor };
    },

    enrolledCounts: () => c.repo.enrolledCounts(),
  };
}

export function createSecondFactorService(deps: SecondFactorDeps) {
  const c: Ctx = { ...deps, now: deps.now ?? (() => new Date()) };
  return {
    enrolled: (account: AccountRecord, method: 'totp', ctx: FactorContext & { duringLogin: boolean; byEnrolCode: boolean }) => enrolled(c, account, method, ctx),
    requirement: (account: AccountRecord, clientRequires: boolean) => requirement(c, account, clientRequires),
    totpSetup: (account: AccountRecord) => totpSetup(c, account),
    confirmTotp: (account: AccountRecord, input: { code: string; enrolCode?: string | undefined }, ctx: FactorContext & { duringLogin: boolean }) => confirmTotp(c, account, input, ctx),
    verify: (account: AccountRecord, code: string, ctx: FactorContext) => verify(c, account, code, ctx),
    ...tools(c),
  };
}

export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
