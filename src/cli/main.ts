/**
 * `sso`: the IT staff's command line. It uses the same services as the server, on the same
 * database, never over HTTP. Exit codes: 0 done, 1 failed, 2 wrong usage or configuration.
 */
import { Command, CommanderError, Option } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from '../config/load.js';
import { disableAccount, logoutEverywhere, openServices, type Services } from '../services.js';
import { migrate } from '../db/migrate.js';
import { collectGarbage } from '../oidc/adapter/prisma-adapter.js';
import { keySchedule } from '../oidc/keys/schedule.js';
import { AccountError } from '../accounts/service.js';
import { ClientError } from '../clients/service.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../deprovision/service.js';
import { CLIENT_TYPES, type ClientType } from '../clients/types.js';
import { readSecret } from './prompt.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerSyncCommand, SyncCommandExit } from './commands/sync.js';
import { table } from './table.js';
import { shutdownSignals } from './signals.js';
import { createLogger } from '../util/logger.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

class UsageError extends Error {}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  readSecret(question: string): Promise<string>;
}

const defaultIO: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  env: process.env,
  readSecret,
};

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (io === defaultIO) loadDotenv({ quiet: true });
  let config: Config | undefined;
  const getConfig = () => (config ??= loadConfig(io.env));
  let services: Services | undefined;
  const open = async () => (services ??= await openServices(getConfig()));

  const program = new Command('sso')
    .description('Single sign-on for the province: OpenID Connect provider federating the official mail directory')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  program.command('serve').description('run the identity provider').action(async () => {
    const { startServer } = await import('../main.js');
    const shutdown = shutdownSignals();
    const logger = createLogger(getConfig().logLevel);
    const running = await startServer(getConfig(), logger);
    const dd = running.directory.demo;
    if (dd) {
      io.out([
        '',
        '  Demo directory (an in-process LDAP server with fictional civil servants):',
        `    people:         ${dd.logins.join(', ')}`,
        `    password:       ${dd.peoplePassword}  (every demo person; log in with the login or login@${dd.mailDomain})`,
      ].join('\n'));
    }
    if (running.demo) {
      const d = running.demo;
      const issuer = getConfig().issuer;
      io.out([
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
      ].join('\n'));
    }
    await shutdown.drain(running, logger);
  });

  const db = program.command('db').description('database maintenance');
  db.command('migrate').description('apply pending migrations (also done at start-up)').action(async () => {
    const r = await migrate(getConfig().databaseUrl);
    io.out(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date');
  });
  db.command('gc').description('delete expired sessions, tokens, codes and interactions').action(async () => {
    const s = await open();
    const removed = await collectGarbage(s.db.prisma);
    const retired = await s.keys.retireExpired();
    await s.audit.prune();
    io.out(`removed ${removed} expired rows; retired ${retired} keys`);
  });

  const keys = program.command('keys').description('token signing keys');
  keys.command('list').option('--json', 'machine-readable output').description('list signing keys').action(async (o: { json?: boolean }) => {
    const s = await open();
    const rows = await s.keys.list();
    const set = keySchedule(rows, new Date(), getConfig().signingAlgs);
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
      const s = await open();
      const c = getConfig();
      const now = new Date();
      const activateAt = o.immediate ? now : new Date(now.getTime() + c.keys.activationDelaySeconds * 1000);
      const r = await s.keys.rotate({ now, activateAt, graceSeconds: c.keys.graceSeconds });
      if (o.json) io.out(JSON.stringify({ created: r.created, retiring: r.retiring, activate_at: r.activateAt.toISOString(), retire_after: r.retireAfter.toISOString() }));
      else io.out(`new keys ${r.created.map((k) => `${k.kid} (${k.alg})`).join(', ')} sign from ${r.activateAt.toISOString()}; old keys published until ${r.retireAfter.toISOString()}`);
    });

  /** After endAccess: one delivery pass from here, so the applications hear of it even with no server running. */
  const deliverNow = async (s: Services, queued: number) => {
    if (!queued) return;
    const r = await s.deprovision.deliverDue();
    io.out(`logout notifications: ${queued} queued, ${r.delivered} delivered, ${r.retried} to retry, ${r.failed} failed (see sso logout-deliveries)`);
  };

  const account = program.command('account').description('accounts');
  const passwordFrom = async (o: { passwordStdin?: boolean }) => {
    getConfig(); // a configuration error is reported before anyone types a password
    const pw = await io.readSecret(o.passwordStdin ? '' : 'Password: ');
    if (!pw) throw new UsageError('no password given');
    return pw;
  };
  account.command('add-local')
    .description('create a local account (break-glass administrators, people outside the mail directory)')
    .requiredOption('--login <login>', 'login name')
    .requiredOption('--name <name>', 'display name, e.g. "Nguyễn Văn A"')
    .option('--email <email>', 'email address')
    .option('--phone <phone>', 'phone number')
    .option('--password-stdin', 'read the password from standard input (else asked without echo)')
    .option('--json', 'machine-readable output')
    .action(async (o: { login: string; name: string; email?: string; phone?: string; passwordStdin?: boolean; json?: boolean }) => {
      const password = await passwordFrom(o);
      const s = await open();
      const a = await s.accounts.addLocal({ login: o.login, password, displayName: o.name, email: o.email, phoneNumber: o.phone });
      io.out(o.json ? JSON.stringify({ id: a.id, login: a.login }) : `created local account ${a.login} (id ${a.id})`);
    });
  account.command('set-password <login>')
    .description("set a local account's password")
    .option('--password-stdin', 'read the password from standard input')
    .action(async (login: string, o: { passwordStdin?: boolean }) => {
      const password = await passwordFrom(o);
      const s = await open();
      await s.accounts.setPassword(login, password);
      io.out(`password changed for ${login}`);
    });
  account.command('disable <login>').description('disable an account and end all its sessions and tokens').action(async (login: string) => {
    const s = await open();
    const { account: a, revoked, queued } = await disableAccount(s, login, 'sso account disable');
    io.out(`disabled ${a.login}; revoked ${revoked} sessions, grants and tokens`);
    await deliverNow(s, queued);
  });
  account.command('enable <login>').description('enable an account').action(async (login: string) => {
    const s = await open();
    const a = await s.accounts.setStatus(login, 'active');
    io.out(`enabled ${a.login}`);
  });
  account.command('logout <login>').description('end all sessions and tokens of an account (it stays enabled)').action(async (login: string) => {
    const s = await open();
    const { account: a, revoked, queued } = await logoutEverywhere(s, login, 'sso account logout');
    io.out(`revoked ${revoked} sessions, grants and tokens of ${a.login}`);
    await deliverNow(s, queued);
  });
  const admin = account.command('admin').description('administrators of the console (directory administrators are named by ADMIN_GROUPS)');
  admin.command('grant <login>').description('make an account an administrator of the console').action(async (login: string) => {
    const s = await open();
    const a = await s.accounts.setAdmin(login, true);
    io.out(`${a.login} administers the console`);
  });
  admin.command('revoke <login>').description('take the console away from an account (ADMIN_GROUPS membership still counts)').action(async (login: string) => {
    const s = await open();
    const a = await s.accounts.setAdmin(login, false);
    io.out(`${a.login} no longer has the local administrator flag`);
  });
  admin.command('list').option('--json', 'machine-readable output').description('accounts with the local administrator flag').action(async (o: { json?: boolean }) => {
    const s = await open();
    const rows = (await s.accounts.list({ admin: true })).map((a) => ({ login: a.login, name: a.displayName, status: a.status, source: a.source, id: a.id }));
    io.out(o.json ? JSON.stringify(rows) : table(rows, ['login', 'name', 'status', 'source', 'id']));
  });
  account.command('list')
    .description('list accounts')
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'disabled']))
    .addOption(new Option('--source <source>', 'only this source').choices(['local', 'directory']))
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: string; source?: string; json?: boolean }) => {
      const s = await open();
      const rows = (await s.accounts.list(o)).map((a) => ({ id: a.id, login: a.login, name: a.displayName, email: a.email, status: a.status, source: a.source }));
      io.out(o.json ? JSON.stringify(rows) : table(rows, ['login', 'name', 'email', 'status', 'source', 'id']));
    });

  program.command('logout-deliveries')
    .description('back-channel logout notifications sent to applications when an account\'s access ended, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices([...DELIVERY_STATUSES]))
    .option('--account <login>', 'only this account')
    .option('--limit <n>', 'at most this many rows (default 100)')
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: DeliveryStatus; account?: string; limit?: string; json?: boolean }) => {
      const limit = o.limit === undefined ? 100 : Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
      const s = await open();
      let accountId: string | undefined;
      if (o.account !== undefined) {
        const a = await s.accounts.byLogin(o.account);
        if (!a) throw new AccountError('not_found', `no account with login "${o.account}"`);
        accountId = a.id;
      }
      const rows = await s.deprovision.list({ status: o.status, accountId, limit });
      const ids = [...new Set(rows.map((r) => r.accountId))];
      const logins = new Map((await s.db.prisma.account.findMany({ where: { id: { in: ids } }, select: { id: true, login: true } })).map((a) => [a.id, a.login]));
      const view = rows.map((r) => ({
        id: r.id,
        created_at: r.createdAt.toISOString(),
        status: r.status,
        attempts: r.attempts,
        account_id: r.accountId,
        login: logins.get(r.accountId) ?? null,
        client_id: r.clientId,
        sid: r.sid,
        uri: r.uri,
        reason: r.reason,
        next_attempt_at: r.status === 'pending' || r.status === 'sending' ? r.nextAttemptAt.toISOString() : null,
        delivered_at: r.deliveredAt?.toISOString() ?? null,
        last_error: r.lastError,
      }));
      io.out(o.json ? JSON.stringify(view) : table(view, ['created_at', 'status', 'attempts', 'login', 'client_id', 'delivered_at', 'next_attempt_at', 'last_error']));
    });

  const client = program.command('client').description('registered applications');
  client.command('add')
    .description('register an application; prints its client_id and, for web and service clients, a secret shown only once')
    .requiredOption('--name <name>', 'application name shown to people')
    .option('--redirect-uri <uri>', 'redirect URI, exact match (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--post-logout-redirect-uri <uri>', 'where to send people after logout (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--backchannel-logout-uri <uri>', 'receives logout tokens when a session ends')
    .addOption(new Option('--type <type>', 'web (server-side, has a secret), spa, native (public, PKCE), service (client_credentials)').choices([...CLIENT_TYPES]).default('web'))
    .option('--first-party', 'a provincial application: skip the consent page')
    .option('--id <client_id>', 'choose the client_id (default: random)')
    .option('--json', 'print exactly one JSON object with client_id and client_secret')
    .action(async (o: { name: string; redirectUri: string[]; postLogoutRedirectUri: string[]; backchannelLogoutUri?: string; type: ClientType; firstParty?: boolean; id?: string; json?: boolean }) => {
      const s = await open();
      const r = await s.clients.add({
        id: o.id,
        name: o.name,
        type: o.type,
        redirectUris: o.redirectUri,
        postLogoutRedirectUris: o.postLogoutRedirectUri,
        backchannelLogoutUri: o.backchannelLogoutUri,
        firstParty: !!o.firstParty,
      });
      if (o.json) io.out(JSON.stringify({ client_id: r.client.client_id, client_secret: r.clientSecret, type: r.client.type }));
      else {
        io.out(`client_id:     ${r.client.client_id}`);
        if (r.clientSecret) io.out(`client_secret: ${r.clientSecret}\n(shown once: store it now; only a hash is kept)`);
        else io.out('public client: no secret; it must use PKCE (S256)');
      }
    });
  client.command('list').option('--json', 'machine-readable output').description('list applications').action(async (o: { json?: boolean }) => {
    const s = await open();
    const rows = await s.clients.list();
    io.out(o.json ? JSON.stringify(rows) : table(rows.map((c) => ({ ...c, redirect_uris: c.redirect_uris.join(' ') })), ['client_id', 'name', 'type', 'status', 'first_party', 'redirect_uris']));
  });
  client.command('rotate-secret <client_id>').option('--json', 'machine-readable output').description('replace the secret (the old one stops working at once)').action(async (id: string, o: { json?: boolean }) => {
    const s = await open();
    const secret = await s.clients.rotateSecret(id);
    io.out(o.json ? JSON.stringify({ client_id: id, client_secret: secret }) : `client_secret: ${secret}\n(shown once)`);
  });
  client.command('disable <client_id>').description('disable an application and revoke its tokens').action(async (id: string) => {
    const s = await open();
    await s.clients.setStatus(id, 'disabled');
    io.out(`disabled ${id}`);
  });
  client.command('enable <client_id>').description('enable an application').action(async (id: string) => {
    const s = await open();
    await s.clients.setStatus(id, 'active');
    io.out(`enabled ${id}`);
  });

  registerAuditCommand(program, { io, open });
  // A sync run from the command line delivers the logout tokens it queued before it exits.
  let queuedByCli = false;
  // Ctrl-C during `sso sync` aborts the run cleanly: recorded as failed, the next run converges.
  const abort = new AbortController();
  if (io === defaultIO && argv[2] === 'sync') process.once('SIGINT', () => abort.abort());
  registerSyncCommand(program, {
    signal: abort.signal,
    io: { out: io.out, err: io.err, ...(io === defaultIO ? { isTTY: process.stderr.isTTY, write: (t: string) => void process.stderr.write(t) } : {}) },
    getConfig,
    open,
    endAccess: async (accountId, reason) => {
      queuedByCli = true;
      return (await open()).deprovision.endAccess(accountId, reason);
    },
  });

  try {
    await program.parseAsync(argv);
    if (queuedByCli && services) await services.deprovision.deliverDue();
    return EXIT.ok;
  } catch (err) {
    if (err instanceof SyncCommandExit) {
      // its output is written; deliver what a partial run queued, then exit with its code
      if (queuedByCli && services) await services.deprovision.deliverDue().catch(() => undefined);
      return err.exitCode;
    }
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      io.err(`sso: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof UsageError || (err instanceof AccountError && err.code === 'invalid') || (err instanceof ClientError && err.code === 'invalid')) {
      io.err(`sso: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof AccountError || err instanceof ClientError) {
      io.err(`sso: ${err.message}`);
      return EXIT.failed;
    }
    io.err(`sso: ${(err as Error).message}`);
    return EXIT.failed;
  } finally {
    await services?.close();
  }
}
