/**
 * The console's view of the audit trail: filters (person, application, event type, dates), a
 * page at a time by seq (keyset, so the hundred-thousandth page costs what the first does), and
 * the same filters exported in the formats of `sso audit export`.
 */
import type { Db } from '../db/client.js';
import type { ChainRow } from '../audit/chain.js';
import { AUDIT_EVENT_TYPES } from '../audit/events.js';
import { csvHeader, csvLine, jsonlLine, type ExportFormat } from '../audit/export.js';

export interface AuditFilter {
  /** An account id, matched as subject; the caller turns a login into its id. */
  subject?: string | undefined;
  /** Also matched as the actor (the login typed at the login page, or console:<login>). */
  actor?: string | undefined;
  clientId?: string | undefined;
  type?: string | undefined;
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
}

/** Vietnam's offset: the console's dates are the province's days (Việt Nam has one time zone, no DST). */
const VN_OFFSET_MS = 7 * 3600_000;

/** "YYYY-MM-DD" -> midnight of that day in Việt Nam, or null. `endOfDay` gives the next midnight. Pure. */
export function parseDay(value: string, endOfDay = false): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (endOfDay ? 1 : 0)) - VN_OFFSET_MS;
  const d = new Date(t);
  // reject 2026-02-31 and the like
  const back = new Date(t + VN_OFFSET_MS - (endOfDay ? 86400_000 : 0));
  if (back.getUTCFullYear() !== Number(m[1]) || back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) return null;
  return d;
}

export const isAuditType = (t: string): boolean => (AUDIT_EVENT_TYPES as readonly string[]).includes(t);

function where(f: AuditFilter) {
  const who = [
    ...(f.subject ? [{ subject: f.subject }] : []),
    ...(f.actor ? [{ actor: f.actor }, { actor: `console:${f.actor}` }] : []),
  ];
  return {
    ...(who.length ? { OR: who } : {}),
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.type ? { type: f.type } : {}),
    ...(f.since || f.until ? { at: { ...(f.since ? { gte: f.since } : {}), ...(f.until ? { lt: f.until } : {}) } } : {}),
  };
}

export function createAuditQuery(prisma: Db) {
  return {
    /**
     * Newest first: `before` (a seq) gives the page of older events, `after` the page of newer
     * ones. Returns the rows and whether there are older/newer pages.
     */
    async page(f: AuditFilter, o: { before?: number | undefined; after?: number | undefined; size?: number } = {}) {
      const size = Math.max(1, Math.min(o.size ?? 50, 200));
      const base = where(f);
      let rows: ChainRow[];
      if (o.after !== undefined) {
        rows = (await prisma.auditEvent.findMany({ where: { ...base, seq: { gt: o.after } }, orderBy: { seq: 'asc' }, take: size })).reverse();
      } else {
        rows = await prisma.auditEvent.findMany({ where: { ...base, ...(o.before !== undefined ? { seq: { lt: o.before } } : {}) }, orderBy: { seq: 'desc' }, take: size });
      }
      const first = rows[0];
      const last = rows[rows.length - 1];
      const [newer, older] = await Promise.all([
        first ? prisma.auditEvent.findFirst({ where: { ...base, seq: { gt: first.seq } }, select: { seq: true } }) : null,
        last ? prisma.auditEvent.findFirst({ where: { ...base, seq: { lt: last.seq } }, select: { seq: true } }) : null,
      ]);
      return { rows, newer: newer ? first!.seq : null, older: older ? last!.seq : null };
    },

    /** Writes the matching events in seq order, a batch at a time; returns how many. */
    async export(f: AuditFilter, format: ExportFormat, write: (line: string) => void | Promise<void>): Promise<number> {
      if (format === 'csv') await write(csvHeader());
      const base = where(f);
      let cursor = 0;
      let n = 0;
      for (;;) {
        const batch = await prisma.auditEvent.findMany({ where: { ...base, seq: { gt: cursor } }, orderBy: { seq: 'asc' }, take: 1000 });
        for (const r of batch) await write(format === 'csv' ? csvLine(r) : jsonlLine(r));
        n += batch.length;
        if (batch.length < 1000) return n;
        cursor = batch[batch.length - 1]!.seq;
      }
    },
  };
}

export type AuditQuery = ReturnType<typeof createAuditQuery>;
