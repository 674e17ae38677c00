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

/** What an application may be given beyond its scopes' claims (a client setting). */
export interface ClaimOptions {
  /** The `groups_dn` claim (scope groups): the groups' DNs, for clients registered with --release-group-dns. */
  groupDns?: boolean | undefined;
}

export function accountClaims(a: AccountRecord, opts: ClaimOptions = {}): Claims {
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
  const attrs = parseAttributes(a.attributes);
  const org = attrs.organization ?? {};
  if (org.organization) claims.organization = org.organization;
  if (org.department) claims.department = org.department;
  if (org.title) claims.title = org.title;
  if (org.employeeNumber) claims.employee_number = org.employeeNumber;
  if (attrs.groups) claims.groups = attrs.groups;
  if (opts.groupDns && attrs.groupDns) claims.groups_dn = attrs.groupDns;
  return claims;
}

interface StoredAttributes {
  organization?: { organization?: string; department?: string; title?: string; employeeNumber?: string };
  groups?: string[];
  /** The groups' DNs (memberOf, or the group search), as the directory writes them. */
  groupDns?: string[];
  aliases?: string[];
}

/** The account's directory attributes (JSON text); anything malformed reads as empty. */
export function parseAttributes(json: string): StoredAttributes {
  try {
    const v = JSON.parse(json) as unknown;
    if (!v || typeof v !== 'object') return {};
    const o = v as Record<string, unknown>;
    const out: StoredAttributes = {};
    if (o.organization && typeof o.organization === 'object') {
      const src = o.organization as Record<string, unknown>;
      const pick = (k: string) => (typeof src[k] === 'string' && src[k] ? (src[k] as string) : undefined);
      out.organization = { organization: pick('organization'), department: pick('department'), title: pick('title'), employeeNumber: pick('employeeNumber') };
    }
    if (Array.isArray(o.groups)) out.groups = o.groups.filter((g): g is string => typeof g === 'string');
    if (Array.isArray(o.groupDns)) out.groupDns = o.groupDns.filter((g): g is string => typeof g === 'string');
    if (Array.isArray(o.aliases)) out.aliases = o.aliases.filter((g): g is string => typeof g === 'string');
    return out;
  } catch {
    return {};
  }
}
