/**
 * The directory sync's vocabulary: modes, statuses, counts, results, options and progress.
 * What a run does is described in run.ts.
 */
import type { AuditRecorder } from '../audit/log.js';
import type { SyncRepository } from '../db/repos/sync.js';
import type { DirectoryConnector } from '../directory/types.js';
import type { RefuseDecision } from '../domain/reconcile.js';
import type { Logger } from '../util/logger.js';

export type { SyncRepository, SyncRunRow } from '../db/repos/sync.js';

export type SyncMode = 'full' | 'changed';
export type SyncStatus = 'success' | 'partial' | 'refused' | 'failed';

export interface SyncProgress {
  mode: SyncMode;
  phase: 'listing' | 'applying' | 'disabling' | 'done';
  /** Entries read from the directory so far (a changed-only run leaves out those an earlier run saw exactly so). */
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
  /** The SyncRun id; null when not recorded (another sync was running, or a changed-only run found nothing to do). */
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
  /** Where the sync keeps its runs, its mark, its staged listing, and the accounts (src/db/repos/sync.ts). */
  repo: SyncRepository;
  directory: DirectoryConnector;
  mailDomains: string[];
  mode: SyncMode;
  dryRun?: boolean;
  force?: boolean;
  maxDisablePercent: number;
  pageSize: number;
  /** Ends every session and token of an account, and notifies its applications. */
  endAccess(accountId: string, reason: string): Promise<unknown>;
  /**
   * A password changed in the directory ends the person's sessions and tokens, as endAccess does
   * (SYNC_PASSWORD_CHANGE_LOGOUT). Default true. Off: the sync still follows the value, so
   * turning it on later ends nothing for changes made meanwhile.
   */
  endSessionsOnPasswordChange?: boolean | undefined;
  logger: Logger;
  /** Who runs it (recorded, and the lease holder's prefix). Default host:pid. */
  holder?: string;
  /**
   * The audit trail: each run worth recording (sync.run), each account created (account.created) and each
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
