/**
 * `sso account mfa status|reset|enrol-code LOGIN`: the helpdesk's second-factor tools from the
 * command line, the same use case as the console's account page; every change audited with the
 * operator as the actor.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Services } from '../../app/container.js';
import { SsoError } from '../../domain/errors.js';

async function accountOf(s: Services, login: string) {
  const a = await s.accounts.byLogin(login);
  if (!a) throw new SsoError('not_found', `no account with login "${login}"`);
  return a;
}

export function registerMfaCommands(account: Command, ctx: CliContext): void {
  const { io } = ctx;
  const mfa = account.command('mfa').description('the second factor (TOTP, recovery codes) of an account');
  mfa.command('status <login>').option('--json', 'machine-readable output').description('whether the account has a second factor, and its recovery codes left')
    .action(async (login: string, o: { json?: boolean }) => {
      const s = await ctx.open();
      const a = await accountOf(s, login);
      const st = await s.secondFactors.status(a.id);
      const req = await s.secondFactors.requirement(a, false);
      const row = { login: a.login, totp: st.totp, enrolled_at: st.confirmedAt?.toISOString() ?? null, recovery_codes_left: st.recoveryLeft, required: req.required };
      if (o.json) return io.out(JSON.stringify(row));
      io.out(st.totp === 'confirmed'
        ? `${a.login}: second factor on (TOTP) since ${row.enrolled_at}; ${st.recoveryLeft} recovery codes left${req.required ? '; required' : ''}`
        : `${a.login}: no second factor${st.totp === 'pending' ? ' (an enrolment was started, not confirmed)' : ''}${req.required ? '; required: enrolment at the next login' : ''}`);
    });
  mfa.command('reset <login>').description('remove the account\'s second factor and recovery codes (audited): they must enrol again')
    .action(async (login: string) => {
      const s = await ctx.open();
      const a = await accountOf(s, login);
      const r = await s.secondFactors.reset(a);
      io.out(r.hadFactor ? `${a.login}: second factor removed; enrolment again at the next login` : `${a.login} had no second factor; nothing else to remove`);
    });
  mfa.command('enrol-code <login>').description('issue a one-time enrolment code (an administrator\'s or helpdesk officer\'s enrolment needs one); shown once')
    .action(async (login: string) => {
      const s = await ctx.open();
      const a = await accountOf(s, login);
      const { code, expiresAt } = await s.secondFactors.issueEnrolCode(a);
      io.out(`enrolment code for ${a.login}: ${code}\nvalid once, until ${expiresAt.toISOString()}; hand it over in person (it is not stored in the clear)`);
    });
}
