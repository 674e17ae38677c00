/**
 * What the directory sync keeps between runs: the run history (SyncRun rows), the changed-only
 * high-water mark (SyncState), and the sync lease (Lease "sync", held through src/db/lease.ts):
 * one run at a time across every instance on the database.
 */
import type { Db } from '../client.js';
import { currentLease, holdLease, type HeldLease, type HoldOptions, type LeaseInfo } from '../lease.js';
import type { HighWaterMark, SeenEntry } from '../../domain/sync-mark.js';

export type { HeldLease, HighWaterMark, HoldOptions, LeaseInfo };

/** The lease a run holds. */
export const SYNC_LEASE = 'sync';
/** The SyncState row of the high-water mark. */
export const HIGH_WATER_MARK = 'sync.highWaterMark';

/** What a run counted, as its SyncRun row keeps it. */
export interface SyncRunCounts {
  seen: number;
  created: number;
  updated: number;
  disabled: number;
  unchanged: number;
  failed: number;
  conflicts: number;
}

/** A SyncRun row: the run's counts plus when, how and by whom. */
export interface SyncRunRow extends SyncRunCounts {
  id: string;
  mode: string;
  dryRun: boolean;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  message: string | null;
  /** JSON array of the run's first errors. */
  errors: string;
  holder: string | null;
}

/** A run as it starts (status "running"). */
export interface NewSyncRun {
  id: string;
  mode: string;
  dryRun: boolean;
  startedAt: Date;
  holder: string;
}

/** How a run ended. */
export interface SyncRunOutcome extends SyncRunCounts {
  status: string;
  finishedAt: Date;
  message: string | null;
  /** JSON array of the run's first errors. */
  errors: string;
}

export interface PruneOptions {
  /** Runs older than this are deleted. Default 90 days. */
  keepDays?: number;
  /** Changed-only runs that saw nothing and succeeded are deleted after this. Default 1 day. */
  keepIdleDays?: number;
  now?: Date;
}

export interface SyncRunRepository {
  /** Takes the sync lease and keeps renewing it until released; null when another holder has it. */
  holdLease(holder: string, opts?: HoldOptions): Promise<HeldLease | null>;
  /** Who holds the sync lease, when it is held and not expired. */
  currentLease(): Promise<LeaseInfo | null>;
  /**
   * What a run that died left (called holding the lease, so no other run is alive): every
   * "running" run but `runId` is marked failed with this message, and their staged entries go.
   */
  clearInterrupted(runId: string, message: string, at: Date): Promise<void>;
  /** Records a run as running. */
  startRun(run: NewSyncRun): Promise<void>;
  /** Records how a run ended. */
  finishRun(id: string, outcome: SyncRunOutcome): Promise<void>;
  /** Records a run once it has ended, in one write (a changed-only run is recorded only when worth it). */
  recordRun(run: NewSyncRun & SyncRunOutcome): Promise<void>;
  /**
   * The latest runs, newest first (limit 1 to 10,000; default 20). Idle runs (changed-only,
   * nothing listed, success: earlier versions recorded one every few seconds; no longer recorded)
   * are left out unless includeIdle. With changesOnly, so is every run that ended well and changed
   * nothing (domain/routine-events.ts): the console's routine noise.
   */
  listRuns(limit?: number, opts?: { includeIdle?: boolean; changesOnly?: boolean }): Promise<SyncRunRow[]>;
  /** Entries the last completed full run saw (a progress bar's total), or null. */
  lastFullRunSeen(): Promise<number | null>;
  /** When the last full run (not a dry run, not running) started, and how it ended. */
  lastFullRun(): Promise<{ startedAt: Date; status: string } | null>;
  /** Deletes old runs (idle ones sooner); returns how many. Running ones are kept. */
  pruneRuns(opts?: PruneOptions): Promise<number>;
  /** The changed-only high-water mark, with the entries seen in its overlap ([] when none); null when there is none or it cannot be read. */
  readHighWaterMark(): Promise<(HighWaterMark & { seen: SeenEntry[] }) | null>;
  /** Stores the mark (window rounded up to whole seconds) and the entries seen in its overlap. */
  writeHighWaterMark(hwm: HighWaterMark): Promise<void>;
}

const DAY_MS = 86_400_000;

/** The seen entries as stored: [key, at] pairs (at null when unknown); anything else is left out. */
function parseSeen(v: unknown): SeenEntry[] {
  if (!Array.isArray(v)) return [];
  const out: SeenEntry[] = [];
  for (const x of v as unknown[]) {
    if (!Array.isArray(x) || typeof x[0] !== 'string') continue;
    const at = x[1];
    out.push({ key: x[0], at: typeof at === 'number' && Number.isFinite(at) ? at : null });
  }
  return out;
}

function parseMark(value: string): (HighWaterMark & { seen: SeenEntry[] }) | null {
  try {
    const v = JSON.parse(value) as { modifiedAt?: unknown; windowSeconds?: unknown; seen?: unknown };
    const d = typeof v.modifiedAt === 'string' ? new Date(v.modifiedAt) : null;
    if (!d || Number.isNaN(d.getTime())) return null;
    const w = typeof v.windowSeconds === 'number' && Number.isFinite(v.windowSeconds) && v.windowSeconds >= 0 ? v.windowSeconds : 0;
    return { modifiedAt: d, windowSeconds: w, seen: parseSeen(v.seen) };
  } catch {
    return null;
  }
}

/** The changed-only high-water mark, one SyncState row. */
function highWaterMark(db: Db): Pick<SyncRunRepository, 'readHighWaterMark' | 'writeHighWaterMark'> {
  return {
    async readHighWaterMark() {
      const row = await db.syncState.findUnique({ where: { name: HIGH_WATER_MARK } });
      return row ? parseMark(row.value) : null;
    },

    async writeHighWaterMark(hwm) {
      const seen = (hwm.seen ?? []).map((e) => [e.key, e.at]);
      const value = JSON.stringify({ modifiedAt: hwm.modifiedAt.toISOString(), windowSeconds: Math.ceil(hwm.windowSeconds), ...(seen.length ? { seen } : {}) });
      await db.syncState.upsert({ where: { name: HIGH_WATER_MARK }, create: { name: HIGH_WATER_MARK, value }, update: { value } });
    },
  };
}

export function createSyncRunRepository(db: Db): SyncRunRepository {
  return {
    holdLease: (holder, opts = {}) => holdLease(db, SYNC_LEASE, holder, opts),
    currentLease: () => currentLease(db, SYNC_LEASE),

    async clearInterrupted(runId, message, at) {
      await db.syncRun.updateMany({ where: { status: 'running', id: { not: runId } }, data: { status: 'failed', finishedAt: at, message } });
      await db.syncStage.deleteMany({ where: { runId: { not: runId } } });
    },

    async startRun(run) {
      await db.syncRun.create({ data: { id: run.id, mode: run.mode, dryRun: run.dryRun, status: 'running', startedAt: run.startedAt, holder: run.holder } });
    },

    async finishRun(id, o) {
      await db.syncRun.update({
        where: { id },
        data: {
          status: o.status, finishedAt: o.finishedAt, message: o.message,
          seen: o.seen, created: o.created, updated: o.updated, disabled: o.disabled,
          unchanged: o.unchanged, failed: o.failed, conflicts: o.conflicts,
          errors: o.errors,
        },
      });
    },

    async recordRun(r) {
      await db.syncRun.create({
        data: {
          id: r.id, mode: r.mode, dryRun: r.dryRun, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, holder: r.holder, message: r.message,
          seen: r.seen, created: r.created, updated: r.updated, disabled: r.disabled, unchanged: r.unchanged, failed: r.failed, conflicts: r.conflicts,
          errors: r.errors,
        },
      });
    },

    listRuns(limit = 20, opts = {}) {
      return db.syncRun.findMany({
        where: {
          AND: [
            opts.includeIdle ? {} : { NOT: { mode: 'changed', status: 'success', seen: 0 } },
            opts.changesOnly ? { NOT: { status: 'success', created: 0, updated: 0, disabled: 0, failed: 0, conflicts: 0 } } : {},
          ],
        },
        orderBy: { startedAt: 'desc' },
        take: Math.max(1, Math.min(limit, 10_000)),
      });
    },

    async lastFullRunSeen() {
      const r = await db.syncRun.findFirst({
        where: { mode: 'full', status: { in: ['success', 'partial', 'refused'] }, seen: { gt: 0 } },
        orderBy: { startedAt: 'desc' },
        select: { seen: true },
      });
      return r?.seen ?? null;
    },

    lastFullRun() {
      return db.syncRun.findFirst({
        where: { mode: 'full', dryRun: false, status: { not: 'running' } },
        orderBy: { startedAt: 'desc' },
        select: { startedAt: true, status: true },
      });
    },

    async pruneRuns(opts = {}) {
      const now = (opts.now ?? new Date()).getTime();
      const idle = await db.syncRun.deleteMany({
        where: { mode: 'changed', status: 'success', seen: 0, startedAt: { lt: new Date(now - (opts.keepIdleDays ?? 1) * DAY_MS) } },
      });
      const old = await db.syncRun.deleteMany({ where: { status: { not: 'running' }, startedAt: { lt: new Date(now - (opts.keepDays ?? 90) * DAY_MS) } } });
      return idle.count + old.count;
    },

    ...highWaterMark(db),
  };
}
