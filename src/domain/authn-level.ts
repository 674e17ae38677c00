/**
 * How strongly a person was authenticated: the methods used (RFC 8176 `amr` values) and the
 * level they reach (`acr`). Every way to sign in (password, TOTP, recovery code, WebAuthn,
 * government certificate) records its method here, and every protocol (OIDC now; SAML and CAS
 * later) reads the level from here. Pure.
 *
 * Methods and their kind of factor:
 *   pwd  a password (something known)
 *   otp  a one-time code: TOTP, or a recovery code (something held)
 *   hwk  a cross-platform authenticator, a security key (something held)
 *   swk  a platform authenticator or synced passkey (something held)
 *   sc   a smart card or USB token: the government digital-signature certificate (something held)
 * A passkey used with user verification (its PIN or fingerprint) is a multi-factor
 * authenticator by itself (NIST SP 800-63B), so the WebAuthn ceremony adds `mfa` itself when
 * the authenticator verified the person (`uv`).
 */

export const ACR_PWD = 'urn:sso:acr:pwd';
export const ACR_MFA = 'urn:sso:acr:mfa';
/** In order of strength: a level is met by itself and every stronger one. */
export const ACR_VALUES = [ACR_PWD, ACR_MFA] as const;
export type Acr = (typeof ACR_VALUES)[number];

export type Method = 'pwd' | 'otp' | 'hwk' | 'swk' | 'sc';
const KIND: Record<Method, 'known' | 'held'> = { pwd: 'known', otp: 'held', hwk: 'held', swk: 'held', sc: 'held' };
const ORDER = ['pwd', 'otp', 'hwk', 'swk', 'sc', 'mfa'] as const;

/** `amr` after `method` was used too (options.uv: a WebAuthn assertion with user verification). */
export function withMethod(amr: readonly string[], method: Method, options: { uv?: boolean } = {}): string[] {
  const set = new Set(amr.filter((m) => (ORDER as readonly string[]).includes(m)));
  set.add(method);
  const kinds = new Set([...set].filter((m): m is Method => m in KIND).map((m) => KIND[m]));
  if (kinds.size > 1 || options.uv) set.add('mfa');
  return ORDER.filter((m) => set.has(m));
}

/** The level an `amr` reaches. */
export function acrOf(amr: readonly string[] | undefined): Acr {
  return amr?.includes('mfa') ? ACR_MFA : ACR_PWD;
}

/** Whether `acr` (a session's) meets `wanted` (an acr_values entry); unknown values are never met. */
export function meetsAcr(acr: string | undefined, wanted: string): boolean {
  const have = ACR_VALUES.indexOf(acr as Acr);
  const want = ACR_VALUES.indexOf(wanted as Acr);
  return want >= 0 && have >= want;
}

/**
 * The level a request asks for: the weakest of its `acr_values` this product knows (the client
 * accepts any of them), or undefined when it names none we know.
 */
export function requestedAcr(acrValues: readonly string[]): Acr | undefined {
  const known = ACR_VALUES.filter((a) => acrValues.includes(a));
  return known[0];
}
