/** `sso client rotate-secret` and `sso client end-secret-overlap`: a confidential client's secret. */
import type { Command } from 'commander';
import { formatVietnamTime, MAX_SECRET_OVERLAP_DAYS, parseOverlapUntil } from '../../clients/secret-overlap.js';
import { SsoError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

/** The --overlap-until value as a time; a usage error (exit 2) when it is not one. */
function overlapUntil(text: string | undefined): Date | null {
  if (text === undefined) return null;
  const d = parseOverlapUntil(text);
  if (!d) throw new SsoError('invalid_input', `--overlap-until "${text}" is not a date: write 2026-12-31T17:00 or "31/12/2026 17:00" (Vietnam time, Asia/Ho_Chi_Minh), or an ISO time with its offset`);
  return d;
}

const when = (d: Date) => `${formatVietnamTime(d)} (Asia/Ho_Chi_Minh; ${d.toISOString()})`;

export function registerSecretCommands(client: Command, ctx: CliContext): void {
  const { io } = ctx;
  client.command('rotate-secret <client_id>')
    .description('give a web or service client a new secret (shown once); the old one stops at once, or at --overlap-until')
    .option('--overlap-until <date>', `keep accepting the old secret until then (at most ${MAX_SECRET_OVERLAP_DAYS} days ahead): 2026-12-31T17:00 or "31/12/2026 17:00", Vietnam time`)
    .option('--json', 'print exactly one JSON object with client_id, client_secret and overlap_until (when the old secret stops)')
    .action(async (id: string, o: { json?: boolean; overlapUntil?: string }) => {
      const until = overlapUntil(o.overlapUntil);
      const s = await ctx.open();
      const secret = await s.clients.rotateSecret(id, { overlapUntil: until });
      if (o.json) {
        io.out(JSON.stringify({ client_id: id, client_secret: secret, overlap_until: until?.toISOString() ?? null }));
        return;
      }
      io.out(`client_secret: ${secret}\n(shown once: store it now; only a hash is kept)`);
      io.out(until ? `the previous secret is still accepted until ${when(until)}` : 'the previous secret no longer works');
    });
  client.command('end-secret-overlap <client_id>')
    .description('refuse the secret before the last rotation from now on, before its overlap ends')
    .action(async (id: string) => {
      const s = await ctx.open();
      const ended = await s.clients.endSecretOverlap(id);
      io.out(ended ? `the previous secret of ${id} is refused from now on` : `${id} has no previous secret still accepted`);
    });
}
