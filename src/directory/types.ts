/**
 * The directory seam: what the IdP needs from the official-mail directory, whatever its kind.
 * Wrong password, unknown user, a disabled account and an unreachable directory are distinct
 * outcomes, never one exception.
 */

import type { AuthOutcome, DirectoryIdentity, EntryResult } from '../domain/directory.js';

export type { AuthFailure, AuthOutcome, DirectoryIdentity, DirectoryStatus, EntryResult, OrganizationInfo } from '../domain/directory.js';

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
  /**
   * The stable ids of the people whose `attribute` has a value for which `matches` is true,
   * among those whose value ends with `suffix` (searched as (attribute=*suffix)); at most
   * `limit`. The certificate login's CERT_MAP=attribute. Optional: the LDAP connector has it.
   * Throws DirectoryUnavailableError.
   */
  findByAttribute?(attribute: string, suffix: string, matches: (value: string) => boolean, limit: number): Promise<string[]>;
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
