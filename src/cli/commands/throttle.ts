/**
 * `sso throttle`: the password-guessing throttle's active blocks.
 *
 *   sso throttle list [--json]                       who is blocked, from where, until when
 *   sso throttle unblock --login L | --address A     lift them (audited: throttle.unblocked)
 *
 * Exit codes: 0 done, 1 no active block matched, 2 wrong usage (neither or both of --login and
 * --address, a malformed login or address).
 */
import type { Command } from 'commander';
import { SsoError } from '../../domain/errors.js';
import type { Block, UnblockTarget } from '../../login/blocks.js';
import type { CliContext } from '../context.js';
import { CommandExit, EXIT } from '../errors.js';
import { table } from '../table.js';

function blockView(b: Block) {
  return {
    type: b.type,
    login: b.login,
    address: b.address,
    failures: b.failures,
    blocked_until: b.blockedUntil.toISOString(),
    last_failure: b.lastFailureAt?.toISOString() ?? null,
    key: b.key,
  };
}

const COLUMNS = ['type', 'login', 'address', 'failures', 'blocked_until', 'last_failure'];

function target(o: { login?: string; address?: string }): UnblockTarget {
  if ((o.login === undefined) === (o.address === undefined)) throw new SsoError('invalid_input', 'give exactly one of --login <login> and --address <address>');
  return o.login !== undefined ? { login: o.login } : { address: o.address! };
}

export function registerThrottleCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const throttle = program.command('throttle').description('the password-guessing throttle: active blocks, and lifting them');

  throttle.command('list')
    .description('active blocks, the latest first: whose (a login, a login from one address, an address, a login on its known devices), until when')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const s = await ctx.open();
      const blocks = (await s.throttleBlocks.list()).map(blockView);
      if (o.json) return io.out(JSON.stringify(blocks));
      io.out(blocks.length ? table(blocks, COLUMNS) : 'no active blocks');
      io.out(`directory: ${s.throttleBlocks.budget().text}`);
    });

  throttle.command('unblock')
    .description('lift the active blocks of a login (from every address and device) or of a client address; the counts stay: a further wrong password blocks again at once')
    .option('--login <login>', 'a login (uid or mail address)')
    .option('--address <address>', 'a client address, IPv4 or IPv6 (an IPv6 address lifts its /64)')
    .option('--json', 'machine-readable output')
    .action(async (o: { login?: string; address?: string; json?: boolean }) => {
      const t = target(o);
      const s = await ctx.open();
      const { lifted, blocks } = await s.throttleBlocks.unblock(t);
      if (o.json) io.out(JSON.stringify({ lifted, blocks: blocks.map(blockView) }));
      else if (lifted) io.out(`lifted ${lifted} block${lifted === 1 ? '' : 's'}:\n${table(blocks.map(blockView), COLUMNS)}`);
      if (!lifted) {
        io.err(`sso: no active block for ${t.login !== undefined ? `login "${t.login}"` : `address ${t.address}`}`);
        throw new CommandExit(EXIT.failed);
      }
    });
}
