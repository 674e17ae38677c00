/**
 * `sso serve`: runs the identity provider until SIGTERM or SIGINT, then stops it gracefully.
 *
 * Everything it writes is a JSON log line on stdout (docs/logging.md): a configuration error or a
 * failed start ends with one `sso.start_failed` line (and exit 2 or 1), what libraries print is
 * routed through the logger (util/library-output.ts), and a crash is one `sso.crashed` line. The
 * development demo's passwords and secret are no log line: they go to DATA_DIR/demo-credentials.txt
 * (mode 0600), and to the terminal when a person runs it at one.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, type Config } from '../../config/load.js';
import type { RunningServer } from '../../app/server.js';
import { createLogger, type Logger } from '../../util/logger.js';
import { routeLibraryOutput } from '../../util/library-output.js';
import { VERSION } from '../../version.js';
import type { CliContext } from '../context.js';
import { CommandExit, exitCodeOf } from '../errors.js';
import { shutdownSignals } from '../signals.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const noMigrate = 'do not change the schema: refuse to start unless it is up to date (run sso db migrate first); also MIGRATE=false';
  program.command('serve').description('run the identity provider (applies pending migrations first)').option('--no-migrate', noMigrate).action(async (o: { migrate: boolean }) => {
    const shutdown = shutdownSignals();
    const configuredNow = configured(ctx);
    const logger = configuredNow.logger;
    const config = o.migrate ? configuredNow.config : { ...configuredNow.config, migrate: false };
    logger.info({ event: 'sso.starting', version: VERSION, mode: config.env, configFile: config.configFile ?? null, host: config.host, port: config.port },
      `sso ${VERSION} starting in ${config.env} mode${config.configFile ? ` with ${config.configFile}` : ' (no environment file)'}`);
    if (ctx.terminal) {
      routeLibraryOutput(logger);
      process.on('uncaughtException', (err) => {
        logger.fatal({ event: 'sso.crashed', error: err?.message ?? String(err), stack: err?.stack }, 'sso stopped on an unexpected error');
        process.exit(1);
      });
    }
    let running: RunningServer;
    try {
      // imported after the routing above: oidc-provider prints its notice when it is loaded
      const { startServer } = await import('../../app/server.js');
      running = await startServer(config, logger);
    } catch (err) {
      logger.fatal({ event: 'sso.start_failed', error: (err as Error)?.message ?? String(err) }, `sso could not start: ${(err as Error)?.message}`);
      throw new CommandExit(exitCodeOf(err));
    }
    announceDemo(running, config, logger, (text) => ctx.terminal && process.stdout.isTTY && io.out(text));
    await shutdown.drain(running, logger);
  });
}

/** The configuration and its logger; a configuration error is logged as JSON (exit 2). */
function configured(ctx: CliContext): { config: Config; logger: Logger } {
  try {
    const config = ctx.getConfig();
    return { config, logger: createLogger(config.logLevel) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('info').fatal({ event: 'sso.start_failed', problems: err.problems }, `sso could not start: invalid configuration: ${err.problems.join('; ')}`);
    throw new CommandExit(exitCodeOf(err));
  }
}

/**
 * The demo's logins, passwords and secret: written to DATA_DIR/demo-credentials.txt (0600) and
 * shown at a terminal; the log says where they are, without them.
 */
function announceDemo(running: RunningServer, config: Config, logger: Logger, show: (text: string) => unknown): void {
  const notes = demoNotes(running, config);
  if (!notes.length) return;
  const text = notes.map((l) => l.join('\n')).join('\n');
  const file = join(resolve(config.dataDir), 'demo-credentials.txt');
  mkdirSync(resolve(config.dataDir), { recursive: true });
  writeFileSync(file, `${text.trim()}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.info({
    event: 'demo.ready',
    file,
    directoryPeople: running.directory.demo?.logins.length ?? 0,
    login: running.demo?.login,
    clientId: running.demo?.clientId,
    redirectUri: running.demo?.redirectUri,
  }, `development demo ready: its logins, passwords and client secret (new at each start) are in ${file}`);
  show(text);
}

/** What the demo directory and the development demo (when on) print at start-up: logins, passwords, a link to try. */
function demoNotes(running: RunningServer, config: Config): string[][] {
  const notes: string[][] = [];
  const dd = running.directory.demo;
  if (dd) {
    notes.push([
      '',
      '  Demo directory (an in-process LDAP server with fictional civil servants):',
      `    people:         ${dd.logins.join(', ')}`,
      `    password:       ${dd.peoplePassword}  (every demo person; log in with the login or login@${dd.mailDomain})`,
    ]);
  }
  if (running.demo) {
    const d = running.demo;
    const issuer = config.issuer;
    notes.push([
      '',
      '  Development demo (DEMO=true; refused in production):',
      `    account:        ${d.login} / ${d.password}`,
      ...(d.enrolCode ? [`    enrolment code: ${d.enrolCode}  (the demo administrator's second factor: asked once, after the password)`] : []),
      `    client_id:      ${d.clientId}`,
      `    client_secret:  ${d.clientSecret}`,
      `    redirect_uri:   ${d.redirectUri}`,
      `    discovery:      ${issuer}/.well-known/openid-configuration`,
      `    console:        ${issuer}/admin  (the demo account administers it; everyone has ${issuer}/account)`,
      `    try:            ${issuer}/auth?client_id=${d.clientId}&response_type=code&scope=openid%20profile&redirect_uri=${encodeURIComponent(d.redirectUri)}&state=demo`,
      '',
    ]);
  }
  return notes;
}
