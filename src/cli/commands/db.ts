/** `sso db migrate` and `sso db gc`: database maintenance, through the services. */
import type { Command } from 'commander';
import { migrateDatabase, runMaintenance } from '../../app/container.js';
import type { CliContext } from '../context.js';

export function registerDbCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const db = program.command('db').description('database maintenance');
  db.command('migrate').description('apply pending migrations (also done at start-up)').action(async () => {
    const r = await migrateDatabase(ctx.getConfig());
    io.out(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date');
  });
  db.command('gc').description('delete expired sessions, tokens, codes and interactions').action(async () => {
    const { removed, retired } = await runMaintenance(await ctx.open());
    io.out(`removed ${removed} expired rows; retired ${retired} keys`);
  });
}
