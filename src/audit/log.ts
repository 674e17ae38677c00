/**
 * The audit log on the database (AuditEvent), shared by every instance.
 *
 * Appending: an instance writes its events one batch at a time (a queue, so its own events
 * never race each other): read the last row (seq, hash), chain the batch onto it, INSERT
 * seq + 1 ... in one statement. When another instance appended first, the primary key on seq
 * refuses the insert (a unique violation, atomic on SQLite and PostgreSQL alike): read the new
 * last row and chain again. So the instances build one chain, never a fork.
 *
 * Failing to audit never takes a login down: record() does not throw. The event is retried on
 * collisions; if it still cannot be written (database down, or contention beyond the retries)
 * it is logged at error level with its content ("AUDIT EVENT NOT RECORDED", event
 * audit.write_failed), so it survives in the logs, and the caller carries on. `failures` counts
 * them for monitoring.
 *
 * Pruning (retention): rows older than AUDIT_RETENTION are removed from the start of the chain.
 * First the range is verified (a prune never launders a tampered row), then an `audit.pruned`
 * event is appended naming the last row removed and its hash (the anchor), then, in one
 * transaction, SyncState "audit.anchor" is moved forward (compare-and-set: concurrent prunes
 * never move it back) and the rows up to it are deleted. Verification starts at the anchor and
 * requires a kept `audit.pruned` event that names it, so rows deleted from the start with the
 * anchor rewritten are still detected. The newest row is never removed.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { awaitLease } from '../db/lease.js';
import { openBulk, violatesUnique, type Bulk, type Column } from '../db/bulk.js';
import type { Logger } from '../util/logger.js';
import { ChainVerifier, chainRows, GENESIS_ANCHOR, type ChainAnchor, type ChainProblem, type ChainRow } from './chain.js';
import { normalizeEvent, type AuditEventInput, type AuditEventType, type NormalizedEvent } from './events.js';
import { csvHeader, csvLine, jsonlLine, type ExportFormat } from './export.js';

export const ANCHOR_STATE = 'audit.anchor';
/** The lease one prune at a time holds (db/lease.ts). */
const PRUNE_LEASE = 'audit.prune';
const BATCH = 1000;
/** Events per INSERT (one JSON value: no parameter limit; this bounds a statement's time). */
const WRITE_BATCH = 500;
const EVENT_COLUMNS: Column[] = [
  ['seq', 'integer'], ['at', 'timestamp'], ['type', 'text'], ['outcome', 'text'], ['actor', 'text'], ['subject', 'text'],
  ['clientId', 'text'], ['ip', 'text'], ['detail', 'text'], ['prevHash', 'text'], ['hash', 'text'],
];
const MAX_ATTEMPTS = 60;

export interface AuditLogOptions {
  logger: Logger;
  /** AUDIT_RETENTION in seconds; 0 keeps every event. */
  retentionSeconds: number;
  /** The actor of events recorded without one (the services' changes): e.g. the CLI's operator. */
  actor?: string | null;
  now?: () => Date;
}

export interface VerifyOptions {
  /** First seq to verify (chained to the row before it); default: from the anchor. */
  from?: number | undefined;
  /** Last seq to verify; default: to the newest row. */
  to?: number | undefined;
  /** A head noted earlier: this row must still exist with this hash. */
  checkpoint?: { seq: number; hash: string } | undefined;
}

export type VerifyResult =
  | {
      ok: true;
      count: number;
      first: number | null;
      last: number | null;
      /** The newest row verified: note it outside the database, check it later with `checkpoint`. */
      head: { seq: number; hash: string } | null;
      anchor: ChainAnchor;
      /** The checkpoint asked for was found unchanged, or lies in the pruned part (not checkable). */
      checkpoint?: 'matched' | 'pruned';
    }
  | { ok: false; count: number; problem: ChainProblem; anchor: ChainAnchor };

export interface PruneResult {
  removed: number;
  /** The removed range and the new anchor; absent when nothing was old enough. */
  fromSeq?: number;
  throughSeq?: number;
  anchorHash?: string;
  before?: Date;
}

export class AuditError extends Error {
  constructor(readonly code: 'broken' | 'write_failed', message: string, readonly problem?: ChainProblem) {
    super(message);
  }
}

export interface ListOptions {
  /** An exact type, or a prefix: "login" lists login.success and login.failure. */
  type?: string | undefined;
  since?: Date | undefined;
  limit?: number | undefined;
}

class AnchorMoved extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createAuditLog(prisma: Db, opts: AuditLogOptions) {
  const { logger } = opts;
  const now = opts.now ?? (() => new Date());
  const defaultActor = opts.actor ?? null;
  let failures = 0;
  let collisions = 0;

  // ---- the anchor ---------------------------------------------------------------------------

  async function readAnchorState(): Promise<{ anchor: ChainAnchor }> {
    const row = await prisma.syncState.findUnique({ where: { name: ANCHOR_STATE } });
    if (!row) return { anchor: GENESIS_ANCHOR };
    try {
      const v = JSON.parse(row.value) as { seq?: unknown; hash?: unknown };
      if (typeof v.seq === 'number' && Number.isInteger(v.seq) && v.seq >= 0 && typeof v.hash === 'string') {
        return { anchor: { seq: v.seq, hash: v.hash, pruned: v.seq > 0 } };
      }
    } catch {
      /* unreadable: treated as an anchor nothing corroborates */
    }
    return { anchor: { seq: 0, hash: `unreadable anchor ${row.value.slice(0, 40)}`, pruned: true } };
  }

  // ---- appending ----------------------------------------------------------------------------

  interface Pending {
    event: NormalizedEvent;
    done: (row: ChainRow | null) => void;
  }
  const queue: Pending[] = [];
  let draining: Promise<void> | null = null;

  async function lastLink(): Promise<{ seq: number; hash: string }> {
    const last = await prisma.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
    if (last) return last;
    return (await readAnchorState()).anchor;
  }

  // The writes go through a bulk session (db/bulk.ts), opened when events come and closed after a
  // second without any. On SQLite it is a connection of its own: the sync appends tens of
  // thousands of events, and Prisma's client would keep the last hundred batches alive.
  let writer: Promise<Bulk> | null = null;
  let idle: ReturnType<typeof setTimeout> | null = null;

  function bulkWriter(): Promise<Bulk> {
    if (idle) clearTimeout(idle);
    idle = null;
    writer ??= openBulk(prisma).catch((err: unknown) => {
      writer = null;
      throw err;
    });
    return writer;
  }

  function closeWriterSoon(): void {
    if (!writer || idle) return;
    idle = setTimeout(() => {
      idle = null;
      const w = writer;
      writer = null;
      void w?.then((b) => b.close()).catch(() => undefined);
    }, 1000);
    idle.unref();
  }

  /**
   * One INSERT of the whole batch through one JSON value: one transaction, so all of its rows or
   * none are written (a seq taken by another instance refuses the whole batch).
   */
  async function insertChainRows(rows: ChainRow[]): Promise<void> {
    const bulk = await bulkWriter();
    await bulk.insertRows('AuditEvent', EVENT_COLUMNS, rows.map((r) => [r.seq, r.at instanceof Date ? r.at : new Date(r.at), r.type, r.outcome, r.actor, r.subject, r.clientId, r.ip, r.detail, r.prevHash, r.hash]), 'seq');
  }

  async function append(events: NormalizedEvent[]): Promise<ChainRow[]> {
    for (let attempt = 1; ; attempt++) {
      const rows = chainRows(await lastLink(), events);
      try {
        await insertChainRows(rows);
        return rows;
      } catch (err) {
        if (!violatesUnique(err) || attempt >= MAX_ATTEMPTS) throw err;
        // another instance appended first: chain onto its row
        collisions++;
        await sleep(Math.min(2 ** Math.min(attempt, 6), 50) * Math.random());
      }
    }
  }

  function notRecorded(e: NormalizedEvent, err: unknown): void {
    failures++;
    logger.error(
      { event: 'audit.write_failed', audit: { ...e, at: e.at.toISOString(), detail: e.detail }, error: (err as Error)?.message ?? String(err) },
      'AUDIT EVENT NOT RECORDED: the action went ahead; this log line is its only record',
    );
  }

  function kick(): void {
    if (draining) return;
    draining = (async () => {
      try {
        while (queue.length) {
          const batch = queue.splice(0, WRITE_BATCH);
          try {
            const rows = await append(batch.map((p) => p.event));
            batch.forEach((p, i) => p.done(rows[i]!));
          } catch (err) {
            for (const p of batch) {
              notRecorded(p.event, err);
              p.done(null);
            }
          }
        }
      } finally {
        draining = null;
        closeWriterSoon();
      }
    })();
  }

  /**
   * Appends an event to the chain. Never throws: resolves to the row written, or null when it
   * could not be (logged at error level with the event's content). Safe to call without awaiting.
   */
  function record(input: AuditEventInput): Promise<ChainRow | null> {
    let event: NormalizedEvent;
    try {
      event = normalizeEvent(input, { actor: defaultActor, now });
    } catch (err) {
      failures++;
      logger.error({ event: 'audit.write_failed', audit: { type: input?.type, outcome: input?.outcome }, error: (err as Error).message }, 'AUDIT EVENT NOT RECORDED: invalid event');
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      queue.push({ event, done: resolve });
      kick();
    });
  }

  /** Resolves when every event recorded so far is written (or given up). */
  async function flush(): Promise<void> {
    while (draining) await draining;
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Rows with seq in (after, through], in order, a batch at a time. */
  async function* rowsFrom(after: number, through?: number, where: { at?: { gte?: Date; lt?: Date } } = {}): AsyncGenerator<ChainRow> {
    let cursor = after;
    for (;;) {
      const batch = await prisma.auditEvent.findMany({
        where: { seq: { gt: cursor, ...(through !== undefined ? { lte: through } : {}) }, ...where },
        orderBy: { seq: 'asc' },
        take: BATCH,
      });
      for (const r of batch) yield r;
      if (batch.length < BATCH) return;
      cursor = batch[batch.length - 1]!.seq;
    }
  }

  /** True when a kept audit.pruned event names the anchor (or the anchor is the genesis). */
  async function anchorCorroborated(anchor: ChainAnchor): Promise<boolean> {
    if (!anchor.pruned) return true;
    const markers = await prisma.auditEvent.findMany({ where: { type: 'audit.pruned', seq: { gt: anchor.seq } }, select: { seq: true, detail: true }, orderBy: { seq: 'desc' }, take: 1000 });
    return markers.some((m) => {
      try {
        const d = JSON.parse(m.detail) as { through_seq?: unknown; anchor_hash?: unknown };
        return d.through_seq === anchor.seq && d.anchor_hash === anchor.hash;
      } catch {
        return false;
      }
    });
  }

  /**
   * Verifies the chain (from the anchor, or the range asked) and returns the first problem,
   * naming its seq. With a checkpoint (a head noted earlier: seq and hash), also that this row
   * is still there, unchanged.
   */
  async function verify(o: VerifyOptions = {}): Promise<VerifyResult> {
    const { anchor: stored } = await readAnchorState();
    let anchor = stored;
    const fail = (count: number, problem: ChainProblem): VerifyResult => ({ ok: false, count, problem, anchor });
    if (o.from !== undefined && o.from - 1 > stored.seq) {
      const before = await prisma.auditEvent.findUnique({ where: { seq: o.from - 1 }, select: { seq: true, hash: true } });
      if (!before) return fail(0, { kind: 'deleted', seq: o.from - 1, message: `seq ${o.from - 1} (the row before the range) is missing: rows deleted` });
      anchor = { seq: before.seq, hash: before.hash };
    }
    const v = new ChainVerifier(anchor);
    let checkpoint: 'matched' | 'pruned' | undefined;
    const cp = o.checkpoint;
    for await (const row of rowsFrom(anchor.seq, o.to)) {
      const p = v.push(row);
      if (p) return fail(v.count, p);
      if (cp && row.seq === cp.seq) {
        if (row.hash !== cp.hash) return fail(v.count, { kind: 'edited', seq: row.seq, message: `seq ${row.seq} no longer has the hash noted at the checkpoint: the trail was rewritten from seq ${row.seq} or before` });
        checkpoint = 'matched';
      }
    }
    if (o.to === undefined) {
      const p = v.finish();
      if (p) return fail(v.count, p);
    } else if (!(await anchorCorroborated(anchor))) {
      return fail(v.count, { kind: 'anchor', seq: v.first ?? anchor.seq + 1, message: `the anchor (seq ${anchor.seq}) was not set by a recorded prune (no audit.pruned event names it): rows deleted from the start and the anchor rewritten` });
    }
    if (cp && !checkpoint) {
      if (cp.seq === stored.seq) {
        if (cp.hash !== stored.hash) return fail(v.count, { kind: 'anchor', seq: cp.seq, message: `the anchor (seq ${cp.seq}) does not have the hash noted at the checkpoint: the trail was rewritten` });
        checkpoint = 'matched';
      } else if (cp.seq < stored.seq) checkpoint = 'pruned';
      else if (o.to === undefined || cp.seq <= o.to) {
        return fail(v.count, { kind: 'deleted', seq: cp.seq, message: `seq ${cp.seq}, noted at the checkpoint, is missing: the newest rows were deleted` });
      }
    }
    return { ok: true, count: v.count, first: v.first, last: v.last?.seq ?? null, head: v.last, anchor, ...(checkpoint ? { checkpoint } : {}) };
  }

  /** Writes the events at or after `since` (and before `until`), in seq order, a batch at a time. */
  async function exportTo(o: { since: Date; until?: Date | undefined; format: ExportFormat }, writeLine: (line: string) => void | Promise<void>): Promise<number> {
    if (o.format === 'csv') await writeLine(csvHeader());
    let n = 0;
    const at = { gte: o.since, ...(o.until ? { lt: o.until } : {}) };
    for await (const row of rowsFrom(0, undefined, { at })) {
      await writeLine(o.format === 'csv' ? csvLine(row) : jsonlLine(row));
      n++;
    }
    return n;
  }

  /** Newest first. */
  async function list(o: ListOptions = {}): Promise<ChainRow[]> {
    const type = o.type?.trim();
    return prisma.auditEvent.findMany({
      where: {
        ...(type ? { OR: [{ type }, { type: { startsWith: `${type.replace(/\.$/, '')}.` } }] } : {}),
        ...(o.since ? { at: { gte: o.since } } : {}),
      },
      orderBy: { seq: 'desc' },
      take: Math.max(1, Math.min(o.limit ?? 50, 10_000)),
    });
  }

  // ---- retention ----------------------------------------------------------------------------

  /** Moves the anchor forward (never back) and deletes the rows up to it, in one transaction. */
  async function advanceAnchor(throughSeq: number, hash: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await prisma.$transaction(async (tx) => {
          const row = await tx.syncState.findUnique({ where: { name: ANCHOR_STATE } });
          let current = 0;
          try {
            current = row ? Number((JSON.parse(row.value) as { seq?: unknown }).seq) || 0 : 0;
          } catch {
            current = 0;
          }
          if (throughSeq > current) {
            const value = JSON.stringify({ seq: throughSeq, hash, at: now().toISOString() });
            if (row) {
              const { count } = await tx.syncState.updateMany({ where: { name: ANCHOR_STATE, value: row.value }, data: { value } });
              if (count !== 1) throw new AnchorMoved();
            } else {
              await tx.syncState.create({ data: { name: ANCHOR_STATE, value } });
            }
            current = throughSeq;
          }
          const { count } = await tx.auditEvent.deleteMany({ where: { seq: { lte: current } } });
          return count;
        }, { maxWait: 10_000, timeout: 60_000 });
      } catch (err) {
        // another prune moved the anchor, or created it, or (SQLite) wrote between our read and write
        const retry = err instanceof AnchorMoved || isUniqueViolation(err) || /SQLITE_BUSY|database is locked/i.test(String((err as Error)?.message));
        if (!retry || attempt >= 10) throw err;
        await sleep(10 * attempt);
      }
    }
  }

  /**
   * Removes the events older than the retention from the start of the chain, keeping it
   * verifiable. Refuses (AuditError 'broken') when the rows to remove do not verify, unless
   * `force` (the problem is then written into the audit.pruned event).
   */
  async function prune(at: Date = now(), o: { force?: boolean } = {}): Promise<PruneResult> {
    if (!(opts.retentionSeconds > 0)) return { removed: 0 };
    // one prune at a time across instances: another's deletions would look like tampering here
    const lease = await awaitLease(prisma, PRUNE_LEASE, `audit-prune-${randomUUID()}`, { waitMs: 120_000, busy: 'not pruning: another instance has been pruning the audit trail for two minutes' });
    try {
      return await pruneNow(at, o);
    } finally {
      await lease.release();
    }
  }

  async function pruneNow(at: Date, o: { force?: boolean }): Promise<PruneResult> {
    const before = new Date(at.getTime() - opts.retentionSeconds * 1000);
    const { anchor } = await readAnchorState();
    const first = await prisma.auditEvent.findFirst({ where: { seq: { gt: anchor.seq } }, orderBy: { seq: 'asc' }, select: { seq: true } });
    if (!first) return { removed: await advanceAnchor(anchor.seq, anchor.hash) };
    // never remove a row newer than the cutoff, even if an older one follows it
    const keep = await prisma.auditEvent.findFirst({ where: { seq: { gt: anchor.seq }, at: { gte: before } }, orderBy: { seq: 'asc' }, select: { seq: true } });
    const last = await prisma.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true } });
    const throughSeq = keep ? keep.seq - 1 : last!.seq;
    if (throughSeq < first.seq) return { removed: await advanceAnchor(anchor.seq, anchor.hash) };

    // the rows to remove, and the link to the first row kept, must verify
    const v = new ChainVerifier(anchor);
    let problem: ChainProblem | null = null;
    let anchorHash: string | null = null;
    for await (const row of rowsFrom(anchor.seq, throughSeq + 1)) {
      problem = v.push(row);
      if (problem) break;
      if (row.seq === throughSeq) anchorHash = row.hash;
    }
    if (!problem && !(await anchorCorroborated(anchor))) {
      problem = { kind: 'anchor', seq: first.seq, message: `the anchor (seq ${anchor.seq}) was not set by a recorded prune: rows deleted from the start and the anchor rewritten` };
    }
    if (!problem && anchorHash === null) problem = { kind: 'deleted', seq: throughSeq, message: `seq ${throughSeq} is missing: rows deleted` };
    if (problem && !o.force) throw new AuditError('broken', `not pruning: the audit trail is broken at seq ${problem.seq}: ${problem.message}`, problem);

    const removed = throughSeq - first.seq + 1;
    const hash = anchorHash ?? (await prisma.auditEvent.findUnique({ where: { seq: throughSeq }, select: { hash: true } }))?.hash;
    if (!hash) throw new AuditError('broken', `cannot prune: seq ${throughSeq} is missing`);
    const marker = await record({
      type: 'audit.pruned',
      outcome: 'success',
      detail: {
        from_seq: first.seq,
        through_seq: throughSeq,
        removed,
        before: before.toISOString(),
        anchor_hash: hash,
        retention_seconds: opts.retentionSeconds,
        ...(problem ? { forced_over: `seq ${problem.seq}: ${problem.message}` } : {}),
      },
    });
    if (!marker) throw new AuditError('write_failed', 'not pruning: the audit.pruned event could not be recorded');
    const deleted = await advanceAnchor(throughSeq, hash);
    logger.info({ event: 'audit.pruned', from: first.seq, through: throughSeq, removed: deleted, before: before.toISOString() }, 'old audit events removed');
    return { removed: deleted, fromSeq: first.seq, throughSeq, anchorHash: hash, before };
  }

  return {
    record,
    flush,
    verify,
    export: exportTo,
    list,
    prune,
    /** The anchor verification starts from (genesis until the first prune). */
    anchor: async () => (await readAnchorState()).anchor,
    /** Events that could not be recorded since start (each logged at error level). */
    get failures() {
      return failures;
    },
    /** Inserts refused because another instance appended first (each retried). */
    get collisions() {
      return collisions;
    },
    retentionSeconds: opts.retentionSeconds,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
export type { AuditEventInput, AuditEventType };

/** The audit log where none is configured: records nothing (services used without one). */
export type AuditRecorder = Pick<AuditLog, 'record'>;
