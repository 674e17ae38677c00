/**
 * The directory seam: what the IdP needs from the official-mail directory, whatever its kind.
 * Wrong password, unknown user, a disabled account and an unreachable directory are distinct
 * outcomes, never one exception.
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
  /** Group names (cn of each group), sorted. */
  groups: string[];
  /** Last change in the directory, when the entry says. */
  modifiedAt: Date | null;
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
  | { ok: false; reason: AuthFailure; /** for logs only, never shown */ detail: string };

/** The result of reading one entry during a listing: a person, or why the entry was skipped. */
export type EntryResult = { ok: true; identity: DirectoryIdentity } | { ok: false; dn: string; error: string };

export interface ListOptions {
  /** Only entries changed after this time (changed-only sync). */
  changedSince?: Date | undefined;
  pageSize?: number | undefined;
}

/**
 * Called with the entry a login resolved to, just before its password is tried (the bind): the
 * login throttle counts the guess against the person there, whichever of their logins or
 * aliases was typed. It stops the attempt by throwing; nothing is bound then.
 */
export type BindGuard = (identity: DirectoryIdentity) => Promise<void>;

export interface DirectoryConnector {
  readonly kind: string;
  authenticate(login: string, password: string, guard?: BindGuard): Promise<AuthOutcome>;
  /** The entry with this stable id; null when it is gone. Throws DirectoryUnavailableError. */
  lookup(externalId: string): Promise<DirectoryIdentity | null>;
  /** Every matching entry, paged (RFC 2696), streamed. Throws DirectoryUnavailableError. */
  list(options?: ListOptions): AsyncIterable<EntryResult>;
  /** Can the directory be reached with the service account now? */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class DirectoryUnavailableError extends Error {
  readonly code = 'DIRECTORY_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
