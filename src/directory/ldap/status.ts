/**
 * The account state an entry says, per preset: Zimbra's zimbraAccountStatus, OpenLDAP's ppolicy
 * attributes, Active Directory's userAccountControl and lockout. Fails closed: a state that
 * cannot be read is disabled. Pure.
 */
import type { DirectoryStatus } from '../../domain/directory.js';
import type { Attributes } from './attributes.js';
import type { Preset } from './presets.js';
import { cleanText } from './text.js';
import { fileTimeToDate, parseGeneralizedTime } from './time.js';

/** What the state is judged against. */
export interface StatusOptions {
  now: Date;
  /**
   * The directory's lockout duration, when known: a temporary lock (AD lockoutTime, ppolicy
   * pwdAccountLockedTime, Zimbra lockout) older than this is over. AD and ppolicy clear the
   * mark lazily (at the next bind), so without it an expired lock still reads as locked.
   */
  lockoutDurationMs?: number | undefined;
}

export interface StatusResult {
  status: DirectoryStatus;
  /** Why the status is what it is, for logs. */
  detail?: string | undefined;
}

/** The entry's account state, read as the preset's status model says. */
export function readStatus(preset: Preset, a: Attributes, opts: StatusOptions): StatusResult {
  switch (preset.statusModel) {
    case 'zimbra':
      return zimbraStatus(a, opts);
    case 'ppolicy':
      return ppolicyStatus(a, opts);
    case 'activedirectory':
      return adStatus(a, opts);
    default:
      return { status: 'disabled', detail: 'unknown status model' };
  }
}

/** The one value of a single-valued status attribute: absent, several, or one string. */
function singleStatusValue(a: Attributes, name: string): { kind: 'absent' } | { kind: 'several' } | { kind: 'one'; value: string } {
  const values = [...new Set(a.strings(name).map((v) => v.trim()))];
  if (values.length === 0) return a.raw(name).length > 0 ? { kind: 'one', value: '' } : { kind: 'absent' };
  if (values.length > 1) return { kind: 'several' };
  return { kind: 'one', value: values[0] as string };
}

function lockStillActive(since: Date | null, opts: StatusOptions): boolean {
  if (since === null || opts.lockoutDurationMs === undefined) return true;
  return since.getTime() + opts.lockoutDurationMs > opts.now.getTime();
}

// ---------------------------------------------------------------------------------------------
// Zimbra

const ZIMBRA_STATUS: Readonly<Record<string, DirectoryStatus>> = {
  active: 'active',
  locked: 'disabled',
  closed: 'disabled',
  maintenance: 'disabled',
  pending: 'disabled',
  lockout: 'locked',
};

/**
 * zimbraAccountStatus: active -> active; locked, closed, maintenance, pending -> disabled;
 * lockout (too many wrong passwords) -> locked. Absent, several values or an unknown value ->
 * disabled: Zimbra writes the attribute on every account and refuses a login without it, so
 * its absence means the service account cannot read it (an ACL problem to fix), and letting
 * such entries in would let closed accounts in.
 */
function zimbraStatus(a: Attributes, opts: StatusOptions): StatusResult {
  const v = singleStatusValue(a, 'zimbraAccountStatus');
  if (v.kind === 'absent') return { status: 'disabled', detail: 'zimbraAccountStatus missing (can the service account read it?)' };
  if (v.kind === 'several') return { status: 'disabled', detail: 'zimbraAccountStatus has several values' };
  const key = v.value.toLowerCase();
  const status = Object.prototype.hasOwnProperty.call(ZIMBRA_STATUS, key) ? ZIMBRA_STATUS[key] : undefined;
  if (status === undefined) return { status: 'disabled', detail: `zimbraAccountStatus=${cleanText(v.value, 40)} (unknown value)` };
  if (status === 'active') return { status };
  if (status === 'locked') {
    const lockedAt = parseGeneralizedTime(a.strings('zimbraPasswordLockoutLockedTime')[0]);
    if (!lockStillActive(lockedAt, opts)) return { status: 'active', detail: 'zimbraAccountStatus=lockout, lockout period over' };
  }
  return { status, detail: `zimbraAccountStatus=${key}` };
}

// ---------------------------------------------------------------------------------------------
// OpenLDAP ppolicy

/** ppolicy's permanent lock (an administrator's lock, no expiry). */
const PPOLICY_PERMANENT = '000001010000Z';

/**
 * OpenLDAP ppolicy: pwdAccountLockedTime 000001010000Z -> disabled (locked by an administrator);
 * any other value -> locked (too many wrong passwords; over after lockoutDurationMs when given);
 * pwdEndTime in the past -> expired.
 */
function ppolicyStatus(a: Attributes, opts: StatusOptions): StatusResult {
  const locked = singleStatusValue(a, 'pwdAccountLockedTime');
  const end = singleStatusValue(a, 'pwdEndTime');
  if (locked.kind === 'one' && locked.value === PPOLICY_PERMANENT) return { status: 'disabled', detail: `pwdAccountLockedTime=${PPOLICY_PERMANENT} (locked by an administrator)` };
  if (end.kind === 'several') return { status: 'expired', detail: 'pwdEndTime has several values' };
  if (end.kind === 'one') {
    const t = parseGeneralizedTime(end.value);
    if (t === null) return { status: 'expired', detail: 'pwdEndTime unreadable' };
    if (t.getTime() <= opts.now.getTime()) return { status: 'expired', detail: `pwdEndTime=${t.toISOString()}` };
  }
  if (locked.kind === 'several') return { status: 'locked', detail: 'pwdAccountLockedTime has several values' };
  if (locked.kind === 'one') {
    const t = parseGeneralizedTime(locked.value);
    if (t === null) return { status: 'locked', detail: 'pwdAccountLockedTime unreadable' };
    if (lockStillActive(t, opts)) return { status: 'locked', detail: `pwdAccountLockedTime=${t.toISOString()}` };
  }
  return { status: 'active' };
}

// ---------------------------------------------------------------------------------------------
// Active Directory

export const UAC = Object.freeze({
  ACCOUNTDISABLE: 0x2,
  LOCKOUT: 0x10,
  NORMAL_ACCOUNT: 0x200,
  DONT_EXPIRE_PASSWORD: 0x10000,
  PASSWORD_EXPIRED: 0x800000,
});

function parseIntValue(v: string): number | null {
  if (!/^-?\d{1,12}$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n >>> 0 : null;
}

/**
 * Active Directory: userAccountControl ACCOUNTDISABLE (0x2) -> disabled; accountExpires in the
 * past -> expired; locked -> locked; PASSWORD_EXPIRED (0x800000) is only noted (the bind says 532).
 * userAccountControl absent or unreadable -> disabled (fail closed).
 */
function adStatus(a: Attributes, opts: StatusOptions): StatusResult {
  const uacV = singleStatusValue(a, 'userAccountControl');
  if (uacV.kind === 'absent') return { status: 'disabled', detail: 'userAccountControl missing (can the service account read it?)' };
  if (uacV.kind === 'several') return { status: 'disabled', detail: 'userAccountControl has several values' };
  const uac = parseIntValue(uacV.value);
  if (uac === null) return { status: 'disabled', detail: 'userAccountControl unreadable' };
  const computedV = singleStatusValue(a, 'msDS-User-Account-Control-Computed');
  const computed = computedV.kind === 'one' ? parseIntValue(computedV.value) : null;
  if (uac & UAC.ACCOUNTDISABLE) return { status: 'disabled', detail: `userAccountControl=${uac} (ACCOUNTDISABLE)` };

  const expV = singleStatusValue(a, 'accountExpires');
  if (expV.kind === 'several') return { status: 'expired', detail: 'accountExpires has several values' };
  if (expV.kind === 'one') {
    const exp = fileTimeToDate(expV.value);
    if (exp !== null && exp.getTime() <= opts.now.getTime()) return { status: 'expired', detail: `accountExpires=${exp.toISOString()}` };
  }
  const lock = adLock(a, uac, computed, opts);
  if (lock !== null) return lock;
  if (((computed ?? 0) | uac) & UAC.PASSWORD_EXPIRED) return { status: 'active', detail: 'password expired (userAccountControl PASSWORD_EXPIRED)' };
  return { status: 'active' };
}

/**
 * AD's lock, or null. AD leaves lockoutTime non-zero after the lockout duration has passed
 * (until the next successful logon), and does not keep the LOCKOUT bit in the stored
 * userAccountControl. The constructed msDS-User-Account-Control-Computed has LOCKOUT (0x10) set
 * only while the lock lasts (it applies the domain's lockout duration), so when the entry
 * carries it, it decides alone. Without it: LOCKOUT in userAccountControl, or lockoutTime > 0
 * (over after lockoutDurationMs when given).
 */
function adLock(a: Attributes, uac: number, computed: number | null, opts: StatusOptions): StatusResult | null {
  if (computed !== null) {
    return computed & UAC.LOCKOUT ? { status: 'locked', detail: 'msDS-User-Account-Control-Computed LOCKOUT' } : null;
  }
  if (uac & UAC.LOCKOUT) return { status: 'locked', detail: 'userAccountControl LOCKOUT' };
  const lockV = singleStatusValue(a, 'lockoutTime');
  if (lockV.kind === 'several') return { status: 'locked', detail: 'lockoutTime has several values' };
  if (lockV.kind === 'one') {
    const t = fileTimeToDate(lockV.value);
    if (t !== null && lockStillActive(t, opts)) return { status: 'locked', detail: `lockoutTime=${t.toISOString()}` };
  }
  return null;
}
