/**
 * The audit trail's hash chain. Pure: no I/O.
 *
 * Each row's content is serialized canonically (fixed field order, ISO time in UTC with
 * milliseconds, the detail as JSON text with sorted keys) and
 *
 *   hash = hex(sha256(prevHash + "\n" + canonical(row)))
 *
 * where prevHash is the previous row's hash; the first row ever chains to GENESIS_HASH (64
 * zeros), and after pruning the first remaining row chains to the anchor: the hash of the last
 * row removed, kept in SyncState "audit.anchor" and in the `audit.pruned` event that the prune
 * appended first. The seq is part of the content, so renumbering rows is an edit.
 *
 * What verification catches, and says where:
 *   - edited:   a row whose hash does not match its content (changed without recomputing);
 *   - deleted:  a gap in seq (rows removed from the middle), or a first row that does not
 *               follow the anchor (rows removed from the start);
 *   - inserted: a row whose successor is chained to the row before it (a forged row slipped
 *               in, with the rows after it renumbered);
 *   - mislinked: a row whose prevHash is not its predecessor's hash (a row replaced with its
 *               hash recomputed, or rows reordered);
 *   - anchor:   the anchor is not the one a recorded prune set (rows removed from the start and
 *               the anchor rewritten to hide it).
 * A plain hash chain cannot, by itself, reveal a rewrite of every row from some point to the
 * end by someone with write access to the database, nor the removal of the newest rows: compare
 * with a head (seq and hash) noted earlier, outside the database (`sso audit verify
 * --checkpoint SEQ:HASH`).
 */
import { createHash } from 'node:crypto';

/** The prevHash of the very first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** Bumped if the serialization ever changes; part of every hash. */
export const CHAIN_VERSION = 'sso-audit-v1';

/** A row as stored (AuditEvent). */
export interface ChainRow {
  seq: number;
  at: Date | string;
  type: string;
  outcome: string;
  actor: string | null;
  subject: string | null;
  clientId: string | null;
  ip: string | null;
  /** Canonical JSON text (sorted keys). Hashed exactly as stored. */
  detail: string;
  prevHash: string;
  hash: string;
}

export type ChainContent = Omit<ChainRow, 'prevHash' | 'hash'>;

/** Where the verified rows start: after `seq`, chained to `hash`. */
export interface ChainAnchor {
  seq: number;
  hash: string;
  /**
   * The anchor was set by a prune: a kept `audit.pruned` event must name it
   * (detail.through_seq = seq, detail.anchor_hash = hash). False for the genesis and for the
   * row before a partial range.
   */
  pruned?: boolean;
}

export const GENESIS_ANCHOR: ChainAnchor = { seq: 0, hash: GENESIS_HASH };

/** How far a renumbered row's recorded seq is looked for when its hash does not match. */
const RENUMBER_SEARCH = 16;

export type ProblemKind = 'edited' | 'deleted' | 'inserted' | 'mislinked' | 'anchor';

export interface ChainProblem {
  kind: ProblemKind;
  /** The row concerned (for `deleted`, the first missing seq). */
  seq: number;
  message: string;
}

/** JSON with object keys sorted (recursively), no whitespace. Undefined members are dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function isoTime(at: Date | string): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time: ${String(at)}`);
  return d.toISOString();
}

/** The canonical serialization of a row's content. */
export function canonicalRow(r: ChainContent): string {
  return JSON.stringify([
    CHAIN_VERSION,
    r.seq,
    isoTime(r.at),
    r.type,
    r.outcome,
    r.actor ?? null,
    r.subject ?? null,
    r.clientId ?? null,
    r.ip ?? null,
    r.detail,
  ]);
}

export function rowHash(prevHash: string, content: ChainContent): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalRow(content)}`, 'utf8').digest('hex');
}

/** Chains contents onto `after` (the last row, or the anchor): seq and hashes assigned. */
export function chainRows(after: { seq: number; hash: string }, contents: Omit<ChainContent, 'seq'>[]): ChainRow[] {
  let prev = after;
  return contents.map((c) => {
    const content = { ...c, seq: prev.seq + 1 };
    const row: ChainRow = { ...content, prevHash: prev.hash, hash: rowHash(prev.hash, content) };
    prev = row;
    return row;
  });
}

/**
 * Verifies rows one at a time, in seq order, from an anchor: the state needed to verify a table
 * of any size in batches. push() returns the first problem (and keeps returning it).
 */
export class ChainVerifier {
  private prev: { seq: number; hash: string };
  private prevPrevHash: string | null = null;
  private problem: ChainProblem | null = null;
  private corroborated: boolean;
  count = 0;
  first: number | null = null;
  last: { seq: number; hash: string } | null = null;

  constructor(readonly anchor: ChainAnchor = GENESIS_ANCHOR) {
    this.prev = { seq: anchor.seq, hash: anchor.hash };
    this.corroborated = !anchor.pruned;
  }

  push(row: ChainRow): ChainProblem | null {
    if (this.problem) return this.problem;
    const expected = this.prev.seq + 1;
    if (row.seq !== expected) {
      if (row.seq < expected) {
        return (this.problem = { kind: 'inserted', seq: row.seq, message: `seq ${row.seq} is out of order (after seq ${this.prev.seq})` });
      }
      const range = row.seq - 1 === expected ? `seq ${expected} is` : `seq ${expected} to ${row.seq - 1} are`;
      const where = this.count === 0 ? (this.anchor.seq === 0 && !this.anchor.pruned ? 'at the start of the trail' : `after the anchor (seq ${this.anchor.seq})`) : `after seq ${this.prev.seq}`;
      return (this.problem = { kind: 'deleted', seq: expected, message: `${range} missing ${where}: rows deleted` });
    }
    let actual: string;
    try {
      actual = rowHash(row.prevHash, row);
    } catch (err) {
      return (this.problem = { kind: 'edited', seq: row.seq, message: `seq ${row.seq} cannot be read (${(err as Error).message}): edited` });
    }
    if (actual !== row.hash) {
      // Renumbered rather than edited? (an insertion or a deletion with the seqs shifted to hide it)
      for (let k = 1; k <= RENUMBER_SEARCH; k++) {
        for (const was of [row.seq - k, row.seq + k]) {
          if (was < 1 || rowHash(row.prevHash, { ...row, seq: was }) !== row.hash) continue;
          return (this.problem = was < row.seq
            ? { kind: 'inserted', seq: was, message: `seq ${row.seq} was recorded as seq ${was}: the rows from seq ${was} were renumbered to make room for ${k === 1 ? 'a row' : `${k} rows`} inserted at seq ${was}` }
            : { kind: 'deleted', seq: row.seq, message: `seq ${row.seq} was recorded as seq ${was}: the rows were renumbered to hide ${k === 1 ? 'a deleted row' : `${k} deleted rows`} at seq ${row.seq}` });
        }
      }
      return (this.problem = { kind: 'edited', seq: row.seq, message: `seq ${row.seq}: its hash does not match its content: edited` });
    }
    if (row.prevHash !== this.prev.hash) {
      if (this.count === 0) {
        return (this.problem = this.anchor.pruned || this.anchor.seq === 0
          ? { kind: 'anchor', seq: row.seq, message: `seq ${row.seq} is not chained to the ${this.anchor.seq === 0 ? 'start of the trail' : `anchor left by the last prune (seq ${this.anchor.seq})`}: rows deleted or replaced before it, or the anchor altered` }
          : { kind: 'mislinked', seq: row.seq, message: `seq ${row.seq} is not chained to seq ${this.anchor.seq}: one of them was replaced` });
      }
      if (this.prevPrevHash !== null && row.prevHash === this.prevPrevHash) {
        return (this.problem = { kind: 'inserted', seq: this.prev.seq, message: `seq ${this.prev.seq} does not belong to the trail: seq ${row.seq} is chained to the row before it (a row was inserted)` });
      }
      return (this.problem = { kind: 'mislinked', seq: row.seq, message: `seq ${row.seq} is not chained to seq ${this.prev.seq}: seq ${this.prev.seq} was replaced (hash recomputed), or rows were inserted or reordered` });
    }
    if (!this.corroborated && row.type === 'audit.pruned') {
      const d = parseDetail(row.detail);
      if (d && d.through_seq === this.anchor.seq && d.anchor_hash === this.anchor.hash) this.corroborated = true;
    }
    this.prevPrevHash = this.prev.hash;
    this.prev = { seq: row.seq, hash: row.hash };
    this.last = this.prev;
    if (this.first === null) this.first = row.seq;
    this.count++;
    return null;
  }

  /** After the last row: the problems only the whole trail shows. */
  finish(): ChainProblem | null {
    if (this.problem) return this.problem;
    if (this.anchor.pruned && this.count === 0) {
      return (this.problem = { kind: 'deleted', seq: this.anchor.seq + 1, message: `every row after the anchor (seq ${this.anchor.seq}) is missing: rows deleted` });
    }
    if (!this.corroborated) {
      return (this.problem = {
        kind: 'anchor',
        seq: this.first ?? this.anchor.seq + 1,
        message: `the anchor (seq ${this.anchor.seq}) was not set by a recorded prune (no audit.pruned event names it): rows deleted from the start and the anchor rewritten`,
      });
    }
    return null;
  }
}

function parseDetail(s: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The first problem in rows (sorted by seq) verified from an anchor, or null. */
export function verifyChain(rows: Iterable<ChainRow>, anchor: ChainAnchor = GENESIS_ANCHOR): ChainProblem | null {
  const v = new ChainVerifier(anchor);
  for (const r of rows) {
    const p = v.push(r);
    if (p) return p;
  }
  return v.finish();
}
