/**
 * Ending an account's access by its login, as IT staff and the person do it: `sso account
 * disable|logout|delete`, the console's buttons, "log out everywhere" in My account.
 */
import { SsoError } from '../domain/errors.js';
import type { AccountRow } from '../db/repos/accounts.js';
import type { EndAccessResult } from './service.js';

interface Accounts {
  byLogin(login: string): Promise<AccountRow | null>;
  setStatus(login: string, status: 'active' | 'disabled'): Promise<AccountRow>;
  removeLocal(login: string): Promise<AccountRow>;
}

interface Ender {
  endAccess(accountId: string, reason: string): Promise<EndAccessResult>;
}

/** Disables an account and ends its access at once (sessions, grants, tokens; its applications are told). */
export async function disableAccount(s: { accounts: Accounts; deprovision: Ender }, login: string, reason: string) {
  const account = await s.accounts.setStatus(login, 'disabled');
  return { account, ...(await s.deprovision.endAccess(account.id, reason)) };
}

/** Ends every session and token of an account, which stays enabled. */
export async function logoutEverywhere(s: { accounts: Accounts; deprovision: Ender }, login: string, reason: string) {
  const account = await s.accounts.byLogin(login);
  if (!account) throw new SsoError('not_found', `no account with login "${login}"`);
  return { account, ...(await s.deprovision.endAccess(account.id, reason)) };
}

/**
 * Deletes a local account: its access ended first (sessions, grants, tokens; its applications
 * told), then the row. A directory account is disabled instead, never deleted: the directory is
 * its source (a sync would find it again); `deleted` says which happened.
 */
export async function deleteAccount(s: { accounts: Accounts; deprovision: Ender }, login: string, reason: string) {
  const account = await s.accounts.byLogin(login);
  if (!account) throw new SsoError('not_found', `no account with login "${login}"`);
  if (account.source !== 'local') return { deleted: false as const, ...(await disableAccount(s, login, reason)) };
  const ended = await s.deprovision.endAccess(account.id, reason);
  await s.accounts.removeLocal(login);
  return { deleted: true as const, account, ...ended };
}
