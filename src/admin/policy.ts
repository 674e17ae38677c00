/**
 * Who may use the console, and as what. An administrator: an account with the local flag (`sso
 * account admin grant`), or a member of one of the directory groups named in ADMIN_GROUPS. A
 * helpdesk officer: the local flag (`sso account helpdesk grant`), or a member of a group named in
 * HELPDESK_GROUPS. The administrator role wins (it holds everything the helpdesk does).
 *
 * Groups are compared by their DN (after DN normalisation: case, spaces, escapes), never by name:
 * a group named like the administrators' group but placed elsewhere in the tree grants nothing.
 * The account's group DNs are those its last login or sync read (memberOf, or the group search).
 * Only active accounts get this far. Pure.
 */
import { parseAttributes } from '../accounts/claims.js';
import { normalizeDn } from '../domain/dn.js';

export interface AdminCandidate {
  admin?: boolean | undefined;
  helpdesk?: boolean | undefined;
  attributes: string;
}

export type AdminGrounds = 'local' | 'group' | null;

/** What a person may do in the console: everything, the helpdesk section only, or nothing. */
export type ConsoleRole = 'admin' | 'helpdesk' | null;

/** The groups that give a role (config.admin): ADMIN_GROUPS and HELPDESK_GROUPS, as DNs. */
export interface RoleGroups {
  groups: readonly string[];
  helpdeskGroups: readonly string[];
}

/** Whether the account is a member of one of these groups (by DN). */
function memberOfAny(account: AdminCandidate, groupDns: readonly string[]): boolean {
  if (!groupDns.length) return false;
  const wanted = new Set(groupDns.map(normalizeDn).filter((d): d is string => d !== null));
  const mine = parseAttributes(account.attributes).groupDns ?? [];
  return mine.some((dn) => {
    const n = normalizeDn(dn);
    return n !== null && wanted.has(n);
  });
}

/** Why this account is an administrator, or null when it is not. `adminGroupDns`: ADMIN_GROUPS (DNs). */
export function adminGrounds(account: AdminCandidate, adminGroupDns: readonly string[]): AdminGrounds {
  if (account.admin === true) return 'local';
  return memberOfAny(account, adminGroupDns) ? 'group' : null;
}

/** Why this account is a helpdesk officer, or null when it is not. `helpdeskGroupDns`: HELPDESK_GROUPS (DNs). */
export function helpdeskGrounds(account: AdminCandidate, helpdeskGroupDns: readonly string[]): AdminGrounds {
  if (account.helpdesk === true) return 'local';
  return memberOfAny(account, helpdeskGroupDns) ? 'group' : null;
}

/** The account's role in the console: 'admin', else 'helpdesk', else null (no console). */
export function consoleRole(account: AdminCandidate, groups: RoleGroups): ConsoleRole {
  if (adminGrounds(account, groups.groups)) return 'admin';
  if (helpdeskGrounds(account, groups.helpdeskGroups)) return 'helpdesk';
  return null;
}

export const isAdministrator = (account: AdminCandidate, adminGroupDns: readonly string[]): boolean => adminGrounds(account, adminGroupDns) !== null;
