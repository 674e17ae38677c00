/**
 * What a person typed in the login field, canonicalised once. Every part of a login (the
 * throttle, the account lookup, the logs and the audit trail) reads the same value. Pure.
 */

export const LOGIN_MAX_LENGTH = 254;

// Control characters would break PostgreSQL text (NUL) or the logs: spelled out where shown.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Control characters spelled out as \uXXXX: safe in a log line, a throttle key, the audit trail. */
export function escapeControls(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Logins are compared case-insensitively, after Unicode NFC normalisation. */
export function normalizeLogin(login: string): string {
  return login.normalize('NFC').trim().toLowerCase();
}

/** Why this text can never be a login, or null. */
export function loginProblem(login: string): string | null {
  const l = normalizeLogin(login);
  if (!l) return 'is empty';
  if (l.length > LOGIN_MAX_LENGTH) return 'is longer than 254 characters';
  if (/[\s\p{C}]/u.test(l)) return 'must not contain spaces or control characters';
  return null;
}

/** The mail domains as compared: lower case, without a leading "@". */
function domainSet(mailDomains: readonly string[]): Set<string> {
  return new Set(mailDomains.map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean));
}

export class Login {
  private constructor(
    /** Exactly what was typed (only ever passed on to the directory or the password check). */
    readonly typed: string,
    /** NFC, trimmed, lower case: how account logins are stored and compared. */
    readonly canonical: string,
    /**
     * The person it names as far as the text tells: `canonical`, with "@<one of our mail
     * domains>" dropped, since the directory finds the same person by either form.
     */
    readonly person: string,
    /** Why it can never be a login (empty, too long, spaces or control characters), or null. */
    readonly problem: string | null,
  ) {}

  static of(typed: string, mailDomains: readonly string[] = []): Login {
    const canonical = normalizeLogin(typed);
    let person = canonical;
    const at = canonical.lastIndexOf('@');
    if (at > 0 && domainSet(mailDomains).has(canonical.slice(at + 1).trim())) person = canonical.slice(0, at).trim();
    return new Login(typed, canonical, person, loginProblem(typed));
  }

  get usable(): boolean {
    return this.problem === null;
  }

  /** For log lines and the audit trail (which make any text safe to store): bounded. */
  get forLog(): string {
    return this.canonical.slice(0, LOGIN_MAX_LENGTH);
  }
}
