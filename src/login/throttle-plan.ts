/**
 * Which throttle keys one login attempt counts against, by where it comes from. Pure.
 *
 *   from an unknown device:  decision one  login:<person>, pair:<address>|<person>, ip:<address>
 *                            decision two  entry:<directory id>
 *   from a known device:     decision one  device:<device>|<person>
 *                            decision two  known:<directory id>
 *
 * So a person on a device where they succeeded before is never stopped by an account-wide or
 * an address block (those keys are not asked), only by their device's own small limit, or when
 * their known devices together reach theirs. A success clears the person's counters and the
 * counter of this source (this address, or this device), never another source's: a guesser
 * elsewhere stays blocked.
 */
import { accountKey, addressKey, deviceKey, entryKey, knownDevicesKey, pairKey } from '../domain/throttle.js';
import type { Login } from '../domain/login.js';

export interface ThrottlePlan {
  /** Known device: the person succeeded on this browser before. */
  known: boolean;
  /** Decision one, before the directory. */
  first: string[];
  /** Decision two, before the bind: the key of the entry the login resolved to. */
  entry(externalId: string): string;
  /** Removed on success (the person's counters and this source's). */
  clearOnSuccess(externalId: string | undefined): string[];
  /** Of decision one's keys, those a success takes back instead of clearing (the address's). */
  takeBackOnSuccess: string[];
}

export function throttlePlan(login: Login, ip: string | undefined, deviceId: string | null): ThrottlePlan {
  const account = accountKey(login);
  if (deviceId !== null) {
    const device = deviceKey(deviceId, login);
    return {
      known: true,
      first: [device],
      entry: knownDevicesKey,
      clearOnSuccess: (id) => [account, device, ...(id ? [entryKey(id), knownDevicesKey(id)] : [])],
      takeBackOnSuccess: [],
    };
  }
  const pair = pairKey(login, ip);
  const address = addressKey(ip);
  return {
    known: false,
    first: [account, pair, address],
    entry: entryKey,
    clearOnSuccess: (id) => [account, pair, ...(id ? [entryKey(id), knownDevicesKey(id)] : [])],
    takeBackOnSuccess: [address],
  };
}
