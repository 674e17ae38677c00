/**
 * The second factor's decisions. Pure: no I/O, no clock of its own (`now` is an argument).
 *
 *   checkTotp            a typed code against a TOTP secret (RFC 6238, otplib: SHA-1, 6 digits,
 *                        30 s), one step either side, never a step at or before the last accepted
 *   secondFactorRequired who must use a second factor (MFA_REQUIRED_GROUPS, the client's
 *                        require_mfa, the console roles)
 *   enrolmentDue         whether the grace period (MFA_ENROL_GRACE) is over
 *   recovery codes       their alphabet, format and the form a typed one is compared in
 */
import { generateSync } from 'otplib';
import { normalizeDn } from './dn.js';

export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of now (clock drift of the phone, the time to type). */
export const TOTP_WINDOW = 1;
/** Steps further back than the window in which a matching code is told "expired" rather than "wrong". */
export const TOTP_EXPIRED_STEPS = 10;

export type TotpCheck = { kind: 'ok'; step: number } | { kind: 'wrong' } | { kind: 'reused' } | { kind: 'expired' };

/** The time step of an instant. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code an authenticator app shows at time step `step`. */
export function totpCodeAt(secret: string, step: number): string {
  return generateSync({ secret, epoch: step * TOTP_PERIOD_SECONDS });
}

/** A typed code as compared: digits only (spaces and dashes people type are dropped). */
export function normalizeTotpInput(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/**
 * A typed code against the secret at `now`: ok (with the step it matched, to be stored as the
 * last accepted one), reused (it matches a step already accepted), expired (it matches a step
 * a little older than the window), or wrong.
 */
export function checkTotp(secret: string, input: string, now: Date, lastStep: number | null): TotpCheck {
  const code = normalizeTotpInput(input);
  if (!/^\d{6}$/.test(code)) return { kind: 'wrong' };
  const current = totpStep(now);
  // the newest matching step first: a code valid now is judged by now's step
  for (let d = TOTP_WINDOW; d >= -TOTP_WINDOW; d--) {
    const step = current + d;
    if (totpCodeAt(secret, step) !== code) continue;
    if (lastStep !== null && step <= lastStep) return { kind: 'reused' };
    return { kind: 'ok', step };
  }
  for (let d = TOTP_WINDOW + 1; d <= TOTP_EXPIRED_STEPS; d++) {
    if (totpCodeAt(secret, current - d) === code) return { kind: 'expired' };
  }
  return { kind: 'wrong' };
}

/** The Base32 secret in groups of four, for typing into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export interface RequirementInput {
  /** The group DNs the account's last login or sync read. */
  groupDns: readonly string[];
  /** MFA_REQUIRED_GROUPS, as DNs. */
  requiredGroups: readonly string[];
  /** The account's console role (admin/policy.ts consoleRole). */
  consoleRole: 'admin' | 'helpdesk' | null;
  /** MFA_CONSOLE_REQUIRED: administrators and helpdesk officers must (true everywhere but in trials and tests). */
  consoleRolesRequired: boolean;
  /** The application was registered with --require-mfa. */
  clientRequires: boolean;
}

/** Whether this person must use a second factor for this login. */
export function secondFactorRequired(i: RequirementInput): boolean {
  if (i.clientRequires) return true;
  if (i.consoleRole && i.consoleRolesRequired) return true;
  if (!i.requiredGroups.length) return false;
  const wanted = new Set(i.requiredGroups.map(normalizeDn).filter((d): d is string => d !== null));
  return i.groupDns.some((dn) => {
    const n = normalizeDn(dn);
    return n !== null && wanted.has(n);
  });
}

/** Whether a person who must use a second factor since `requiredSince` may no longer put off enrolling. */
export function enrolmentDue(requiredSince: Date, now: Date, graceSeconds: number): boolean {
  return now.getTime() - requiredSince.getTime() >= graceSeconds * 1000;
}

/** Recovery and enrolment codes: Crockford's Base32 letters (no I, L, O, U), 10 of them = 50 bits. */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 10;
export const RECOVERY_CODE_COUNT = 10;

/** A code from 10 random numbers below 32, shown as "ABCDE-FGHJK". */
export function formatCode(indexes: readonly number[]): string {
  const s = indexes.map((i) => CODE_ALPHABET[i % 32]).join('');
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** A typed code as compared: upper case, without spaces and dashes, the look-alike letters read as Crockford does. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

/** Whether a typed second-factor code is a recovery code (letters, or longer than a TOTP code) rather than a TOTP code. */
export function looksLikeRecoveryCode(input: string): boolean {
  const n = normalizeCode(input);
  return n.length === CODE_LENGTH && /^[0-9A-Z]+$/.test(n);
}
