/** What a login attempt can come to. Pure types. */
import type { AccountRecord } from '../accounts/claims.js';
import type { AuthFailure } from '../directory/types.js';

/** Why a password check did not let the person in; each maps to what the person is told. */
export type LoginFailure = AuthFailure | 'conflict';

/** The result of checking a login and password against the directory or the local password. */
export type LoginResult =
  | { ok: true; account: AccountRecord }
  | { ok: false; reason: LoginFailure; detail: string };

/** The one outcome of a login attempt, which the web layer maps to a page. */
export type LoginOutcome =
  | { kind: 'success'; account: AccountRecord; amr: string[] }
  /** The password was checked (or could not be) and the person is not let in. */
  | { kind: 'failure'; reason: LoginFailure }
  /** Too many failed attempts: refused before any password check, until `until`. */
  | { kind: 'throttled'; until: Date }
  /** An empty login or password: nothing was checked or counted. */
  | { kind: 'bad_request' };

/** Where an attempt comes from. */
export interface LoginContext {
  /** The client address as the trusted proxy saw it (Express req.ip). */
  ip: string | undefined;
  /** The application the person is logging in to. */
  clientId: string;
}
