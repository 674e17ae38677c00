/**
 * Password-guessing throttle, the pure part: what a failure counter means for the next attempt
 * (allow, delay, block), what one more failure does to it, the limits of each key (keys:
 * ./throttle-keys.ts), and how many guesses the settings let reach the directory. No I/O; the
 * repository (db/repos/throttle.ts) applies the same rules atomically in the database.
 *
 * Two kinds of counter:
 *
 *   - Per person (login:, entry:, pair:, device:, known:), "window-long": a counter keeps
 *     counting while each failure comes within `windowSeconds` of the one before; it counts as
 *     zero once `windowSeconds` have passed since its last failure (and no block runs). The
 *     failure that reaches the key's limit blocks it until `windowSeconds` after that failure:
 *     so in ANY period of `windowSeconds`, at most `blockAfter` guesses of that key go on to the
 *     password check (two failures inside one period are less than a period apart, so no reset
 *     falls between them; the block outlasts the period).
 *   - Per address (ip:), "fixed window": failures count within a window of `windowSeconds`
 *     from its first failure; the failure that reaches the limit blocks the address for
 *     `blockSeconds`; a block that ends inside the window keeps the count (the next attempt is
 *     let through and a failure blocks again at once: one guess per block period).
 *
 * From `delayAfter` failures on, each attempt waits base * 2^(failures - delayAfter) ms, capped
 * at `maxDelayMs` (0: no delays). While blocked, attempts are refused before any password check.
 */

import type { IpNetwork } from './networks.js';
import { networksContainBlock, parseAddress } from './networks.js';
import { ADDRESS_PREFIX, DEVICE_PREFIX, KNOWN_PREFIX, PAIR_PREFIX } from './throttle-keys.js';

export {
  ACCOUNT_PREFIX,
  ADDRESS_PREFIX,
  DEVICE_PREFIX,
  ENTRY_PREFIX,
  KNOWN_PREFIX,
  PAIR_PREFIX,
  accountKey,
  addressKey,
  addressText,
  deviceKey,
  entryKey,
  keyType,
  knownDevicesKey,
  pairKey,
  parseKey,
  type KeyParts,
  type KeyType,
} from './throttle-keys.js';

export interface ThrottleSettings {
  windowSeconds: number;
  accountDelayAfter: number;
  /** Failures of one person from unknown devices, all addresses together (login: and entry:). */
  accountBlockAfter: number;
  ipDelayAfter: number;
  ipBlockAfter: number;
  /** How long an address block lasts (per-person blocks last a window: see above). */
  blockSeconds: number;
  maxDelayMs: number;
  /** The first delay, doubled for each further failure; capped at maxDelayMs. Default 500 ms. */
  baseDelayMs?: number | undefined;
  /** Failures of one person from one address (unknown devices). Default: 4, at most accountBlockAfter. */
  accountAddressBlockAfter?: number | undefined;
  /** Failures of one person on one known device. Default 3. */
  deviceBlockAfter?: number | undefined;
  /** Failures of one person's known devices together (per directory entry). Default 4. */
  knownDevicesBlockAfter?: number | undefined;
  /** Networks whose addresses get trustedFactor times the per-address limits (the province's offices). */
  trustedNetworks?: readonly IpNetwork[] | undefined;
  /** Default 20. */
  trustedFactor?: number | undefined;
}

export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_ACCOUNT_ADDRESS_BLOCK_AFTER = 4;
export const DEFAULT_DEVICE_BLOCK_AFTER = 3;
export const DEFAULT_KNOWN_DEVICES_BLOCK_AFTER = 4;
export const DEFAULT_TRUSTED_FACTOR = 20;

export interface Counter {
  failures: number;
  windowStart: Date;
  blockedUntil: Date | null;
  /** The last failure counted (window-long keys); null or absent: windowStart. */
  lastFailureAt?: Date | null | undefined;
}

export type Decision = { action: 'allow' } | { action: 'delay'; ms: number } | { action: 'block'; until: Date };

export interface Limits {
  delayAfter: number;
  blockAfter: number;
  /** A per-person key: counts while failures keep coming, blocks for a window (see above). */
  windowLong?: boolean | undefined;
}

/** Is this address key's address in a trusted network? (An IPv6 /64 when the whole /64 is.) */
export function isTrustedAddressKey(key: string, s: Pick<ThrottleSettings, 'trustedNetworks'>): boolean {
  const nets = s.trustedNetworks;
  if (!nets?.length || !key.startsWith(ADDRESS_PREFIX)) return false;
  const text = key.slice(ADDRESS_PREFIX.length);
  const v6 = text.endsWith('::/64');
  const addr = parseAddress(v6 ? text.slice(0, -3) : text);
  return addr !== null && networksContainBlock(nets, addr, v6 ? 64 : addr.family === 4 ? 32 : 128);
}

/** The effective per-person limits (defaults filled in). */
export function personLimits(s: ThrottleSettings) {
  return {
    account: s.accountBlockAfter,
    accountAddress: s.accountAddressBlockAfter ?? Math.min(DEFAULT_ACCOUNT_ADDRESS_BLOCK_AFTER, s.accountBlockAfter),
    device: s.deviceBlockAfter ?? DEFAULT_DEVICE_BLOCK_AFTER,
    knownDevices: s.knownDevicesBlockAfter ?? DEFAULT_KNOWN_DEVICES_BLOCK_AFTER,
  };
}

export function limitsFor(key: string, s: ThrottleSettings): Limits {
  if (key.startsWith(ADDRESS_PREFIX)) {
    const f = isTrustedAddressKey(key, s) ? (s.trustedFactor ?? DEFAULT_TRUSTED_FACTOR) : 1;
    return { delayAfter: s.ipDelayAfter * f, blockAfter: s.ipBlockAfter * f };
  }
  const p = personLimits(s);
  const blockAfter = key.startsWith(PAIR_PREFIX) ? p.accountAddress : key.startsWith(DEVICE_PREFIX) ? p.device : key.startsWith(KNOWN_PREFIX) ? p.knownDevices : p.account;
  return { delayAfter: s.accountDelayAfter, blockAfter, windowLong: true };
}

export function isBlocked(c: Counter, now: Date): boolean {
  return c.blockedUntil !== null && c.blockedUntil.getTime() > now.getTime();
}

/** A window (or, for a window-long key, the last failure) at or before this instant is over. */
export function windowCutoff(now: Date, s: ThrottleSettings): Date {
  return new Date(now.getTime() - s.windowSeconds * 1000);
}

/** The counter no longer counts (its window, or the period since its last failure, is over) and no block runs. */
export function isStale(c: Counter, now: Date, s: ThrottleSettings, windowLong = false): boolean {
  const since = windowLong ? (c.lastFailureAt ?? c.windowStart) : c.windowStart;
  return !isBlocked(c, now) && since.getTime() <= windowCutoff(now, s).getTime();
}

/** Failures that still count at `now`. */
export function liveFailures(c: Counter | null, now: Date, s: ThrottleSettings, windowLong = false): number {
  return !c || isStale(c, now, s, windowLong) ? 0 : c.failures;
}

/** How long an attempt waits after `failures` failures (0: no wait). */
export function delayMs(failures: number, limits: Limits, s: ThrottleSettings): number {
  if (failures < limits.delayAfter || s.maxDelayMs <= 0) return 0;
  const base = Math.max(1, s.baseDelayMs ?? DEFAULT_BASE_DELAY_MS);
  const exp = Math.min(failures - limits.delayAfter, 30); // 2^30 * base is past any cap
  return Math.min(s.maxDelayMs, base * 2 ** exp);
}

/** How long the block a key's limit sets lasts: a window for a per-person key, blockSeconds for an address. */
export function blockSecondsFor(limits: Limits, s: ThrottleSettings): number {
  return limits.windowLong ? s.windowSeconds : s.blockSeconds;
}

/** What the next attempt against this counter gets. */
export function decide(c: Counter | null, now: Date, limits: Limits, s: ThrottleSettings): Decision {
  if (c && isBlocked(c, now)) return { action: 'block', until: c.blockedUntil! };
  const ms = delayMs(liveFailures(c, now, s, limits.windowLong), limits, s);
  return ms > 0 ? { action: 'delay', ms } : { action: 'allow' };
}

/** The counter after one more failure at `now` (the store does the same in the database). */
export function afterFailure(c: Counter | null, now: Date, limits: Limits, s: ThrottleSettings): Counter {
  const fresh = !c || isStale(c, now, s, limits.windowLong);
  const failures = fresh ? 1 : c.failures + 1;
  const windowStart = fresh ? now : c.windowStart;
  let blockedUntil = fresh ? null : c.blockedUntil;
  const running = blockedUntil !== null && blockedUntil.getTime() > now.getTime();
  const lastFailureAt = fresh || !running ? now : (c.lastFailureAt ?? c.windowStart);
  if (failures >= limits.blockAfter && !running) {
    blockedUntil = new Date(now.getTime() + blockSecondsFor(limits, s) * 1000);
  }
  const out: Counter = { failures, windowStart, blockedUntil };
  return limits.windowLong ? { ...out, lastFailureAt } : out;
}

/** The strictest of several decisions: the latest block, else the longest delay, else allow. */
export function strictest<D extends Decision>(decisions: readonly D[]): D | { action: 'allow' } {
  let out: D | { action: 'allow' } = { action: 'allow' };
  for (const d of decisions) {
    if (d.action === 'block') {
      if (out.action !== 'block' || d.until.getTime() > out.until.getTime()) out = d;
    } else if (d.action === 'delay' && out.action !== 'block') {
      if (out.action !== 'delay' || d.ms > out.ms) out = d;
    }
  }
  return out;
}

/** Whole seconds until `until` (at least 1): the Retry-After value. */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

/** Whole minutes until `until` (at least 1), for the person. */
export function retryAfterMinutes(until: Date, now: Date): number {
  return Math.max(1, Math.ceil(retryAfterSeconds(until, now) / 60));
}
