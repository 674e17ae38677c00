/**
 * Who administers the console: an account with the local flag (`sso account admin grant`), or a
 * member of one of the directory groups named in ADMIN_GROUPS. Groups are compared by their DN
 * (after DN normalisation: case, spaces, escapes), never by name: a group named like the
 * administrators' group but placed elsewhere in the tree grants nothing. The account's group DNs
 * are those its last login or sync read (memberOf, or the group search). Only active accounts
 * get this far. Pure.
 */
import { parseAttributes } from '../accounts/claims.js';
import { normalizeDn } from '../domain/dn.js';

export interface AdminCandidate {
  admin?: boolean | undefined;
  attributes: string;
}

export type AdminGrounds = 'local' | 'group' | null;

/** Why this account is an administrator, or null when it is not. `adminGroupDns`: ADMIN_GROUPS (DNs). */
export function adminGrounds(account: AdminCandidate, adminGroupDns: readonly string[]): AdminGrounds {
  if (account.admin === true) return 'local';
  if (!adminGroupDns.length) return null;
  const wanted = new Set(adminGroupDns.map(normalizeDn).filter((d): d is string => d !== null));
  const groupDns = parseAttributes(account.attributes).groupDns ?? [];
  return groupDns.some((dn) => {
    const n = normalizeDn(dn);
    return n !== null && wanted.has(n);
  }) ? 'group' : null;
}

export const isAdministrator = (account: AdminCandidate, adminGroupDns: readonly string[]): boolean => adminGrounds(account, adminGroupDns) !== null;
