/**
 * Directory sync: keeps the IdP's directory accounts in step with the mail directory. A run is
 * full (full.ts: the whole listing staged, checked, then applied; the only one that finds
 * deleted entries) or changed-only (changed.ts: the entries changed since the high-water mark,
 * applied as they are listed). Each entry is decided once (decide.ts) and applied (apply.ts).
 *
 * A run killed part-way leaves staged rows and a "running" record: the next run (holding the
 * lease, so no other run is alive) deletes them and marks the record failed. Applying is
 * idempotent, so a rerun converges to the same state.
 *
 * Dry run: decides and counts; writes nothing but its SyncRun record (a full dry run stages its
 * listing as scratch, removed before it returns).
 *
 * One run at a time across all instances: the lease "sync" is taken first (renewed while the
 * run lasts; a run whose lease could not be renewed stops); when another holder has it (after
 * leaseWaitMs) the result is `busy` (status refused, not recorded).
 *
 * Every other run worth it (src/domain/sync-mark.ts worthRecording: every full run, and every
 * changed-only run that created, changed or disabled an account, or was not a plain success) is
 * recorded in SyncRun: status success (all applied), partial (some entries unreadable, in conflict
 * or not applied), refused (safety check, incomplete listing) or failed (directory unreachable,
 * database error, aborted), with its counts and its first errors; and in the audit trail
 * (sync.run). A full run's record is written as it starts ("running"), a changed-only run's once
 * it has ended; a changed-only run that found nothing to do leaves no record, no audit event and
 * only a debug log line (the server makes one every SYNC_INTERVAL).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { HeldLease } from '../db/repos/sync.js';
import { retryPendingEndAccess } from './apply.js';
import { runChanged } from './changed.js';
import { RunContext, SyncAborted, errMessage, type PhaseOutcome } from './context.js';
import { runFull } from './full.js';
import { worthRecording } from '../domain/sync-mark.js';
import type { RunSyncOptions, SyncRunResult } from './types.js';

export type * from './types.js';

const NO_COUNTS = { seen: 0, created: 0, updated: 0, disabled: 0, unchanged: 0, failed: 0, conflicts: 0, enabled: 0 };

export async function runSync(o: RunSyncOptions): Promise<SyncRunResult> {
  const holder = o.holder ?? `${hostname()}:${process.pid}`;
  const runId = randomUUID();
  const dryRun = !!o.dryRun;
  const calledAt = new Date();
  const { repo, logger } = o;

  const lease = await takeLease(o, `${holder}#${runId}`);
  if (!lease) {
    const other = await repo.currentLease().catch(() => null);
    const message = `another sync is running${other ? ` (${other.holder.replace(/#.*$/, '')}, lease until ${other.expiresAt.toISOString()})` : ''}`;
    logger.debug({ event: 'sync.busy', mode: o.mode, other: other?.holder }, message);
    return { id: null, mode: o.mode, dryRun, status: 'refused', busy: true, startedAt: calledAt, finishedAt: new Date(), message, errors: [], holder, ...NO_COUNTS };
  }

  const startedAt = new Date();
  try {
    if (o.precondition && !(await o.precondition())) {
      return { id: null, mode: o.mode, dryRun, status: 'success', skipped: true, startedAt, finishedAt: new Date(), message: 'not due', errors: [], holder, ...NO_COUNTS };
    }
    // We hold the lease: no other run is alive. Whatever a dead run left goes.
    await repo.clearInterrupted(runId, 'interrupted: the process running it stopped before it ended', new Date());
    if (o.mode === 'full') await repo.startRun({ id: runId, mode: o.mode, dryRun, startedAt, holder });
    return await execute(new RunContext(o, runId, holder, lease, startedAt));
  } finally {
    await lease.release().catch((err: unknown) => logger.warn({ event: 'sync.lease_release_failed', error: errMessage(err) }, 'could not release the sync lease; it expires by itself'));
  }
}

/** The sync lease, tried again for leaseWaitMs while another holder has it; null when it still does. */
async function takeLease(o: RunSyncOptions, holder: string): Promise<HeldLease | null> {
  const waitUntil = Date.now() + (o.leaseWaitMs ?? 0);
  for (;;) {
    const lease = await o.repo.holdLease(holder, { ttlMs: o.leaseTtlMs ?? 60_000 });
    if (lease || Date.now() >= waitUntil || o.signal?.aborted) return lease;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, waitUntil - Date.now()))));
  }
}

/** The run itself (under the lease, recorded as running): its phase, then its record, audit event and log line. */
async function execute(ctx: RunContext): Promise<SyncRunResult> {
  let outcome: PhaseOutcome;
  let aborted = false;
  try {
    ctx.session = await ctx.o.repo.openSession();
    if (!ctx.dryRun) await retryPendingEndAccess(ctx);
    outcome = ctx.o.mode === 'full' ? await runFull(ctx) : await runChanged(ctx);
  } catch (err) {
    aborted = err instanceof SyncAborted;
    outcome = { status: 'failed', message: aborted ? `${(err as Error).message}: stopped part-way; the next run converges` : `sync failed: ${errMessage(err)}` };
    if (!aborted) ctx.log.error({ event: 'sync.error', run: ctx.id, error: errMessage(err) }, 'directory sync failed');
  } finally {
    await ctx.auditsInFlight;
    if (ctx.hasSession) {
      if (ctx.o.mode === 'full') await ctx.session.stage.close(ctx.id).catch(() => undefined);
      ctx.session.close();
    }
  }
  const result: SyncRunResult = {
    id: ctx.id, mode: ctx.o.mode, dryRun: ctx.dryRun, status: outcome.status, startedAt: ctx.startedAt, finishedAt: new Date(),
    message: outcome.message, errors: ctx.errors, holder: ctx.holder, enabled: ctx.enabled, ...ctx.counts, ...(outcome.extra ?? {}),
  };
  await finish(ctx, result, aborted);
  return result;
}

/** Records how the run ended, when worth it: its SyncRun row, its audit event; its progress and its log line. */
async function finish(ctx: RunContext, r: SyncRunResult, aborted: boolean): Promise<void> {
  const { status, message, finishedAt } = r;
  const recorded = worthRecording(r);
  if (recorded) await record(ctx, r);
  else r.id = null;
  ctx.progress({ phase: 'done', done: r.seen });
  // a run stopped on purpose (shutdown, Ctrl-C) is recorded as failed but is no error
  const level: 'warn' | 'error' | 'info' | 'debug' = !recorded ? 'debug' : aborted ? 'warn' : status === 'failed' ? 'error' : status === 'refused' ? 'warn' : 'info';
  ctx.log[level]({
    event: 'sync.run', run: ctx.id, mode: r.mode, dryRun: r.dryRun, status,
    seen: r.seen, created: r.created, updated: r.updated, enabled: r.enabled, disabled: r.disabled,
    unchanged: r.unchanged, failed: r.failed, conflicts: r.conflicts, ms: finishedAt.getTime() - ctx.startedAt.getTime(),
    ...(ctx.window?.repeated ? { repeated: ctx.window.repeated } : {}),
    ...(message ? { detail: message } : {}),
  }, `directory sync (${r.mode}${r.dryRun ? ', dry run' : ''}): ${recorded ? status : 'nothing to do'}`);
}

/** The run's SyncRun row (a full run's, written as it started, is completed) and its audit event. */
async function record(ctx: RunContext, r: SyncRunResult): Promise<void> {
  const { status, message, finishedAt } = r;
  const outcome = {
    status, finishedAt, message,
    seen: r.seen, created: r.created, updated: r.updated, disabled: r.disabled, unchanged: r.unchanged, failed: r.failed, conflicts: r.conflicts,
    errors: JSON.stringify(ctx.errors),
  };
  const write = ctx.o.mode === 'full'
    ? ctx.o.repo.finishRun(ctx.id, outcome)
    : ctx.o.repo.recordRun({ id: ctx.id, mode: r.mode, dryRun: r.dryRun, startedAt: ctx.startedAt, holder: ctx.holder, ...outcome });
  await write.catch((err: unknown) => ctx.log.error({ event: 'sync.record_failed', run: ctx.id, error: errMessage(err) }, 'could not record the sync run'));
  await ctx.audit({
    type: 'sync.run',
    outcome: status,
    detail: {
      run_id: ctx.id, mode: r.mode, dry_run: r.dryRun, seen: r.seen, created: r.created, updated: r.updated,
      enabled: r.enabled, disabled: r.disabled, unchanged: r.unchanged, failed: r.failed, conflicts: r.conflicts,
      message,
    },
  });
}
