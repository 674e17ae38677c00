/**
 * One run in progress: its options, its session, what it has counted and the errors it keeps,
 * and what every phase shares (the listing stream, stopping, progress, audit, conflicts).
 */
import type { AuditEventInput } from '../audit/log.js';
import type { HeldLease, SyncSession } from '../db/repos/sync.js';
import { DirectoryUnavailableError, type DirectoryIdentity, type ListOptions } from '../directory/types.js';
import type { Logger } from '../util/logger.js';
import type { SeenWindow } from './window.js';
import type { RunSyncOptions, SyncCounts, SyncErrorEntry, SyncProgress, SyncRunResult, SyncStatus } from './types.js';

/** The run stops (aborted, or its lease lost): recorded as failed, converges at the next run. */
export class SyncAborted extends Error {}

/** How a phase (full or changed-only) ended. */
export interface PhaseOutcome {
  status: SyncStatus;
  message: string | null;
  extra?: Partial<SyncRunResult>;
}

/** A listing that failed before its first entry: the directory is down, or refused the search (base DN, rights). */
export const listingFailure = (err: unknown) => (err instanceof DirectoryUnavailableError ? 'directory unreachable' : 'the directory refused the listing');

export const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 500);

/** Conflicts retried once at the end of a run (a login freed later in the same run), at most. */
const MAX_DEFERRED = 1000;

export class RunContext {
  readonly counts: SyncCounts = { seen: 0, created: 0, updated: 0, disabled: 0, unchanged: 0, failed: 0, conflicts: 0 };
  enabled = 0;
  applyErrors = 0;
  pages = 0;
  readonly errors: SyncErrorEntry[] = [];
  /** Entries in conflict, retried at the end of the run. */
  readonly deferred: DirectoryIdentity[] = [];
  /** The audit events of the last batch applied, being written (never rejects). */
  auditsInFlight: Promise<unknown> = Promise.resolve();
  maxModifiedAt: Date | null = null;
  /** Changed-only runs: what earlier runs saw in the overlap (skipped), and what this one lists. */
  window: SeenWindow | undefined;
  /** Changed-only runs: where the listing starts (a password changed since then is a recent change). */
  changedSince: Date | undefined;
  readonly dryRun: boolean;
  batchSize = 1;
  readonly maxErrors: number;
  /** The run's bulk reads and writes (opened by run.ts). */
  private openSession: SyncSession | undefined;

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

  get session(): SyncSession {
    if (!this.openSession) throw new Error('no session: the run opens it first');
    return this.openSession;
  }
  /** Set once the session is open; the batch size follows what the database takes best. */
  set session(s: SyncSession) {
    this.openSession = s;
    this.batchSize = Math.max(1, Math.min(this.o.batchSize ?? s.batchRows, 5000));
  }
  get hasSession(): boolean {
    return this.openSession !== undefined;
  }
  get log(): Logger {
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

  /**
   * A batch's audit events are written while the next batch is read and decided: this waits for
   * the previous batch's, so at most two batches of events are queued.
   */
  async auditsWritten(audits: Promise<unknown>[]): Promise<void> {
    await this.auditsInFlight;
    this.auditsInFlight = Promise.all(audits);
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

  /**
   * Streams the listing: counts every entry, records the unusable ones, hands on the rest. An
   * entry an earlier run saw exactly so (window) is skipped, and not counted.
   */
  async consume(options: ListOptions, onEntry: (identity: DirectoryIdentity) => Promise<void>): Promise<void> {
    for await (const entry of this.o.directory.list(options)) {
      this.check();
      if (this.window && !this.window.note(entry)) continue;
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

  private noteModified(identity: DirectoryIdentity): void {
    const m = identity.modifiedAt;
    if (m && !Number.isNaN(m.getTime()) && (!this.maxModifiedAt || m > this.maxModifiedAt)) this.maxModifiedAt = m;
  }

  /** Counts a change applied (or, in a dry run, that would be). */
  count(action: 'update' | 'enable' | 'disable' | 'create'): void {
    if (action === 'update') this.counts.updated += 1;
    else if (action === 'enable') {
      this.counts.updated += 1;
      this.enabled += 1;
    } else if (action === 'disable') this.counts.disabled += 1;
    else this.counts.created += 1;
  }

  /** An entry in conflict: retried at the end of the run (unless `final` or a dry run), else counted and reported. */
  conflict(identity: DirectoryIdentity, accountId: string, why: string, final: boolean): void {
    if (!final && !this.dryRun && this.deferred.length < MAX_DEFERRED) {
      this.deferred.push(identity);
      return;
    }
    this.counts.conflicts += 1;
    this.error({ kind: 'conflict', dn: identity.dn, externalId: identity.externalId, login: identity.login, accountId, error: why });
    this.log.warn({ event: 'account.conflict', login: identity.login, externalId: identity.externalId, account: accountId, why }, 'directory entry not applied: account conflict');
  }

  /** success, or partial when an entry was unreadable, in conflict or not applied. */
  outcome(): SyncStatus {
    return this.counts.failed > 0 || this.counts.conflicts > 0 || this.applyErrors > 0 ? 'partial' : 'success';
  }

  summary(): string | null {
    const parts: string[] = [];
    if (this.dryRun) parts.push('dry run: nothing written; the counts say what a run would do');
    if (this.enabled) parts.push(`${this.enabled} re-enabled`);
    if (this.counts.failed) parts.push(`${this.counts.failed} entries unreadable or not applied`);
    if (this.counts.conflicts) parts.push(`${this.counts.conflicts} conflicts (an account not linked to the entry holds its login)`);
    return parts.length ? parts.join('; ') : null;
  }
}
