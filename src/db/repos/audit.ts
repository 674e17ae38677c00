/**
 * The audit trail as stored, behind an interface with its one Prisma implementation (the same on
 * SQLite and PostgreSQL): the AuditEvent table (one row per event, seq its primary key), the
 * anchor left by pruning (SyncState "audit.anchor"), and the prune lease. The chain's rules
 * (hashing, verifying, what to prune) are audit/'s; this file reads and writes rows.
 *
 * Appending: one INSERT of the whole batch through one JSON value (db/bulk.ts): one transaction,
 * so all of its rows or none are written. When another instance appended first, the primary key
 * on seq refuses the whole batch (atomic on SQLite and PostgreSQL alike): AuditSeqTaken, and the
 * caller chains again onto the new last row. The writes go through a bulk session, opened by the
 * first append and closed a second after closeWriterSoon() unless another append comes first. On
 * SQLite it is a connection of its own: the sync appends tens of thousands of events, and
 * Prisma's client would keep the last hundred batches alive.
 *
 * The anchor is stored as JSON { seq, hash, at }. advanceAnchor() moves it forward (never back:
 * a compare-and-set on the stored text, so concurrent prunes cannot undo each other) and deletes
 * the rows up to it, in one transaction.
 */
import type { Db } from '../client.js';
import type { Prisma } from '../generated/sqlite/client.js';
import { isUniqueViolation } from '../errors.js';
import { awaitLease, type AwaitOptions, type HeldLease } from '../lease.js';
import { openBulk, violatesUnique, type Bulk, type Column } from '../bulk.js';
import { ROUTINE_TYPE_PREFIXES, SYNC_CHANGE_COUNTS } from '../../domain/routine-events.js';

/** The SyncState row holding the anchor. */
export const AUDIT_ANCHOR_STATE = 'audit.anchor';
/** Rows per read of rows() and matching(). */
const READ_BATCH = 1000;
/** How long the bulk session stays open after closeWriterSoon(). */
const WRITER_IDLE_MS = 1000;
const EVENT_COLUMNS: Column[] = [
  ['seq', 'integer'], ['at', 'timestamp'], ['type', 'text'], ['outcome', 'text'], ['actor', 'text'], ['subject', 'text'],
  ['clientId', 'text'], ['ip', 'text'], ['detail', 'text'], ['prevHash', 'text'], ['hash', 'text'],
];

/** An AuditEvent row. */
export interface AuditEventRecord {
  seq: number;
  at: Date;
  type: string;
  outcome: string;
  actor: string | null;
  subject: string | null;
  clientId: string | null;
  ip: string | null;
  /** Canonical JSON text, stored exactly as hashed. */
  detail: string;
  prevHash: string;
  hash: string;
}

/** A row to append (its time as a Date or ISO text). */
export type AuditEventWrite = Omit<AuditEventRecord, 'at'> & { at: Date | string };

/** A row's place in the chain. */
export interface AuditLink {
  seq: number;
  hash: string;
}

/** The anchor as stored: a link, or text that does not read as one. */
export type StoredAnchor = AuditLink | { unreadable: string };

/** Rows with seq in (after, through], and `at` in [since, until) when given. */
export interface RowRange {
  after: number;
  through?: number | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

/** The console's filters; all given ones must match. */
export interface AuditFilter {
  /** An account id, matched as subject; the caller turns a login into its id. */
  subject?: string | undefined;
  /** Also matched as the actor (the login typed at the login page, or console:<login>). */
  actor?: string | undefined;
  /** Exactly one of these actors (with subject and actor: any of them). */
  actors?: readonly string[] | undefined;
  /** Routine noise left out (domain/routine-events.ts): idle sync runs, token traffic. */
  quiet?: boolean | undefined;
  clientId?: string | undefined;
  type?: string | undefined;
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
}

export interface PageOptions {
  /** The page of rows older than this seq. */
  before?: number | undefined;
  /** The page of rows newer than this seq (wins over before). */
  after?: number | undefined;
  size: number;
}

/** Newest first; newer/older: the seq to page from when there are rows beyond this page, else null. */
export interface AuditPage {
  rows: AuditEventRecord[];
  newer: number | null;
  older: number | null;
}

export interface AuditListOptions {
  /** An exact type, or a family: "login" (or "login.") matches login.success and login.failure. */
  type?: string | undefined;
  since?: Date | undefined;
  limit: number;
}

/** An append refused because another writer took one of its seqs; none of its rows was written. */
export class AuditSeqTaken extends Error {
  constructor(override readonly cause: unknown) {
    // the database's own words, as an operator would see them in the log
    super((cause as Error)?.message ?? String(cause));
  }
}

export interface AuditRepository {
  /** The newest row's link; null when the table is empty. */
  lastLink(): Promise<AuditLink | null>;
  /** The link of the row at seq; null when there is none. */
  link(seq: number): Promise<AuditLink | null>;
  /** Inserts the rows in one statement, all or none. Throws AuditSeqTaken when a seq is taken. */
  append(rows: readonly AuditEventWrite[]): Promise<void>;
  /** Appending is over for now: the bulk session closes after a second without append(). */
  closeWriterSoon(): void;
  /** The rows of the range in seq order, read a batch at a time. */
  rows(range: RowRange): AsyncGenerator<AuditEventRecord>;
  /** The anchor as stored; null before the first prune. */
  readAnchor(): Promise<StoredAnchor | null>;
  /**
   * Moves the anchor to (throughSeq, hash), unless it is already there or beyond, and deletes
   * every row up to the anchor, in one transaction; retried when another prune moved it meanwhile.
   * Returns the rows deleted.
   */
  advanceAnchor(throughSeq: number, hash: string, at: Date): Promise<number>;
  /** The `audit.pruned` rows after seq, newest first (at most a thousand): their seq and detail. */
  prunedMarkersAfter(seq: number): Promise<{ seq: number; detail: string }[]>;
  /** The first seq after `seq`; null when none. */
  firstSeqAfter(seq: number): Promise<number | null>;
  /** The first seq after `seq` whose time is `at` or later (the first row a prune keeps); null when none. */
  firstSeqSince(seq: number, at: Date): Promise<number | null>;
  /** Newest first. */
  list(o: AuditListOptions): Promise<AuditEventRecord[]>;
  /** One page of the rows matching the filter, newest first, by seq (keyset). */
  page(f: AuditFilter, o: PageOptions): Promise<AuditPage>;
  /** The rows matching the filter in seq order, read a batch at a time. */
  matching(f: AuditFilter): AsyncGenerator<AuditEventRecord>;
  /** Waits for and takes the named lease (one prune at a time across instances). */
  lease(name: string, holder: string, opts: AwaitOptions): Promise<HeldLease>;
}

export interface AuditRepositoryOptions {
  /** Rows per read of rows() and matching() (default 1000). */
  readBatch?: number;
}

export function createAuditRepository(prisma: Db, opts: AuditRepositoryOptions = {}): AuditRepository {
  const batch = opts.readBatch ?? READ_BATCH;
  const events = prisma.auditEvent;
  const linkOnly = { seq: true, hash: true } as const;
  const writer = bulkWriter(prisma);
  return {
    lastLink: () => events.findFirst({ orderBy: { seq: 'desc' }, select: linkOnly }),
    link: (seq) => events.findUnique({ where: { seq }, select: linkOnly }),
    async append(rows) {
      const bulk = await writer.open();
      const values = rows.map((r) => [r.seq, r.at instanceof Date ? r.at : new Date(r.at), r.type, r.outcome, r.actor, r.subject, r.clientId, r.ip, r.detail, r.prevHash, r.hash]);
      try {
        await bulk.insertRows('AuditEvent', EVENT_COLUMNS, values, 'seq');
      } catch (err) {
        throw violatesUnique(err) ? new AuditSeqTaken(err) : err;
      }
    },
    closeWriterSoon: () => writer.closeSoon(),
    rows: (range) => batches(prisma, range.after, rangeWhere(range), batch),
    readAnchor: () => readAnchor(prisma),
    advanceAnchor: (throughSeq, hash, at) => advanceAnchor(prisma, throughSeq, hash, at),
    prunedMarkersAfter: (seq) => events.findMany({ where: { type: 'audit.pruned', seq: { gt: seq } }, select: { seq: true, detail: true }, orderBy: { seq: 'desc' }, take: 1000 }),
    async firstSeqAfter(seq) {
      return (await events.findFirst({ where: { seq: { gt: seq } }, orderBy: { seq: 'asc' }, select: { seq: true } }))?.seq ?? null;
    },
    async firstSeqSince(seq, at) {
      return (await events.findFirst({ where: { seq: { gt: seq }, at: { gte: at } }, orderBy: { seq: 'asc' }, select: { seq: true } }))?.seq ?? null;
    },
    list(o) {
      const type = o.type;
      return events.findMany({
        where: {
          ...(type ? { OR: [{ type }, { type: { startsWith: `${type.replace(/\.$/, '')}.` } }] } : {}),
          ...(o.since ? { at: { gte: o.since } } : {}),
        },
        orderBy: { seq: 'desc' },
        take: o.limit,
      });
    },
    page: (f, o) => page(prisma, f, o),
    matching: (f) => batches(prisma, 0, filterWhere(f), batch),
    lease: (name, holder, o) => awaitLease(prisma, name, holder, o),
  };
}

// ---- appending --------------------------------------------------------------------------------

/** The bulk session appends go through: opened on demand, closed a second after closeSoon(). */
function bulkWriter(prisma: Db) {
  let writer: Promise<Bulk> | null = null;
  let idle: ReturnType<typeof setTimeout> | null = null;
  return {
    open(): Promise<Bulk> {
      if (idle) clearTimeout(idle);
      idle = null;
      writer ??= openBulk(prisma).catch((err: unknown) => {
        writer = null;
        throw err;
      });
      return writer;
    },
    closeSoon(): void {
      if (!writer || idle) return;
      idle = setTimeout(() => {
        idle = null;
        const w = writer;
        writer = null;
        void w?.then((b) => b.close()).catch(() => undefined);
      }, WRITER_IDLE_MS);
      idle.unref();
    },
  };
}

// ---- reading ----------------------------------------------------------------------------------

type EventWhere = Prisma.AuditEventWhereInput;

function timeWhere(since?: Date, until?: Date): EventWhere {
  return since || until ? { at: { ...(since ? { gte: since } : {}), ...(until ? { lt: until } : {}) } } : {};
}

function rangeWhere(r: RowRange): (cursor: number) => EventWhere {
  const at = timeWhere(r.since, r.until);
  return (cursor) => ({ seq: { gt: cursor, ...(r.through !== undefined ? { lte: r.through } : {}) }, ...at });
}

function filterBase(f: AuditFilter): EventWhere {
  const who = [
    ...(f.subject ? [{ subject: f.subject }] : []),
    ...(f.actor ? [{ actor: f.actor }, { actor: `console:${f.actor}` }] : []),
    ...(f.actors?.length ? [{ actor: { in: [...f.actors] } }] : []),
  ];
  return {
    ...(who.length ? { OR: who } : {}),
    ...(f.quiet ? { NOT: ROUTINE_WHERE } : {}),
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.type ? { type: f.type } : {}),
    ...timeWhere(f.since, f.until),
  };
}

/**
 * Routine noise (domain/routine-events.ts isRoutineEvent) as a condition: a sync.run that ended
 * well with every change count at zero (the detail is canonical JSON: `"created":0` is exact, a
 * JSON number has no leading zero), or a token.* event.
 */
const ROUTINE_WHERE: EventWhere[] = [
  { type: 'sync.run', outcome: 'success', AND: SYNC_CHANGE_COUNTS.map((k) => ({ detail: { contains: `"${k}":0` } })) },
  ...ROUTINE_TYPE_PREFIXES.map((p) => ({ type: { startsWith: p } })),
];

function filterWhere(f: AuditFilter): (cursor: number) => EventWhere {
  const base = filterBase(f);
  return (cursor) => ({ ...base, seq: { gt: cursor } });
}

/** The rows `where(cursor)` selects, in seq order, `size` at a time (the cursor: the last seq read, at first `from`). */
async function* batches(prisma: Db, from: number, where: (cursor: number) => EventWhere, size: number): AsyncGenerator<AuditEventRecord> {
  let cursor = from;
  for (;;) {
    const rows = await prisma.auditEvent.findMany({ where: where(cursor), orderBy: { seq: 'asc' }, take: size });
    for (const r of rows) yield r;
    if (rows.length < size) return;
    cursor = rows[rows.length - 1]!.seq;
  }
}

async function page(prisma: Db, f: AuditFilter, o: PageOptions): Promise<AuditPage> {
  const events = prisma.auditEvent;
  const base = filterBase(f);
  let rows: AuditEventRecord[];
  if (o.after !== undefined) {
    rows = (await events.findMany({ where: { ...base, seq: { gt: o.after } }, orderBy: { seq: 'asc' }, take: o.size })).reverse();
  } else {
    rows = await events.findMany({ where: { ...base, ...(o.before !== undefined ? { seq: { lt: o.before } } : {}) }, orderBy: { seq: 'desc' }, take: o.size });
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const [newer, older] = await Promise.all([
    first ? events.findFirst({ where: { ...base, seq: { gt: first.seq } }, select: { seq: true } }) : null,
    last ? events.findFirst({ where: { ...base, seq: { lt: last.seq } }, select: { seq: true } }) : null,
  ]);
  return { rows, newer: newer ? first!.seq : null, older: older ? last!.seq : null };
}

// ---- the anchor -------------------------------------------------------------------------------

async function readAnchor(prisma: Db): Promise<StoredAnchor | null> {
  const row = await prisma.syncState.findUnique({ where: { name: AUDIT_ANCHOR_STATE } });
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as { seq?: unknown; hash?: unknown };
    if (typeof v.seq === 'number' && Number.isInteger(v.seq) && v.seq >= 0 && typeof v.hash === 'string') return { seq: v.seq, hash: v.hash };
  } catch {
    /* unreadable */
  }
  return { unreadable: row.value };
}

class AnchorMoved extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function advanceAnchor(prisma: Db, throughSeq: number, hash: string, at: Date): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(async (tx) => {
        const row = await tx.syncState.findUnique({ where: { name: AUDIT_ANCHOR_STATE } });
        let current = 0;
        try {
          current = row ? Number((JSON.parse(row.value) as { seq?: unknown }).seq) || 0 : 0;
        } catch {
          current = 0;
        }
        if (throughSeq > current) {
          const value = JSON.stringify({ seq: throughSeq, hash, at: at.toISOString() });
          if (row) {
            const { count } = await tx.syncState.updateMany({ where: { name: AUDIT_ANCHOR_STATE, value: row.value }, data: { value } });
            if (count !== 1) throw new AnchorMoved();
          } else {
            await tx.syncState.create({ data: { name: AUDIT_ANCHOR_STATE, value } });
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
