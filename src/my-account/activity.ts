/**
 * "My account"'s recent sign-in activity: the person's last sign-ins, successes and failures, from
 * the audit trail (db/repos/login-activity.ts), with the applications named. A failure is the
 * person's when the login typed is one of the names the account is known by: its login, that login
 * at each of the province's mail domains, its mail address and its directory aliases, as the login
 * page writes them (domain/login.ts forLog). Never another account's events.
 */
import type { AccountRecord } from '../accounts/claims.js';
import { parseAttributes } from '../accounts/claims.js';
import type { ClientRepository } from '../db/repos/clients.js';
import type { LoginActivityRepository, LoginEventRecord } from '../db/repos/login-activity.js';
import { Login } from '../domain/login.js';

/** How many sign-ins the page lists. */
export const RECENT_SIGN_INS = 20;

/** One sign-in, as the page shows it. */
export interface SignInView extends LoginEventRecord {
  /** The application's name; null when it is no longer registered. */
  application: string | null;
}

export interface SignInActivityDeps {
  activity: LoginActivityRepository;
  clients: Pick<ClientRepository, 'names'>;
  /** The province's mail domains: "name@<domain>" is typed for "name". */
  mailDomains: readonly string[];
}

/** Every login the account can be typed as, as the trail records it. Pure. */
export function loginsOf(account: Pick<AccountRecord, 'login' | 'email' | 'attributes'>, mailDomains: readonly string[]): string[] {
  const names = [account.login, ...mailDomains.map((d) => `${account.login}@${d}`), account.email ?? '', ...(parseAttributes(account.attributes).aliases ?? [])];
  return [...new Set(names.filter(Boolean).map((n) => Login.of(n, mailDomains).forLog).filter(Boolean))];
}

export function createSignInActivity(deps: SignInActivityDeps) {
  return {
    /** The account's last RECENT_SIGN_INS sign-ins, newest first. */
    async recent(account: Pick<AccountRecord, 'id' | 'login' | 'email' | 'attributes'>): Promise<SignInView[]> {
      const events = await deps.activity.recent(account.id, loginsOf(account, deps.mailDomains), RECENT_SIGN_INS);
      const names = await deps.clients.names([...new Set(events.flatMap((e) => (e.clientId ? [e.clientId] : [])))]);
      return events.map((e) => ({ ...e, application: (e.clientId && names.get(e.clientId)?.name) || null }));
    },
  };
}

export type SignInActivity = ReturnType<typeof createSignInActivity>;
