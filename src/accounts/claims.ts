/** Account row -> OpenID Connect standard claims. Pure. */
export interface AccountRecord {
  id: string;
  login: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  phoneNumber: string | null;
  status: string;
  source: string;
  externalId: string | null;
  attributes: string;
  updatedAt: Date;
}

export type Claims = Record<string, unknown> & { sub: string };

export function accountClaims(a: AccountRecord): Claims {
  const claims: Claims = {
    sub: a.id,
    name: a.displayName,
    preferred_username: a.login,
    updated_at: Math.floor(a.updatedAt.getTime() / 1000),
  };
  if (a.givenName) claims.given_name = a.givenName;
  if (a.familyName) claims.family_name = a.familyName;
  if (a.middleName) claims.middle_name = a.middleName;
  if (a.email) {
    claims.email = a.email;
    claims.email_verified = a.emailVerified;
  }
  if (a.phoneNumber) {
    claims.phone_number = a.phoneNumber;
    claims.phone_number_verified = false;
  }
  return claims;
}

/** Logins are compared case-insensitively, after Unicode NFC normalisation. */
export function normalizeLogin(login: string): string {
  return login.normalize('NFC').trim().toLowerCase();
}

export function loginProblem(login: string): string | null {
  const l = normalizeLogin(login);
  if (!l) return 'is empty';
  if (l.length > 254) return 'is longer than 254 characters';
  if (/[\s\p{C}]/u.test(l)) return 'must not contain spaces or control characters';
  return null;
}
