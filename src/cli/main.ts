/**
 * `sso`: the IT staff's command line. It uses the same services as the server, on the same
 * database, never over HTTP. Exit codes: 0 done, 1 failed, 2 wrong usage or configuration.
 *
 * This file only dispatches: it loads the configuration and opens the services when a command
 * first asks for them, registers the commands (one file each in commands/), runs the one named,
 * and maps what it throws to a message and an exit code (errors.ts).
 */
import { Command } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { loadConfig, type Config } from '../config/load.js';
import { openServices, type Services } from '../app/container.js';
import type { CliContext, CliIO } from './context.js';
import { EXIT, reportError } from './errors.js';
import { readSecret } from './prompt.js';
import { registerServeCommand } from './commands/serve.js';
import { registerDbCommand } from './commands/db.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerAccountCommand } from './commands/account.js';
import { registerLogoutDeliveriesCommand } from './commands/logout-deliveries.js';
import { registerClientCommand } from './commands/client.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerSync } from './commands/sync.js';
import { registerThrottleCommand } from './commands/throttle.js';

export { EXIT } from './errors.js';
export type { CliIO } from './context.js';

const defaultIO: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  env: process.env,
  readSecret,
};

/** The top-level commands, in the order `sso --help` lists them. */
const COMMANDS: ((program: Command, ctx: CliContext) => unknown)[] = [
  registerServeCommand,
  registerDbCommand,
  registerKeysCommand,
  registerAccountCommand,
  registerLogoutDeliveriesCommand,
  registerClientCommand,
  registerAuditCommand,
  registerSync,
  registerThrottleCommand,
];

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (io === defaultIO) loadDotenv({ quiet: true });
  let config: Config | undefined;
  let services: Services | undefined;
  const ctx: CliContext = {
    io,
    terminal: io === defaultIO,
    getConfig: () => (config ??= loadConfig(io.env)),
    open: async () => (services ??= await openServices(ctx.getConfig())),
  };
  const program = new Command('sso')
    .description('Single sign-on for the province: OpenID Connect provider federating the official mail directory')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  for (const register of COMMANDS) register(program, ctx);

  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return reportError(err, io);
  } finally {
    await services?.close();
  }
}
