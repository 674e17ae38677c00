/**
 * The sync inside the server: a changed-only run every intervalSeconds and a full run every
 * fullIntervalSeconds (0 turns either off), one at a time in this process and, through the
 * lease, across every instance on the database (an instance that finds the lease held skips
 * that turn quietly).
 *
 * When a full run is due is read from the database (the last full run by any instance), so
 * restarting or adding instances does not multiply full runs. A full run that failed (directory
 * unreachable) is tried again after min(fullIntervalSeconds, 5 min); a refused one waits the
 * whole interval (IT staff look at it, `sso sync --full [--force]`).
 *
 * stop() aborts the current run at its next batch boundary (a run stopped part-way converges at
 * the next) and waits for it to end.
 */
import type { Logger } from '../util/logger.js';
import { runSync } from './run.js';
import type { RunSyncOptions, SyncMode, SyncRepository, SyncRunResult } from './types.js';
import type { Metrics } from '../metrics/metrics.js';

export interface SyncSchedulerOptions extends Omit<RunSyncOptions, 'mode' | 'dryRun' | 'force' | 'signal' | 'onProgress'> {
  intervalSeconds: number;
  fullIntervalSeconds: number;
  /** Called after each run that was not skipped (tests, metrics). */
  onRun?: (r: SyncRunResult) => void;
  /** How often old history is pruned. Default 1 h. */
  pruneIntervalMs?: number;
  logger: Logger;
  /** sso_sync_runs_total, sso_sync_entries_total, last-run times: from each run's result. */
  metrics?: Pick<Metrics, 'syncRun' | 'syncError'> | undefined;
}

export interface SyncScheduler {
  /** Runs one now (waiting for the current one first); the result, or null when stopped. */
  runNow(mode: SyncMode): Promise<SyncRunResult | null>;
  stop(): Promise<void>;
}

const RETRY_FAILED_FULL_MS = 5 * 60 * 1000;

/** Is a full run due, by the history (the last full run by any instance)? */
async function fullRunDue(repo: SyncRepository, fullIntervalSeconds: number): Promise<boolean> {
  if (fullIntervalSeconds <= 0) return false;
  const last = await repo.lastFullRun();
  if (!last) return true;
  const wait = last.status === 'failed' ? Math.min(fullIntervalSeconds * 1000, RETRY_FAILED_FULL_MS) : fullIntervalSeconds * 1000;
  return Date.now() - last.startedAt.getTime() >= wait;
}

/** One run; counted in the metrics, and handed to onRun, unless another instance was running one or it was not due. */
async function runCounted(o: RunSyncOptions, hooks: Pick<SyncSchedulerOptions, 'onRun' | 'metrics'>): Promise<SyncRunResult> {
  let r: SyncRunResult;
  try {
    r = await runSync(o);
  } catch (err) {
    hooks.metrics?.syncError(o.mode);
    throw err;
  }
  if (!r.busy && !r.skipped) {
    hooks.metrics?.syncRun(r);
    hooks.onRun?.(r);
  }
  return r;
}

export function startSyncScheduler(opts: SyncSchedulerOptions): SyncScheduler {
  const { logger, intervalSeconds, fullIntervalSeconds, onRun, metrics, ...deps } = opts;
  const tickMs = Math.max(1, intervalSeconds > 0 ? intervalSeconds : Math.min(fullIntervalSeconds, 60)) * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let controller: AbortController | undefined;
  let lastPrune = 0;
  let ticking: Promise<void> = Promise.resolve();
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      ticking = tick();
    }, ms);
    timer.unref();
  };

  if (intervalSeconds <= 0 && fullIntervalSeconds <= 0) {
    logger.info({ event: 'sync.scheduler', intervalSeconds, fullIntervalSeconds }, 'directory sync in the server is off (SYNC_INTERVAL=0, SYNC_FULL_INTERVAL=0)');
    return { runNow: (mode) => one(mode), stop: async () => { stopped = true; await current; } };
  }

  const fullDue = () => fullRunDue(deps.repo, fullIntervalSeconds);

  /** Runs one sync after the current one; never two at once in this process. */
  function one(mode: SyncMode, precondition?: () => Promise<boolean>): Promise<SyncRunResult | null> {
    const p = current.then(async () => {
      if (stopped) return null;
      controller = new AbortController();
      try {
        return await runCounted({ ...deps, logger, mode, signal: controller.signal, ...(precondition ? { precondition } : {}) }, { onRun, metrics });
      } finally {
        controller = undefined;
      }
    });
    current = p.catch(() => undefined);
    return p;
  }

  async function tick(): Promise<void> {
    try {
      const mode: SyncMode | null = (await fullDue()) ? 'full' : intervalSeconds > 0 ? 'changed' : null;
      if (mode) {
        // a full run is due? asked again under the lease: another instance may just have made it
        const r = await one(mode, mode === 'full' ? fullDue : undefined);
        if (r?.busy) logger.debug({ event: 'sync.skipped', mode }, 'sync skipped: another instance is running one');
        if (r?.skipped && intervalSeconds > 0) await one('changed');
      }
      if (Date.now() - lastPrune >= (opts.pruneIntervalMs ?? 3_600_000)) {
        lastPrune = Date.now();
        const n = await deps.repo.pruneRuns();
        if (n) logger.debug({ event: 'sync.pruned', runs: n }, 'old sync runs removed from the history');
      }
    } catch (err) {
      if (!stopped) logger.error({ event: 'sync.scheduler_error', error: (err as Error).message }, 'directory sync could not run');
    } finally {
      if (!stopped) schedule(tickMs);
    }
  }

  logger.info({ event: 'sync.scheduler', intervalSeconds, fullIntervalSeconds }, 'directory sync scheduled');
  schedule(0);

  return {
    runNow: (mode) => one(mode),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      controller?.abort();
      await ticking;
      await current;
    },
  };
}
