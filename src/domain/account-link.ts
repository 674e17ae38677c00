/**
 * Directory identity -> local account. Pure decisions: which account an identity belongs to,
 * and what to write. Accounts are linked by the directory's stable id (externalId), never by
 * login: a renamed mailbox keeps its account and its `sub`; an unlinked account that merely
 * has the same login is a conflict, never merged.
 */
import type { DirectoryIdentity } from './directory.js';

export interface LinkCandidate {
  id: string;
  login: string;
  source: string;
  externalId: string | null;
  status: string;
}

export type LinkDecision =
  | { action: 'update'; accountId: string }
  | { action: 'create' }
  | { action: 'conflict'; accountId: string; why: string };

export function decideLink(identity: DirectoryIdentity, byExternalId: LinkCandidate | null, byLogin: LinkCandidate | null): LinkDecision {
  if (byExternalId) {
    if (byLogin && byLogin.id !== byExternalId.id) {
      return { action: 'conflict', accountId: byLogin.id, why: `login "${identity.login}" is held by another account (${byLogin.source}) while the directory entry is linked to ${byExternalId.id}` };
    }
    return { action: 'update', accountId: byExternalId.id };
  }
  if (byLogin) {
    return { action: 'conflict', accountId: byLogin.id, why: `a ${byLogin.source} account with login "${identity.login}" exists but is not linked to directory entry ${identity.externalId}` };
  }
  return { action: 'create' };
}

/**
 * Text folded for diacritics-insensitive search: NFD, combining marks stripped, đ/Đ -> d, lower
 * case, runs of white space made one space. "Nguyễn Văn Ân" -> "nguyen van an". Pure.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The Account.search column: display name, login, mail and aliases, folded. Pure. */
export function searchText(a: { displayName: string; login: string; email?: string | null | undefined; aliases?: readonly string[] | undefined }): string {
  return foldForSearch([a.displayName, a.login, a.email ?? '', ...(a.aliases ?? [])].join(' ')).slice(0, 2000);
}

/** The account columns a directory identity sets. */
export function accountFields(identity: DirectoryIdentity, mailDomains: string[]) {
  const domain = identity.email?.split('@')[1]?.toLowerCase();
  return {
    login: identity.login,
    email: identity.email,
    emailVerified: !!domain && mailDomains.map((d) => d.toLowerCase()).includes(domain),
    displayName: identity.displayName,
    givenName: identity.givenName,
    familyName: identity.familyName,
    middleName: identity.middleName,
    phoneNumber: identity.phoneNumber,
    externalId: identity.externalId,
    source: 'directory',
    attributes: JSON.stringify({ dn: identity.dn, aliases: identity.aliases, organization: identity.organization, groups: identity.groups, groupDns: identity.groupDns }),
    search: searchText(identity),
  };
}
