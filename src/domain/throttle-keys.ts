/**
 * The throttle's keys: what one counter counts failures of. Pure.
 *
 *   login:<person>            the person a typed login names, from unknown devices (account-wide)
 *   entry:<directory id>      the directory entry the login resolved to, from unknown devices
 *                             (account-wide: a uid and its aliases share it)
 *   pair:<address>|<person>   that person from one client address, unknown devices
 *   ip:<address>              one client address, every login (IPv6 by /64)
 *   device:<device>|<person>  that person on one known device (a browser where they logged in before)
 *   known:<directory id>      the entry from all its known devices together
 *
 * An address never contains "|" and a device id never does (base64url), so a pair or device key
 * splits at its first "|" whatever the login holds.
 */
import { escapeControls, Login } from './login.js';

export const ACCOUNT_PREFIX = 'login:';
export const ADDRESS_PREFIX = 'ip:';
/** A directory entry, by its stable id: every login and alias of one person counts here too. */
export const ENTRY_PREFIX = 'entry:';
export const PAIR_PREFIX = 'pair:';
export const DEVICE_PREFIX = 'device:';
export const KNOWN_PREFIX = 'known:';
/** A person's failed second-factor codes (src/second-factor/): not cleared by a right password. */
export const MFA_PREFIX = 'mfa:';

/**
 * What a key limits, as a person would say it (the blocked page, logs, metrics):
 * account = the account from unknown devices, account_address = the account from one address,
 * address = one address, device = the account on known devices.
 */
export type KeyType = 'account' | 'account_address' | 'address' | 'device';

export function keyType(key: string): KeyType {
  if (key.startsWith(ADDRESS_PREFIX)) return 'address';
  if (key.startsWith(PAIR_PREFIX)) return 'account_address';
  if (key.startsWith(DEVICE_PREFIX) || key.startsWith(KNOWN_PREFIX)) return 'device';
  return 'account';
}

const personOf = (login: Login | string, mailDomains: readonly string[]) =>
  escapeControls((typeof login === 'string' ? Login.of(login, mailDomains) : login).person);

/**
 * The account key of a typed login: the person it names (Login.person: NFC, trimmed, lower
 * case, "name@<one of our mail domains>" folded to "name", since the directory finds the same
 * person by either). Unknown logins get a key too: guessing is throttled whether or not the
 * login exists.
 */
export function accountKey(login: Login | string, mailDomains: readonly string[] = []): string {
  return ACCOUNT_PREFIX + personOf(login, mailDomains);
}

/** The key of the directory entry a login resolved to (its stable id). */
export function entryKey(externalId: string): string {
  return ENTRY_PREFIX + escapeControls(externalId);
}

/** The key of an entry's known devices together. */
export function knownDevicesKey(externalId: string): string {
  return KNOWN_PREFIX + escapeControls(externalId);
}

/** The address as counted: IPv4 as is (IPv4-mapped IPv6 too), other IPv6 by its /64, "unknown". */
export function addressText(ip: string | undefined): string {
  let a = (ip ?? '').trim().toLowerCase();
  if (!a) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) a = mapped[1]!;
  else if (a.includes(':')) a = ipv6Prefix64(a.replace(/%.*$/, '')) ?? a;
  return escapeControls(a).replace(/\|/g, '\\u007c');
}

/**
 * The address key of a client address (Express req.ip, which honours TRUST_PROXY). IPv4-mapped
 * IPv6 is read as IPv4; other IPv6 addresses are grouped by /64, the block one subscriber gets.
 */
export function addressKey(ip: string | undefined): string {
  return ADDRESS_PREFIX + addressText(ip);
}

/** That person from one address (unknown devices). */
export function pairKey(login: Login | string, ip: string | undefined, mailDomains: readonly string[] = []): string {
  return `${PAIR_PREFIX}${addressText(ip)}|${personOf(login, mailDomains)}`;
}

/** That person on one known device. */
export function deviceKey(deviceId: string, login: Login | string, mailDomains: readonly string[] = []): string {
  return `${DEVICE_PREFIX}${deviceId.replace(/[^A-Za-z0-9_-]/g, '')}|${personOf(login, mailDomains)}`;
}

/** The key of a person's failed second-factor codes (their account's login as the person). */
export function mfaKey(login: Login | string, mailDomains: readonly string[] = []): string {
  return MFA_PREFIX + personOf(login, mailDomains);
}

/** What a key names, for listing and unblocking. */
export interface KeyParts {
  type: KeyType;
  prefix: string;
  person?: string | undefined;
  address?: string | undefined;
  entryId?: string | undefined;
  deviceId?: string | undefined;
}

export function parseKey(key: string): KeyParts {
  const split = (rest: string) => {
    const bar = rest.indexOf('|');
    return bar < 0 ? [rest, ''] : [rest.slice(0, bar), rest.slice(bar + 1)];
  };
  const type = keyType(key);
  if (key.startsWith(ACCOUNT_PREFIX)) return { type, prefix: ACCOUNT_PREFIX, person: key.slice(ACCOUNT_PREFIX.length) };
  if (key.startsWith(MFA_PREFIX)) return { type, prefix: MFA_PREFIX, person: key.slice(MFA_PREFIX.length) };
  if (key.startsWith(ENTRY_PREFIX)) return { type, prefix: ENTRY_PREFIX, entryId: key.slice(ENTRY_PREFIX.length) };
  if (key.startsWith(KNOWN_PREFIX)) return { type, prefix: KNOWN_PREFIX, entryId: key.slice(KNOWN_PREFIX.length) };
  if (key.startsWith(ADDRESS_PREFIX)) return { type, prefix: ADDRESS_PREFIX, address: key.slice(ADDRESS_PREFIX.length) };
  if (key.startsWith(PAIR_PREFIX)) {
    const [address, person] = split(key.slice(PAIR_PREFIX.length));
    return { type, prefix: PAIR_PREFIX, address, person };
  }
  if (key.startsWith(DEVICE_PREFIX)) {
    const [deviceId, person] = split(key.slice(DEVICE_PREFIX.length));
    return { type, prefix: DEVICE_PREFIX, deviceId, person };
  }
  return { type, prefix: '' };
}

/** "2001:db8:1:2:3:4:5:6" -> "2001:db8:1:2::/64"; null when not an IPv6 address. */
function ipv6Prefix64(a: string): string | null {
  let groups: string[];
  if (a.includes('::')) {
    const [head, tail, ...rest] = a.split('::');
    if (rest.length) return null;
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    if (t.length && t[t.length - 1]!.includes('.')) t.splice(t.length - 1, 1, '0', '0'); // embedded IPv4: outside the /64 anyway
    const fill = 8 - h.length - t.length;
    if (fill < 1) return null;
    groups = [...h, ...Array<string>(fill).fill('0'), ...t];
  } else {
    groups = a.split(':');
    if (groups.length === 7 && groups[6]!.includes('.')) groups.splice(6, 1, '0', '0');
  }
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
