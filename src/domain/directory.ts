/**
 * A person as the official-mail directory describes them, and the outcome of a login against it:
 * the values the directory port hands to the rest of the IdP, whatever the directory's kind.
 * Pure types.
 */

/** Account state as the directory sees it. */
export type DirectoryStatus = 'active' | 'disabled' | 'locked' | 'expired';

export interface OrganizationInfo {
  /** Department / unit (from ou, or the DN path). */
  department?: string | undefined;
  /** Organisation (agency) name. */
  organization?: string | undefined;
  title?: string | undefined;
  employeeNumber?: string | undefined;
}

/** One person as read from the directory, validated and normalised. */
export interface DirectoryIdentity {
  /** The directory's stable id (zimbraId, entryUUID, objectGUID as canonical UUID text). */
  externalId: string;
  dn: string;
  /** Canonical login (lower case, NFC): Zimbra/OpenLDAP uid, AD sAMAccountName. */
  login: string;
  /** Primary mail address, lower case. */
  email: string | null;
  /** Other addresses that also log in (Zimbra mail aliases), lower case. */
  aliases: string[];
  /** Full name as written in the directory. */
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  phoneNumber: string | null;
  status: DirectoryStatus;
  /** Why the status is not active (e.g. "zimbraAccountStatus=locked"), for logs. */
  statusDetail?: string | undefined;
  organization: OrganizationInfo;
  /** Group names (cn of each group), sorted: the `groups` claim. */
  groups: string[];
  /**
   * The groups' DNs as the directory writes them (memberOf values, or the entries a group search
   * found), sorted: what ADMIN_GROUPS is compared with (after DN normalisation) and the
   * `groups_dn` claim. Two groups may share a name (cn=Quản trị in two places); never a DN.
   */
  groupDns: string[];
  /**
   * false when this identity could not say the groups (a directory listing with LDAP_GROUPS=search:
   * groups are searched one person at a time, at login): the sync keeps what the account has.
   */
  groupsKnown?: boolean;
  /** Last change in the directory, when the entry says. */
  modifiedAt: Date | null;
  /**
   * What the entry says of its password's last change (zimbraPasswordModifiedTime, pwdChangedTime,
   * pwdLastSet, or the attribute LDAP_ATTRIBUTE_MAP names), as text; null or absent when it says
   * nothing (or the service account cannot read it). Compared as it is: another value is a new password.
   */
  passwordChanged?: string | null | undefined;
  /** The same as a time, when it is one (GeneralizedTime, or AD's FILETIME); else null or absent. */
  passwordChangedAt?: Date | null | undefined;
}

/** Why a login did not succeed; each maps to what the person is told. */
export type AuthFailure =
  | 'invalid_credentials' // unknown user or wrong password: the same to the person
  | 'disabled'
  | 'locked' // temporarily locked (Zimbra lockout, ppolicy, AD lockout)
  | 'expired' // account expired
  | 'password_expired'
  | 'must_change_password'
  | 'unavailable'; // directory unreachable or failing

export type AuthOutcome =
  | { ok: true; identity: DirectoryIdentity }
  | {
    ok: false;
    reason: AuthFailure;
    /** for logs only, never shown */
    detail: string;
    /** The password could not be checked (never bound, or refused whatever the password): the reason must not be told. */
    unverified?: boolean | undefined;
  };

/** The result of reading one entry during a listing: a person, or why the entry was skipped. */
export type EntryResult = { ok: true; identity: DirectoryIdentity } | { ok: false; dn: string; error: string };
