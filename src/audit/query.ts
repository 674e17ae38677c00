/** Reading the trail out: `sso audit list` and `sso audit export`. */
import type { AuditRepository } from '../db/repos/audit.js';
import type { ChainRow } from './chain.js';
import { csvHeader, csvLine, jsonlLine, type ExportFormat } from './export.js';

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
