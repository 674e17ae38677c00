/**
 * `sso db migrate`, `sso db status` and `sso db gc`: database maintenance. `migrate` is the only
 * command (with `sso serve`) that changes the schema; `status` only reads it; `gc` goes through
 * the services, which refuse a schema that is not current.
 */
import type { Command } from 'commander';
import { databaseSchemaStatus, migrateDatabase, runMaintenance } from '../../app/container.js';
import type { CliContext } from '../context.js';
import { CommandExit, EXIT } from '../errors.js';

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : 'unknown time');

/** The schema's state in plain lines: what is applied, what is pending, what this version does not know. */
function statusLines(s: Awaited<ReturnType<typeof databaseSchemaStatus>>): string[] {
  const lines = [`database: ${s.provider}; schema ${s.state === 'current' ? 'up to date' : s.state}`];
  lines.push(`applied (${s.applied.length}):`, ...s.applied.map((m) => `  ${m.name}  ${when(m.appliedAt)}`));
  if (s.pending.length) lines.push(`pending (${s.pending.length}), applied by sso db migrate:`, ...s.pending.map((n) => `  ${n}`));
  if (s.unknown.length) lines.push(`applied by a newer version, unknown to this one (${s.unknown.length}):`, ...s.unknown.map((m) => `  ${m.name}  ${when(m.appliedAt)}`));
  if (s.changed.length) lines.push(`changed since they were applied (${s.changed.length}):`, ...s.changed.map((n) => `  ${n}`));
  if (s.problem) lines.push(s.problem);
  return lines;
}

export function registerDbCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const db = program.command('db').description('database maintenance');
  db.command('migrate').description('apply pending migrations (the only command that changes the schema; sso serve does it too unless MIGRATE=false)').action(async () => {
    const r = await migrateDatabase(ctx.getConfig());
    io.out(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date');
  });
  db.command('status')
    .description('applied and pending migrations, read only; exit 0 when the schema is up to date, 1 when not')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const s = await databaseSchemaStatus(ctx.getConfig());
      if (o.json) {
        const at = (m: { name: string; appliedAt: Date | null }) => ({ name: m.name, applied_at: m.appliedAt?.toISOString() ?? null });
        io.out(JSON.stringify({ provider: s.provider, state: s.state, applied: s.applied.map(at), pending: s.pending, unknown: s.unknown.map(at), changed: s.changed, problem: s.problem }));
      } else {
        io.out(statusLines(s).join('\n'));
      }
      if (s.state !== 'current') throw new CommandExit(EXIT.failed);
    });
  db.command('gc').description('delete expired sessions, tokens, codes and interactions').action(async () => {
    const { removed, retired } = await runMaintenance(await ctx.open());
    io.out(`removed ${removed} expired rows; retired ${retired} keys`);
  });
}
