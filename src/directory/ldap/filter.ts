/**
 * LDAP search filters (RFC 4515). The ONE place where user input becomes part of a filter:
 * every value goes through escapeFilterValue, every attribute name through assertAttributeName.
 * Pure: no I/O.
 *
 * Escaping and ldapts. RFC 4515 requires escaping NUL, "(", ")", "*" and "\"; other UTF-8
 * characters may appear as they are. ldapts (8.x) turns a string filter into BER with
 * FilterParser.parseString, which decodes each "\XX" into ONE UTF-16 code unit and then writes
 * the value as UTF-8: "\c3\a1" reaches the server as the four bytes c3 83 c2 a1, not "á".
 * So non-ASCII characters are left unescaped here (they reach the server as their exact UTF-8
 * bytes) and only ASCII bytes are written as \XX: the five specials and the ASCII control
 * characters (0x01-0x1f, 0x7f). The same limitation means a binary value (objectGUID) can not
 * be searched through a string filter: build an ldapts EqualityFilter with a Buffer value.
 */

export class LdapFilterError extends Error {
  readonly code = 'LDAP_FILTER';
}

/** An attribute name as this module accepts it (a descr: letter, then letters, digits, hyphens). */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const MAX_ATTRIBUTE_NAME = 128;
/** Longest login input (an e-mail address is at most 254 octets). */
export const MAX_LOGIN_LENGTH = 254;
/** Longest configured filter isValidFilter accepts. */
const MAX_FILTER_LENGTH = 16_384;
const MAX_FILTER_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isValidAttributeName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_ATTRIBUTE_NAME && ATTRIBUTE_NAME.test(name);
}

/** Returns the name when it is a valid attribute name; throws LdapFilterError otherwise. */
export function assertAttributeName(name: unknown): string {
  if (!isValidAttributeName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 64)) : typeof name;
    throw new LdapFilterError(`invalid LDAP attribute name ${shown}: expected a letter followed by letters, digits or hyphens`);
  }
  return name;
}

/**
 * Escapes a value for use inside a filter (RFC 4515): "\", "*", "(", ")", NUL and the other
 * ASCII control characters become \XX (two lower-case hex digits). Non-ASCII characters stay
 * as they are (see the module comment). Throws LdapFilterError on ill-formed UTF-16 (a lone
 * surrogate has no UTF-8 form) or a value that is not a string.
 */
export function escapeFilterValue(v: string): string {
  if (typeof v !== 'string') throw new LdapFilterError('LDAP filter value must be a string');
  if (LONE_SURROGATE.test(v)) throw new LdapFilterError('LDAP filter value is not well-formed Unicode (lone surrogate)');
  return v.replace(/[\\*()\u0000-\u001f\u007f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** (attr=value), value escaped. */
export function eq(attr: string, value: string): string {
  return `(${assertAttributeName(attr)}=${escapeFilterValue(value)})`;
}

/** (attr>=value), value escaped. */
export function gte(attr: string, value: string): string {
  return `(${assertAttributeName(attr)}>=${escapeFilterValue(value)})`;
}

/** (attr=*) */
export function presence(attr: string): string {
  return `(${assertAttributeName(attr)}=*)`;
}

function combine(op: '&' | '|', filters: readonly string[]): string {
  if (filters.length === 0) throw new LdapFilterError(`(${op}) needs at least one filter`);
  for (const f of filters) {
    if (!isValidFilter(f)) throw new LdapFilterError(`not a well-formed LDAP filter: ${JSON.stringify(String(f).slice(0, 120))}`);
  }
  if (filters.length === 1) return filters[0] as string;
  return `(${op}${filters.join('')})`;
}

/** (&f1f2...); one filter is returned as is. Each argument must be a well-formed filter. */
export function and(...filters: string[]): string {
  return combine('&', filters);
}

/** (|f1f2...); one filter is returned as is. Each argument must be a well-formed filter. */
export function or(...filters: string[]): string {
  return combine('|', filters);
}

/** (!f) */
export function not(filter: string): string {
  if (!isValidFilter(filter)) throw new LdapFilterError(`not a well-formed LDAP filter: ${JSON.stringify(String(filter).slice(0, 120))}`);
  return `(!${filter})`;
}

/**
 * Sanity check of a configured filter (LDAP_USER_FILTER, LDAP_GROUP_FILTER after substitution,
 * preset filters): one parenthesised RFC 4515 filter, balanced, escapes well-formed, no control
 * characters, and nothing ldapts's string parser would choke on (attribute options such as
 * ";binary", numeric-OID attribute types, empty (&) / (|)). Extensible matches such as
 * (userAccountControl:1.2.840.113556.1.4.803:=2) are accepted.
 */
export function isValidFilter(s: unknown): boolean {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_FILTER_LENGTH || s[0] !== '(') return false;
  if (LONE_SURROGATE.test(s)) return false;
  if (/[\u0000-\u001f\u007f]/.test(s)) return false;
  const end = parseFilter(s, 0, 0);
  return end === s.length;
}

/** Parses one filter starting at i; returns the index after it, or -1. */
function parseFilter(s: string, i: number, depth: number): number {
  if (depth > MAX_FILTER_DEPTH || s[i] !== '(') return -1;
  i += 1;
  const c = s[i];
  if (c === '&' || c === '|') {
    i += 1;
    let n = 0;
    while (s[i] === '(') {
      i = parseFilter(s, i, depth + 1);
      if (i < 0) return -1;
      n += 1;
    }
    if (n === 0) return -1;
  } else if (c === '!') {
    i = parseFilter(s, i + 1, depth + 1);
    if (i < 0) return -1;
  } else {
    i = parseItem(s, i);
    if (i < 0) return -1;
  }
  return s[i] === ')' ? i + 1 : -1;
}

const ITEM_ATTR = /[A-Za-z][A-Za-z0-9-]*/y;
const OID = /\d+(?:\.\d+)*|[A-Za-z][A-Za-z0-9-]*/y;

function matchAt(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  const m = re.exec(s);
  return m ? i + m[0].length : -1;
}

/** item: simple (= ~= >= <=), present, substring, or extensible; returns the index of the closing ")". */
function parseItem(s: string, i: number): number {
  let j = matchAt(ITEM_ATTR, s, i);
  const hasAttr = j >= 0;
  if (!hasAttr) j = i;
  if (s[j] === ':') {
    // extensible: [attr] [":dn"] [":" rule] ":=" value, with at least attr or rule
    let hasRule = false;
    if (s.startsWith(':dn', j) && (s[j + 3] === ':')) j += 3;
    if (s[j] === ':' && s[j + 1] !== '=') {
      const k = matchAt(OID, s, j + 1);
      if (k < 0) return -1;
      hasRule = true;
      j = k;
    }
    if (!hasAttr && !hasRule) return -1;
    if (!s.startsWith(':=', j)) return -1;
    return parseValue(s, j + 2, false);
  }
  if (!hasAttr) return -1;
  if (s[j] === '=') return parseValue(s, j + 1, true);
  if ((s[j] === '~' || s[j] === '>' || s[j] === '<') && s[j + 1] === '=') return parseValue(s, j + 2, false);
  return -1;
}

/** A value up to (not including) the next ")": escapes must be \XX; "*" only where substrings are allowed. */
function parseValue(s: string, i: number, starAllowed: boolean): number {
  while (i < s.length) {
    const c = s[i];
    if (c === ')') return i;
    if (c === '(') return -1;
    if (c === '*' && !starAllowed) return -1;
    if (c === '\\') {
      if (!/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) return -1;
      i += 3;
      continue;
    }
    i += 1;
  }
  return -1;
}

/**
 * Replaces {name} placeholders in a configured filter template (e.g. LDAP_GROUP_FILTER's
 * (&(objectClass=groupOfNames)(member={dn}))) by escaped values. An unknown placeholder, or a
 * template that is not a well-formed filter once filled, throws LdapFilterError.
 */
export function fillFilterTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const out = template.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (typeof v !== 'string') throw new LdapFilterError(`unknown placeholder {${name}} in filter template`);
    return escapeFilterValue(v);
  });
  if (!isValidFilter(out)) throw new LdapFilterError(`filter template is not a well-formed LDAP filter: ${JSON.stringify(template.slice(0, 120))}`);
  return out;
}

export interface LoginFilterOptions {
  /** Attributes a bare login is matched against (uid; sAMAccountName and userPrincipalName). */
  loginAttributes: readonly string[];
  /** Attributes holding the person's addresses, primary and aliases. */
  mailAttributes: readonly string[];
  /** The province's mail domains: local@domain also matches the login attributes with local. */
  mailDomains: readonly string[];
}

/**
 * What a person typed as login, normalised: NFC, trimmed. null when it can never be a login:
 * not a string, empty, longer than 254 characters, or containing control characters (NUL
 * included), format characters (zero-width, bidi overrides), line/paragraph separators or lone
 * surrogates. Case is left alone: the directory's matching rules are case-insensitive.
 */
export function normalizeLoginInput(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  // cheap bound before normalising (NFD can be at most a few times longer than NFC)
  if (input.length > MAX_LOGIN_LENGTH * 8) return null;
  if (LONE_SURROGATE.test(input)) return null;
  const s = input.normalize('NFC').trim();
  if (s.length === 0) return null;
  if ([...s].length > MAX_LOGIN_LENGTH) return null;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s)) return null;
  return s;
}

/**
 * The filter finding the person for a login input (to be ANDed with the preset's user filter):
 *   - "an.nv"               -> any login attribute equals an.nv
 *   - "an.nv@tinh.gov.vn"   -> any mail attribute (primary, aliases) or login attribute equals
 *                              the whole address (AD's userPrincipalName is a login attribute),
 *                              and, when tinh.gov.vn is one of mailDomains, any login attribute
 *                              equals an.nv
 * Returns null for input that can never be a login (see normalizeLoginInput; also "@x", "x@").
 * Throws LdapFilterError for a configuration error (no login attribute, invalid attribute name).
 * The caller must treat more than one matching entry as a failure, never pick one.
 */
export function loginFilter(input: string, opts: LoginFilterOptions): string | null {
  const loginAttrs = uniqueAttributes(opts.loginAttributes);
  const mailAttrs = uniqueAttributes(opts.mailAttributes);
  if (loginAttrs.length === 0) throw new LdapFilterError('no login attribute configured');
  const login = normalizeLoginInput(input);
  if (login === null) return null;
  const terms: string[] = [];
  const at = login.lastIndexOf('@');
  if (at < 0) {
    for (const a of loginAttrs) terms.push(eq(a, login));
  } else {
    const local = login.slice(0, at).trim();
    const domain = login.slice(at + 1).trim().toLowerCase();
    if (local.length === 0 || domain.length === 0) return null;
    for (const a of uniqueAttributes([...mailAttrs, ...loginAttrs])) terms.push(eq(a, login));
    const domains = new Set(opts.mailDomains.map((d) => String(d).trim().toLowerCase().replace(/^@/, '')).filter(Boolean));
    if (domains.has(domain)) for (const a of loginAttrs) terms.push(eq(a, local));
  }
  const unique = [...new Set(terms)];
  return unique.length === 1 ? (unique[0] as string) : or(...unique);
}

/** Validated attribute names, first occurrence kept (names compare case-insensitively). */
function uniqueAttributes(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const n of names) {
    assertAttributeName(n);
    const k = n.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(n);
  }
  return out;
}
