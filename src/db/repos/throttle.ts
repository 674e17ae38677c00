/**
 * Password-guessing throttle, the stored part: failure counters in the LoginThrottle table,
 * shared by every instance on the database (SQLite or PostgreSQL). The rules are
 * domain/throttle.ts's.
 *
 * Every write is one atomic statement (a conditional updateMany, or an upsert that increments),
 * so concurrent instances never lose a count and never hold a transaction open. A check is one
 * query.
 *
 * A login counts its failure BEFORE the password is checked (recordFailure), and takes it back
 * when the attempt turns out not to be one (undoFailure, recordSuccess). That way attempts sent
 * in parallel see each other: of the attempts that reach a key's limit together, exactly one
 * (the one whose conditional write sets the block) may still go on to the directory, the others
 * are refused without a bind. Counting after the bind would let a burst of parallel guesses all
 * pass the check and all reach the directory, tripping its lockout.
 */
import type { Db } from '../client.js';
import { Prisma } from '../generated/sqlite/client.js';
import {
  blockSecondsFor,
  decide,
  delayMs,
  isBlocked,
  limitsFor,
  strictest,
  windowCutoff,
  type Counter,
  type Decision,
  type Limits,
  type ThrottleSettings,
} from '../../domain/throttle.js';

export type { Decision, ThrottleSettings };

/** A decision, and the key it comes from (none for allow over no counters). */
export type KeyedDecision = Decision & { key?: string };

/** One key's share of a counted failure: what undoFailure needs to take it back. */
export interface CountedKey {
  key: string;
  /** The window the failure was counted in (a failure of an older window is not taken back). */
  windowStart: Date;
  /** Failures in the window, this one included. */
  failures: number;
  /** The block this failure set, if it set one. */
  blockSet: Date | null;
  /** This key's verdict on the attempt. */
  decision: Decision;
}

export interface CountedFailure {
  /**
   * For a failure counted in advance: block = the attempt came over a limit (another attempt
   * holds the last slot, or the key was blocked meanwhile) and must not check the password;
   * delay = wait this long first; allow = go on.
   */
  decision: KeyedDecision;
  keys: CountedKey[];
}

/** One blocked counter, as `sso throttle list` and the console show it. */
export interface BlockedCounter {
  key: string;
  /** The login last counted against a directory entry's key; null for the others. */
  label: string | null;
  failures: number;
  windowStart: Date;
  lastFailureAt: Date | null;
  blockedUntil: Date;
}

export interface StoreOptions {
  /** Stale rows are removed on the side at most this often (ms; 0: only when gc() is called). */
  gcIntervalMs?: number | undefined;
  now?: (() => Date) | undefined;
}

export interface LoginThrottle {
  readonly settings: ThrottleSettings;
  /** The strictest decision over the keys, for the next attempt, and the key it comes from. One query, no write. */
  check(keys: readonly string[], now?: Date): Promise<KeyedDecision>;
  /**
   * Counts one failure on every key (atomically per key); see CountedFailure.decision. `labels`:
   * the login to note on a key (a directory entry's), for listing and unblocking by login.
   */
  recordFailure(keys: readonly string[], now?: Date, labels?: Readonly<Record<string, string>>): Promise<CountedFailure>;
  /** Takes back a failure counted in advance (for all its keys, or only those named). */
  undoFailure(counted: CountedFailure, only?: readonly string[]): Promise<void>;
  /** A successful login: these counters of the person are removed (an address's never is by one success). */
  recordSuccess(keys: string | readonly string[]): Promise<void>;
  /** The counters blocked at `now`, the latest block first (at most `limit`). */
  listBlocks(now?: Date, limit?: number): Promise<BlockedCounter[]>;
  /**
   * Lifts the blocks of these keys (those still running); the counts stay, so the next attempt
   * is let through and a further failure blocks again at once. Returns how many were lifted.
   */
  clearBlocks(keys: readonly string[], now?: Date): Promise<number>;
  /** Removes counters that no longer count; returns how many. */
  gc(now?: Date): Promise<number>;
}

type Table = Db['loginThrottle'];

const noActiveBlock = (now: Date) => [{ blockedUntil: null }, { blockedUntil: { lte: now } }];

/**
 * +1, creating the row if needed, and starting the count over first when it no longer counts
 * (window over, or for a per-person key the period since its last failure, and no block
 * running): one atomic statement (INSERT ... ON CONFLICT DO UPDATE, whose SET reads the row as it
 * was), the same SQL on SQLite and PostgreSQL. Of several instances seeing the same stale row,
 * only the first starts it over; the others count on top. The last failure is not moved by an
 * attempt that finds a block running (it is refused and taken back), so refused attempts never
 * prolong a block.
 */
async function increment(prisma: Db, settings: ThrottleSettings, key: string, limits: Limits, now: Date, label: string | null): Promise<Counter> {
  const cutoff = windowCutoff(now, settings);
  const since = limits.windowLong ? Prisma.sql`COALESCE("LoginThrottle"."lastFailureAt", "LoginThrottle"."windowStart")` : Prisma.sql`"LoginThrottle"."windowStart"`;
  const running = Prisma.sql`("LoginThrottle"."blockedUntil" IS NOT NULL AND "LoginThrottle"."blockedUntil" > ${now})`;
  const stale = Prisma.sql`(${since} <= ${cutoff} AND NOT ${running})`;
  // updatedAt is the wall clock, as Prisma's @updatedAt writes it (gc() reads it), whatever `now` says
  const written = new Date();
  const rows = await prisma.$queryRaw<{ failures: number | bigint; windowStart: Date | string; lastFailureAt: Date | string | null; blockedUntil: Date | string | null }[]>`
    INSERT INTO "LoginThrottle" ("key", "failures", "windowStart", "lastFailureAt", "blockedUntil", "label", "updatedAt") VALUES (${key}, 1, ${now}, ${now}, NULL, ${label}, ${written})
    ON CONFLICT ("key") DO UPDATE SET
      "label" = COALESCE(${label}, "LoginThrottle"."label"),
      "failures" = CASE WHEN ${stale} THEN 1 ELSE "LoginThrottle"."failures" + 1 END,
      "windowStart" = CASE WHEN ${stale} THEN ${now} ELSE "LoginThrottle"."windowStart" END,
      "lastFailureAt" = CASE WHEN ${running} THEN "LoginThrottle"."lastFailureAt" ELSE ${now} END,
      "blockedUntil" = CASE WHEN ${stale} THEN NULL ELSE "LoginThrottle"."blockedUntil" END,
      "updatedAt" = ${written}
    RETURNING "failures", "windowStart", "lastFailureAt", "blockedUntil"`;
  const r = rows[0]!;
  const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));
  return {
    failures: Number(r.failures),
    windowStart: date(r.windowStart),
    lastFailureAt: r.lastFailureAt === null ? null : date(r.lastFailureAt),
    blockedUntil: r.blockedUntil === null ? null : date(r.blockedUntil),
  };
}

/** One key's share of a failure counted in advance, and its verdict on the attempt. */
async function countOne(prisma: Db, settings: ThrottleSettings, key: string, now: Date, label: string | null): Promise<CountedKey> {
  const limits = limitsFor(key, settings);
  const row = await increment(prisma, settings, key, limits, now, label);
  const counted = { key, windowStart: row.windowStart, failures: row.failures };
  if (isBlocked(row, now)) {
    // blocked by another attempt since this one was checked
    return { ...counted, blockSet: null, decision: { action: 'block', until: row.blockedUntil! } };
  }
  const wait = delayMs(row.failures - 1, limits, settings);
  const go: Decision = wait > 0 ? { action: 'delay', ms: wait } : { action: 'allow' };
  if (row.failures < limits.blockAfter) return { ...counted, blockSet: null, decision: go };
  // This failure reaches the limit: it blocks the key (a per-person key for a whole window, an
  // address for blockSeconds). The one attempt whose write sets the block may still go on (its
  // failure is the last one allowed); the others are refused.
  const until = new Date(now.getTime() + blockSecondsFor(limits, settings) * 1000);
  const table: Table = prisma.loginThrottle;
  const set = await table.updateMany({ where: { key, OR: noActiveBlock(now) }, data: { blockedUntil: until } });
  if (set.count === 1) return { ...counted, blockSet: until, decision: go };
  const current = await table.findUnique({ where: { key } });
  const holder = current && isBlocked(current, now) ? current.blockedUntil! : new Date(now.getTime() + 1000);
  return { ...counted, blockSet: null, decision: { action: 'block', until: holder } };
}

async function undoOne(table: Table, k: CountedKey): Promise<void> {
  // the count first, then the block: in between, others are refused rather than let through
  await table.updateMany({ where: { key: k.key, windowStart: k.windowStart, failures: { gt: 0 } }, data: { failures: { decrement: 1 } } });
  if (k.blockSet) await table.updateMany({ where: { key: k.key, blockedUntil: k.blockSet }, data: { blockedUntil: null } });
}

export function createThrottle(prisma: Db, settings: ThrottleSettings, opts: StoreOptions = {}): LoginThrottle {
  const clock = opts.now ?? (() => new Date());
  const table = prisma.loginThrottle;
  let lastGc = clock().getTime();

  async function gc(now: Date = clock()): Promise<number> {
    // updatedAt >= windowStart, and a block ends at most blockSeconds after the write that set it:
    // a row untouched for longer than both no longer counts.
    const cutoff = new Date(now.getTime() - Math.max(settings.windowSeconds, settings.blockSeconds) * 1000);
    const r = await table.deleteMany({ where: { updatedAt: { lt: cutoff } } });
    return r.count;
  }

  return {
    settings,

    async check(keys, now = clock()) {
      if (!keys.length) return { action: 'allow' };
      const rows = await table.findMany({ where: { key: { in: [...keys] } } });
      return strictest(rows.map((r): KeyedDecision => ({ ...decide(r, now, limitsFor(r.key, settings), settings), key: r.key })));
    },

    async recordFailure(keys, now = clock(), labels = {}) {
      const counted = await Promise.all([...new Set(keys)].map((k) => countOne(prisma, settings, k, now, Object.hasOwn(labels, k) ? labels[k]!.slice(0, 254) : null)));
      if (opts.gcIntervalMs && now.getTime() - lastGc >= opts.gcIntervalMs) {
        lastGc = now.getTime();
        await gc(now).catch(() => 0);
      }
      return { decision: strictest(counted.map((c): KeyedDecision => ({ ...c.decision, key: c.key }))), keys: counted };
    },

    async undoFailure(counted, only) {
      const keys = only ? counted.keys.filter((k) => only.includes(k.key)) : counted.keys;
      await Promise.all(keys.map((k) => undoOne(table, k)));
    },

    async recordSuccess(keys) {
      const list = typeof keys === 'string' ? [keys] : [...new Set(keys)];
      if (list.length) await table.deleteMany({ where: { key: { in: list } } });
    },

    async listBlocks(now = clock(), limit = 1000) {
      const rows = await table.findMany({ where: { blockedUntil: { gt: now } }, orderBy: [{ blockedUntil: 'desc' }, { key: 'asc' }], take: limit });
      return rows.map((r) => ({ key: r.key, label: r.label, failures: r.failures, windowStart: r.windowStart, lastFailureAt: r.lastFailureAt, blockedUntil: r.blockedUntil! }));
    },

    async clearBlocks(keys, now = clock()) {
      if (!keys.length) return 0;
      const r = await table.updateMany({ where: { key: { in: [...new Set(keys)] }, blockedUntil: { gt: now } }, data: { blockedUntil: null } });
      return r.count;
    },

    gc,
  };
}
