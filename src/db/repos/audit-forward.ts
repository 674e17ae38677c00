/**
 * What the audit trail's syslog forwarder keeps (src/audit/syslog/): its cursor, the seq of the
 * last event the receiver confirmed, in SyncState "audit.syslog.cursor"; and its lease (Lease
 * "audit.syslog", src/db/lease.ts): one forwarder at a time across every instance.
 *
 * The cursor only moves forward (a compare-and-set on the stored text): a forwarder that lost its
 * lease and finishes a batch late can only say that events were delivered, never undo another's
 * progress.
 *
 * Reading by seq misses nothing: the audit log appends a batch in one statement and chains each
 * batch onto the last committed row (a seq taken by another writer refuses the insert), so rows
 * become visible in seq order, without gaps; only pruning removes rows, from the start.
 */
import type { Db } from '../client.js';
import { isUniqueViolation } from '../errors.js';
import { currentLease, holdLease, type HeldLease, type HoldOptions, type LeaseInfo } from '../lease.js';
import type { AuditEventRecord } from './audit.js';

export type { HeldLease, HoldOptions, LeaseInfo };

/** The SyncState row of the cursor. */
export const AUDIT_FORWARD_CURSOR = 'audit.syslog.cursor';
/** The lease the forwarding instance holds. */
export const AUDIT_FORWARD_LEASE = 'audit.syslog';

export interface AuditForwardRepository {
  /** The seq of the last event delivered; 0 before the first. */
  cursor(): Promise<number>;
  /** Moves the cursor to `seq` unless it is there or beyond already; the cursor afterwards. */
  advance(seq: number): Promise<number>;
  /** Up to `limit` events after `seq`, in seq order. */
  after(seq: number, limit: number): Promise<AuditEventRecord[]>;
  /** The newest event's seq; 0 when there is none. */
  lastSeq(): Promise<number>;
  /** Takes the forwarding lease and keeps renewing it; null when another instance holds it. */
  holdLease(holder: string, opts?: HoldOptions): Promise<HeldLease | null>;
  /** Who holds the forwarding lease, when held and not expired. */
  currentLease(): Promise<LeaseInfo | null>;
}

/** The stored cursor's seq; 0 for a missing or unreadable value. */
function seqOf(value: string | undefined): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export function createAuditForwardRepository(prisma: Db): AuditForwardRepository {
  const state = prisma.syncState;
  return {
    async cursor() {
      return seqOf((await state.findUnique({ where: { name: AUDIT_FORWARD_CURSOR } }))?.value);
    },
    async advance(seq) {
      if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`not a seq: ${seq}`);
      for (let attempt = 1; ; attempt++) {
        const row = await state.findUnique({ where: { name: AUDIT_FORWARD_CURSOR } });
        const current = seqOf(row?.value);
        if (seq <= current) return current;
        try {
          if (!row) {
            await state.create({ data: { name: AUDIT_FORWARD_CURSOR, value: String(seq) } });
            return seq;
          }
          const { count } = await state.updateMany({ where: { name: AUDIT_FORWARD_CURSOR, value: row.value }, data: { value: String(seq) } });
          if (count === 1) return seq;
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
        // another writer moved it between the read and the write: read again
        if (attempt >= 20) throw new Error('audit syslog cursor: too many concurrent updates');
      }
    },
    after: (seq, limit) => prisma.auditEvent.findMany({ where: { seq: { gt: seq } }, orderBy: { seq: 'asc' }, take: limit }),
    async lastSeq() {
      return (await prisma.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true } }))?.seq ?? 0;
    },
    holdLease: (holder, opts) => holdLease(prisma, AUDIT_FORWARD_LEASE, holder, opts),
    currentLease: () => currentLease(prisma, AUDIT_FORWARD_LEASE),
  };
}
