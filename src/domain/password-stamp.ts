/**
 * A password changed in the directory ends the person's sessions. Pure: no I/O, no clock.
 *
 * The directory says when a password was last changed (Zimbra zimbraPasswordModifiedTime,
 * ppolicy pwdChangedTime, AD pwdLastSet, or an attribute LDAP_ATTRIBUTE_MAP names). The sync
 * keeps what it last saw of it on the account (Account.passwordStamp, written by the sync only:
 * a login writes nothing there, so signing in with the new password cannot hide the change):
 *   {"ended":<the sessions the change ends have been ended>,"value":"<the value, or null>"}
 * "ended" comes first, so a LIKE on PENDING_PASSWORD_TEXT finds the accounts whose end of
 * access failed and must be tried again.
 *
 *   no stamp yet (the first sync after an upgrade, an account created at a login): the value is
 *     recorded and nothing ends, unless the change is recent (below)
 *   the same value, or none (an attribute the service account cannot read any more): nothing
 *   another value: a new password; the sessions end (the stamp is pending until they have)
 *
 * Recent: in a changed-only run, an account without a stamp whose entry says the password was
 * changed at or after the start of the run's listing (a time the previous runs had not reached):
 * that change is new, and ends the sessions too. So the seconds between an account's first
 * login and its first sync, or between an upgrade and the first full run, leave no gap.
 */

export interface PasswordStamp {
  /** The sessions the last change ends have been ended (or there was nothing to end). */
  ended: boolean;
  /** What the directory said, as text; null when it said nothing. */
  value: string | null;
}

/** The text a pending stamp starts with. */
export const PENDING_PASSWORD_TEXT = '{"ended":false';

export function readPasswordStamp(text: string | null | undefined): PasswordStamp | null {
  if (typeof text !== 'string') return null;
  try {
    const v = JSON.parse(text) as { ended?: unknown; value?: unknown };
    if (!v || typeof v !== 'object' || typeof v.ended !== 'boolean') return null;
    return { ended: v.ended, value: typeof v.value === 'string' ? v.value : null };
  } catch {
    return null;
  }
}

export function writePasswordStamp(s: PasswordStamp): string {
  return JSON.stringify({ ended: s.ended, value: s.value });
}

/** What the entry says of its password. */
export interface PasswordSeen {
  value: string | null;
  /** The same as a time, when it is one. */
  at: Date | null;
}

export interface PasswordOptions {
  /** End the sessions of a changed password (SYNC_PASSWORD_CHANGE_LOGOUT). Off: the stamp follows, nothing ends. */
  endSessions: boolean;
  /** A changed-only run: where its listing starts (directory time). A change at or after it is recent. */
  changedSince?: Date | undefined;
}

export interface PasswordDecision {
  /** The stamp to store. */
  stamp: string;
  /** The password changed: end the account's sessions and tokens. */
  endAccess: boolean;
}

/** The stamp after this entry, and whether the account's sessions end. `active`: only an active account has sessions to end. */
export function decidePassword(stored: string | null | undefined, seen: PasswordSeen, active: boolean, o: PasswordOptions): PasswordDecision {
  const end = active && o.endSessions;
  const was = readPasswordStamp(stored);
  if (!was) {
    const recent = seen.at !== null && o.changedSince !== undefined && seen.at.getTime() >= o.changedSince.getTime();
    return { stamp: writePasswordStamp({ ended: !(end && recent), value: seen.value }), endAccess: end && recent };
  }
  const value = seen.value ?? was.value;
  const changed = value !== was.value;
  // a pending end of access stays pending (retried) while it can still be done; otherwise settled
  const ended = end ? (changed ? false : was.ended) : true;
  return { stamp: writePasswordStamp({ ended, value }), endAccess: end && changed };
}

/** The reason recorded when a password change ends access. */
export const PASSWORD_CHANGED_REASON = 'directory: password changed';
