/**
 * A full run, in phases; memory stays flat whatever the directory's size (one batch of entries,
 * one batch of accounts at a time):
 *   1. list: the paged listing is streamed into the stage (keyed by run id), one INSERT per
 *      batch, while the next page is read; unreadable entries (no id, bad value) are counted and
 *      reported, not fatal. An entry whose account already says the same (inStep; one account
 *      query per batch) is staged by its id alone: nothing to decide or apply.
 *   2. check: if the listing failed part-way, returned nothing usable, or mostly unreadable
 *      entries, NOTHING is applied. How many active accounts would be disabled (gone from the
 *      directory, or disabled there) is counted in SQL against the staged rows and the run is
 *      refused above maxDisablePercent unless forced.
 *   3. apply: staged entries in batches (apply.ts), then the active accounts absent from the stage
 *      are disabled (not those created less than newAccountGraceMs before the listing began: a
 *      first login while the listing ran); conflicts are retried once at the end.
 *   4. the changed-only high-water mark is advanced, with the newest entries seen (window.ts), so
 *      that the changed-only runs after it skip those the overlap lists again (the run's staged
 *      rows go when it ends).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DirectoryIdentity } from '../directory/types.js';
import { directorySaysOff, shouldRefuse, type RefuseDecision } from '../domain/reconcile.js';
import { changedSince, nextMark } from '../domain/sync-mark.js';
import { applyBatch, applyDeferred, disableGone } from './apply.js';
import { SyncAborted, errMessage, listingFailure, type PhaseOutcome, type RunContext } from './context.js';
import { batchAccounts, inStepIds } from './decide.js';
import { SeenWindow } from './window.js';

/** The database failed while staging (not the directory). */
class StageFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('staging failed');
  }
}

interface Listed {
  /** Entries staged. */
  staged: number;
  /** Why the listing stopped before its end (undefined: it ran to its end). */
  listingError: unknown;
  /** When the listing started and ended (ms). */
  start: number;
  end: number;
}

interface SafetyCheck {
  refusal: RefuseDecision;
  extra: { activeBefore: number; wouldDisable: number; refusal: RefuseDecision };
  /** Active accounts whose entry is gone. */
  gone: number;
}

export async function runFull(ctx: RunContext): Promise<PhaseOutcome> {
  ctx.window = new SeenWindow([]);
  const listed = await listIntoStage(ctx);
  const goneCutoff = new Date(listed.start - (ctx.o.newAccountGraceMs ?? 60_000));
  if (listed.listingError !== undefined) {
    const why = errMessage(listed.listingError);
    ctx.error({ kind: 'listing', error: why });
    if (ctx.counts.seen === 0) return { status: 'failed', message: `${listingFailure(listed.listingError)}: ${why}; nothing applied` };
    return { status: 'refused', message: `the directory listing failed after ${ctx.counts.seen} entries (${why}); nothing applied` };
  }

  const { refusal, extra, gone } = await safetyCheck(ctx, listed.staged, goneCutoff);
  const refusedMessage = () => `${refusal.reasons.map((r) => r.message).join('; ')}; nothing applied`;
  if (refusal.refuse && (!ctx.dryRun || refusal.reasons.some((r) => !r.overridable))) {
    return { status: 'refused', message: refusedMessage(), extra };
  }
  if (refusal.reasons.length && !refusal.refuse) {
    ctx.log.warn({ event: 'sync.forced', run: ctx.id, wouldDisable: extra.wouldDisable, activeBefore: extra.activeBefore, reasons: refusal.reasons.map((r) => r.message) }, 'sync safety threshold overridden');
  }

  await applyStaged(ctx, listed.staged);
  await disableAllGone(ctx, goneCutoff, gone);
  await applyDeferred(ctx);

  if (!ctx.dryRun && ctx.maxModifiedAt) {
    // a change made while the listing ran may be missing from it with a time below the mark: the
    // next changed-only run reaches back this long (changes made after the listing are above the mark)
    const prev = await ctx.o.repo.readHighWaterMark();
    const mark = nextMark(prev?.modifiedAt, ctx.maxModifiedAt)!;
    const windowSeconds = Math.ceil((listed.end - listed.start) / 1000 + 1);
    const seen = ctx.window.keep(changedSince({ modifiedAt: mark, windowSeconds }, ctx.o.overlapSeconds ?? 1));
    await ctx.o.repo.writeHighWaterMark({ modifiedAt: mark, windowSeconds, seen });
  }
  const status = refusal.refuse ? 'refused' : ctx.outcome();
  const message = [refusal.refuse ? refusedMessage() : refusal.reasons.length ? `forced: ${refusal.reasons.map((r) => r.message).join('; ')}` : null, ctx.summary()]
    .filter(Boolean)
    .join('; ');
  return { status, message: message || null, extra };
}

/** Phase 1: the listing, staged batch by batch; one INSERT in flight while the next page is read. */
async function listIntoStage(ctx: RunContext): Promise<Listed> {
  await ctx.session.stage.open();
  const start = Date.now();
  let staged = 0;
  let listingError: unknown;
  let batch: DirectoryIdentity[] = [];
  // the directory and the database work at once
  let inserting: Promise<void> = Promise.resolve();
  let stageError: { err: unknown } | undefined;
  const flush = async () => {
    if (!batch.length) return;
    const b = batch;
    batch = [];
    await inserting;
    if (stageError) throw new StageFailed(stageError.err);
    await nextTurn(); // as in applyBatch: a directory that answers faster than the database would starve the timers too
    ctx.pages += 1;
    inserting = stageBatch(ctx, b).then(
      (n) => {
        staged += n;
        ctx.progress({ phase: 'listing', done: ctx.counts.seen });
      },
      (err: unknown) => {
        stageError = { err };
      },
    );
  };
  try {
    try {
      await ctx.consume({ pageSize: ctx.o.pageSize }, async (identity) => {
        batch.push(identity);
        if (batch.length >= ctx.batchSize) await flush();
      });
      await flush();
    } finally {
      await inserting;
    }
    if (stageError) throw new StageFailed(stageError.err);
  } catch (err) {
    if (err instanceof SyncAborted) throw err;
    if (err instanceof StageFailed) throw err.cause;
    listingError = err;
  }
  return { staged, listingError, start, end: Date.now() };
}

/** Stages a batch; returns the rows staged (duplicates of an earlier entry are reported). */
async function stageBatch(ctx: RunContext, identities: DirectoryIdentity[]): Promise<number> {
  const unique = new Map<string, DirectoryIdentity>();
  for (const i of identities) {
    if (unique.has(i.externalId)) {
      ctx.counts.failed += 1;
      ctx.error({ kind: 'duplicate', dn: i.dn, externalId: i.externalId, login: i.login, error: `another entry in the listing has the same id (${unique.get(i.externalId)!.dn})` });
      continue;
    }
    unique.set(i.externalId, i);
  }
  const values = [...unique.values()];
  // Entries whose account already says the same are staged without their content: the apply phase
  // skips them, without reading them back, deciding or writing. Their ids are staged all the
  // same: the accounts gone from the directory are those not staged. A change made to such an
  // account between the listing and the apply waits for the next run, as one made just after the
  // run would.
  const { session } = ctx;
  const rows = await session.accounts.byExternalIdOrLogin([...unique.keys()], [...new Set(values.map((i) => i.login))]);
  const inStep = inStepIds(values, batchAccounts(values, rows).linked, { mailDomains: ctx.o.mailDomains, endSessionsOnPasswordChange: ctx.o.endSessionsOnPasswordChange });
  const got = await session.stage.add(ctx.id, values.map((i) => ({
    externalId: i.externalId,
    off: directorySaysOff(i.status),
    entry: inStep.has(i.externalId) ? null : JSON.stringify(i),
  })));
  if (got.size < values.length) {
    for (const i of values) {
      if (got.has(i.externalId)) continue;
      ctx.counts.failed += 1;
      ctx.error({ kind: 'duplicate', dn: i.dn, externalId: i.externalId, login: i.login, error: 'another entry in the listing has the same id' });
    }
  }
  return got.size;
}

/** Phase 2: how many active accounts the run would disable, and whether it may. */
async function safetyCheck(ctx: RunContext, staged: number, goneCutoff: Date): Promise<SafetyCheck> {
  const { accounts, stage } = ctx.session;
  const activeBefore = await accounts.countActiveLinked();
  const gone = await stage.countGone(ctx.id, goneCutoff);
  const off = await stage.countOff(ctx.id);
  const wouldDisable = gone + off;
  const refusal = shouldRefuse({
    activeBefore, wouldDisable, maxDisablePercent: ctx.o.maxDisablePercent, listedCount: staged, complete: true,
    failedCount: ctx.counts.failed, force: !!ctx.o.force,
  });
  return { refusal, extra: { activeBefore, wouldDisable, refusal }, gone };
}

/** Phase 3: the staged entries, batch by batch; the next batch is read while one is applied. */
async function applyStaged(ctx: RunContext, staged: number): Promise<void> {
  const { stage } = ctx.session;
  // those whose account already said the same when listed are only counted
  const nothingToApply = await stage.countNothingToApply(ctx.id);
  ctx.counts.unchanged += nothingToApply;
  const read = (after: string) => stage.read(ctx.id, after, ctx.batchSize);
  let next = read('');
  let done = nothingToApply;
  ctx.progress({ phase: 'applying', done, total: staged });
  for (;;) {
    ctx.check();
    const rows = await next;
    if (!rows.length) break;
    next = read(rows[rows.length - 1]!.externalId);
    next.catch(() => undefined); // a failure is thrown by the await above, on the next round
    const identities: DirectoryIdentity[] = [];
    for (const r of rows) {
      try {
        identities.push(parseEntry(r.entry));
      } catch (err) {
        ctx.counts.failed += 1;
        ctx.error({ kind: 'apply', externalId: r.externalId, error: `staged entry unreadable: ${errMessage(err)}` });
      }
    }
    await applyBatch(ctx, identities, false);
    done += rows.length;
    ctx.progress({ phase: 'applying', done, total: staged });
  }
}

/** A staged entry (JSON text), its dates revived. */
function parseEntry(json: string): DirectoryIdentity {
  const i = JSON.parse(json) as DirectoryIdentity;
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : null);
  return { ...i, modifiedAt: date(i.modifiedAt), passwordChangedAt: date(i.passwordChangedAt) };
}

/** Phase 3, then: the active accounts whose entry is gone, batch by batch. */
async function disableAllGone(ctx: RunContext, goneCutoff: Date, gone: number): Promise<void> {
  const { accounts, stage } = ctx.session;
  let done = 0;
  let cursor = '';
  for (;;) {
    ctx.check();
    const ids = await stage.goneIds(ctx.id, goneCutoff, cursor, ctx.batchSize);
    if (!ids.length) break;
    cursor = ids[ids.length - 1]!;
    await disableGone(ctx, await accounts.byIds(ids));
    done += ids.length;
    ctx.progress({ phase: 'disabling', done, total: gone });
  }
}
