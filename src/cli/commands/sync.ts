/**
 * `sso sync [--full] [--dry-run] [--json] [--force]` and `sso sync --history [--limit N] [--all] [--json]`.
 *
 * Exit codes: 0 success; 3 partial (some entries unreadable, in conflict or not applied);
 * 4 refused (safety threshold, an incomplete or empty listing, or another sync is running);
 * 1 error (directory unreachable, database error, interrupted); 2 usage or configuration.
 * A non-zero code is thrown as SyncCommandExit after the output is written: main() returns
 * err.exitCode and prints nothing more (src/cli/errors.ts).
 *
 * Progress goes to stderr: a bar on a terminal (entries, rate, and an ETA when the total is known
 * from the previous full run), plain lines otherwise; none with --json, whose stdout is exactly
 * one JSON object (the run record).
 */
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, type Config, type DirectorySettings } from '../../config/load.js';
import type { AuditRecorder } from '../../audit/log.js';
import { createLogger, type Logger } from '../../util/logger.js';
import { openDirectory as openDirectoryDefault, type OpenDirectory } from '../../directory/open.js';
import { runSync, type SyncErrorEntry, type SyncProgress, type SyncRepository, type SyncRunResult, type SyncRunRow } from '../../sync/run.js';
import type { CliContext } from '../context.js';
import { CommandExit } from '../errors.js';
import { table } from '../table.js';

export const SYNC_EXIT = { ok: 0, error: 1, usage: 2, partial: 3, refused: 4 } as const;

/** Thrown by the command for a non-zero exit code, after its output was written. */
export class SyncCommandExit extends CommandExit {
  constructor(exitCode: number, message = `sso sync: exit ${exitCode}`) {
    super(exitCode, message);
  }
}

export interface SyncCommandIO {
  out(line: string): void;
  err(line: string): void;
  /** stderr is a terminal: draw a progress bar (needs write). */
  isTTY?: boolean;
  /** Raw write to stderr (no new line), for the progress bar. */
  write?(text: string): void;
}

export interface SyncCommandContext {
  io: SyncCommandIO;
  getConfig(): Config;
  /** The services (src/services.ts): the sync's storage, and the audit trail when there is one. */
  open(): Promise<{ syncRepo: SyncRepository; audit?: AuditRecorder | undefined }>;
  /** Ends an account's sessions and tokens and queues its logout tokens (the deprovisioner). */
  endAccess(accountId: string, reason: string): Promise<unknown>;
  /**
   * Called once a run is over and its result written, before the command exits (sso delivers
   * the logout tokens the run queued). Its error fails a successful run; after an unsuccessful
   * one it is ignored, and the run's exit code stands.
   */
  afterRun?(): Promise<void>;
  /** Default: JSON lines on stderr at level warn. */
  logger?: Logger;
  /** Default: src/directory/open.ts. */
  openDirectory?: (settings: DirectorySettings, logger: Logger) => Promise<OpenDirectory>;
  /** Aborts a running sync (e.g. on SIGINT); it is recorded as failed and converges next time. */
  signal?: AbortSignal;
  holder?: string;
  /** How long to wait for a sync another process is running (a changed-only run lasts seconds). Default 15 s. */
  leaseWaitMs?: number;
  /** Clock for progress rates (tests). */
  now?: () => number;
}

interface SyncCliOptions {
  full?: boolean;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  history?: boolean;
  limit?: number;
  all?: boolean;
}

function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return Number(v);
}

export function exitCodeFor(r: Pick<SyncRunResult, 'status'>): number {
  switch (r.status) {
    case 'success':
      return SYNC_EXIT.ok;
    case 'partial':
      return SYNC_EXIT.partial;
    case 'refused':
      return SYNC_EXIT.refused;
    default:
      return SYNC_EXIT.error;
  }
}

/** The JSON form of a run (the record's columns, snake_case like the other commands). */
export function runJson(r: SyncRunResult | SyncRunRow) {
  const errors: SyncErrorEntry[] = Array.isArray(r.errors) ? r.errors : safeParse(r.errors);
  return {
    id: r.id,
    mode: r.mode,
    dry_run: r.dryRun,
    status: r.status,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
    seen: r.seen,
    created: r.created,
    updated: r.updated,
    disabled: r.disabled,
    unchanged: r.unchanged,
    failed: r.failed,
    conflicts: r.conflicts,
    message: r.message,
    errors,
    holder: r.holder,
    ...('busy' in r && r.busy ? { busy: true } : {}),
    ...('enabled' in r ? { enabled: r.enabled } : {}),
    ...('wouldDisable' in r && r.wouldDisable !== undefined ? { would_disable: r.wouldDisable, active_before: r.activeBefore } : {}),
  };
}

function safeParse(s: string): SyncErrorEntry[] {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? (v as SyncErrorEntry[]) : [];
  } catch {
    return [];
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise. */
export function progressReporter(io: SyncCommandIO, opts: { total: number | null; now?: () => number; plainEveryMs?: number }) {
  const now = opts.now ?? Date.now;
  const start = now();
  const tty = !!io.isTTY && !!io.write;
  let lastDraw = 0;
  let lastPhase = '';
  let drawn = false;
  const bar = (done: number, total: number, width = 24) => {
    const f = Math.max(0, Math.min(1, total ? done / total : 0));
    const full = Math.round(f * width);
    return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
  };
  const line = (p: SyncProgress): string => {
    const elapsed = Math.max(1, now() - start) / 1000;
    if (p.phase === 'listing' || (p.mode === 'changed' && p.phase === 'applying')) {
      const rate = p.seen / elapsed;
      const total = p.mode === 'full' ? opts.total : null;
      if (total && total > 0) {
        const eta = rate > 0 && p.seen < total ? ` ETA ${duration(((total - p.seen) / rate) * 1000)}` : '';
        return `listing ${bar(p.seen, total)} ${fmt(p.seen)}/~${fmt(total)} entries  ${fmt(Math.round(rate))}/s${eta}`;
      }
      return `listing ${fmt(p.seen)} entries  ${fmt(Math.round(rate))}/s`;
    }
    const what = p.phase === 'disabling' ? 'disabling gone accounts' : p.phase === 'applying' ? 'applying' : 'done';
    return p.total ? `${what} ${bar(p.done, p.total)} ${fmt(p.done)}/${fmt(p.total)}` : `${what} ${fmt(p.done)}`;
  };
  return {
    update(p: SyncProgress): void {
      if (p.phase === 'done') return;
      const t = now();
      if (tty) {
        if (t - lastDraw < 100 && p.phase === lastPhase) return;
        io.write!(`\r${line(p)}\x1b[K`);
        drawn = true;
      } else {
        if (p.phase === lastPhase && t - lastDraw < (opts.plainEveryMs ?? 5000)) return;
        io.err(`sso sync: ${line(p)}`);
      }
      lastDraw = t;
      lastPhase = p.phase;
    },
    finish(): void {
      if (tty && drawn) io.write!('\r\x1b[K');
    },
  };
}

function printResult(io: SyncCommandIO, r: SyncRunResult): void {
  const took = ((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1);
  if (r.busy) {
    io.err(`sso sync: refused: ${r.message}`);
    return;
  }
  io.out(`${r.mode === 'full' ? 'full' : 'changed-only'} sync${r.dryRun ? ' (dry run)' : ''}: ${r.status} in ${took} s`);
  io.out(`  seen ${fmt(r.seen)}  created ${fmt(r.created)}  updated ${fmt(r.updated)}${r.enabled ? ` (${fmt(r.enabled)} re-enabled)` : ''}  disabled ${fmt(r.disabled)}  unchanged ${fmt(r.unchanged)}  failed ${fmt(r.failed)}  conflicts ${fmt(r.conflicts)}`);
  if (r.wouldDisable !== undefined) io.out(`  active accounts before: ${fmt(r.activeBefore ?? 0)}; to disable: ${fmt(r.wouldDisable)}`);
  const shown = r.errors.slice(0, 10);
  for (const e of shown) io.out(`  ${e.kind}: ${[e.dn, e.login && !e.dn ? e.login : undefined].filter(Boolean).join(' ')}${e.dn || e.login ? ': ' : ''}${e.error}`);
  const more = Math.max(r.failed + r.conflicts, r.errors.length) - shown.length;
  if (more > 0) io.out(`  ... and ${fmt(more)} more (sso sync --history --json)`);
  if (r.message) (r.status === 'success' || r.status === 'partial' ? io.out : io.err)(`${r.status === 'success' || r.status === 'partial' ? '  ' : 'sso sync: '}${r.message}`);
}

export function registerSyncCommand(program: Command, ctx: SyncCommandContext): Command {
  return program
    .command('sync')
    .description('bring the accounts in step with the mail directory (changed entries; --full also finds deleted ones)')
    .option('--full', 'list the whole directory: also disables the accounts of deleted entries, under the safety threshold')
    .option('--dry-run', 'decide and count, change nothing')
    .option('--force', 'apply a full sync even above SYNC_MAX_DISABLE_PERCENT')
    .option('--json', 'print one JSON object (the run record; with --history, an array)')
    .option('--history', 'list the last runs')
    .option('--limit <n>', 'with --history: how many runs (default 20)', positiveInt)
    .option('--all', 'with --history: also the changed-only runs that found nothing')
    .action(async (o: SyncCliOptions) => {
      const usage = usageExit(ctx.io);
      if (o.history && (o.full || o.dryRun || o.force)) usage('--history lists runs: it does not take --full, --dry-run or --force');
      if ((o.limit !== undefined || o.all) && !o.history) usage('--limit and --all go with --history');
      if (o.force && !o.full) usage('--force applies to a full sync: use --full --force');

      let config: Config;
      try {
        config = ctx.getConfig();
      } catch (err) {
        if (err instanceof ConfigError) usage(err.message);
        throw err;
      }
      if (o.history) await showHistory(ctx, o);
      else await syncOnce(ctx, config, o);
    });
}

/** Writes a usage error (`sso sync: ...`) and throws its exit, 2. */
function usageExit(io: SyncCommandIO) {
  return (msg: string): never => {
    io.err(`sso sync: ${msg}`);
    throw new SyncCommandExit(SYNC_EXIT.usage, msg);
  };
}

async function showHistory(ctx: SyncCommandContext, o: SyncCliOptions): Promise<void> {
  const { io } = ctx;
  const { syncRepo } = await ctx.open();
  const runs = await syncRepo.listRuns(o.limit ?? 20, { includeIdle: !!o.all });
  if (o.json) {
    io.out(JSON.stringify(runs.map(runJson)));
    return;
  }
  if (!runs.length) {
    io.out('no sync runs yet');
    return;
  }
  io.out(table(runs.map((r) => ({
    started: r.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: `${r.mode}${r.dryRun ? ' (dry)' : ''}`,
    status: r.status,
    seen: r.seen,
    created: r.created,
    updated: r.updated,
    disabled: r.disabled,
    unchanged: r.unchanged,
    failed: r.failed,
    conflicts: r.conflicts,
    took: r.finishedAt ? `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)}s` : '',
    message: (r.message ?? '').length > 80 ? `${r.message!.slice(0, 77)}...` : r.message ?? '',
  })), ['started', 'mode', 'status', 'seen', 'created', 'updated', 'disabled', 'unchanged', 'failed', 'conflicts', 'took', 'message']));
}

/** One run: opens the directory, syncs, writes the result, and throws the exit code when it is not 0. */
async function syncOnce(ctx: SyncCommandContext, config: Config, o: SyncCliOptions): Promise<void> {
  const { io } = ctx;
  const usage = usageExit(io);
  if (config.directory.kind === 'none') usage('no directory is configured (LDAP_URL): nothing to sync');
  const logger = ctx.logger ?? createLogger('warn', process.stderr);
  const { syncRepo, audit } = await ctx.open();
  let directory: OpenDirectory;
  try {
    directory = await (ctx.openDirectory ?? openDirectoryDefault)(config.directory, logger);
  } catch (err) {
    if (err instanceof ConfigError) usage(err.message);
    throw err;
  }
  let result: SyncRunResult;
  try {
    if (!directory.connector) usage('no directory is configured (LDAP_URL): nothing to sync');
    const mode = o.full ? 'full' : 'changed';
    const progress = o.json ? null : progressReporter(io, { total: mode === 'full' ? await syncRepo.lastFullRunSeen() : null, now: ctx.now });
    try {
      result = await runSync({
        repo: syncRepo,
        directory: directory.connector!,
        mailDomains: directory.mailDomains,
        mode,
        dryRun: !!o.dryRun,
        force: !!o.force,
        maxDisablePercent: config.sync.maxDisablePercent,
        pageSize: config.sync.pageSize,
        endAccess: ctx.endAccess,
        endSessionsOnPasswordChange: config.sync.passwordChangeLogout,
        audit,
        logger,
        leaseWaitMs: ctx.leaseWaitMs ?? 15_000,
        holder: ctx.holder ?? `sso-cli@${hostname()}:${process.pid}`,
        ...(progress ? { onProgress: (p: SyncProgress) => progress.update(p) } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } finally {
      progress?.finish();
    }
  } finally {
    await directory.close().catch(() => undefined);
  }
  if (o.json) io.out(JSON.stringify(runJson(result)));
  else printResult(io, result);
  const code = exitCodeFor(result);
  if (code === SYNC_EXIT.ok) {
    await ctx.afterRun?.();
    return;
  }
  await ctx.afterRun?.().catch(() => undefined);
  throw new SyncCommandExit(code, result.message ?? result.status);
}

/**
 * `sync` as the sso command registers it: on the real process Ctrl-C aborts a run cleanly
 * (recorded as failed; the next run converges) and progress is drawn on a terminal; the logout
 * tokens a run queued are delivered before the command exits.
 */
export function registerSync(program: Command, cli: CliContext): void {
  const { io } = cli;
  const abort = new AbortController();
  let queued = false;
  const sync = registerSyncCommand(program, {
    signal: abort.signal,
    io: { out: io.out, err: io.err, ...(cli.terminal ? { isTTY: process.stderr.isTTY, write: (t: string) => void process.stderr.write(t) } : {}) },
    getConfig: cli.getConfig,
    open: cli.open,
    endAccess: async (accountId, reason) => {
      queued = true;
      return (await cli.open()).deprovision.endAccess(accountId, reason);
    },
    afterRun: async () => {
      if (queued) await (await cli.open()).deprovision.deliverDue();
    },
  });
  if (cli.terminal) sync.hook('preAction', () => void process.once('SIGINT', () => abort.abort()));
}
