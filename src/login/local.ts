/**
 * The local password check (argon2id): break-glass administrators and people outside the mail
 * directory. An unknown login and a wrong password cost the same verify, so timing does not
 * tell them apart.
 */
import type { AccountRepository, AccountRow } from '../db/repos/accounts.js';
import { dummyHash, verifyPassword } from '../accounts/password.js';
import type { LoginResult } from './types.js';

/** `row`: the account the login names (already read), or null. */
export async function checkLocalPassword(accounts: Pick<AccountRepository, 'update'>, row: AccountRow | null, password: string): Promise<LoginResult> {
  if (!password) return { ok: false, reason: 'invalid_credentials', detail: 'empty password' };
  if (!row || row.source !== 'local' || !row.passwordHash) {
    await verifyPassword(await dummyHash(), password);
    return { ok: false, reason: 'invalid_credentials', detail: row ? 'not a local account' : 'unknown login' };
  }
  if (!(await verifyPassword(row.passwordHash, password))) return { ok: false, reason: 'invalid_credentials', detail: 'wrong password' };
  if (row.status !== 'active') return { ok: false, reason: 'disabled', detail: `account ${row.status}` };
  await accounts.update(row.id, { lastLoginAt: new Date() });
  return { ok: true, account: row };
}
