/**
 * Directory presets: which attributes hold what, which entries are people, and how an entry
 * says its account state, for Zimbra's OpenLDAP, a plain OpenLDAP (inetOrgPerson + ppolicy)
 * and Active Directory. LDAP_ATTRIBUTE_MAP overrides attribute names; LDAP_LOGIN_ATTRIBUTES
 * the attributes a bare login is matched against; LDAP_USER_FILTER is ANDed to the preset's
 * filter. Pure: no I/O.
 */
import { and, assertAttributeName, gte, isValidAttributeName, isValidFilter } from './filter.js';

export type PresetName = 'zimbra' | 'openldap' | 'activedirectory';
export const PRESET_NAMES: readonly PresetName[] = ['zimbra', 'openldap', 'activedirectory'];

/**
 * Attribute names per meaning. id and login are one attribute each; every other field is a
 * list tried in order (the first attribute with a usable value wins), except aliases and
 * memberOf whose values are all taken. An empty list turns the field off.
 */
export interface AttributeMap {
  /** Stable id: zimbraId, entryUUID, objectGUID (binary, rendered as UUID text). */
  id: string;
  /** Canonical login: uid, sAMAccountName. */
  login: string;
  /** Primary address, in order of preference. */
  mail: string[];
  /** Other addresses that also log in. */
  aliases: string[];
  displayName: string[];
  givenName: string[];
  familyName: string[];
  phone: string[];
  department: string[];
  organization: string[];
  title: string[];
  employeeNumber: string[];
  /** Group DNs (the group name is the first RDN's value). */
  memberOf: string[];
  /** Last change, GeneralizedTime. */
  modified: string[];
  /**
   * When the password was last changed (Zimbra zimbraPasswordModifiedTime, ppolicy pwdChangedTime,
   * AD pwdLastSet): any other value than the one the sync recorded means a new password, and the
   * person's sessions end. Read as an opaque value; as a time too when it is a GeneralizedTime or
   * a FILETIME.
   */
  passwordChanged: string[];
}

export type AttributeKey = keyof AttributeMap;
export const ATTRIBUTE_KEYS: readonly AttributeKey[] = [
  'id', 'login', 'mail', 'aliases', 'displayName', 'givenName', 'familyName', 'phone',
  'department', 'organization', 'title', 'employeeNumber', 'memberOf', 'modified', 'passwordChanged',
];

/** LDAP_ATTRIBUTE_MAP: each key names one attribute or a list of them. */
export type AttributeOverrides = { [K in AttributeKey]?: string | readonly string[] };

/** How the account state is read from the entry (see status.ts). */
export type StatusModel = 'zimbra' | 'ppolicy' | 'activedirectory';

export interface Preset {
  name: PresetName;
  /** Which entries are people: the preset's filter, ANDed with LDAP_USER_FILTER when set. */
  userFilter: string;
  /** Attributes a bare login is matched against. */
  loginAttributes: string[];
  /** Attributes holding addresses that log in (attributes.mail and attributes.aliases). */
  mailAttributes: string[];
  attributes: AttributeMap;
  statusModel: StatusModel;
  /** Attributes the status is read from (requested with every search). */
  statusAttributes: string[];
  /** Attributes to receive as Buffers (ldapts explicitBufferAttributes). */
  binaryAttributes: string[];
  /** Attribute for changed-only listings: (modifiedAttribute>=time). */
  modifiedAttribute: string;
  /** GeneralizedTime form the directory wants in filters: AD documents YYYYMMDDhhmmss.0Z. */
  modifiedFilterFraction: boolean;
  /** Take the department from the DN (nearest ou= above the entry) when no attribute has one. */
  departmentFromDn: boolean;
  /** Further attributes requested (e.g. AD's uSNChanged). */
  extraAttributes: string[];
}

export class PresetConfigError extends Error {
  readonly code = 'LDAP_PRESET_CONFIG';
}

const COMMON = {
  displayName: ['displayName', 'cn'],
  givenName: ['givenName'],
  familyName: ['sn'],
  phone: ['telephoneNumber', 'mobile'],
  title: ['title'],
  memberOf: ['memberOf'],
};

function base(name: PresetName): Preset {
  switch (name) {
    case 'zimbra':
      return zimbra();
    case 'openldap':
      return openldap();
    case 'activedirectory':
      return activeDirectory();
    default:
      throw new PresetConfigError(`LDAP_PRESET: unknown preset ${JSON.stringify(String(name))} (known: ${PRESET_NAMES.join(', ')})`);
  }
}

function zimbra(): Preset {
  return {
    name: 'zimbra',
    userFilter: '(objectClass=zimbraAccount)',
    loginAttributes: ['uid'],
    mailAttributes: [],
    attributes: {
      ...COMMON,
      id: 'zimbraId',
      login: 'uid',
      mail: ['zimbraMailDeliveryAddress', 'mail'],
      aliases: ['zimbraMailAlias', 'mail'],
      department: ['ou'],
      organization: ['o', 'company'],
      employeeNumber: ['employeeNumber'],
      modified: ['modifyTimestamp'],
      passwordChanged: ['zimbraPasswordModifiedTime'],
    },
    statusModel: 'zimbra',
    statusAttributes: ['zimbraAccountStatus', 'zimbraPasswordLockoutLockedTime'],
    binaryAttributes: [],
    modifiedAttribute: 'modifyTimestamp',
    modifiedFilterFraction: false,
    // Stock Zimbra keeps every account under ou=people (a generic container, skipped), but
    // provinces that file accounts under their agency's ou get the department from the DN.
    departmentFromDn: true,
    extraAttributes: [],
  };
}

function openldap(): Preset {
  return {
    name: 'openldap',
    userFilter: '(objectClass=inetOrgPerson)',
    loginAttributes: ['uid'],
    mailAttributes: [],
    attributes: {
      ...COMMON,
      id: 'entryUUID',
      login: 'uid',
      mail: ['mail'],
      aliases: ['mail'],
      department: ['ou'],
      organization: ['o'],
      employeeNumber: ['employeeNumber'],
      modified: ['modifyTimestamp'],
      // operational: returned only when asked for by name (searchAttributes does)
      passwordChanged: ['pwdChangedTime'],
    },
    statusModel: 'ppolicy',
    statusAttributes: ['pwdAccountLockedTime', 'pwdEndTime'],
    binaryAttributes: [],
    modifiedAttribute: 'modifyTimestamp',
    modifiedFilterFraction: false,
    departmentFromDn: true,
    extraAttributes: [],
  };
}

function activeDirectory(): Preset {
  return {
    name: 'activedirectory',
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    loginAttributes: ['sAMAccountName', 'userPrincipalName'],
    mailAttributes: [],
    attributes: {
      ...COMMON,
      id: 'objectGUID',
      login: 'sAMAccountName',
      mail: ['mail'],
      // proxyAddresses ("smtp:"/"SMTP:" prefixed, Exchange) is not read: map it explicitly if wanted
      aliases: [],
      department: ['department', 'ou'],
      organization: ['company', 'o'],
      employeeNumber: ['employeeNumber', 'employeeID'],
      modified: ['whenChanged'],
      passwordChanged: ['pwdLastSet'],
    },
    statusModel: 'activedirectory',
    statusAttributes: ['userAccountControl', 'msDS-User-Account-Control-Computed', 'lockoutTime', 'accountExpires'],
    binaryAttributes: ['objectGUID'],
    modifiedAttribute: 'whenChanged',
    modifiedFilterFraction: true,
    departmentFromDn: true,
    extraAttributes: ['uSNChanged', 'userPrincipalName'],
  };
}

function dedupe(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const n of names) {
    const k = n.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(n);
    }
  }
  return out;
}

const MAX_NAMES_PER_KEY = 16;

function overrideList(key: AttributeKey, v: unknown): string[] {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? (v as unknown[]) : null;
  if (list === null) throw new PresetConfigError(`LDAP_ATTRIBUTE_MAP: "${key}" must be an attribute name or a list of names`);
  if (list.length > MAX_NAMES_PER_KEY) throw new PresetConfigError(`LDAP_ATTRIBUTE_MAP: "${key}" lists more than ${MAX_NAMES_PER_KEY} attributes`);
  const names = list.map((n) => (typeof n === 'string' ? n.trim() : n));
  for (const n of names) {
    if (!isValidAttributeName(n)) {
      const shown = typeof n === 'string' ? JSON.stringify(n.slice(0, 64)) : typeof n;
      throw new PresetConfigError(`LDAP_ATTRIBUTE_MAP: "${key}": ${shown} is not a valid attribute name (a letter, then letters, digits or hyphens)`);
    }
  }
  return dedupe(names as string[]);
}

/**
 * Parses and validates LDAP_ATTRIBUTE_MAP's JSON. Empty or absent: no overrides. Throws
 * PresetConfigError with a message naming the setting and the key.
 */
export function parseAttributeMap(json: string | undefined): AttributeOverrides {
  if (json === undefined || json.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new PresetConfigError('LDAP_ATTRIBUTE_MAP: not valid JSON; expected an object such as {"department":"departmentNumber"}');
  }
  return validateOverrides(v);
}

/** Validates an overrides object (keys, attribute names); returns a clean copy. */
export function validateOverrides(v: unknown): AttributeOverrides {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new PresetConfigError('LDAP_ATTRIBUTE_MAP: expected a JSON object such as {"department":"departmentNumber"}');
  }
  const out: { [K in AttributeKey]?: string[] } = {};
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    if (!(ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
      throw new PresetConfigError(`LDAP_ATTRIBUTE_MAP: unknown key "${key.slice(0, 64)}" (known: ${ATTRIBUTE_KEYS.join(', ')})`);
    }
    const k = key as AttributeKey;
    const list = overrideList(k, value);
    if ((k === 'id' || k === 'login') && list.length !== 1) {
      throw new PresetConfigError(`LDAP_ATTRIBUTE_MAP: "${k}" must name exactly one attribute`);
    }
    if (k === 'modified' && list.length === 0) {
      throw new PresetConfigError('LDAP_ATTRIBUTE_MAP: "modified" must name at least one attribute (it drives changed-only listings)');
    }
    out[k] = list;
  }
  return out;
}

/**
 * The preset with overrides applied.
 *   overrides     LDAP_ATTRIBUTE_MAP (already parsed; validated here: unknown key -> throw)
 *   extraFilter   LDAP_USER_FILTER, ANDed to the preset's filter (must be a well-formed filter)
 *   loginAttributes  LDAP_LOGIN_ATTRIBUTES; empty or absent: the preset's (login attribute,
 *                 plus userPrincipalName for AD)
 * Throws PresetConfigError with a message naming the setting.
 */
export function resolvePreset(
  name: PresetName,
  overrides?: AttributeOverrides | Readonly<Record<string, string | readonly string[]>>,
  extraFilter?: string,
  loginAttributes?: readonly string[],
): Preset {
  const p = base(name);
  const o = validateOverrides(overrides);
  const attributes: AttributeMap = { ...p.attributes };
  for (const key of ATTRIBUTE_KEYS) {
    const list = o[key];
    if (list === undefined) continue;
    if (key === 'id' || key === 'login') attributes[key] = list[0] as string;
    else attributes[key] = [...list];
  }

  let login: string[];
  if (loginAttributes && loginAttributes.length > 0) {
    const names = loginAttributes.map((n) => (typeof n === 'string' ? n.trim() : n)).filter((n) => n !== '');
    for (const n of names) {
      if (!isValidAttributeName(n)) throw new PresetConfigError(`LDAP_LOGIN_ATTRIBUTES: ${JSON.stringify(String(n).slice(0, 64))} is not a valid attribute name`);
    }
    login = dedupe(names);
  } else {
    login = name === 'activedirectory' ? dedupe([attributes.login, 'userPrincipalName']) : [attributes.login];
  }
  if (login.length === 0) throw new PresetConfigError('LDAP_LOGIN_ATTRIBUTES: no attribute given');

  let userFilter = p.userFilter;
  if (extraFilter !== undefined && extraFilter.trim() !== '') {
    const f = extraFilter.trim();
    if (!isValidFilter(f)) {
      throw new PresetConfigError(`LDAP_USER_FILTER: not a well-formed LDAP filter: ${JSON.stringify(f.slice(0, 120))} (expected e.g. (!(zimbraIsSystemAccount=TRUE)))`);
    }
    userFilter = and(p.userFilter, f);
  }

  const preset: Preset = {
    ...p,
    userFilter,
    loginAttributes: login,
    mailAttributes: dedupe([...attributes.mail, ...attributes.aliases]),
    attributes,
    modifiedAttribute: attributes.modified[0] as string,
    // objectGUID is binary wherever it is the id (AD, Samba); a renamed id is text
    binaryAttributes: attributes.id.toLowerCase() === 'objectguid' ? [attributes.id] : [],
  };
  return deepFreeze(preset);
}

/** Every attribute a people search should request (ids, names, status, operational ones). */
export function searchAttributes(preset: Preset): string[] {
  const a = preset.attributes;
  const names = [
    a.id, a.login, ...a.mail, ...a.aliases, ...a.displayName, ...a.givenName, ...a.familyName, ...a.phone,
    ...a.department, ...a.organization, ...a.title, ...a.employeeNumber, ...a.memberOf, ...a.modified, ...a.passwordChanged,
    ...preset.loginAttributes, ...preset.statusAttributes, ...preset.extraAttributes,
  ];
  for (const n of names) assertAttributeName(n);
  return dedupe(names);
}

/** Date -> GeneralizedTime in UTC, whole seconds: 20261127010203Z, or 20261127010203.0Z. */
export function formatGeneralizedTime(d: Date, fraction = false): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('year outside 0000-9999');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const s = `${p(y, 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return fraction ? `${s}.0Z` : `${s}Z`;
}

/**
 * (modified>=since) for changed-only listings, since rounded down to the second (so the
 * boundary second is included). On AD whenChanged is not replicated: use one domain controller
 * for a changed-only sync, or a full listing after a failover.
 */
export function changedSinceFilter(preset: Preset, since: Date): string {
  return gte(preset.modifiedAttribute, formatGeneralizedTime(since, preset.modifiedFilterFraction));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
