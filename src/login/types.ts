/** What a login attempt can come to. Pure types. */
import type { AccountRecord } from '../accounts/claims.js';
import type { AuthFailure } from '../directory/types.js';
import type { KeyType } from '../domain/throttle.js';

/** Why a password check did not let the person in; each maps to what the person is told. */
export type LoginFailure = AuthFailure | 'conflict';

/**
 * The result of checking a login and password against the directory or the local password.
 * `unverified`: the password could not be checked (an entry locked in the directory is never
 * bound; a directory that refuses any bind in this state), so the reason must not be told: the
 * person gets the wrong-password status and a neutral sentence.
 */
export type LoginResult =
  | { ok: true; account: AccountRecord }
  | { ok: false; reason: LoginFailure; detail: string; unverified?: boolean | undefined };

/** The one outcome of a login attempt, which the web layer maps to a page. */
export type LoginOutcome =
  /** `device`: the known-device cookie value to set (this browser now knows the person). */
  | { kind: 'success'; account: AccountRecord; amr: string[]; device?: string | undefined }
  /** The password was checked (or could not be: `unverified`) and the person is not let in. */
  | { kind: 'failure'; reason: LoginFailure; unverified?: boolean | undefined }
  /** Too many failed attempts: refused before any password check, until `until`; `keyType` says whose limit. */
  | { kind: 'throttled'; until: Date; keyType?: KeyType | undefined }
  /** An empty login or password: nothing was checked or counted. */
  | { kind: 'bad_request' };

/** Where an attempt comes from. */
export interface LoginContext {
  /** The client address as the trusted proxy saw it (Express req.ip). */
  ip: string | undefined;
  /** The application the person is logging in to. */
  clientId: string;
  /** The known-device cookie the browser sent, if any (verified by the use case). */
  device?: string | undefined;
  /** The browser's User-Agent, bounded (util/log-fields.ts userAgentOf), for the log and the audit trail. */
  userAgent?: string | undefined;
}
