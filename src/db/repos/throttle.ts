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
  decide,
  delayMs,
  isBlocked,
  limitsFor,
  strictest,
  windowCutoff,
  type Counter,
  type Decision,
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

export interface StoreOptions {
  /** Stale rows are removed on the side at most this often (ms; 0: only when gc() is called). */
  gcIntervalMs?: number | undefined;
  now?: (() => Date) | undefined;
}

export interface LoginThrottle {
  readonly settings: ThrottleSettings;
  /** The strictest decision over the keys, for the next attempt, and the key it comes from. One query, no write. */
  check(keys: readonly string[], now?: Date): Promise<KeyedDecision>;
  /** Counts one failure on every key (atomically per key); see CountedFailure.decision. */
  recordFailure(keys: readonly string[], now?: Date): Promise<CountedFailure>;
  /** Takes back a failure counted in advance (for all its keys, or only those named). */
  undoFailure(counted: CountedFailure, only?: readonly string[]): Promise<void>;
  /** A successful login: the account's counter is cleared (an address's never is by one success). */
  recordSuccess(accountKey: string): Promise<void>;
  /** Removes counters that no longer count; returns how many. */
  gc(now?: Date): Promise<number>;
}

type Table = Db['loginThrottle'];

const noActiveBlock = (now: Date) => [{ blockedUntil: null }, { blockedUntil: { lte: now } }];

/**
 * +1, creating the row if needed, and starting the window over first when it has elapsed with
 * no block running: one atomic statement (INSERT ... ON CONFLICT DO UPDATE, whose SET reads the
 * row as it was), the same SQL on SQLite and PostgreSQL. Of several instances seeing the same
 * stale row, only the first starts it over; the others count on top. (Was two statements, an
 * update for the reset and an upsert; on the login path, every round trip counts.)
 */
async function increment(prisma: Db, settings: ThrottleSettings, key: string, now: Date): Promise<Counter> {
  const cutoff = windowCutoff(now, settings);
  const stale = Prisma.sql`("LoginThrottle"."windowStart" <= ${cutoff} AND ("LoginThrottle"."blockedUntil" IS NULL OR "LoginThrottle"."blockedUntil" <= ${now}))`;
  // updatedAt is the wall clock, as Prisma's @updatedAt writes it (gc() reads it), whatever `now` says
  const written = new Date();
  const rows = await prisma.$queryRaw<{ failures: number | bigint; windowStart: Date | string; blockedUntil: Date | string | null }[]>`
    INSERT INTO "LoginThrottle" ("key", "failures", "windowStart", "blockedUntil", "updatedAt") VALUES (${key}, 1, ${now}, NULL, ${written})
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN ${stale} THEN 1 ELSE "LoginThrottle"."failures" + 1 END,
      "windowStart" = CASE WHEN ${stale} THEN ${now} ELSE "LoginThrottle"."windowStart" END,
      "blockedUntil" = CASE WHEN ${stale} THEN NULL ELSE "LoginThrottle"."blockedUntil" END,
      "updatedAt" = ${written}
    RETURNING "failures", "windowStart", "blockedUntil"`;
  const r = rows[0]!;
  const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));
  return { failures: Number(r.failures), windowStart: date(r.windowStart), blockedUntil: r.blockedUntil === null ? null : date(r.blockedUntil) };
}

/** One key's share of a failure counted in advance, and its verdict on the attempt. */
async function countOne(prisma: Db, settings: ThrottleSettings, key: string, now: Date): Promise<CountedKey> {
  const limits = limitsFor(key, settings);
  const row = await increment(prisma, settings, key, now);
  const counted = { key, windowStart: row.windowStart, failures: row.failures };
  if (isBlocked(row, now)) {
    // blocked by another attempt since this one was checked
    return { ...counted, blockSet: null, decision: { action: 'block', until: row.blockedUntil! } };
  }
  const wait = delayMs(row.failures - 1, limits, settings);
  const go: Decision = wait > 0 ? { action: 'delay', ms: wait } : { action: 'allow' };
  if (row.failures < limits.blockAfter) return { ...counted, blockSet: null, decision: go };
  // This failure reaches the limit: it blocks the key. The one attempt whose write sets the
  // block may still go on (its failure is the last one allowed); the others are refused.
  const until = new Date(now.getTime() + settings.blockSeconds * 1000);
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

    async recordFailure(keys, now = clock()) {
      const counted = await Promise.all([...new Set(keys)].map((k) => countOne(prisma, settings, k, now)));
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

    async recordSuccess(accountKey) {
      await table.deleteMany({ where: { key: accountKey } });
    },

    gc,
  };
}
