/** `sso keys list` and `sso keys rotate`: the token signing keys. */
import type { Command } from 'commander';
import { keySchedule } from '../../domain/keys.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';

export function registerKeysCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const keys = program.command('keys').description('token signing keys');
  keys.command('list').option('--json', 'machine-readable output').description('list signing keys').action(async (o: { json?: boolean }) => {
    const s = await ctx.open();
    const rows = await s.keys.list();
    const set = keySchedule(rows, new Date(), ctx.getConfig().signingAlgs);
    const view = rows.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      status: k.status,
      signing: [...set.signing.values()].some((x) => x.kid === k.kid),
      published: set.published.some((x) => x.kid === k.kid),
      activated_at: k.activatedAt?.toISOString() ?? null,
      retire_after: k.retireAfter?.toISOString() ?? null,
    }));
    io.out(o.json ? JSON.stringify(view) : table(view, ['kid', 'alg', 'status', 'signing', 'published', 'activated_at', 'retire_after']));
  });
  keys.command('rotate')
    .description('introduce new signing keys; the old ones stay published for KEY_ROTATION_GRACE')
    .option('--immediate', 'sign with the new keys at once (single instance, or a compromised key)')
    .option('--json', 'machine-readable output')
    .action(async (o: { immediate?: boolean; json?: boolean }) => {
      const s = await ctx.open();
      const c = ctx.getConfig();
      const now = new Date();
      const activateAt = o.immediate ? now : new Date(now.getTime() + c.keys.activationDelaySeconds * 1000);
      const r = await s.keys.rotate({ now, activateAt, graceSeconds: c.keys.graceSeconds });
      if (o.json) io.out(JSON.stringify({ created: r.created, retiring: r.retiring, activate_at: r.activateAt.toISOString(), retire_after: r.retireAfter.toISOString() }));
      else io.out(`new keys ${r.created.map((k) => `${k.kid} (${k.alg})`).join(', ')} sign from ${r.activateAt.toISOString()}; old keys published until ${r.retireAfter.toISOString()}`);
    });
}
