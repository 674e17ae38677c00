/**
 * The login's settings from the parsed environment: the throttle (with the trusted networks and
 * the directory-lockout arithmetic), the failure floor, the helpdesk contact, the session cookie.
 * Pure: every problem found is added to `problems` (start-up then stops, naming each).
 */
import type { Env } from './schema.js';
import { DEFAULT_ACCOUNT_ADDRESS_BLOCK_AFTER, type ThrottleSettings } from '../domain/throttle.js';
import { directoryBudget } from '../domain/throttle-budget.js';
import { parseNetworkList, type IpNetwork } from '../domain/networks.js';

export interface LoginSettings {
  /** Failed attempts are answered no sooner than this after they began (ms). */
  failureFloorMs: number;
  /** Shown where a login cannot go on (free text, escaped on the page); undefined: none. */
  helpdeskContact?: string | undefined;
  /** browser: the session cookie ends with the browser; persistent: "remember me" is offered. */
  sessionCookie: 'browser' | 'persistent';
  /** How long a browser stays a known device after its last success (seconds). */
  knownDeviceTtlSeconds: number;
  /** DIRECTORY_LOCKOUT_AFTER (0: none). */
  directoryLockoutAfter: number;
}

/** Line breaks and control characters: the contact is one line of text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function trustedNetworks(text: string, problems: string[]): IpNetwork[] {
  try {
    const nets = parseNetworkList(text);
    // addresses outside IPv4 are counted by /64: a longer IPv6 network cannot be told apart
    const long = nets.filter((n) => n.family === 6 && n.prefix > 64);
    if (long.length) problems.push(`THROTTLE_TRUSTED_NETWORKS: ${long.map((n) => n.text).join(', ')}: IPv6 addresses are counted by /64, list /64 or shorter networks`);
    return nets;
  } catch (err) {
    problems.push(`THROTTLE_TRUSTED_NETWORKS: ${(err as Error).message}`);
    return [];
  }
}

/** THROTTLE_* -> ThrottleSettings; with a directory, refuses settings that would trip its lockout. */
export function throttleSettings(e: Env, directory: 'ldap' | 'demo' | 'none', problems: string[]): ThrottleSettings {
  const s: ThrottleSettings = {
    windowSeconds: e.THROTTLE_WINDOW,
    accountDelayAfter: e.THROTTLE_ACCOUNT_DELAY_AFTER,
    accountBlockAfter: e.THROTTLE_ACCOUNT_BLOCK_AFTER,
    ipDelayAfter: e.THROTTLE_IP_DELAY_AFTER,
    ipBlockAfter: e.THROTTLE_IP_BLOCK_AFTER,
    blockSeconds: e.THROTTLE_BLOCK_DURATION,
    maxDelayMs: e.THROTTLE_MAX_DELAY_MS,
    accountAddressBlockAfter: e.THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER ?? Math.min(DEFAULT_ACCOUNT_ADDRESS_BLOCK_AFTER, e.THROTTLE_ACCOUNT_BLOCK_AFTER),
    deviceBlockAfter: e.THROTTLE_DEVICE_BLOCK_AFTER,
    knownDevicesBlockAfter: e.THROTTLE_KNOWN_DEVICES_BLOCK_AFTER,
    trustedNetworks: trustedNetworks(e.THROTTLE_TRUSTED_NETWORKS, problems),
    trustedFactor: e.THROTTLE_TRUSTED_FACTOR,
  };
  if (directory === 'ldap') {
    const budget = directoryBudget(s, e.DIRECTORY_LOCKOUT_AFTER);
    if (!budget.ok) problems.push(`DIRECTORY_LOCKOUT_AFTER: ${budget.text}`);
  }
  return s;
}

export function loginSettings(e: Env, problems: string[]): LoginSettings {
  const contact = e.HELPDESK_CONTACT?.normalize('NFC').trim();
  if (contact && CONTROL.test(contact)) problems.push('HELPDESK_CONTACT: must be one line of text without control characters');
  return {
    failureFloorMs: e.LOGIN_FAILURE_FLOOR_MS,
    helpdeskContact: contact || undefined,
    sessionCookie: e.SESSION_COOKIE,
    knownDeviceTtlSeconds: e.THROTTLE_KNOWN_DEVICE_TTL,
    directoryLockoutAfter: e.DIRECTORY_LOCKOUT_AFTER,
  };
}
