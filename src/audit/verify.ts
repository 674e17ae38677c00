/**
 * Verifying the stored trail (the hash chain's rules are chain.ts's): from the anchor, or a range,
 * optionally against a checkpoint (a head noted earlier, outside the database).
 *
 * Verification starts at the anchor left by pruning and requires a kept `audit.pruned` event that
 * names it, so rows deleted from the start with the anchor rewritten are still detected.
 */
import type { AuditRepository } from '../db/repos/audit.js';
import { ChainVerifier, GENESIS_ANCHOR, type ChainAnchor, type ChainProblem } from './chain.js';

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

/** The anchor verification starts from: the genesis until the first prune. */
export async function storedAnchor(repo: AuditRepository): Promise<ChainAnchor> {
  const stored = await repo.readAnchor();
  if (!stored) return GENESIS_ANCHOR;
  // unreadable: treated as an anchor nothing corroborates
  if ('unreadable' in stored) return { seq: 0, hash: `unreadable anchor ${stored.unreadable.slice(0, 40)}`, pruned: true };
  return { seq: stored.seq, hash: stored.hash, pruned: stored.seq > 0 };
}

/** True when a kept audit.pruned event names the anchor (or the anchor is the genesis). */
export async function anchorCorroborated(repo: AuditRepository, anchor: ChainAnchor): Promise<boolean> {
  if (!anchor.pruned) return true;
  const markers = await repo.prunedMarkersAfter(anchor.seq);
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
export async function verifyTrail(repo: AuditRepository, o: VerifyOptions = {}): Promise<VerifyResult> {
  const stored = await storedAnchor(repo);
  let anchor = stored;
  const fail = (count: number, problem: ChainProblem): VerifyResult => ({ ok: false, count, problem, anchor });
  if (o.from !== undefined && o.from - 1 > stored.seq) {
    const before = await repo.link(o.from - 1);
    if (!before) return fail(0, { kind: 'deleted', seq: o.from - 1, message: `seq ${o.from - 1} (the row before the range) is missing: rows deleted` });
    anchor = { seq: before.seq, hash: before.hash };
  }
  const v = new ChainVerifier(anchor);
  let checkpoint: 'matched' | 'pruned' | undefined;
  const cp = o.checkpoint;
  for await (const row of repo.rows({ after: anchor.seq, through: o.to })) {
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
  } else if (!(await anchorCorroborated(repo, anchor))) {
    return fail(v.count, { kind: 'anchor', seq: v.first ?? anchor.seq + 1, message: `the anchor (seq ${anchor.seq}) was not set by a recorded prune (no audit.pruned event names it): rows deleted from the start and the anchor rewritten` });
  }
  if (cp && !checkpoint) {
    const p = checkpointProblem(cp, stored, o.to);
    if (p === 'matched' || p === 'pruned') checkpoint = p;
    else if (p) return fail(v.count, p);
  }
  return { ok: true, count: v.count, first: v.first, last: v.last?.seq ?? null, head: v.last, anchor, ...(checkpoint ? { checkpoint } : {}) };
}

/** A checkpoint that no verified row was: the anchor itself, pruned, or a problem (null: beyond the range asked). */
function checkpointProblem(cp: { seq: number; hash: string }, stored: ChainAnchor, to: number | undefined): 'matched' | 'pruned' | ChainProblem | null {
  if (cp.seq === stored.seq) {
    if (cp.hash !== stored.hash) return { kind: 'anchor', seq: cp.seq, message: `the anchor (seq ${cp.seq}) does not have the hash noted at the checkpoint: the trail was rewritten` };
    return 'matched';
  }
  if (cp.seq < stored.seq) return 'pruned';
  if (to === undefined || cp.seq <= to) return { kind: 'deleted', seq: cp.seq, message: `seq ${cp.seq}, noted at the checkpoint, is missing: the newest rows were deleted` };
  return null;
}
