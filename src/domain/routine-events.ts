/**
 * The routine noise the console's audit and sync pages leave out unless asked to show all: sync
 * runs that changed nothing (ended successfully with every count of a change at zero), and token
 * traffic (event types under `token.`; none is recorded today, the rule is ready for them). What
 * a person did, and every failure, is never noise. Pure.
 */

/** The counts of a sync run that tell a change (or a problem); all zero: an idle run. */
export const SYNC_CHANGE_COUNTS = ['created', 'updated', 'enabled', 'disabled', 'failed', 'conflicts'] as const;

/** Event types that are token traffic. */
export const ROUTINE_TYPE_PREFIXES = ['token.'] as const;

/** A sync run that ended well and changed nothing. `counts`: its counts (a missing one reads as 0). */
export function isIdleSyncRun(status: string, counts: Partial<Record<string, unknown>>): boolean {
  return status === 'success' && SYNC_CHANGE_COUNTS.every((k) => !counts[k]);
}

/** Whether an audit event is routine noise. `detail`: its detail as stored (JSON text). */
export function isRoutineEvent(e: { type: string; outcome: string; detail: string }): boolean {
  if (ROUTINE_TYPE_PREFIXES.some((p) => e.type.startsWith(p))) return true;
  if (e.type !== 'sync.run') return false;
  try {
    const d = JSON.parse(e.detail) as unknown;
    return d !== null && typeof d === 'object' && isIdleSyncRun(e.outcome, d as Record<string, unknown>);
  } catch {
    return false;
  }
}
