/**
 * Password-guessing throttle, the pure part: what a failure counter means for the next attempt
 * (allow, delay, block), what one more failure does to it, and which keys an attempt counts
 * against. No I/O; the repository (db/repos/throttle.ts) applies the same rules atomically in the database.
 *
 * Rules, per key:
 *   - A counter counts failures within a window of `windowSeconds` from its first failure. A
 *     window that has elapsed (and no block running) counts as zero: the next failure starts a new one.
 *   - From `delayAfter` failures on, each attempt waits base * 2^(failures - delayAfter) ms,
 *     capped at `maxDelayMs` (0: no delays).
 *   - The failure that reaches `blockAfter` blocks the key until now + `blockSeconds`. While
 *     blocked, attempts are refused before any password check.
 *   - When a block ends inside the same window, the count is kept: the next attempt is let
 *     through, and a failure blocks the key again at once (one guess per block period).
 */

import { escapeControls, Login } from './login.js';

export interface ThrottleSettings {
  windowSeconds: number;
  accountDelayAfter: number;
  accountBlockAfter: number;
  ipDelayAfter: number;
  ipBlockAfter: number;
  blockSeconds: number;
  maxDelayMs: number;
  /** The first delay, doubled for each further failure; capped at maxDelayMs. Default 500 ms. */
  baseDelayMs?: number | undefined;
}

export const DEFAULT_BASE_DELAY_MS = 500;

export interface Counter {
  failures: number;
  windowStart: Date;
  blockedUntil: Date | null;
}

export type Decision = { action: 'allow' } | { action: 'delay'; ms: number } | { action: 'block'; until: Date };

export interface Limits {
  delayAfter: number;
  blockAfter: number;
}

export type KeyType = 'account' | 'address';

export const ACCOUNT_PREFIX = 'login:';
export const ADDRESS_PREFIX = 'ip:';
/** A directory entry, by its stable id: every login and alias of one person counts here too. */
export const ENTRY_PREFIX = 'entry:';

export function keyType(key: string): KeyType {
  return key.startsWith(ADDRESS_PREFIX) ? 'address' : 'account';
}

export function limitsFor(key: string, s: ThrottleSettings): Limits {
  return keyType(key) === 'address'
    ? { delayAfter: s.ipDelayAfter, blockAfter: s.ipBlockAfter }
    : { delayAfter: s.accountDelayAfter, blockAfter: s.accountBlockAfter };
}

export function isBlocked(c: Counter, now: Date): boolean {
  return c.blockedUntil !== null && c.blockedUntil.getTime() > now.getTime();
}

/** The window began at or before this instant has elapsed. */
export function windowCutoff(now: Date, s: ThrottleSettings): Date {
  return new Date(now.getTime() - s.windowSeconds * 1000);
}

/** The counter's window has elapsed and no block is running: it counts as zero. */
export function isStale(c: Counter, now: Date, s: ThrottleSettings): boolean {
  return !isBlocked(c, now) && c.windowStart.getTime() <= windowCutoff(now, s).getTime();
}

/** Failures that still count at `now`. */
export function liveFailures(c: Counter | null, now: Date, s: ThrottleSettings): number {
  return !c || isStale(c, now, s) ? 0 : c.failures;
}

/** How long an attempt waits after `failures` failures (0: no wait). */
export function delayMs(failures: number, limits: Limits, s: ThrottleSettings): number {
  if (failures < limits.delayAfter || s.maxDelayMs <= 0) return 0;
  const base = Math.max(1, s.baseDelayMs ?? DEFAULT_BASE_DELAY_MS);
  const exp = Math.min(failures - limits.delayAfter, 30); // 2^30 * base is past any cap
  return Math.min(s.maxDelayMs, base * 2 ** exp);
}

/** What the next attempt against this counter gets. */
export function decide(c: Counter | null, now: Date, limits: Limits, s: ThrottleSettings): Decision {
  if (c && isBlocked(c, now)) return { action: 'block', until: c.blockedUntil! };
  const ms = delayMs(liveFailures(c, now, s), limits, s);
  return ms > 0 ? { action: 'delay', ms } : { action: 'allow' };
}

/** The counter after one more failure at `now` (the store does the same in the database). */
export function afterFailure(c: Counter | null, now: Date, limits: Limits, s: ThrottleSettings): Counter {
  const fresh = !c || isStale(c, now, s);
  const failures = fresh ? 1 : c.failures + 1;
  const windowStart = fresh ? now : c.windowStart;
  let blockedUntil = fresh ? null : c.blockedUntil;
  if (failures >= limits.blockAfter && !(blockedUntil && blockedUntil.getTime() > now.getTime())) {
    blockedUntil = new Date(now.getTime() + s.blockSeconds * 1000);
  }
  return { failures, windowStart, blockedUntil };
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

/**
 * The account key of a typed login: the person it names (Login.person: NFC, trimmed, lower
 * case, "name@<one of our mail domains>" folded to "name", since the directory finds the same
 * person by either). Unknown logins get a key too: guessing is throttled whether or not the
 * login exists.
 */
export function accountKey(login: Login | string, mailDomains: readonly string[] = []): string {
  const l = typeof login === 'string' ? Login.of(login, mailDomains) : login;
  return ACCOUNT_PREFIX + escapeControls(l.person);
}

/** The key of the directory entry a login resolved to (its stable id): limits as an account's. */
export function entryKey(externalId: string): string {
  return ENTRY_PREFIX + escapeControls(externalId);
}

/**
 * The address key of a client address (Express req.ip, which honours TRUST_PROXY). IPv4-mapped
 * IPv6 is read as IPv4; other IPv6 addresses are grouped by /64, the block one subscriber gets.
 */
export function addressKey(ip: string | undefined): string {
  let a = (ip ?? '').trim().toLowerCase();
  if (!a) return `${ADDRESS_PREFIX}unknown`;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) a = mapped[1]!;
  else if (a.includes(':')) a = ipv6Prefix64(a.replace(/%.*$/, '')) ?? a;
  return ADDRESS_PREFIX + escapeControls(a);
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
