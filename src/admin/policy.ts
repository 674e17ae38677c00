/**
 * Who administers the console: an account with the local flag (`sso account admin grant`), or a
 * member of one of the directory groups named in ADMIN_GROUPS (the account's `groups`, from
 * memberOf or the group search). Only active accounts get this far. Pure.
 */
import { parseAttributes } from '../accounts/claims.js';

export interface AdminCandidate {
  admin?: boolean | undefined;
  attributes: string;
}

export type AdminGrounds = 'local' | 'group' | null;

/** Why this account is an administrator, or null when it is not. Group names compare ignoring case, after NFC. */
export function adminGrounds(account: AdminCandidate, adminGroups: readonly string[]): AdminGrounds {
  if (account.admin === true) return 'local';
  if (!adminGroups.length) return null;
  const wanted = new Set(adminGroups.map((g) => g.normalize('NFC').trim().toLowerCase()));
  const groups = parseAttributes(account.attributes).groups ?? [];
  return groups.some((g) => wanted.has(g.normalize('NFC').trim().toLowerCase())) ? 'group' : null;
}

export const isAdministrator = (account: AdminCandidate, adminGroups: readonly string[]): boolean => adminGrounds(account, adminGroups) !== null;
