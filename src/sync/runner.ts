/**
 * Directory sync: keeps the IdP's directory accounts in step with the mail directory.
 *
 * Full run (`mode: 'full'`), in phases; memory stays flat whatever the directory's size (one
 * batch of entries, one batch of accounts at a time):
 *   1. list: the paged listing is streamed into SyncStage (keyed by run id), one INSERT per
 *      batch, while the next page is read; unreadable entries (no zimbraId, bad value) are counted
 *      and reported, not fatal. An entry whose account already says the same (reconcile:
 *      unchanged; one account query per batch) is staged by its id alone: nothing to apply.
 *   2. check: if the listing failed part-way, returned nothing usable, or mostly unreadable
 *      entries, NOTHING is applied. How many active accounts would be disabled (gone from the
 *      directory, or disabled there) is counted in SQL (anti-join on externalId against the
 *      staged rows) and the run is refused above maxDisablePercent unless forced.
 *   3. apply: staged entries in batches: create / update / disable / re-enable (reconcile.ts),
 *      conflicts (an unlinked account holds the login) left untouched, counted and reported
 *      (a conflict is retried once at the end of the run: a rename later in the run may free
 *      the login); then the active accounts absent from the stage are disabled (not those
 *      created less than newAccountGraceMs before the listing began: a first login while the
 *      listing ran). endAccess is called for every account disabled (ending sessions, tokens
 *      and logout notifications is its job); if it fails, the account stays disabled with a
 *      pending marker and the next runs call it again.
 *   4. the run's staged rows are deleted; the changed-only high-water mark is advanced.
 * A run killed part-way leaves staged rows and a "running" record: the next run (holding the
 * lease, so no other run is alive) deletes them and marks the record failed. Applying is
 * idempotent, so a rerun converges to the same state.
 *
 * Changed-only run (`mode: 'changed'`): entries modified at or after the high-water mark
 * (state.ts), applied batch by batch as they are listed, no threshold. It cannot see deletions
 * (a deleted entry is simply not listed): only a full run disables the accounts of deleted
 * entries. If its listing fails part-way, what was applied stays applied and the mark is not
 * advanced, so the next run lists those entries again.
 *
 * Dry run: decides and counts; writes nothing but its SyncRun record (a full dry run stages
 * its listing in SyncStage as scratch, removed before it returns).
 *
 * One run at a time across all instances: the lease "sync" is taken first (renewed while the
 * run lasts; a run whose lease could not be renewed stops); when another holder has it (after
 * leaseWaitMs) the result is `busy` (status refused, not recorded).
 *
 * Every other run is recorded in SyncRun: status success (all applied), partial (some entries
 * unreadable, in conflict or not applied), refused (safety check, incomplete listing) or failed
 * (directory unreachable, database error, aborted), with its counts and its first errors.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db } from '../db/client.js';
import { Prisma } from '../db/generated/sqlite/client.js';
import type { Logger } from '../util/logger.js';
import type { AuditEventInput, AuditRecorder } from '../audit/log.js';
import { DirectoryUnavailableError, type DirectoryConnector, type DirectoryIdentity, type ListOptions } from '../directory/types.js';
import { currentLease, holdLease, type HeldLease } from '../db/lease.js';
import { openBulk, violatesUnique, type Bulk } from '../db/bulk.js';
import {
  PENDING_MARKER_TEXT,
  directorySaysOff,
  disabledByDirectory,
  readSyncMarker,
  reconcile,
  reconcileGone,
  shouldRefuse,
  withSyncMarker,
  type AccountSnapshot,
  type ReconcileDecision,
  type RefuseDecision,
} from '../domain/reconcile.js';
import { changedSince, readHighWaterMark, writeHighWaterMark } from './state.js';
import {
  accountsByExternalIdOrLogin,
  closeStage,
  count,
  countNothingToApply,
  openStage,
  insertAccounts,
  readStaged,
  stageRows,
  updateAccounts,
  type AccountUpdate,
  type NewAccount,
} from './store.js';

export const SYNC_LEASE = 'sync';

export type SyncMode = 'full' | 'changed';
export type SyncStatus = 'success' | 'partial' | 'refused' | 'failed';

export interface SyncProgress {
  mode: SyncMode;
  phase: 'listing' | 'applying' | 'disabling' | 'done';
  /** Entries read from the directory so far. */
  seen: number;
  /** Pages (batches) read so far. */
  pages: number;
  /** Entries (or accounts, when disabling) done in this phase. */
  done: number;
  /** Size of this phase when known (applying: the staged entries; disabling: accounts gone). */
  total?: number | undefined;
}

export interface SyncErrorEntry {
  kind: 'entry' | 'duplicate' | 'conflict' | 'apply' | 'end_access' | 'listing';
  dn?: string | undefined;
  externalId?: string | undefined;
  login?: string | undefined;
  accountId?: string | undefined;
  error: string;
}

export interface SyncCounts {
  seen: number;
  created: number;
  /** Includes re-enabled accounts. */
  updated: number;
  disabled: number;
  unchanged: number;
  failed: number;
  conflicts: number;
}

export interface SyncRunResult extends SyncCounts {
  /** The SyncRun id; null when not recorded (another sync was running). */
  id: string | null;
  mode: SyncMode;
  dryRun: boolean;
  status: SyncStatus;
  startedAt: Date;
  finishedAt: Date;
  message: string | null;
  /** The first errors (maxErrors). */
  errors: SyncErrorEntry[];
  holder: string;
  /** Accounts re-enabled (also counted in updated). */
  enabled: number;
  /** True when another sync held the lease; nothing was done or recorded. */
  busy?: boolean;
  /** True when the precondition said no; nothing was done or recorded. */
  skipped?: boolean;
  /** Full runs: the safety check. */
  activeBefore?: number;
  wouldDisable?: number;
  refusal?: RefuseDecision;
}

export interface RunSyncOptions {
  prisma: Db;
  directory: DirectoryConnector;
  mailDomains: string[];
  mode: SyncMode;
  dryRun?: boolean;
  force?: boolean;
  maxDisablePercent: number;
  pageSize: number;
  /** Ends every session and token of an account, and notifies its applications. */
  endAccess(accountId: string, reason: string): Promise<unknown>;
  logger: Logger;
  /** Who runs it (recorded, and the lease holder's prefix). Default host:pid. */
  holder?: string;
  /**
   * The audit trail: each run (sync.run), each account created (account.created) and each
   * status change (account.status_changed, with the reason) are recorded, as actor
   * "directory-sync@<holder>". Dry runs record only their sync.run.
   */
  audit?: AuditRecorder | undefined;
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
  /** Entries per database batch. Default: what the database takes best (SQLite 2,000 a transaction, PostgreSQL 250 a statement; db/bulk.ts). */
  batchSize?: number;
  /** Errors kept in the record. Default 100. */
  maxErrors?: number;
  /** Lease time-to-live, ms (renewed every third). Default 60 s. */
  leaseTtlMs?: number;
  /** When another sync holds the lease, try again for this long before giving up (busy). Default 0. */
  leaseWaitMs?: number;
  /**
   * Checked once the lease is held (so after any run before it has ended and been recorded):
   * false skips this run (result `skipped`, not recorded). The scheduler asks "is a full run
   * still due?" here, so two instances never run the same full run one after the other.
   */
  precondition?: () => Promise<boolean>;
  /** Changed-only runs also re-list this many seconds before the mark (replication lag). Default 1. */
  overlapSeconds?: number;
  /**
   * A full run does not take an account created less than this long before its listing started
   * for gone: the entry may have been added, and the person logged in (just-in-time account),
   * after the listing passed its place. Covers clock differences between instances. Default 60 s.
   */
  newAccountGraceMs?: number;
}

class SyncAborted extends Error {}

/** The database failed while staging (not the directory). */
class StageFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('staging failed');
  }
}

interface PhaseOutcome {
  status: SyncStatus;
  message: string | null;
  extra?: Partial<SyncRunResult>;
}

/** A listing that failed before its first entry: the directory is down, or refused the search (base DN, rights). */
const listingFailure = (err: unknown) => (err instanceof DirectoryUnavailableError ? 'directory unreachable' : 'the directory refused the listing');

const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 500);

/** Conflicts retried once at the end of a run (a login freed later in the same run), at most. */
const MAX_DEFERRED = 1000;
/** Accounts whose endAccess failed earlier, retried per run, at most. */
const MAX_PENDING_END = 100;

interface StagedRow {
  off: 0 | 1;
  /** The entry; absent when its account already said the same when it was listed (nothing to apply). */
  i?: DirectoryIdentity;
}

function stageJson(identity: DirectoryIdentity, unchanged: boolean): string {
  // "off" first: the SQL below matches the text's start ('{"off":1%')
  const row: StagedRow = { off: directorySaysOff(identity.status) ? 1 : 0, ...(unchanged ? {} : { i: identity }) };
  return JSON.stringify(row);
}

/** The staged entry, or null for one found unchanged when it was listed. */
function parseStaged(json: string): DirectoryIdentity | null {
  const { i } = JSON.parse(json) as StagedRow;
  if (!i) return null;
  return { ...i, modifiedAt: i.modifiedAt ? new Date(i.modifiedAt as unknown as string) : null };
}

const OFF_PREFIX = '{"off":1%';

type CreateData = Extract<ReconcileDecision, { action: 'create' }>['data'];
interface PendingCreate extends NewAccount {
  identity: DirectoryIdentity;
  data: CreateData;
  reason?: string | undefined;
}

/** A decided change to an existing account, to be written with the others of its batch. */
interface PendingChange {
  identity: DirectoryIdentity;
  before: AccountSnapshot;
  d: Extract<ReconcileDecision, { action: 'update' | 'enable' | 'disable' }>;
}

export async function runSync(o: RunSyncOptions): Promise<SyncRunResult> {
  const holder = o.holder ?? `${hostname()}:${process.pid}`;
  const runId = randomUUID();
  const dryRun = !!o.dryRun;
  const calledAt = new Date();
  const { prisma, logger } = o;

  let lease: HeldLease | null;
  const waitUntil = Date.now() + (o.leaseWaitMs ?? 0);
  for (;;) {
    lease = await holdLease(prisma, SYNC_LEASE, `${holder}#${runId}`, { ttlMs: o.leaseTtlMs ?? 60_000 });
    if (lease || Date.now() >= waitUntil || o.signal?.aborted) break;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, waitUntil - Date.now()))));
  }
  if (!lease) {
    const other = await currentLease(prisma, SYNC_LEASE).catch(() => null);
    const message = `another sync is running${other ? ` (${other.holder.replace(/#.*$/, '')}, lease until ${other.expiresAt.toISOString()})` : ''}`;
    logger.debug({ event: 'sync.busy', mode: o.mode, other: other?.holder }, message);
    return {
      id: null, mode: o.mode, dryRun, status: 'refused', busy: true, startedAt: calledAt, finishedAt: new Date(), message, errors: [], holder,
      seen: 0, created: 0, updated: 0, disabled: 0, unchanged: 0, failed: 0, conflicts: 0, enabled: 0,
    };
  }

  const startedAt = new Date();
  const run = new Run(o, runId, holder, lease, startedAt);
  try {
    if (o.precondition && !(await o.precondition())) {
      return {
        id: null, mode: o.mode, dryRun, status: 'success', skipped: true, startedAt, finishedAt: new Date(), message: 'not due', errors: [], holder,
        seen: 0, created: 0, updated: 0, disabled: 0, unchanged: 0, failed: 0, conflicts: 0, enabled: 0,
      };
    }
    // We hold the lease: no other run is alive. Whatever a dead run left goes.
    await prisma.syncRun.updateMany({
      where: { status: 'running', id: { not: runId } },
      data: { status: 'failed', finishedAt: new Date(), message: 'interrupted: the process running it stopped before it ended' },
    });
    await prisma.syncStage.deleteMany({ where: { runId: { not: runId } } });
    await prisma.syncRun.create({ data: { id: runId, mode: o.mode, dryRun, status: 'running', startedAt, holder } });
    return await run.execute();
  } finally {
    await lease.release().catch((err: unknown) => logger.warn({ event: 'sync.lease_release_failed', error: errMessage(err) }, 'could not release the sync lease; it expires by itself'));
  }
}

class Run {
  readonly counts: SyncCounts = { seen: 0, created: 0, updated: 0, disabled: 0, unchanged: 0, failed: 0, conflicts: 0 };
  enabled = 0;
  applyErrors = 0;
  pages = 0;
  readonly errors: SyncErrorEntry[] = [];
  readonly deferred: DirectoryIdentity[] = [];
  /** The audit events of the last batch applied, being written (never rejects). */
  auditsInFlight: Promise<unknown> = Promise.resolve();
  maxModifiedAt: Date | null = null;
  /** Full runs: accounts created since are not taken for gone. */
  goneCutoff = new Date(0);
  readonly dryRun: boolean;
  batchSize = 1;
  readonly maxErrors: number;
  /** The run's bulk reads and writes (opened by execute()). */
  private bulkSession: Bulk | undefined;

  constructor(
    readonly o: RunSyncOptions,
    readonly id: string,
    readonly holder: string,
    readonly lease: HeldLease,
    readonly startedAt: Date,
  ) {
    this.dryRun = !!o.dryRun;
    this.maxErrors = o.maxErrors ?? 100;
  }

  get prisma() {
    return this.o.prisma;
  }
  get bulk(): Bulk {
    if (!this.bulkSession) throw new Error('no bulk session: execute() opens it');
    return this.bulkSession;
  }
  get log() {
    return this.o.logger;
  }

  error(e: SyncErrorEntry): void {
    if (this.errors.length < this.maxErrors) this.errors.push(e);
  }

  /** Records an audit event (never throws; resolves when written, which bounds the queue). */
  audit(e: AuditEventInput): Promise<unknown> {
    if (!this.o.audit) return Promise.resolve();
    return this.o.audit.record({ actor: `directory-sync@${this.holder}`, ...e }).catch(() => null);
  }

  check(): void {
    if (this.o.signal?.aborted) throw new SyncAborted('aborted');
    if (this.lease.lost()) throw new SyncAborted('the sync lease was lost (database unreachable for too long?)');
  }

  progress(p: Omit<SyncProgress, 'mode' | 'seen' | 'pages'>): void {
    try {
      this.o.onProgress?.({ mode: this.o.mode, seen: this.counts.seen, pages: this.pages, ...p });
    } catch {
      /* a progress display never breaks a run */
    }
  }

  /** Streams the listing: counts every entry, records the unusable ones, hands on the rest. */
  async consume(options: ListOptions, onEntry: (identity: DirectoryIdentity) => Promise<void>): Promise<void> {
    for await (const entry of this.o.directory.list(options)) {
      this.check();
      this.counts.seen += 1;
      if (!entry.ok) {
        this.counts.failed += 1;
        this.error({ kind: 'entry', dn: entry.dn, error: entry.error });
        continue;
      }
      this.noteModified(entry.identity);
      await onEntry(entry.identity);
    }
    this.check();
  }

  noteModified(identity: DirectoryIdentity): void {
    const m = identity.modifiedAt;
    if (m && !Number.isNaN(m.getTime()) && (!this.maxModifiedAt || m > this.maxModifiedAt)) this.maxModifiedAt = m;
  }

  async execute(): Promise<SyncRunResult> {
    let status: SyncStatus;
    let message: string | null = null;
    let extra: Partial<SyncRunResult> = {};
    let aborted = false;
    try {
      this.bulkSession = await openBulk(this.prisma);
      this.batchSize = Math.max(1, Math.min(this.o.batchSize ?? this.bulkSession.batchRows, 5000));
      if (!this.dryRun) await this.retryPendingEndAccess();
      const r = this.o.mode === 'full' ? await this.full() : await this.changed();
      status = r.status;
      message = r.message;
      extra = r.extra ?? {};
    } catch (err) {
      status = 'failed';
      aborted = err instanceof SyncAborted;
      message = aborted ? `${(err as Error).message}: stopped part-way; the next run converges` : `sync failed: ${errMessage(err)}`;
      if (!(err instanceof SyncAborted)) this.log.error({ event: 'sync.error', run: this.id, error: errMessage(err) }, 'directory sync failed');
    } finally {
      await this.auditsInFlight;
      if (this.o.mode === 'full' && this.bulkSession) await closeStage(this.bulkSession, this.id).catch(() => undefined);
      this.bulkSession?.close();
    }
    const finishedAt = new Date();
    const result: SyncRunResult = {
      id: this.id,
      mode: this.o.mode,
      dryRun: this.dryRun,
      status,
      startedAt: this.startedAt,
      finishedAt,
      message,
      errors: this.errors,
      holder: this.holder,
      enabled: this.enabled,
      ...this.counts,
      ...extra,
    };
    await this.prisma.syncRun.update({
      where: { id: this.id },
      data: {
        status, finishedAt, message,
        seen: result.seen, created: result.created, updated: result.updated, disabled: result.disabled,
        unchanged: result.unchanged, failed: result.failed, conflicts: result.conflicts,
        errors: JSON.stringify(this.errors),
      },
    }).catch((err: unknown) => this.log.error({ event: 'sync.record_failed', run: this.id, error: errMessage(err) }, 'could not record the sync run'));
    await this.audit({
      type: 'sync.run',
      outcome: status,
      detail: {
        run_id: this.id, mode: result.mode, dry_run: result.dryRun, seen: result.seen, created: result.created, updated: result.updated,
        enabled: result.enabled, disabled: result.disabled, unchanged: result.unchanged, failed: result.failed, conflicts: result.conflicts,
        message: result.message,
      },
    });
    this.progress({ phase: 'done', done: result.seen });
    // a run stopped on purpose (shutdown, Ctrl-C) is recorded as failed but is no error
    const level = aborted ? 'warn' : status === 'failed' ? 'error' : status === 'refused' ? 'warn' : 'info';
    this.log[level]({
      event: 'sync.run', run: this.id, mode: result.mode, dryRun: result.dryRun, status,
      seen: result.seen, created: result.created, updated: result.updated, enabled: result.enabled, disabled: result.disabled,
      unchanged: result.unchanged, failed: result.failed, conflicts: result.conflicts, ms: finishedAt.getTime() - this.startedAt.getTime(),
      ...(message ? { detail: message } : {}),
    }, `directory sync (${result.mode}${result.dryRun ? ', dry run' : ''}): ${status}`);
    return result;
  }

  private outcome(): SyncStatus {
    return this.counts.failed > 0 || this.counts.conflicts > 0 || this.applyErrors > 0 ? 'partial' : 'success';
  }

  private summary(): string | null {
    const parts: string[] = [];
    if (this.dryRun) parts.push('dry run: nothing written; the counts say what a run would do');
    if (this.enabled) parts.push(`${this.enabled} re-enabled`);
    if (this.counts.failed) parts.push(`${this.counts.failed} entries unreadable or not applied`);
    if (this.counts.conflicts) parts.push(`${this.counts.conflicts} conflicts (an account not linked to the entry holds its login)`);
    return parts.length ? parts.join('; ') : null;
  }

  // -------------------------------------------------------------------------------------------
  // Full

  private async full(): Promise<PhaseOutcome> {
    await openStage(this.bulk);
    const listStart = Date.now();
    this.goneCutoff = new Date(listStart - (this.o.newAccountGraceMs ?? 60_000));
    let staged = 0;
    let listingError: unknown;
    let batch: DirectoryIdentity[] = [];
    // One INSERT in flight while the next page is read: the directory and the database work at once.
    let inserting: Promise<void> = Promise.resolve();
    let stageError: { err: unknown } | undefined;
    const flush = async () => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      await inserting;
      if (stageError) throw new StageFailed(stageError.err);
      await nextTurn(); // as in applyBatch: a directory that answers faster than the database would starve the timers too
      this.pages += 1;
      inserting = this.stage(b).then(
        (n) => {
          staged += n;
          this.progress({ phase: 'listing', done: this.counts.seen });
        },
        (err: unknown) => {
          stageError = { err };
        },
      );
    };
    try {
      try {
        await this.consume({ pageSize: this.o.pageSize }, async (identity) => {
          batch.push(identity);
          if (batch.length >= this.batchSize) await flush();
        });
        await flush();
      } finally {
        await inserting;
      }
      if (stageError) throw new StageFailed(stageError.err);
    } catch (err) {
      if (err instanceof SyncAborted) throw err;
      if (err instanceof StageFailed) throw err.cause;
      listingError = err;
    }
    // a change made while the listing ran may be missing from it with a time below the mark: the
    // next changed-only run reaches back this long (changes made after the listing are above the mark)
    const listEnd = Date.now();

    if (listingError !== undefined) {
      const why = errMessage(listingError);
      this.error({ kind: 'listing', error: why });
      if (this.counts.seen === 0) return { status: 'failed', message: `${listingFailure(listingError)}: ${why}; nothing applied` };
      return { status: 'refused', message: `the directory listing failed after ${this.counts.seen} entries (${why}); nothing applied` };
    }

    const activeBefore = await this.prisma.account.count({ where: { source: 'directory', status: 'active', externalId: { not: null } } });
    const gone = await this.countGone();
    const off = await this.countOff();
    const wouldDisable = gone + off;
    const refusal = shouldRefuse({
      activeBefore, wouldDisable, maxDisablePercent: this.o.maxDisablePercent, listedCount: staged, complete: true,
      failedCount: this.counts.failed, force: !!this.o.force,
    });
    const extra = { activeBefore, wouldDisable, refusal };
    const refusedMessage = () => `${refusal.reasons.map((r) => r.message).join('; ')}; nothing applied`;
    if (refusal.refuse && (!this.dryRun || refusal.reasons.some((r) => !r.overridable))) {
      return { status: 'refused', message: refusedMessage(), extra };
    }
    if (refusal.reasons.length && !refusal.refuse) {
      this.log.warn({ event: 'sync.forced', run: this.id, wouldDisable, activeBefore, reasons: refusal.reasons.map((r) => r.message) }, 'sync safety threshold overridden');
    }

    // apply the staged entries, batch by batch; the next batch is read while one is applied. Those
    // whose account already said the same when listed are only counted.
    const nothingToApply = await countNothingToApply(this.bulk, this.id);
    this.counts.unchanged += nothingToApply;
    const readStage = (after: string) => readStaged(this.bulk, this.id, after, this.batchSize);
    let next = readStage('');
    let done = nothingToApply;
    this.progress({ phase: 'applying', done, total: staged });
    for (;;) {
      this.check();
      const rows = await next;
      if (!rows.length) break;
      next = readStage(rows[rows.length - 1]!.externalId);
      next.catch(() => undefined); // a failure is thrown by the await above, on the next round
      const identities: DirectoryIdentity[] = [];
      for (const r of rows) {
        try {
          const identity = parseStaged(r.identity);
          if (identity) identities.push(identity);
          else this.counts.unchanged += 1;
        } catch (err) {
          this.counts.failed += 1;
          this.error({ kind: 'apply', externalId: r.externalId, error: `staged entry unreadable: ${errMessage(err)}` });
        }
      }
      await this.applyBatch(identities, false);
      done += rows.length;
      this.progress({ phase: 'applying', done, total: staged });
    }

    // active accounts whose entry is gone
    let goneDone = 0;
    let goneCursor = '';
    for (;;) {
      this.check();
      const ids = (await this.bulk.selectRows([['id', 'text']], Prisma.sql`
        SELECT a."id" FROM "Account" a
        WHERE a."source" = 'directory' AND a."status" = 'active' AND a."externalId" IS NOT NULL AND a."id" > ${goneCursor}
          AND a."createdAt" < ${this.goneCutoff}
          AND NOT EXISTS (SELECT 1 FROM "SyncStage" s WHERE s."runId" = ${this.id} AND s."externalId" = a."externalId")
        ORDER BY a."id" LIMIT ${this.batchSize}`, 'id')).map(([id]) => id as string);
      if (!ids.length) break;
      goneCursor = ids[ids.length - 1]!;
      const accounts = await this.prisma.account.findMany({ where: { id: { in: ids } } });
      await this.disableGone(accounts);
      goneDone += ids.length;
      this.progress({ phase: 'disabling', done: goneDone, total: gone });
    }

    await this.applyDeferred();

    if (!this.dryRun && this.maxModifiedAt) {
      const prev = await readHighWaterMark(this.prisma);
      const mark = prev && prev.modifiedAt > this.maxModifiedAt ? prev.modifiedAt : this.maxModifiedAt;
      await writeHighWaterMark(this.prisma, { modifiedAt: mark, windowSeconds: (listEnd - listStart) / 1000 + 1 });
    }
    const status = refusal.refuse ? 'refused' : this.outcome();
    const message = [refusal.refuse ? refusedMessage() : refusal.reasons.length ? `forced: ${refusal.reasons.map((r) => r.message).join('; ')}` : null, this.summary()]
      .filter(Boolean)
      .join('; ');
    return { status, message: message || null, extra };
  }

  /** Inserts a batch into SyncStage; returns the rows inserted (duplicates of an earlier entry are reported). */
  private async stage(identities: DirectoryIdentity[]): Promise<number> {
    const unique = new Map<string, DirectoryIdentity>();
    for (const i of identities) {
      if (unique.has(i.externalId)) {
        this.counts.failed += 1;
        this.error({ kind: 'duplicate', dn: i.dn, externalId: i.externalId, login: i.login, error: `another entry in the listing has the same id (${unique.get(i.externalId)!.dn})` });
        continue;
      }
      unique.set(i.externalId, i);
    }
    const values = [...unique.values()];
    const unchanged = await this.unchangedNow(values);
    const got = await stageRows(this.bulk, this.id, values.map((i) => [i.externalId, stageJson(i, unchanged.has(i.externalId))] as const));
    if (got.size < values.length) {
      for (const i of values) {
        if (got.has(i.externalId)) continue;
        this.counts.failed += 1;
        this.error({ kind: 'duplicate', dn: i.dn, externalId: i.externalId, login: i.login, error: 'another entry in the listing has the same id' });
      }
    }
    return got.size;
  }

  /**
   * The entries whose account already says the same (reconcile: unchanged): they are staged without
   * their content and the apply phase skips them, without reading them back, comparing or writing.
   * Their ids are staged all the same: the accounts gone from the directory are those not staged.
   * A change made to such an account between the listing and the apply waits for the next run, as
   * one made just after the run would.
   */
  private async unchangedNow(identities: DirectoryIdentity[]): Promise<Set<string>> {
    const { linked, holders } = await this.accountsOf(identities);
    const now = new Date();
    const out = new Set<string>();
    for (const i of identities) {
      const account = linked.get(i.externalId);
      if (!account) continue; // to be created: not unchanged
      const d = reconcile(i, account, holders.get(i.login) ?? null, { mailDomains: this.o.mailDomains, now });
      if (d.action === 'unchanged') out.add(i.externalId);
    }
    return out;
  }

  /** The accounts linked to these entries and those holding their logins, in one query (mostly the same rows). */
  private async accountsOf(identities: DirectoryIdentity[]): Promise<{ linked: Map<string, AccountSnapshot>; holders: Map<string, AccountSnapshot> }> {
    const ids = new Set(identities.map((i) => i.externalId));
    const logins = new Set(identities.map((i) => i.login));
    const rows = await accountsByExternalIdOrLogin(this.bulk, [...ids], [...logins]);
    const linked = new Map<string, AccountSnapshot>();
    const holders = new Map<string, AccountSnapshot>();
    for (const a of rows) {
      if (a.externalId !== null && ids.has(a.externalId)) linked.set(a.externalId, a);
      if (logins.has(a.login)) holders.set(a.login, a);
    }
    return { linked, holders };
  }

  // The stage is read through the bulk session (on SQLite it is that connection's TEMP table).

  private countGone(): Promise<number> {
    return count(this.bulk, Prisma.sql`
      SELECT COUNT(*) AS "n" FROM "Account" a
      WHERE a."source" = 'directory' AND a."status" = 'active' AND a."externalId" IS NOT NULL AND a."createdAt" < ${this.goneCutoff}
        AND NOT EXISTS (SELECT 1 FROM "SyncStage" s WHERE s."runId" = ${this.id} AND s."externalId" = a."externalId")`);
  }

  private countOff(): Promise<number> {
    return count(this.bulk, Prisma.sql`
      SELECT COUNT(*) AS "n" FROM "Account" a
      WHERE a."source" = 'directory' AND a."status" = 'active' AND a."externalId" IS NOT NULL
        AND EXISTS (SELECT 1 FROM "SyncStage" s WHERE s."runId" = ${this.id} AND s."externalId" = a."externalId" AND s."identity" LIKE ${OFF_PREFIX})`);
  }

  // -------------------------------------------------------------------------------------------
  // Changed-only

  private async changed(): Promise<PhaseOutcome> {
    const hwm = await readHighWaterMark(this.prisma);
    const since = hwm ? changedSince(hwm, this.o.overlapSeconds ?? 1) : undefined;
    const listStart = Date.now();
    let batch: DirectoryIdentity[] = [];
    let listingError: unknown;
    const flush = async () => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      this.pages += 1;
      await this.applyBatch(b, false);
      this.progress({ phase: 'applying', done: this.counts.seen });
    };
    try {
      await this.consume({ changedSince: since, pageSize: this.o.pageSize }, async (identity) => {
        batch.push(identity);
        if (batch.length >= this.batchSize) await flush();
      });
      await flush();
    } catch (err) {
      if (err instanceof SyncAborted) throw err;
      listingError = err;
    }
    if (listingError !== undefined) {
      // what was read before the failure is as true as any other change: apply it
      await flush();
      const why = errMessage(listingError);
      this.error({ kind: 'listing', error: why });
      return {
        status: 'failed',
        message: this.counts.seen === 0
          ? `${listingFailure(listingError)}: ${why}`
          : `the directory listing failed after ${this.counts.seen} entries (${why}); the entries before were applied, the next run lists them again`,
      };
    }
    await this.applyDeferred();
    if (!this.dryRun) {
      const mark = hwm && (!this.maxModifiedAt || hwm.modifiedAt > this.maxModifiedAt) ? hwm.modifiedAt : this.maxModifiedAt;
      if (mark) await writeHighWaterMark(this.prisma, { modifiedAt: mark, windowSeconds: (Date.now() - listStart) / 1000 + 1 });
    }
    return { status: this.outcome(), message: [since ? null : 'no high-water mark yet: listed every entry', this.summary()].filter(Boolean).join('; ') || null };
  }

  // -------------------------------------------------------------------------------------------
  // Applying

  private async applyDeferred(): Promise<void> {
    if (!this.deferred.length) return;
    const list = this.deferred.splice(0);
    for (let i = 0; i < list.length; i += this.batchSize) {
      this.check();
      await this.applyBatch(list.slice(i, i + this.batchSize), true);
    }
  }

  /**
   * One batch of identities: their linked accounts and the holders of their logins are read in one
   * query, then each is decided; the changes are written in one statement, the new accounts in
   * another. `final`: conflicts are counted now rather than retried at the end of the run.
   */
  private async applyBatch(input: DirectoryIdentity[], final: boolean): Promise<void> {
    if (!input.length) return;
    // SQLite answers synchronously: without a turn of the event loop per batch, timers (the
    // lease's renewal, a shutdown) would wait for the end of the run, and a long run would lose
    // its lease to expiry.
    await nextTurn();
    const byId = new Map<string, DirectoryIdentity>();
    for (const i of input) byId.set(i.externalId, i); // the last listed wins
    const identities = [...byId.values()];
    const { linked, holders } = await this.accountsOf(identities);
    const creates: PendingCreate[] = [];
    const changes: PendingChange[] = [];
    const audits: Promise<unknown>[] = [];
    const now = new Date();

    for (const identity of identities) {
      const account = linked.get(identity.externalId) ?? null;
      const d = reconcile(identity, account, holders.get(identity.login) ?? null, { mailDomains: this.o.mailDomains, now });
      switch (d.action) {
        case 'conflict': {
          this.conflict(identity, d.accountId, d.why, final);
          break;
        }
        case 'unchanged':
          this.counts.unchanged += 1;
          break;
        case 'create': {
          const id = randomUUID();
          creates.push({ id, identity, data: d.data, reason: d.reason });
          // later entries of this batch see the login taken
          holders.set(identity.login, { id, ...d.data });
          break;
        }
        case 'update':
        case 'enable':
        case 'disable': {
          const before = account!;
          if (this.dryRun) {
            this.count(d.action);
            break;
          }
          changes.push({ identity, before, d });
          // later entries of this batch see the login moved (if the write is refused, a create that
          // takes the old login clashes and is reported, and the run converges at the next one)
          if (before.login !== identity.login && holders.get(before.login)?.id === before.id) holders.delete(before.login);
          holders.set(identity.login, { ...before, login: identity.login });
          break;
        }
      }
    }

    if (changes.length) await this.update(changes, final, audits);
    if (creates.length) await this.create(creates, final, audits);
    await this.auditsWritten(audits);
  }

  /**
   * Writes the changes of a batch: in one statement, or, when that is refused for a login taken
   * (by another account of the batch, or meanwhile), one by one, so that only those are conflicts.
   */
  private async update(changes: PendingChange[], final: boolean, audits: Promise<unknown>[]): Promise<void> {
    const now = new Date();
    // guarded on the status the decision was made on: a concurrent `sso account disable` wins
    const updates = changes.map(({ before, d }): AccountUpdate => ({
      id: before.id,
      data: d.data as AccountUpdate['data'],
      status: before.status,
      ...(d.action === 'enable' ? { disabledAt: before.disabledAt } : {}),
    }));
    let written: Set<string> | null = null;
    try {
      written = await updateAccounts(this.bulk, updates, now);
    } catch (err) {
      if (!violatesUnique(err)) throw err;
    }
    const toEnd: { accountId: string; reason: string; at: Date; attributes: string }[] = [];
    for (let k = 0; k < changes.length; k++) {
      const { identity, before, d } = changes[k]!;
      let ok: boolean;
      if (written) ok = written.has(before.id);
      else {
        try {
          ok = (await updateAccounts(this.bulk, [updates[k]!], now)).size === 1;
        } catch (err) {
          if (!violatesUnique(err)) throw err;
          this.conflict(identity, before.id, `login "${identity.login}" was taken while the sync ran`, final);
          continue;
        }
      }
      if (!ok) {
        this.counts.failed += 1;
        this.applyErrors += 1;
        this.error({ kind: 'apply', externalId: identity.externalId, login: identity.login, accountId: before.id, error: 'the account changed during the sync; the next run applies it' });
        continue;
      }
      this.count(d.action);
      if (d.action !== 'update') {
        const to = d.action === 'disable' ? 'disabled' : 'active';
        audits.push(this.audit({
          type: 'account.status_changed', outcome: to, subject: before.id,
          detail: { login: identity.login, from: before.status, to, source: 'directory', reason: d.action === 'disable' ? d.reason : 'directory: active again' },
        }));
      }
      if (d.action === 'disable') toEnd.push({ accountId: before.id, reason: d.reason, at: d.data.disabledAt, attributes: d.data.attributes });
      if (d.action === 'enable') this.log.info({ event: 'account.enabled', account: before.id, login: identity.login, reason: 'directory: active again' }, 'account re-enabled: the directory re-activated it');
      if (d.action === 'disable') this.log.info({ event: 'account.disabled', account: before.id, login: identity.login, reason: d.reason }, 'account disabled: the directory says so');
      if (d.action === 'update' && d.changed.includes('login')) this.log.info({ event: 'account.renamed', account: before.id, from: before.login, to: identity.login }, 'directory login changed; account kept');
    }
    for (const e of toEnd) await this.end(e.accountId, e.reason, e.at, e.attributes);
  }

  /**
   * A batch's audit events are written while the next batch is read and decided: this waits for
   * the previous batch's, so at most two batches of events are queued.
   */
  private async auditsWritten(audits: Promise<unknown>[]): Promise<void> {
    await this.auditsInFlight;
    this.auditsInFlight = Promise.all(audits);
  }

  private count(action: 'update' | 'enable' | 'disable' | 'create'): void {
    if (action === 'update') this.counts.updated += 1;
    else if (action === 'enable') {
      this.counts.updated += 1;
      this.enabled += 1;
    } else if (action === 'disable') this.counts.disabled += 1;
    else this.counts.created += 1;
  }

  private conflict(identity: DirectoryIdentity, accountId: string, why: string, final: boolean): void {
    if (!final && !this.dryRun && this.deferred.length < MAX_DEFERRED) {
      this.deferred.push(identity);
      return;
    }
    this.counts.conflicts += 1;
    this.error({ kind: 'conflict', dn: identity.dn, externalId: identity.externalId, login: identity.login, accountId, error: why });
    this.log.warn({ event: 'account.conflict', login: identity.login, externalId: identity.externalId, account: accountId, why }, 'directory entry not applied: account conflict');
  }

  private async create(creates: PendingCreate[], final: boolean, audits: Promise<unknown>[]): Promise<void> {
    if (this.dryRun) {
      this.counts.created += creates.length;
      return;
    }
    // One statement; a row that clashes with one written meanwhile (the person's first login
    // creating the account at this moment) is not inserted, and reported below.
    const got = await insertAccounts(this.bulk, creates, new Date());
    this.counts.created += got.size;
    for (const c of creates) {
      if (!got.has(c.id)) {
        this.conflict(c.identity, '', `login "${c.identity.login}" or id ${c.identity.externalId} was taken while the sync ran`, final);
        continue;
      }
      audits.push(this.audit({
        type: 'account.created', outcome: 'success', subject: c.id,
        detail: { login: c.data.login, source: 'directory', display_name: c.data.displayName, email: c.data.email, status: c.data.status, ...(c.data.status === 'disabled' ? { reason: c.reason } : {}) },
      }));
    }
  }

  private async disableGone(accounts: AccountSnapshot[]): Promise<void> {
    await nextTurn(); // as in applyBatch
    const now = new Date();
    const audits: Promise<unknown>[] = [];
    for (const a of accounts) {
      const d = reconcileGone(a, now);
      if (d.action !== 'disable') continue;
      if (this.dryRun) {
        this.counts.disabled += 1;
        continue;
      }
      const { count } = await this.prisma.account.updateMany({ where: { id: a.id, status: 'active' }, data: d.data });
      if (!count) continue;
      this.counts.disabled += 1;
      this.log.info({ event: 'account.disabled', account: a.id, login: a.login, reason: d.reason }, 'account disabled: its directory entry is gone');
      audits.push(this.audit({ type: 'account.status_changed', outcome: 'disabled', subject: a.id, detail: { login: a.login, from: 'active', to: 'disabled', source: 'directory', reason: d.reason } }));
      await this.end(a.id, d.reason, d.data.disabledAt, d.data.attributes);
    }
    await this.auditsWritten(audits);
  }

  /** endAccess, then the marker says it is done; a failure is retried by the next runs. */
  private async end(accountId: string, reason: string, at: Date, attributes: string): Promise<void> {
    try {
      await this.o.endAccess(accountId, reason);
    } catch (err) {
      this.applyErrors += 1;
      this.error({ kind: 'end_access', accountId, error: `ending its sessions failed (retried by the next run): ${errMessage(err)}` });
      this.log.error({ event: 'sync.end_access_failed', account: accountId, error: errMessage(err) }, 'account disabled but ending its access failed; retried by the next sync');
      return;
    }
    const marker = readSyncMarker(attributes);
    if (marker) {
      await this.prisma.account.updateMany({
        where: { id: accountId, status: 'disabled', disabledAt: at },
        data: { attributes: withSyncMarker(attributes, { ...marker, ended: true }) },
      });
    }
  }

  /** Accounts the sync disabled whose endAccess failed (marker ended: false): try again. */
  private async retryPendingEndAccess(): Promise<void> {
    const pending = await this.prisma.account.findMany({
      where: { status: 'disabled', attributes: { contains: PENDING_MARKER_TEXT } },
      take: MAX_PENDING_END,
    });
    for (const a of pending) {
      const m = readSyncMarker(a.attributes);
      if (!m || m.ended || !disabledByDirectory(a)) continue;
      await this.end(a.id, m.reason, a.disabledAt!, a.attributes);
    }
  }
}
