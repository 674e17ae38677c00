/** `sso logout-deliveries`: the back-channel logout notifications sent when an account's access ended. */
import { Option, type Command } from 'commander';
import { SsoError } from '../../domain/errors.js';
import { DELIVERY_STATUSES, type DeliveryRow, type DeliveryStatus } from '../../deprovision/service.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';

interface Options { status?: DeliveryStatus; account?: string; limit?: string; json?: boolean }

export function registerLogoutDeliveriesCommand(program: Command, ctx: CliContext): void {
  program.command('logout-deliveries')
    .description('back-channel logout notifications sent to applications when an account\'s access ended, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices([...DELIVERY_STATUSES]))
    .option('--account <login>', 'only this account')
    .option('--limit <n>', 'at most this many rows (default 100)')
    .option('--json', 'machine-readable output')
    .action(async (o: Options) => {
      const limit = o.limit === undefined ? 100 : Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new SsoError('invalid_input', '--limit must be a whole number from 1 to 10000', { field: 'limit' });
      const s = await ctx.open();
      let accountId: string | undefined;
      if (o.account !== undefined) {
        const a = await s.accounts.byLogin(o.account);
        if (!a) throw new SsoError('not_found', `no account with login "${o.account}"`, { field: 'account' });
        accountId = a.id;
      }
      const rows = await s.deprovision.list({ status: o.status, accountId, limit });
      const logins = await s.accounts.loginsById([...new Set(rows.map((r) => r.accountId))]);
      const view = rows.map((r) => deliveryView(r, logins));
      ctx.io.out(o.json ? JSON.stringify(view) : table(view, ['created_at', 'status', 'attempts', 'login', 'client_id', 'delivered_at', 'next_attempt_at', 'last_error']));
    });
}

function deliveryView(r: DeliveryRow, logins: Map<string, string>) {
  return {
    id: r.id,
    created_at: r.createdAt.toISOString(),
    status: r.status,
    attempts: r.attempts,
    account_id: r.accountId,
    login: logins.get(r.accountId) ?? null,
    client_id: r.clientId,
    sid: r.sid,
    uri: r.uri,
    kind: r.kind,
    reason: r.reason,
    next_attempt_at: r.status === 'pending' || r.status === 'sending' ? r.nextAttemptAt.toISOString() : null,
    delivered_at: r.deliveredAt?.toISOString() ?? null,
    last_error: r.lastError,
  };
}
