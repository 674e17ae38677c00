/**
 * Active Directory's reason for a refused bind. AD answers every refused simple bind with
 * invalidCredentials (49) and puts the real reason in the diagnostic message, e.g.
 *   80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 52e, v3839
 * where "data" is a hexadecimal Win32 error (Samba AD writes the same form). Pure: no I/O.
 *
 * AD reports 530, 531, 532, 533, 701 and 773 only after the password was checked and found
 * right; 525 (no such user) and 52e (wrong password) are told apart here for the logs but are
 * the same invalid_credentials to the person. 775 (locked) is reported whatever the password.
 */
import type { AuthFailure } from '../types.js';

interface AdCode {
  reason: AuthFailure;
  meaning: string;
}

export const AD_BIND_CODES: Readonly<Record<string, AdCode>> = Object.freeze({
  '525': { reason: 'invalid_credentials', meaning: 'user not found' },
  '52e': { reason: 'invalid_credentials', meaning: 'wrong password' },
  '530': { reason: 'disabled', meaning: 'logon not permitted at this time (logon hours)' },
  '531': { reason: 'disabled', meaning: 'logon not permitted at this workstation' },
  '532': { reason: 'password_expired', meaning: 'password expired' },
  '533': { reason: 'disabled', meaning: 'account disabled' },
  '701': { reason: 'expired', meaning: 'account expired' },
  '773': { reason: 'must_change_password', meaning: 'password must be reset' },
  '775': { reason: 'locked', meaning: 'account locked out' },
});

/** Longest part of a message looked at (the diagnostic is short; anything longer is noise). */
const MAX_MESSAGE = 2048;

/**
 * Maps AD's bind error text to an AuthFailure. An unknown or absent data code is
 * invalid_credentials, with the raw code (or its absence) in the detail. The detail is for
 * logs only.
 */
export function adBindFailure(message: string): { reason: AuthFailure; detail: string } {
  const text = typeof message === 'string' ? message.slice(0, MAX_MESSAGE) : '';
  const m = /\bdata\s+([0-9a-f]{1,8})\b/i.exec(text);
  if (!m) return { reason: 'invalid_credentials', detail: 'AD bind refused without a data code' };
  // "data 0000052e" and "data 52E" name the same code
  const code = (m[1] as string).toLowerCase().replace(/^0+(?=.)/, '');
  const known = Object.prototype.hasOwnProperty.call(AD_BIND_CODES, code) ? AD_BIND_CODES[code] : undefined;
  if (!known) return { reason: 'invalid_credentials', detail: `AD bind refused, unknown data code ${code}` };
  return { reason: known.reason, detail: `AD bind refused: data ${code} (${known.meaning})` };
}
