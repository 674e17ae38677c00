/**
 * What the sync keeps between runs: the changed-only high-water mark (SyncState) and the run
 * history (SyncRun).
 *
 * High-water mark: the latest modification time the directory reported (modifyTimestamp, the
 * directory's clock, never ours) among the entries a completed run applied, and how long that
 * run took. The next changed-only run lists entries modified at or after
 *   mark - max(window, overlap)
 * because an entry modified while a listing runs can be read before its change and carry a
 * time below the mark the listing ends with: such a change has a time no earlier than the start
 * of that listing, i.e. no earlier than mark - the listing's duration. Entries listed again are
 * "unchanged": re-processing is harmless.
 */
import type { Db } from '../db/client.js';
import type { SyncCounts } from './runner.js';

export const HIGH_WATER_MARK = 'sync.highWaterMark';

export interface HighWaterMark {
  /** Latest modifiedAt seen by a completed run (directory time). */
  modifiedAt: Date;
  /** Duration of the run that last set it, seconds, rounded up. */
  windowSeconds: number;
}

export async function readHighWaterMark(prisma: Db): Promise<HighWaterMark | null> {
  const row = await prisma.syncState.findUnique({ where: { name: HIGH_WATER_MARK } });
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as { modifiedAt?: unknown; windowSeconds?: unknown };
    const d = typeof v.modifiedAt === 'string' ? new Date(v.modifiedAt) : null;
    if (!d || Number.isNaN(d.getTime())) return null;
    const w = typeof v.windowSeconds === 'number' && Number.isFinite(v.windowSeconds) && v.windowSeconds >= 0 ? v.windowSeconds : 0;
    return { modifiedAt: d, windowSeconds: w };
  } catch {
    return null;
  }
}

export async function writeHighWaterMark(prisma: Db, hwm: HighWaterMark): Promise<void> {
  const value = JSON.stringify({ modifiedAt: hwm.modifiedAt.toISOString(), windowSeconds: Math.ceil(hwm.windowSeconds) });
  await prisma.syncState.upsert({ where: { name: HIGH_WATER_MARK }, create: { name: HIGH_WATER_MARK, value }, update: { value } });
}

/** Where a changed-only listing starts. Whole seconds: directories keep modification times to the second. */
export function changedSince(hwm: HighWaterMark, overlapSeconds: number): Date {
  const back = Math.max(hwm.windowSeconds, overlapSeconds, 0) * 1000;
  return new Date(Math.floor((hwm.modifiedAt.getTime() - back) / 1000) * 1000);
}

// ---------------------------------------------------------------------------------------------
// History

/** A SyncRun row: the run's counts plus when, how and by whom. */
export interface SyncRunRow extends SyncCounts {
  id: string;
  mode: string;
  dryRun: boolean;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  message: string | null;
  errors: string;
  holder: string | null;
}

/**
 * The latest runs, newest first. Idle runs (changed-only, nothing listed, success: the server
 * makes one every few seconds) are left out unless includeIdle.
 */
export function listSyncRuns(prisma: Db, limit = 20, opts: { includeIdle?: boolean } = {}): Promise<SyncRunRow[]> {
  return prisma.syncRun.findMany({
    where: opts.includeIdle ? {} : { NOT: { mode: 'changed', status: 'success', seen: 0 } },
    orderBy: { startedAt: 'desc' },
    take: Math.max(1, Math.min(limit, 10_000)),
  });
}

/** Entries the last completed full run saw (a progress bar's total), or null. */
export async function lastFullRunSeen(prisma: Db): Promise<number | null> {
  const r = await prisma.syncRun.findFirst({
    where: { mode: 'full', status: { in: ['success', 'partial', 'refused'] }, seen: { gt: 0 } },
    orderBy: { startedAt: 'desc' },
    select: { seen: true },
  });
  return r?.seen ?? null;
}

/** When the last full run (not a dry run) started, and how it ended. */
export async function lastFullRun(prisma: Db): Promise<{ startedAt: Date; status: string } | null> {
  return prisma.syncRun.findFirst({
    where: { mode: 'full', dryRun: false, status: { not: 'running' } },
    orderBy: { startedAt: 'desc' },
    select: { startedAt: true, status: true },
  });
}

export interface PruneOptions {
  /** Runs older than this are deleted. Default 90 days. */
  keepDays?: number;
  /** Changed-only runs that saw nothing and succeeded are deleted after this. Default 1 day. */
  keepIdleDays?: number;
  now?: Date;
}

/** Keeps the history small: the server runs a changed-only sync every few seconds. */
export async function pruneSyncRuns(prisma: Db, opts: PruneOptions = {}): Promise<number> {
  const now = (opts.now ?? new Date()).getTime();
  const day = 86_400_000;
  const idle = await prisma.syncRun.deleteMany({
    where: { mode: 'changed', status: 'success', seen: 0, startedAt: { lt: new Date(now - (opts.keepIdleDays ?? 1) * day) } },
  });
  const old = await prisma.syncRun.deleteMany({ where: { status: { not: 'running' }, startedAt: { lt: new Date(now - (opts.keepDays ?? 90) * day) } } });
  return idle.count + old.count;
}
