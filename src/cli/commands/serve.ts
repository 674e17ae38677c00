/** `sso serve`: runs the identity provider until SIGTERM or SIGINT, then stops it gracefully. */
import type { Command } from 'commander';
import type { Config } from '../../config/load.js';
import type { RunningServer } from '../../app/server.js';
import { createLogger } from '../../util/logger.js';
import type { CliContext } from '../context.js';
import { shutdownSignals } from '../signals.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  const { io, getConfig } = ctx;
  const noMigrate = 'do not change the schema: refuse to start unless it is up to date (run sso db migrate first); also MIGRATE=false';
  program.command('serve').description('run the identity provider (applies pending migrations first)').option('--no-migrate', noMigrate).action(async (o: { migrate: boolean }) => {
    const { startServer } = await import('../../app/server.js');
    const shutdown = shutdownSignals();
    const logger = createLogger(getConfig().logLevel);
    const config = o.migrate ? getConfig() : { ...getConfig(), migrate: false };
    const running = await startServer(config, logger);
    for (const lines of demoNotes(running, getConfig())) io.out(lines.join('\n'));
    await shutdown.drain(running, logger);
  });
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
