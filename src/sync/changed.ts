/**
 * A changed-only run: the entries modified at or after the high-water mark (changedSince,
 * src/domain/sync-mark.ts), applied batch by batch as they are listed, no threshold. It cannot see
 * deletions (a deleted entry is simply not listed): only a full run disables the accounts of
 * deleted entries. If its listing fails part-way, what was applied stays applied and the mark is
 * not advanced, so the next run lists those entries again.
 *
 * The listing reaches back below the mark (the overlap): entries an earlier run saw there exactly
 * as they are now are skipped (window.ts), so a run that lists nothing new does nothing, writes
 * nothing and, being not worth recording (worthRecording), leaves no trace. The mark, and the
 * entries seen with it, are written only when the run listed something new.
 */
import type { DirectoryIdentity } from '../directory/types.js';
import { changedSince, nextMark } from '../domain/sync-mark.js';
import { applyBatch, applyDeferred } from './apply.js';
import { SyncAborted, errMessage, listingFailure, type PhaseOutcome, type RunContext } from './context.js';
import { SeenWindow } from './window.js';

export async function runChanged(ctx: RunContext): Promise<PhaseOutcome> {
  const overlap = ctx.o.overlapSeconds ?? 1;
  const hwm = await ctx.o.repo.readHighWaterMark();
  const since = hwm ? changedSince(hwm, overlap) : undefined;
  const window = new SeenWindow(hwm?.seen ?? []);
  ctx.window = window;
  ctx.changedSince = since;
  const listStart = Date.now();
  let batch: DirectoryIdentity[] = [];
  let listingError: unknown;
  const flush = async () => {
    if (!batch.length) return;
    const b = batch;
    batch = [];
    ctx.pages += 1;
    await applyBatch(ctx, b, false);
    ctx.progress({ phase: 'applying', done: ctx.counts.seen });
  };
  try {
    await ctx.consume({ changedSince: since, pageSize: ctx.o.pageSize }, async (identity) => {
      batch.push(identity);
      if (batch.length >= ctx.batchSize) await flush();
    });
    await flush();
  } catch (err) {
    if (err instanceof SyncAborted) throw err;
    listingError = err;
  }
  if (listingError !== undefined) {
    // what was read before the failure is as true as any other change: apply it
    await flush();
    const why = errMessage(listingError);
    ctx.error({ kind: 'listing', error: why });
    return {
      status: 'failed',
      message: ctx.counts.seen === 0
        ? `${listingFailure(listingError)}: ${why}`
        : `the directory listing failed after ${ctx.counts.seen} entries (${why}); the entries before were applied, the next run lists them again`,
    };
  }
  await applyDeferred(ctx);
  const mark = nextMark(hwm?.modifiedAt, ctx.maxModifiedAt);
  if (!ctx.dryRun && mark && (ctx.counts.seen > 0 || !hwm)) {
    const windowSeconds = Math.ceil((Date.now() - listStart) / 1000 + 1);
    const nextSince = changedSince({ modifiedAt: mark, windowSeconds }, overlap);
    await ctx.o.repo.writeHighWaterMark({ modifiedAt: mark, windowSeconds, seen: window.keep(nextSince) });
  }
  return { status: ctx.outcome(), message: [since ? null : 'no high-water mark yet: listed every entry', ctx.summary()].filter(Boolean).join('; ') || null };
}
