/**
 * Reading the trail out: `sso audit list` and `sso audit export`, and the console's view
 * (filters by person, application, event type and dates; a page at a time by seq, keyset, so the
 * hundred-thousandth page costs what the first does; the same filters exported in the formats of
 * `sso audit export`).
 */
import type { AuditFilter, AuditRepository } from '../db/repos/audit.js';
import type { ChainRow } from './chain.js';
import { AUDIT_EVENT_TYPES } from './events.js';
import { csvHeader, csvLine, jsonlLine, type ExportFormat } from './export.js';

export type { AuditFilter };

export interface ListOptions {
  /** An exact type, or a prefix: "login" lists login.success and login.failure. */
  type?: string | undefined;
  since?: Date | undefined;
  limit?: number | undefined;
}

/** Newest first. */
export async function listTrail(repo: AuditRepository, o: ListOptions = {}): Promise<ChainRow[]> {
  return repo.list({ type: o.type?.trim(), since: o.since, limit: Math.max(1, Math.min(o.limit ?? 50, 10_000)) });
}

/** Writes the events at or after `since` (and before `until`), in seq order, a batch at a time. */
export async function exportTrail(repo: AuditRepository, o: { since: Date; until?: Date | undefined; format: ExportFormat }, writeLine: (line: string) => void | Promise<void>): Promise<number> {
  if (o.format === 'csv') await writeLine(csvHeader());
  let n = 0;
  for await (const row of repo.rows({ after: 0, since: o.since, until: o.until })) {
    await writeLine(o.format === 'csv' ? csvLine(row) : jsonlLine(row));
    n++;
  }
  return n;
}

// ---- the console ------------------------------------------------------------------------------

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

export function createAuditQuery(repo: AuditRepository) {
  return {
    /**
     * Newest first: `before` (a seq) gives the page of older events, `after` the page of newer
     * ones. Returns the rows and whether there are older/newer pages.
     */
    async page(f: AuditFilter, o: { before?: number | undefined; after?: number | undefined; size?: number } = {}): Promise<{ rows: ChainRow[]; newer: number | null; older: number | null }> {
      const size = Math.max(1, Math.min(o.size ?? 50, 200));
      return repo.page(f, { before: o.before, after: o.after, size });
    },

    /** Writes the matching events in seq order, a batch at a time; returns how many. */
    async export(f: AuditFilter, format: ExportFormat, write: (line: string) => void | Promise<void>): Promise<number> {
      if (format === 'csv') await write(csvHeader());
      let n = 0;
      for await (const r of repo.matching(f)) {
        await write(format === 'csv' ? csvLine(r) : jsonlLine(r));
        n++;
      }
      return n;
    },
  };
}

export type AuditQuery = ReturnType<typeof createAuditQuery>;
