/**
 * The audit log on the database (AuditEvent), shared by every instance: the hash chain's rules
 * are chain.ts's, the stored rows db/repos/audit.ts's.
 *
 * Appending: an instance writes its events one batch at a time (a queue, so its own events
 * never race each other): read the last row (seq, hash), chain the batch onto it, INSERT
 * seq + 1 ... in one statement. When another instance appended first, the primary key on seq
 * refuses the insert (AuditSeqTaken): read the new last row and chain again. So the instances
 * build one chain, never a fork.
 *
 * Failing to audit never takes a login down: record() does not throw. The event is retried on
 * collisions; if it still cannot be written (database down, or contention beyond the retries)
 * it is logged at error level with its content ("AUDIT EVENT NOT RECORDED", event
 * audit.write_failed), so it survives in the logs, and the caller carries on. `failures` counts
 * them for monitoring.
 *
 * Verifying is verify.ts's, retention (pruning with an anchor) prune.ts's, listing and exporting
 * query.ts's.
 */
import { AuditSeqTaken, type AuditRepository } from '../db/repos/audit.js';
import type { Logger } from '../util/logger.js';
import { chainRows, type ChainAnchor, type ChainRow } from './chain.js';
import { normalizeEvent, type AuditEventInput, type AuditEventType, type NormalizedEvent } from './events.js';
import type { ExportFormat } from './export.js';
import { pruneTrail, type PruneResult } from './prune.js';
import { exportTrail, listTrail, type ListOptions } from './query.js';
import { storedAnchor, verifyTrail, type VerifyOptions, type VerifyResult } from './verify.js';

export { AUDIT_ANCHOR_STATE as ANCHOR_STATE } from '../db/repos/audit.js';
export { AuditError, type PruneResult } from './prune.js';
export type { ListOptions } from './query.js';
export type { VerifyOptions, VerifyResult } from './verify.js';
export type { AuditEventInput, AuditEventType };

/** Events per INSERT (one JSON value: no parameter limit; this bounds a statement's time). */
const WRITE_BATCH = 500;
/** Appends of one batch before giving up when other instances keep taking its seqs. */
const MAX_ATTEMPTS = 60;

export interface AuditLogOptions {
  logger: Logger;
  /** AUDIT_RETENTION in seconds; 0 keeps every event. */
  retentionSeconds: number;
  /** The actor of events recorded without one (the services' changes): e.g. the CLI's operator. */
  actor?: string | null;
  now?: () => Date;
  /** The last seq forwarded to syslog, when forwarding is on: retention keeps every event after it. */
  forwardedThrough?: (() => Promise<number>) | undefined;
}

export interface AuditLog {
  /**
   * Appends an event to the chain. Never throws: resolves to the row written, or null when it
   * could not be (logged at error level with the event's content). Safe to call without awaiting.
   */
  record(input: AuditEventInput): Promise<ChainRow | null>;
  /** Resolves when every event recorded so far is written (or given up). */
  flush(): Promise<void>;
  /** See verifyTrail(). */
  verify(o?: VerifyOptions): Promise<VerifyResult>;
  /** Writes the events at or after `since` (and before `until`), in seq order, a batch at a time. */
  export(o: { since: Date; until?: Date | undefined; format: ExportFormat }, writeLine: (line: string) => void | Promise<void>): Promise<number>;
  /** Newest first. */
  list(o?: ListOptions): Promise<ChainRow[]>;
  /** Removes the events older than the retention (see pruneTrail()). */
  prune(at?: Date, o?: { force?: boolean }): Promise<PruneResult>;
  /** The anchor verification starts from (genesis until the first prune). */
  anchor(): Promise<ChainAnchor>;
  /** Events that could not be recorded since start (each logged at error level). */
  readonly failures: number;
  /** Inserts refused because another instance appended first (each retried). */
  readonly collisions: number;
  readonly retentionSeconds: number;
}

/** The audit log where none is configured: records nothing (services used without one). */
export type AuditRecorder = Pick<AuditLog, 'record'>;

export function createAuditLog(repo: AuditRepository, opts: AuditLogOptions): AuditLog {
  const now = opts.now ?? (() => new Date());
  const defaultActor = opts.actor ?? null;
  const writer = new AppendQueue(repo, opts.logger);

  function record(input: AuditEventInput): Promise<ChainRow | null> {
    let event: NormalizedEvent;
    try {
      event = normalizeEvent(input, { actor: defaultActor, now });
    } catch (err) {
      writer.refuse(input, err);
      return Promise.resolve(null);
    }
    return writer.push(event);
  }

  const pruning = { repo, logger: opts.logger, retentionSeconds: opts.retentionSeconds, now, record, forwardedThrough: opts.forwardedThrough };
  return {
    record,
    flush: () => writer.flush(),
    verify: (o = {}) => verifyTrail(repo, o),
    export: (o, writeLine) => exportTrail(repo, o, writeLine),
    list: (o = {}) => listTrail(repo, o),
    prune: (at = now(), o = {}) => pruneTrail(pruning, at, o),
    anchor: () => storedAnchor(repo),
    get failures() {
      return writer.failures;
    },
    get collisions() {
      return writer.collisions;
    },
    retentionSeconds: opts.retentionSeconds,
  };
}

interface Pending {
  event: NormalizedEvent;
  done: (row: ChainRow | null) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One instance's appends, a batch at a time, in the order recorded. */
class AppendQueue {
  failures = 0;
  collisions = 0;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly repo: AuditRepository, private readonly logger: Logger) {}

  push(event: NormalizedEvent): Promise<ChainRow | null> {
    return new Promise((resolve) => {
      this.queue.push({ event, done: resolve });
      this.kick();
    });
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** An event that could not even be made a row (invalid): counted and logged, never written. */
  refuse(input: AuditEventInput, err: unknown): void {
    this.failures++;
    this.logger.error({ event: 'audit.write_failed', audit: { type: input?.type, outcome: input?.outcome }, error: (err as Error).message }, 'AUDIT EVENT NOT RECORDED: invalid event');
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = (async () => {
      try {
        while (this.queue.length) await this.writeBatch(this.queue.splice(0, WRITE_BATCH));
      } finally {
        this.draining = null;
        this.repo.closeWriterSoon();
      }
    })();
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      const rows = await this.append(batch.map((p) => p.event));
      batch.forEach((p, i) => p.done(rows[i]!));
    } catch (err) {
      for (const p of batch) {
        this.notRecorded(p.event, err);
        p.done(null);
      }
    }
  }

  /** Chains the events onto the last row (or the anchor) and appends them; again on a collision. */
  private async append(events: NormalizedEvent[]): Promise<ChainRow[]> {
    for (let attempt = 1; ; attempt++) {
      const rows = chainRows((await this.repo.lastLink()) ?? (await storedAnchor(this.repo)), events);
      try {
        await this.repo.append(rows);
        return rows;
      } catch (err) {
        if (!(err instanceof AuditSeqTaken) || attempt >= MAX_ATTEMPTS) throw err;
        // another instance appended first: chain onto its row
        this.collisions++;
        await sleep(Math.min(2 ** Math.min(attempt, 6), 50) * Math.random());
      }
    }
  }

  private notRecorded(e: NormalizedEvent, err: unknown): void {
    this.failures++;
    this.logger.error(
      { event: 'audit.write_failed', audit: { ...e, at: e.at.toISOString(), detail: e.detail }, error: (err as Error)?.message ?? String(err) },
      'AUDIT EVENT NOT RECORDED: the action went ahead; this log line is its only record',
    );
  }
}
