/**
 * SAML 2.0 decisions that need no I/O: the attributes a service provider may be given (names,
 * OIDs, values from an account), the NameID formats and the persistent pairwise identifier,
 * the clock-skew check. Pure.
 */
import { createHmac } from 'node:crypto';
import { ACR_MFA, ACR_PWD, type Acr } from './authn-level.js';

export const NAMEID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;
export type NameIdKind = keyof typeof NAMEID_FORMATS;
/** What an SP may be registered with (transient is given only on request). */
export const REGISTERED_NAMEID_KINDS = ['persistent', 'email', 'unspecified'] as const;

/** The attributes an SP may be registered for: friendly name -> urn:oid name. */
export const SAML_ATTRIBUTES = {
  mail: '0.9.2342.19200300.100.1.3',
  displayName: '2.16.840.1.113730.3.1.241',
  givenName: '2.5.4.42',
  sn: '2.5.4.4',
  telephoneNumber: '2.5.4.20',
  ou: '2.5.4.11',
  o: '2.5.4.10',
  title: '2.5.4.12',
  employeeNumber: '2.16.840.1.113730.3.1.3',
  isMemberOf: '1.3.6.1.4.1.5923.1.5.1.1',
} as const;
export type SamlAttributeName = keyof typeof SAML_ATTRIBUTES;
export const SAML_ATTRIBUTE_NAMES = Object.keys(SAML_ATTRIBUTES) as SamlAttributeName[];

/** `groups` is accepted for isMemberOf. Throws on an unknown name. */
export function parseAttributeList(text: string): SamlAttributeName[] {
  const out = new Set<SamlAttributeName>();
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const name = raw === 'groups' ? 'isMemberOf' : raw;
    if (!(SAML_ATTRIBUTE_NAMES as string[]).includes(name)) throw new Error(`unknown attribute "${raw}" (known: ${SAML_ATTRIBUTE_NAMES.join(', ')}, groups)`);
    out.add(name as SamlAttributeName);
  }
  return [...out];
}

/** What the attributes are read from (an account and its directory attributes). */
export interface SamlSubject {
  id: string;
  login: string;
  email: string | null;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  phoneNumber: string | null;
  department?: string | undefined;
  organization?: string | undefined;
  title?: string | undefined;
  employeeNumber?: string | undefined;
  groups?: readonly string[] | undefined;
}

export interface SamlAttribute {
  name: string;
  friendlyName: SamlAttributeName;
  values: string[];
}

function valuesOf(s: SamlSubject, name: SamlAttributeName): string[] {
  const one = (v: string | null | undefined) => (v ? [v] : []);
  switch (name) {
    case 'mail': return one(s.email);
    case 'displayName': return one(s.displayName);
    case 'givenName': return one(s.givenName);
    case 'sn': return one(s.familyName);
    case 'telephoneNumber': return one(s.phoneNumber);
    case 'ou': return one(s.department);
    case 'o': return one(s.organization);
    case 'title': return one(s.title);
    case 'employeeNumber': return one(s.employeeNumber);
    case 'isMemberOf': return [...(s.groups ?? [])];
  }
}

/** Only the attributes the SP is registered for, and only those with a value. */
export function releasedAttributes(s: SamlSubject, registered: readonly SamlAttributeName[]): SamlAttribute[] {
  return registered
    .map((n) => ({ name: `urn:oid:${SAML_ATTRIBUTES[n]}`, friendlyName: n, values: valuesOf(s, n) }))
    .filter((a) => a.values.length > 0);
}

/**
 * The persistent NameID: pairwise per SP and stable (an HMAC of the account id and the SP's
 * entity ID under a server secret), never the login. Base64url, 43 characters.
 */
export function persistentNameId(secret: Buffer, accountId: string, spEntityId: string): string {
  return createHmac('sha256', secret).update(`${accountId}\0${spEntityId}`).digest('base64url');
}

/** The NameID value for a kind, or null when the account has none (email without a mail address). */
export function nameIdValue(kind: NameIdKind, s: SamlSubject, secret: Buffer, spEntityId: string, transient: () => string): string | null {
  switch (kind) {
    case 'persistent': return persistentNameId(secret, s.id, spEntityId);
    case 'email': return s.email;
    case 'unspecified': return s.login;
    case 'transient': return transient();
  }
}

/** The kind a NameIDPolicy Format asks for (absent or unspecified: the SP's own); null: not supported. */
export function requestedNameIdKind(format: string | null, registered: NameIdKind): NameIdKind | null {
  if (!format || format === NAMEID_FORMATS.unspecified) return registered;
  if (format === NAMEID_FORMATS.transient) return 'transient';
  const kind = (Object.keys(NAMEID_FORMATS) as NameIdKind[]).find((k) => NAMEID_FORMATS[k] === format);
  return kind === registered ? kind : null;
}

/** The clock skew allowed on an AuthnRequest's IssueInstant (either way). */
export const SAML_CLOCK_SKEW_MS = 3 * 60_000;

/** True when an IssueInstant is within the allowed skew of now. */
export function freshInstant(instant: string, now: Date, skewMs = SAML_CLOCK_SKEW_MS): boolean {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(instant)) return false;
  const t = Date.parse(instant);
  return Number.isFinite(t) && Math.abs(t - now.getTime()) <= skewMs;
}

/** SAML authentication context classes and the acr levels they stand for (domain/authn-level.ts). */
export const AUTHN_CONTEXT_CLASSES: Readonly<Record<string, Acr>> = {
  'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport': ACR_PWD,
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Password': ACR_PWD,
  'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified': ACR_PWD,
  'https://refeds.org/profile/mfa': ACR_MFA,
  'http://schemas.microsoft.com/claims/multipleauthn': ACR_MFA,
};

/**
 * What a RequestedAuthnContext asks for, as the acr level a session must reach: `undefined` when
 * any will do, `null` when no level this IdP has can satisfy it (a NoAuthnContext error).
 * `exact` and `minimum` take the weakest class named that we know (a stronger session satisfies
 * it too); `better` the level above the strongest named; `maximum` anything.
 */
export function requiredAcr(classes: readonly string[], comparison: string | null): Acr | undefined | null {
  if (!classes.length || comparison === 'maximum') return undefined;
  const known = classes.map((c) => AUTHN_CONTEXT_CLASSES[c]).filter((a): a is Acr => a !== undefined);
  if (!known.length) return null;
  const order: Acr[] = [ACR_PWD, ACR_MFA];
  if (comparison === 'better') return known.includes(ACR_MFA) ? null : ACR_MFA;
  return order.find((a) => known.includes(a)) ?? null;
}
