/**
 * Named leases in the Lease table: at most one holder per name across every instance on the
 * database, on SQLite and PostgreSQL alike.
 *
 *   acquire: one conditional UPDATE (the row is free: expired, or already ours), else an INSERT
 *            for a name never used; the primary key makes a second INSERT fail (unique
 *            violation = taken). Each statement is atomic on its own: PostgreSQL re-checks the
 *            UPDATE's WHERE on the row after a concurrent writer commits (READ COMMITTED), SQLite
 *            has one writer at a time.
 *   renew:   UPDATE ... WHERE holder = us. 0 rows: someone took it after it expired: lost.
 *   release: DELETE ... WHERE holder = us.
 *
 * Expiry frees the lease of a holder that died. Times are the instances' clocks: keep them in
 * step (NTP); the TTL (default 60 s) is far above any sane skew.
 */
import type { Db } from '../db/client.js';
import { isUniqueViolation } from './errors.js';

export interface LeaseInfo {
  name: string;
  holder: string;
  expiresAt: Date;
}

export { isUniqueViolation };

export async function acquireLease(prisma: Db, name: string, holder: string, ttlMs: number, now: Date = new Date()): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const { count } = await prisma.lease.updateMany({
    where: { name, OR: [{ holder }, { expiresAt: { lte: now } }] },
    data: { holder, expiresAt },
  });
  if (count > 0) return true;
  try {
    await prisma.lease.create({ data: { name, holder, expiresAt } });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Extends our lease; false when it is no longer ours. */
export async function renewLease(prisma: Db, name: string, holder: string, ttlMs: number, now: Date = new Date()): Promise<boolean> {
  const { count } = await prisma.lease.updateMany({ where: { name, holder }, data: { expiresAt: new Date(now.getTime() + ttlMs) } });
  return count > 0;
}

export async function releaseLease(prisma: Db, name: string, holder: string): Promise<void> {
  await prisma.lease.deleteMany({ where: { name, holder } });
}

/** The current holder, when the lease is held and not expired. */
export async function currentLease(prisma: Db, name: string, now: Date = new Date()): Promise<LeaseInfo | null> {
  const l = await prisma.lease.findUnique({ where: { name } });
  return l && l.expiresAt.getTime() > now.getTime() ? l : null;
}

export interface HeldLease {
  readonly name: string;
  readonly holder: string;
  /** True once the lease could not be renewed before it expired (another holder may have it). */
  lost(): boolean;
  /** Stops renewing and frees the lease. Idempotent. */
  release(): Promise<void>;
}

export interface HoldOptions {
  ttlMs?: number;
  /** Renewal period; default a third of the TTL. */
  renewMs?: number;
  onLost?: () => void;
}

/** Acquires a lease and keeps renewing it until released; null when another holder has it. */
export async function holdLease(prisma: Db, name: string, holder: string, opts: HoldOptions = {}): Promise<HeldLease | null> {
  const ttlMs = opts.ttlMs ?? 60_000;
  const renewMs = opts.renewMs ?? Math.max(50, Math.floor(ttlMs / 3));
  if (!(await acquireLease(prisma, name, holder, ttlMs))) return null;
  let validUntil = Date.now() + ttlMs;
  let lost = false;
  let released = false;
  let renewing: Promise<void> | undefined;
  const markLost = () => {
    if (lost) return;
    lost = true;
    opts.onLost?.();
  };
  const timer = setInterval(() => {
    if (released || renewing) return;
    renewing = (async () => {
      const at = Date.now();
      try {
        if (await renewLease(prisma, name, holder, ttlMs)) validUntil = at + ttlMs;
        else markLost();
      } catch {
        // the database is unreachable: still ours until it expires
        if (Date.now() >= validUntil) markLost();
      } finally {
        renewing = undefined;
      }
    })();
  }, renewMs);
  timer.unref();
  return {
    name,
    holder,
    lost: () => lost || Date.now() >= validUntil,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      await releaseLease(prisma, name, holder);
    },
  };
}

export interface AwaitOptions extends HoldOptions {
  /** How long to wait for another holder to finish. */
  waitMs: number;
  /** The error's message when it did not finish in time. */
  busy: string;
}

/** Waits (a try every 100 ms) until the lease is ours, then holds it as holdLease does; throws after waitMs. */
export async function awaitLease(prisma: Db, name: string, holder: string, opts: AwaitOptions): Promise<HeldLease> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const held = await holdLease(prisma, name, holder, opts);
    if (held) return held;
    if (Date.now() > deadline) throw new Error(opts.busy);
    await new Promise((r) => setTimeout(r, 100));
  }
}
