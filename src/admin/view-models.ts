/** What the console's pages show of the services' records. Pure. */
import type { Claims } from '../accounts/claims.js';
import type { SyncRunRow } from '../sync/types.js';

/** Claims as rows for a table: name, value as text (arrays joined, booleans as true/false). */
export function claimRows(claims: Claims): { name: string; value: string }[] {
  return Object.entries(claims)
    .filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([name, v]) => ({ name, value: Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v) }));
}

/** What the views need of a SyncRun row. */
export type SyncRunLike = Omit<SyncRunRow, 'id' | 'errors' | 'holder'>;

/** A sync run's record, as the history table and the dashboard show it. */
export function syncRunView(r: SyncRunLike) {
  return {
    mode: r.mode === 'full' ? 'full' : 'changed',
    dryRun: r.dryRun,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    seen: r.seen,
    created: r.created,
    updated: r.updated,
    disabled: r.disabled,
    unchanged: r.unchanged,
    failed: r.failed,
    conflicts: r.conflicts,
    message: r.message ?? '',
  };
}
