/** `sso account ...`: local accounts, an account's state and sessions, the console's administrators and helpdesk. */
import { Option, type Command } from 'commander';
import { SsoError } from '../../domain/errors.js';
import type { Services } from '../../app/container.js';
import { deleteAccount, disableAccount, logoutEverywhere } from '../../deprovision/account-access.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';
import { registerMfaCommands } from './account-mfa.js';

interface AddLocalOptions { login: string; name: string; email?: string; phone?: string; passwordStdin?: boolean; json?: boolean }

export function registerAccountCommand(program: Command, ctx: CliContext): void {
  const account = program.command('account').description('accounts');
  registerLocalCommands(account, ctx);
  registerStateCommands(account, ctx);
  registerAdminCommands(account, ctx);
  registerHelpdeskCommands(account, ctx);
  registerListCommand(account, ctx);
  registerMfaCommands(account, ctx);
}

/** The password, from standard input or asked without echo; a configuration error is reported before anyone types it. */
async function passwordFrom(ctx: CliContext, o: { passwordStdin?: boolean }): Promise<string> {
  ctx.getConfig();
  const pw = await ctx.io.readSecret(o.passwordStdin ? '' : 'Password: ');
  if (!pw) throw new SsoError('invalid_input', 'no password given', { field: 'password' });
  return pw;
}

function registerLocalCommands(account: Command, ctx: CliContext): void {
  const { io } = ctx;
  account.command('add-local')
    .description('create a local account (break-glass administrators, people outside the mail directory)')
    .requiredOption('--login <login>', 'login name')
    .requiredOption('--name <name>', 'display name, e.g. "Nguyễn Văn A"')
    .option('--email <email>', 'email address')
    .option('--phone <phone>', 'phone number')
    .option('--password-stdin', 'read the password from standard input (else asked without echo)')
    .option('--json', 'machine-readable output')
    .action(async (o: AddLocalOptions) => {
      const password = await passwordFrom(ctx, o);
      const s = await ctx.open();
      const a = await s.accounts.addLocal({ login: o.login, password, displayName: o.name, email: o.email, phoneNumber: o.phone });
      io.out(o.json ? JSON.stringify({ id: a.id, login: a.login }) : `created local account ${a.login} (id ${a.id})`);
    });
  account.command('set-password <login>')
    .description("set a local account's password")
    .option('--password-stdin', 'read the password from standard input')
    .action(async (login: string, o: { passwordStdin?: boolean }) => {
      const password = await passwordFrom(ctx, o);
      const s = await ctx.open();
      await s.accounts.setPassword(login, password);
      io.out(`password changed for ${login}`);
    });
}

/** After endAccess: one delivery pass from here, so the applications hear of it even with no server running. */
async function deliverNow(ctx: CliContext, s: Services, queued: number): Promise<void> {
  if (!queued) return;
  const r = await s.deprovision.deliverDue();
  ctx.io.out(`logout notifications: ${queued} queued, ${r.delivered} delivered, ${r.retried} to retry, ${r.failed} failed (see sso logout-deliveries)`);
}

function registerStateCommands(account: Command, ctx: CliContext): void {
  const { io } = ctx;
  account.command('disable <login>').description('disable an account and end all its sessions and tokens').action(async (login: string) => {
    const s = await ctx.open();
    const { account: a, revoked, queued } = await disableAccount(s, login, 'sso account disable');
    io.out(`disabled ${a.login}; revoked ${revoked} sessions, grants and tokens`);
    await deliverNow(ctx, s, queued);
  });
  account.command('enable <login>').description('enable an account').action(async (login: string) => {
    const s = await ctx.open();
    const a = await s.accounts.setStatus(login, 'active');
    io.out(`enabled ${a.login}`);
  });
  account.command('delete <login>')
    .description('delete a local account, ending its sessions and tokens first; a directory account is disabled instead (the directory is its source)')
    .option('--json', 'machine-readable output')
    .action(async (login: string, o: { json?: boolean }) => {
      const s = await ctx.open();
      const r = await deleteAccount(s, login, 'sso account delete');
      if (o.json) io.out(JSON.stringify({ login: r.account.login, id: r.account.id, source: r.account.source, deleted: r.deleted, disabled: !r.deleted, revoked: r.revoked, queued: r.queued }));
      else if (r.deleted) io.out(`deleted local account ${r.account.login}; revoked ${r.revoked} sessions, grants and tokens`);
      else io.out(`${r.account.login} is a directory account: disabled, not deleted (the mail directory is its source; close it there). Revoked ${r.revoked} sessions, grants and tokens`);
      if (!o.json) await deliverNow(ctx, s, r.queued);
      else if (r.queued) await s.deprovision.deliverDue();
    });
  account.command('logout <login>').description('end all sessions and tokens of an account (it stays enabled)').action(async (login: string) => {
    const s = await ctx.open();
    const { account: a, revoked, queued } = await logoutEverywhere(s, login, 'sso account logout');
    io.out(`revoked ${revoked} sessions, grants and tokens of ${a.login}`);
    await deliverNow(ctx, s, queued);
  });
}

function registerAdminCommands(account: Command, ctx: CliContext): void {
  const { io } = ctx;
  const admin = account.command('admin').description('administrators of the console (directory administrators are named by ADMIN_GROUPS)');
  admin.command('grant <login>').description('make an account an administrator of the console').action(async (login: string) => {
    const s = await ctx.open();
    const a = await s.accounts.setAdmin(login, true);
    io.out(`${a.login} administers the console`);
  });
  admin.command('revoke <login>').description('take the console away from an account (ADMIN_GROUPS membership still counts)').action(async (login: string) => {
    const s = await ctx.open();
    const a = await s.accounts.setAdmin(login, false);
    io.out(`${a.login} no longer has the local administrator flag`);
  });
  admin.command('list').option('--json', 'machine-readable output').description('accounts with the local administrator flag').action(async (o: { json?: boolean }) => {
    const s = await ctx.open();
    const rows = (await s.accounts.list({ admin: true })).map((a) => ({ login: a.login, name: a.displayName, status: a.status, source: a.source, id: a.id }));
    io.out(o.json ? JSON.stringify(rows) : table(rows, ['login', 'name', 'status', 'source', 'id']));
  });
}

function registerHelpdeskCommands(account: Command, ctx: CliContext): void {
  const { io } = ctx;
  const helpdesk = account.command('helpdesk').description("the console's helpdesk: find a person, unblock, log out everywhere (directory officers are named by HELPDESK_GROUPS)");
  helpdesk.command('grant <login>').description("give an account the console's helpdesk section").action(async (login: string) => {
    const s = await ctx.open();
    const a = await s.accounts.setHelpdesk(login, true);
    io.out(`${a.login} is a helpdesk officer of the console`);
  });
  helpdesk.command('revoke <login>').description('take the helpdesk flag away (HELPDESK_GROUPS membership still counts)').action(async (login: string) => {
    const s = await ctx.open();
    const a = await s.accounts.setHelpdesk(login, false);
    io.out(`${a.login} no longer has the local helpdesk flag`);
  });
  helpdesk.command('list').option('--json', 'machine-readable output').description('accounts with the local helpdesk flag').action(async (o: { json?: boolean }) => {
    const s = await ctx.open();
    const rows = (await s.accounts.list({ helpdesk: true })).map((a) => ({ login: a.login, name: a.displayName, status: a.status, source: a.source, id: a.id }));
    io.out(o.json ? JSON.stringify(rows) : table(rows, ['login', 'name', 'status', 'source', 'id']));
  });
}

function registerListCommand(account: Command, ctx: CliContext): void {
  account.command('list')
    .description('list accounts')
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'disabled']))
    .addOption(new Option('--source <source>', 'only this source').choices(['local', 'directory']))
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: string; source?: string; json?: boolean }) => {
      const s = await ctx.open();
      const rows = (await s.accounts.list(o)).map((a) => ({ id: a.id, login: a.login, name: a.displayName, email: a.email, status: a.status, source: a.source }));
      ctx.io.out(o.json ? JSON.stringify(rows) : table(rows, ['login', 'name', 'email', 'status', 'source', 'id']));
    });
}
