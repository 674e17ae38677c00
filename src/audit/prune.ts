/**
 * Retention: rows older than AUDIT_RETENTION are removed from the start of the chain. First the
 * range is verified (a prune never launders a tampered row), then an `audit.pruned` event is
 * appended naming the last row removed and its hash (the anchor), then, in one transaction, the
 * anchor is moved forward (never back: concurrent prunes cannot undo each other) and the rows up
 * to it are deleted. The newest row is never removed. One prune at a time across instances (a
 * lease): another's deletions would look like tampering here.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRepository } from '../db/repos/audit.js';
import type { Logger } from '../util/logger.js';
import { ChainVerifier, type ChainAnchor, type ChainProblem, type ChainRow } from './chain.js';
import type { AuditEventInput } from './events.js';
import { anchorCorroborated, storedAnchor } from './verify.js';

/** The lease one prune at a time holds (db/lease.ts). */
export const PRUNE_LEASE = 'audit.prune';

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

export interface PruneContext {
  repo: AuditRepository;
  logger: Logger;
  /** AUDIT_RETENTION in seconds; 0 keeps every event. */
  retentionSeconds: number;
  now: () => Date;
  /** Appends the audit.pruned event (the log's own record()). */
  record(input: AuditEventInput): Promise<ChainRow | null>;
  /** The last seq forwarded to syslog (AUDIT_SYSLOG): events after it are kept whatever their age. */
  forwardedThrough?: (() => Promise<number>) | undefined;
}

/**
 * Removes the events older than the retention at `at` from the start of the chain, keeping it
 * verifiable. Refuses (AuditError 'broken') when the rows to remove do not verify, unless
 * `force` (the problem is then written into the audit.pruned event).
 */
export async function pruneTrail(c: PruneContext, at: Date, o: { force?: boolean } = {}): Promise<PruneResult> {
  if (!(c.retentionSeconds > 0)) return { removed: 0 };
  const lease = await c.repo.lease(PRUNE_LEASE, `audit-prune-${randomUUID()}`, { waitMs: 120_000, busy: 'not pruning: another instance has been pruning the audit trail for two minutes' });
  try {
    return await pruneNow(c, at, o);
  } finally {
    await lease.release();
  }
}

async function pruneNow(c: PruneContext, at: Date, o: { force?: boolean }): Promise<PruneResult> {
  const { repo } = c;
  const before = new Date(at.getTime() - c.retentionSeconds * 1000);
  const anchor = await storedAnchor(repo);
  const advance = (seq: number, hash: string) => repo.advanceAnchor(seq, hash, c.now());
  const first = await repo.firstSeqAfter(anchor.seq);
  if (first === null) return { removed: await advance(anchor.seq, anchor.hash) };
  // never remove a row newer than the cutoff, even if an older one follows it
  const keep = await repo.firstSeqSince(anchor.seq, before);
  let throughSeq = keep !== null ? keep - 1 : (await repo.lastLink())!.seq;
  const forwarded = c.forwardedThrough ? await c.forwardedThrough() : Infinity;
  if (forwarded < throughSeq) {
    c.logger.info({ event: 'audit.prune_held', through: throughSeq, forwardedThrough: forwarded }, 'audit retention waits for the syslog forwarder: events not yet forwarded are kept');
    throughSeq = forwarded;
  }
  if (throughSeq < first) return { removed: await advance(anchor.seq, anchor.hash) };

  const checked = await checkRange(repo, anchor, first, throughSeq);
  const problem = checked.problem;
  if (problem && !o.force) throw new AuditError('broken', `not pruning: the audit trail is broken at seq ${problem.seq}: ${problem.message}`, problem);

  const removed = throughSeq - first + 1;
  const hash = checked.anchorHash ?? (await repo.link(throughSeq))?.hash;
  if (!hash) throw new AuditError('broken', `cannot prune: seq ${throughSeq} is missing`);
  const marker = await c.record({
    type: 'audit.pruned',
    outcome: 'success',
    detail: {
      from_seq: first,
      through_seq: throughSeq,
      removed,
      before: before.toISOString(),
      anchor_hash: hash,
      retention_seconds: c.retentionSeconds,
      ...(problem ? { forced_over: `seq ${problem.seq}: ${problem.message}` } : {}),
    },
  });
  if (!marker) throw new AuditError('write_failed', 'not pruning: the audit.pruned event could not be recorded');
  const deleted = await advance(throughSeq, hash);
  c.logger.info({ event: 'audit.pruned', from: first, through: throughSeq, removed: deleted, before: before.toISOString() }, 'old audit events removed');
  return { removed: deleted, fromSeq: first, throughSeq, anchorHash: hash, before };
}

/** Verifies the rows to remove and the link to the first row kept: the first problem, and the hash of the last row removed. */
async function checkRange(repo: AuditRepository, anchor: ChainAnchor, first: number, throughSeq: number): Promise<{ problem: ChainProblem | null; anchorHash: string | null }> {
  const v = new ChainVerifier(anchor);
  let problem: ChainProblem | null = null;
  let anchorHash: string | null = null;
  for await (const row of repo.rows({ after: anchor.seq, through: throughSeq + 1 })) {
    problem = v.push(row);
    if (problem) break;
    if (row.seq === throughSeq) anchorHash = row.hash;
  }
  if (!problem && !(await anchorCorroborated(repo, anchor))) {
    problem = { kind: 'anchor', seq: first, message: `the anchor (seq ${anchor.seq}) was not set by a recorded prune: rows deleted from the start and the anchor rewritten` };
  }
  if (!problem && anchorHash === null) problem = { kind: 'deleted', seq: throughSeq, message: `seq ${throughSeq} is missing: rows deleted` };
  return { problem, anchorHash };
}
