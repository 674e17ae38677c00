/**
 * MFA_REMEMBER_DEVICE: a browser where a person gave their second factor and asked to be
 * remembered. The cookie names the account and the enrolment it was given with (its confirmation
 * time: a reset and a new enrolment forget every remembered browser) and expires with the
 * setting (at most 30 days). Signed with the newest of COOKIE_KEYS, verified with any of them;
 * it holds no secret. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const REMEMBERED_DEVICE_COOKIE = 'sso_mfa_device';
/** The longest MFA_REMEMBER_DEVICE allowed: 30 days. */
export const REMEMBER_DEVICE_MAX_SECONDS = 30 * 86400;
const MAX_VALUE = 512;

const mac = (key: string, body: string) => createHmac('sha256', key).update(`sso-mfa-device\0${body}`).digest('base64url');

export interface RememberedDevice {
  accountId: string;
  /** The enrolment's confirmation time (ms). */
  since: number;
  /** Expiry (Unix seconds). */
  exp: number;
}

/** The cookie value remembering this browser for the account's enrolment until `exp`. */
export function rememberDevice(keys: readonly string[], d: RememberedDevice): string {
  const body = Buffer.from(JSON.stringify({ a: d.accountId, s: d.since, e: d.exp }), 'utf8').toString('base64url');
  return `${body}.${mac(keys[0]!, body)}`;
}

/** Whether the cookie value remembers this browser for this account's current enrolment at `now` (Unix seconds). */
export function deviceRemembered(keys: readonly string[], value: string | undefined, accountId: string, since: number, now: number): boolean {
  if (!value || value.length > MAX_VALUE) return false;
  const [body, sig] = value.split('.');
  if (!body || !sig) return false;
  const given = Buffer.from(sig);
  const signed = keys.some((k) => {
    const want = Buffer.from(mac(k, body));
    return want.length === given.length && timingSafeEqual(want, given);
  });
  if (!signed) return false;
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { a?: unknown; s?: unknown; e?: unknown };
    return p.a === accountId && p.s === since && typeof p.e === 'number' && p.e > now;
  } catch {
    return false;
  }
}
