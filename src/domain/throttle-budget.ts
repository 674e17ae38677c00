/**
 * How many password guesses for one person the throttle lets reach the directory, and whether
 * that stays below the directory's own lockout. Pure.
 *
 * A guess reaches the directory (a bind as the person) only after the guard before the bind has
 * counted it against the person's directory entry (login/attempt.ts): from an unknown device
 * against `entry:<id>` (limit THROTTLE_ACCOUNT_BLOCK_AFTER), from a known device against
 * `known:<id>` (limit THROTTLE_KNOWN_DEVICES_BLOCK_AFTER). Both are window-long counters
 * (domain/throttle.ts): in ANY period of THROTTLE_WINDOW each lets at most its limit through.
 * Every other key (the login typed, one address, the login from one address, one device) only
 * stops guesses earlier. So, per person and per period of THROTTLE_WINDOW:
 *
 *   guesses reaching the directory <= THROTTLE_ACCOUNT_BLOCK_AFTER + THROTTLE_KNOWN_DEVICES_BLOCK_AFTER
 *
 * whatever the number of addresses, devices, aliases or instances. Known devices are bounded
 * together (not one by one): their number per person is not (each browser where the person
 * succeeded is one), so a per-device limit alone would bound nothing.
 */
import { personLimits, type ThrottleSettings } from './throttle.js';

export interface DirectoryBudget {
  unknownDevices: number;
  knownDevices: number;
  /** The most guesses for one person that can reach the directory in any period of the window. */
  total: number;
  /** DIRECTORY_LOCKOUT_AFTER; 0: the directory has no lockout. */
  lockoutAfter: number;
  ok: boolean;
  /** The arithmetic, in words (start-up error, `sso throttle list`). */
  text: string;
}

export function directoryBudget(s: ThrottleSettings, lockoutAfter: number): DirectoryBudget {
  const p = personLimits(s);
  const total = p.account + p.knownDevices;
  const ok = lockoutAfter <= 0 || total < lockoutAfter;
  const sum = `THROTTLE_ACCOUNT_BLOCK_AFTER (${p.account}, unknown devices) + THROTTLE_KNOWN_DEVICES_BLOCK_AFTER (${p.knownDevices}, known devices) = ${total}`;
  const window = `THROTTLE_WINDOW (${s.windowSeconds} s)`;
  const text = lockoutAfter <= 0
    ? `${sum} guesses per person can reach the directory in any ${window}; DIRECTORY_LOCKOUT_AFTER=0: the directory has no lockout`
    : ok
      ? `${sum} guesses per person can reach the directory in any ${window}, below DIRECTORY_LOCKOUT_AFTER (${lockoutAfter})`
      : `${sum} guesses per person could reach the directory in one ${window}, which reaches DIRECTORY_LOCKOUT_AFTER (${lockoutAfter}): `
        + `the directory would lock the person out itself. Lower them so that the sum is at most ${lockoutAfter - 1}, `
        + 'or set DIRECTORY_LOCKOUT_AFTER to the directory\'s real limit (0: it has none)';
  return { unknownDevices: p.account, knownDevices: p.knownDevices, total, lockoutAfter, ok, text };
}
