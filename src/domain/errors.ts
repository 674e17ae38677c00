/**
 * The one error type for what a person or an operator may be told. A stable code says what kind
 * of failure it is (the web maps it to a status and a page, the CLI to an exit code); the message
 * is for logs and operators; `messageKey` and `params` say what a page shows, when the code's own
 * sentence is not enough. Pure.
 */

export const ERROR_CODES = [
  'invalid_input', // a form field, parameter or argument is malformed or out of bounds
  'not_found',
  'exists', // a unique thing (login, client id) is taken already
  'conflict', // the state does not allow it (a run in progress, a directory account changed locally)
  'forbidden', // signed in, but not allowed
  'unauthenticated', // must sign in (again)
  'csrf', // a form without its token, or with another session's
  'too_many_attempts',
  'unavailable', // the database or the directory is out of reach
  'session_expired', // the login page, the interaction or the session is gone
  'not_local', // a local-account operation on a directory account
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SsoErrorOptions {
  /** The i18n key of the sentence a page shows (default: the code's own). */
  messageKey?: string | undefined;
  params?: Record<string, string | number> | undefined;
  /** The form field or argument the error is about. */
  field?: string | undefined;
  /** An HTTP status other than the code's usual one (e.g. 413 for a body too large). */
  status?: number | undefined;
  cause?: unknown;
}

export class SsoError extends Error {
  readonly messageKey: string | undefined;
  readonly params: Record<string, string | number>;
  readonly field: string | undefined;
  readonly status: number | undefined;

  constructor(readonly code: ErrorCode, message: string, opts: SsoErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SsoError';
    this.messageKey = opts.messageKey;
    this.params = opts.params ?? {};
    this.field = opts.field;
    this.status = opts.status;
  }
}

export const isSsoError = (err: unknown, code?: ErrorCode): err is SsoError => err instanceof SsoError && (code === undefined || err.code === code);

/** The HTTP status each code stands for. */
export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  not_found: 404,
  exists: 409,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  csrf: 403,
  too_many_attempts: 429,
  unavailable: 503,
  session_expired: 400,
  not_local: 400,
};
