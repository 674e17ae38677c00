/**
 * `sso`: the IT staff's command line. It uses the same services as the server, on the same
 * database, never over HTTP. Exit codes: 0 done, 1 failed, 2 wrong usage or configuration.
 *
 * This file only dispatches: it loads the configuration and opens the services when a command
 * first asks for them, registers the commands (one file each in commands/), runs the one named,
 * and maps what it throws to a message and an exit code (errors.ts).
 */
import { Command } from 'commander';
import type { Config } from '../config/load.js';
import { loadRunConfig } from '../config/sources.js';
import { VERSION } from '../version.js';
import { openServices, type Services } from '../app/container.js';
import type { CliContext, CliIO } from './context.js';
import { EXIT, reportError } from './errors.js';
import { readSecret } from './prompt.js';
import { actorNameProblem, operatorActor } from '../audit/actor.js';
import { SsoError } from '../domain/errors.js';
import { lineWriter } from './output.js';
import { registerServeCommand } from './commands/serve.js';
import { registerDbCommand } from './commands/db.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerAccountCommand } from './commands/account.js';
import { registerLogoutDeliveriesCommand } from './commands/logout-deliveries.js';
import { registerClientCommand } from './commands/client.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerSync } from './commands/sync.js';
import { registerThrottleCommand } from './commands/throttle.js';
import { registerSamlCommand } from './commands/saml.js';

export { EXIT } from './errors.js';
export type { CliIO } from './context.js';

const defaultIO: CliIO = {
  // `sso audit export | head`: the reader going away ends the command quietly (output.ts)
  out: lineWriter(process.stdout),
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
  registerSamlCommand,
];

/** The operator named by --actor, else SSO_ACTOR (an empty SSO_ACTOR is unset), as the audit trail records them. */
function commandActor(option: string | undefined, env: CliIO['env']): string {
  const [source, name] = option !== undefined ? ['--actor', option] : ['SSO_ACTOR', env.SSO_ACTOR?.trim() ? env.SSO_ACTOR : undefined];
  if (name === undefined) return operatorActor(undefined, env);
  const problem = actorNameProblem(name);
  if (problem) throw new SsoError('invalid_input', `${source}: ${problem}`);
  return operatorActor(name, env);
}

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let config: Config | undefined;
  let services: Services | undefined;
  let actor: string | undefined;
  const ctx: CliContext = {
    io,
    terminal: io === defaultIO,
    getConfig: () => {
      const { dev, config: file } = program.opts<{ dev?: boolean; config?: string }>();
      return (config ??= loadRunConfig(io.env, { dev, config: file, cwd: process.cwd(), implicitDotenv: io === defaultIO }));
    },
    // commands never change the schema (only `sso db migrate` and `sso serve` do): a schema that is behind or ahead is refused
    open: async () => {
      if (services) return services;
      // a misspelt setting is otherwise silently ignored (`sso serve` logs it instead)
      for (const problem of ctx.getConfig().unknownSettings) io.err(`sso: warning: ${problem}`);
      return (services = await openServices(ctx.getConfig(), { migrate: false, actor: actor ?? operatorActor(undefined, io.env) }));
    },
  };
  const program: Command = new Command('sso')
    .description('Single sign-on for the province: OpenID Connect provider federating the official mail directory')
    .option('--actor <name>', 'who runs this command, as the audit trail records it: "NAME (user@host)" (default: SSO_ACTOR)')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--dev', 'development mode: the demo, generated secrets, listening on 127.0.0.1 (default: production, or NODE_ENV)')
    .option('--config <file>', 'environment file to read (default: SSO_CONFIG, else .env in the working directory)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  // before any command runs: a wrong name stops it with exit 2, nothing done
  program.hook('preAction', () => {
    actor = commandActor(program.opts<{ actor?: string }>().actor, io.env);
  });
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
