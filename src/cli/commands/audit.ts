/**
 * `sso audit`: the audit trail for inspectors and IT staff.
 *
 *   sso audit verify [--from SEQ] [--to SEQ] [--checkpoint SEQ:HASH] [--file PATH] [--json]
 *   sso audit export --since DATE [--until DATE] [--format jsonl|csv] [--bom]
 *   sso audit list [--type TYPE] [--since DATE] [--limit N] [--json]
 *   sso audit prune [--force] [--json]
 *
 * Exit codes: 0 done (verify: the chain is whole); 1 the chain is broken (the first bad seq and
 * why on stderr) or another failure; 2 wrong usage. DATE is YYYY-MM-DD (midnight, local time of
 * this machine: set TZ=Asia/Ho_Chi_Minh) or a full ISO 8601 time (2026-01-01T00:00:00+07:00).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AuditLog } from '../../audit/log.js';
import { EXPORT_FORMATS, parseExport, recordView, type ExportFormat } from '../../audit/export.js';
import { ChainVerifier, type ChainRow } from '../../audit/chain.js';
import { table } from '../table.js';

export interface AuditCommandContext {
  io: { out(line: string): void; err(line: string): void };
  /** The services (opened once per command): only `audit` is used. */
  open(): Promise<{ audit: AuditLog }>;
  /** Reads `verify --file` (default: the file system, UTF-8). */
  readFile?: (path: string) => string;
}

/** Thrown when the chain is broken (exit 1); its message is the one line main() prints. */
export class AuditBroken extends Error {}

export function parseDate(v: string): Date {
  const s = v.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const d = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? new Date(s) : new Date(NaN);
  if (Number.isNaN(d.getTime()) || (day && d.getDate() !== Number(day[3]))) {
    throw new InvalidArgumentError('must be a date, YYYY-MM-DD, or an ISO 8601 time such as 2026-01-01T00:00:00+07:00');
  }
  return d;
}

function seqArg(v: string): number {
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a sequence number (1 or more)');
  return Number(v);
}

function limitArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return Number(v);
}

function checkpointArg(v: string): { seq: number; hash: string } {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/i.exec(v.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError('must be SEQ:HASH, the head printed by an earlier sso audit verify');
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

function brokenLine(p: { kind: string; seq: number; message: string }, count: number): string {
  return `audit trail broken at seq ${p.seq} (${p.kind}): ${p.message}; ${count} events verified before it`;
}

/** Adds `audit` to the program. */
export function registerAuditCommand(program: Command, ctx: AuditCommandContext): Command {
  const audit = program.command('audit').description('the tamper-evident audit trail: verify, export, list, prune');
  registerVerify(audit, ctx);
  registerExport(audit, ctx);
  registerList(audit, ctx);
  registerPrune(audit, ctx);
  return audit;
}

function registerVerify(audit: Command, ctx: AuditCommandContext): void {
  const { io } = ctx;
  audit.command('verify')
    .description('check the hash chain: exit 0 when whole, 1 naming the first edited, deleted or inserted row')
    .option('--from <seq>', 'first seq to verify (default: from the start, or the anchor left by pruning)', seqArg)
    .option('--to <seq>', 'last seq to verify (default: the newest)', seqArg)
    .option('--checkpoint <seq:hash>', 'a head noted earlier (printed by verify): it must still be in the trail, unchanged', checkpointArg)
    .option('--file <path>', 'verify an export (jsonl or csv) instead of the database: its rows must chain to each other')
    .option('--json', 'print one JSON object')
    .action(async (o: { from?: number; to?: number; checkpoint?: { seq: number; hash: string }; file?: string; json?: boolean }, cmd: Command) => {
      if (o.from !== undefined && o.to !== undefined && o.to < o.from) cmd.error('sso audit verify: --to is before --from', { exitCode: 2, code: 'sso.usage' });
      if (o.file !== undefined) {
        if (o.from !== undefined || o.to !== undefined) cmd.error('sso audit verify: --from and --to apply to the database, not --file', { exitCode: 2, code: 'sso.usage' });
        verifyFile(ctx, o.file, o);
        return;
      }
      const s = await ctx.open();
      const r = await s.audit.verify({ from: o.from, to: o.to, checkpoint: o.checkpoint });
      if (!r.ok) {
        if (o.json) io.out(JSON.stringify({ ok: false, verified: r.count, problem: r.problem, anchor: { seq: r.anchor.seq, hash: r.anchor.hash } }));
        throw new AuditBroken(brokenLine(r.problem, r.count));
      }
      if (o.json) {
        io.out(JSON.stringify({ ok: true, verified: r.count, first: r.first, last: r.last, head: r.head, anchor: { seq: r.anchor.seq, hash: r.anchor.hash }, ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}) }));
        return;
      }
      io.out(`${r.count} events verified${r.count ? ` (seq ${r.first} to ${r.last})` : ''}${r.anchor.seq > 0 && r.first === r.anchor.seq + 1 ? `, from the anchor left by pruning (seq ${r.anchor.seq})` : ''}`);
      if (r.head) io.out(`head: ${r.head.seq}:${r.head.hash}  (note it elsewhere; check later with --checkpoint)`);
      if (r.checkpoint === 'matched') io.out(`checkpoint ${o.checkpoint!.seq} found unchanged`);
      if (r.checkpoint === 'pruned') io.out(`checkpoint ${o.checkpoint!.seq} not checked: it was pruned (retention)`);
    });
}

function verifyFile(ctx: AuditCommandContext, path: string, o: { checkpoint?: { seq: number; hash: string }; json?: boolean }): void {
  const { io } = ctx;
  let rows: ChainRow[];
  try {
    rows = parseExport((ctx.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const first = rows[0];
  // an export may start anywhere: its first row is taken as chained to what it names
  const v = new ChainVerifier(first ? { seq: first.seq - 1, hash: first.prevHash } : undefined);
  let checkpoint: 'matched' | undefined;
  for (const row of rows) {
    const p = v.push(row);
    if (p) {
      if (o.json) io.out(JSON.stringify({ ok: false, verified: v.count, problem: p }));
      throw new AuditBroken(brokenLine(p, v.count));
    }
    if (o.checkpoint && row.seq === o.checkpoint.seq) {
      if (row.hash !== o.checkpoint.hash) {
        const p2 = { kind: 'edited', seq: row.seq, message: `seq ${row.seq} does not have the hash noted at the checkpoint` };
        if (o.json) io.out(JSON.stringify({ ok: false, verified: v.count, problem: p2 }));
        throw new AuditBroken(brokenLine(p2, v.count));
      }
      checkpoint = 'matched';
    }
  }
  if (o.checkpoint && !checkpoint) throw new AuditBroken(`checkpoint seq ${o.checkpoint.seq} is not in ${path}`);
  if (o.json) {
    io.out(JSON.stringify({ ok: true, verified: v.count, first: v.first, last: v.last?.seq ?? null, head: v.last, chained_to: first?.prevHash ?? null }));
    return;
  }
  io.out(`${v.count} events in ${path} verified${v.count ? ` (seq ${v.first} to ${v.last!.seq})` : ''}`);
  if (first) io.out(`first row chained to ${first.seq - 1}:${first.prevHash}; head: ${v.last!.seq}:${v.last!.hash}`);
}

function registerExport(audit: Command, ctx: AuditCommandContext): void {
  const { io } = ctx;
  audit.command('export')
    .description('write the events since a date to standard output, in seq order (UTF-8)')
    .requiredOption('--since <date>', 'from this date (YYYY-MM-DD, local midnight) or time (ISO 8601)', parseDate)
    .option('--until <date>', 'before this date or time', parseDate)
    .addOption(new Option('--format <format>', 'jsonl: one JSON object a line; csv: RFC 4180 with a header').choices([...EXPORT_FORMATS]).default('jsonl'))
    .option('--bom', 'csv: start with a byte order mark, so that Excel reads the Vietnamese text as UTF-8')
    .action(async (o: { since: Date; until?: Date; format: ExportFormat; bom?: boolean }, cmd: Command) => {
      if (o.until && o.until.getTime() <= o.since.getTime()) cmd.error('sso audit export: --until must be after --since', { exitCode: 2, code: 'sso.usage' });
      if (o.bom && o.format !== 'csv') cmd.error('sso audit export: --bom goes with --format csv', { exitCode: 2, code: 'sso.usage' });
      const s = await ctx.open();
      let first = true;
      await s.audit.export({ since: o.since, until: o.until, format: o.format }, (line) => {
        io.out(first && o.bom ? `\uFEFF${line}` : line);
        first = false;
      });
    });
}

function registerList(audit: Command, ctx: AuditCommandContext): void {
  const { io } = ctx;
  audit.command('list')
    .description('the latest events, newest first')
    .option('--type <type>', 'only this type, or a family: login (login.success, login.failure), account, client, keys, sync, audit')
    .option('--since <date>', 'only events at or after this date or time', parseDate)
    .option('--limit <n>', 'at most this many (default 50)', limitArg)
    .option('--json', 'machine-readable output')
    .action(async (o: { type?: string; since?: Date; limit?: number; json?: boolean }) => {
      const s = await ctx.open();
      const rows = await s.audit.list({ type: o.type, since: o.since, limit: o.limit ?? 50 });
      if (o.json) {
        io.out(JSON.stringify(rows.map(recordView)));
        return;
      }
      if (!rows.length) {
        io.out('no audit events');
        return;
      }
      io.out(table(rows.map((r) => {
        const v = recordView(r);
        const detail = typeof v.detail === 'string' ? v.detail : JSON.stringify(v.detail);
        return { ...v, at: v.at.replace(/\.\d+Z$/, 'Z'), client: v.client_id, detail: detail === '{}' ? '' : detail.length > 80 ? `${detail.slice(0, 77)}...` : detail };
      }), ['seq', 'at', 'type', 'outcome', 'actor', 'subject', 'client', 'ip', 'detail']));
    });
}

function registerPrune(audit: Command, ctx: AuditCommandContext): void {
  const { io } = ctx;
  audit.command('prune')
    .description('remove the events older than AUDIT_RETENTION, keeping the chain verifiable (refused when the chain is broken)')
    .option('--force', 'prune even though the rows to remove do not verify (the problem is recorded in the audit.pruned event)')
    .option('--json', 'machine-readable output')
    .action(async (o: { force?: boolean; json?: boolean }) => {
      const s = await ctx.open();
      if (!(s.audit.retentionSeconds > 0)) {
        io.out(o.json ? JSON.stringify({ removed: 0, retention_seconds: 0 }) : 'AUDIT_RETENTION is 0: events are kept forever; nothing pruned');
        return;
      }
      const r = await s.audit.prune(undefined, { force: !!o.force });
      if (o.json) {
        io.out(JSON.stringify({ removed: r.removed, from_seq: r.fromSeq ?? null, through_seq: r.throughSeq ?? null, anchor_hash: r.anchorHash ?? null, before: r.before?.toISOString() ?? null, retention_seconds: s.audit.retentionSeconds }));
        return;
      }
      if (r.throughSeq === undefined) io.out(`nothing to prune: no event is older than AUDIT_RETENTION (${s.audit.retentionSeconds} s)`);
      else io.out(`removed ${r.removed} events (seq ${r.fromSeq} to ${r.throughSeq}, before ${r.before!.toISOString()}); the chain now starts from anchor ${r.throughSeq}:${r.anchorHash}`);
    });
}
