/**
 * One LDAP entry -> a DirectoryIdentity (or why it is unusable). Pure: no I/O.
 *
 * Every attribute value is treated as hostile until validated (attributes.ts says how values are
 * read). Rules:
 *   - id and login are required, single-valued, valid UTF-8, without control characters, at most
 *     256 characters; otherwise the entry is an error result ("missing zimbraId")
 *   - other single-meaning fields take the first usable value of the first attribute that has
 *     one; unusable values (invalid UTF-8, control characters only, wrong type) are skipped
 *   - free text (names, department, title) is NFC, control/format characters dropped,
 *     whitespace collapsed, at most 256 characters (text.ts)
 *   - e-mail addresses are lower-cased and checked (invalid -> null / dropped, not an error)
 *   - the account state is read per preset and fails closed (an unreadable state is disabled;
 *     status.ts)
 *   - department, organisation and groups: organization.ts
 */
import type { DirectoryIdentity, EntryResult } from '../../domain/directory.js';
import { splitVietnameseName } from '../names.js';
import { Attributes, decodeValue, firstParsed, firstText, objectGuidToUuid } from './attributes.js';
import { MAX_DN } from '../../domain/dn.js';
import { groupsOf, readOrganization } from './organization.js';
import type { Preset } from './presets.js';
import { readStatus, type StatusOptions } from './status.js';
import { cleanIdentifier, cleanText, normalizeEmail, normalizePhone } from './text.js';
import { fileTimeToDate, parseGeneralizedTime } from './time.js';
import { wellFormed } from '../../domain/utf8.js';

export interface EntryOptions extends StatusOptions {
  /** The province's mail domains: among several primary-address values, one here is preferred. */
  mailDomains: readonly string[];
}

const MAX_ID = 256;
const MAX_ALIASES = 100;

/** Why an entry is unusable; never leaves this module (entryToIdentity returns it as a result). */
class EntryError extends Error {}

/**
 * Maps one entry. Never throws: an unusable entry is { ok: false, dn, error } with a message
 * fit for logs ("missing zimbraId", "several values in uid", ...).
 */
export function entryToIdentity(entry: Record<string, unknown> & { dn: string }, preset: Preset, opts: EntryOptions): EntryResult {
  const rawDn: unknown = entry && typeof entry === 'object' ? entry.dn : undefined;
  const dnForError = typeof rawDn === 'string' ? rawDn.slice(0, MAX_DN) : '';
  try {
    return { ok: true, identity: mapEntry(entry, preset, opts) };
  } catch (err) {
    const error = err instanceof EntryError ? err.message : `unexpected entry content (${err instanceof Error ? err.message.slice(0, 200) : 'error'})`;
    return { ok: false, dn: dnForError, error };
  }
}

function mapEntry(entry: Record<string, unknown> & { dn: string }, preset: Preset, opts: EntryOptions): DirectoryIdentity {
  const dn = checkedDn(entry, opts);
  const a = new Attributes(entry);
  const map = preset.attributes;
  const id = externalId(a, map.id);
  const login = required(a, map.login).toLowerCase().normalize('NFC');
  const { email, aliases } = addresses(a, preset, opts.mailDomains);
  const names = personName(a, preset, login, email);
  const phoneNumber = firstParsed(a, map.phone, normalizePhone);
  const organization = readOrganization(a, preset, dn);
  const groups = groupsOf(a, map.memberOf);
  const modifiedAt = firstParsed(a, map.modified, (v) => parseGeneralizedTime(v.trim()));
  const passwordChanged = firstText(a, map.passwordChanged, 64);
  const st = readStatus(preset, a, opts);

  const identity: DirectoryIdentity = {
    externalId: id,
    dn,
    login,
    email,
    aliases,
    displayName: names.displayName,
    givenName: names.givenName,
    familyName: names.familyName,
    middleName: names.middleName,
    phoneNumber,
    status: st.status,
    organization,
    groups: groups.names,
    groupDns: groups.dns,
    modifiedAt,
    passwordChanged,
    passwordChangedAt: passwordChanged === null ? null : passwordTime(passwordChanged),
  };
  if (st.detail !== undefined) identity.statusDetail = st.detail;
  return identity;
}

/**
 * When the password was changed, if the value is a time: GeneralizedTime (Zimbra, ppolicy), or a
 * FILETIME after 1970 (AD's pwdLastSet; a smaller number, such as Unix seconds, is not read as one).
 */
function passwordTime(v: string): Date | null {
  const t = parseGeneralizedTime(v) ?? fileTimeToDate(v);
  return t !== null && t.getTime() >= 0 ? t : null;
}

/** The entry's DN, checked (and the clock the entry is judged against). */
function checkedDn(entry: Record<string, unknown> & { dn: string }, opts: EntryOptions): string {
  if (!entry || typeof entry !== 'object') throw new EntryError('not an entry');
  const dn = entry.dn as unknown;
  if (typeof dn !== 'string' || dn.trim().length === 0) throw new EntryError('missing dn');
  if (dn.length > MAX_DN || /[\0\r\n]/.test(dn) || !wellFormed(dn)) throw new EntryError('unusable dn');
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) throw new EntryError('invalid clock');
  return dn;
}

// ---------------------------------------------------------------------------------------------
// Id and login

/** The one value of a required attribute, validated; throws EntryError with a log-safe message. */
function required(a: Attributes, name: string): string {
  const raw = a.raw(name).filter((r) => (typeof r === 'string' ? r.trim().length > 0 : r.length > 0));
  if (raw.length === 0) throw new EntryError(`missing ${name}`);
  const decoded = raw.map(decodeValue);
  if (decoded.some((d) => d === null)) throw new EntryError(`invalid UTF-8 in ${name}`);
  const values = [...new Set((decoded as string[]).map((d) => d.normalize('NFC').trim()))];
  if (values.length > 1) throw new EntryError(`several values in ${name}`);
  const v = cleanIdentifier(values[0] as string, MAX_ID);
  if (v === null) throw new EntryError(`unusable ${name} (control characters or longer than ${MAX_ID})`);
  return v;
}

function externalId(a: Attributes, name: string): string {
  if (name.toLowerCase() !== 'objectguid') return required(a, name);
  const raw = a.raw(name).filter((r) => r.length > 0);
  if (raw.length === 0) throw new EntryError(`missing ${name}`);
  const ids = new Set<string>();
  for (const r of raw) {
    let id: string | null = null;
    if (typeof r === 'string') {
      // already text (fixtures, or a GUID ldapts decoded as UTF-8): canonical text or the bytes again
      const t = r.trim();
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t)) id = t.toLowerCase();
      else id = objectGuidToUuid(Buffer.from(r, 'utf8'));
    } else {
      id = objectGuidToUuid(r);
    }
    if (id === null) throw new EntryError(`${name} is not 16 bytes`);
    ids.add(id);
  }
  if (ids.size > 1) throw new EntryError(`several values in ${name}`);
  return [...ids][0] as string;
}

// ---------------------------------------------------------------------------------------------
// Addresses

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/** The mail domains as a set, normalised (the same list for every entry of a listing: kept). */
const domainSets = new WeakMap<readonly string[], Set<string>>();
function domainSet(mailDomains: readonly string[]): Set<string> {
  let set = domainSets.get(mailDomains);
  if (!set) {
    set = new Set(mailDomains.map((d) => String(d).trim().toLowerCase().replace(/^@/, '')).filter(Boolean));
    domainSets.set(mailDomains, set);
  }
  return set;
}

/**
 * The primary address (of the first mail attribute with a valid one: one in the province's
 * domains if any, else the first) and every other valid address, sorted, at most MAX_ALIASES.
 */
function addresses(a: Attributes, preset: Preset, mailDomains: readonly string[]): { email: string | null; aliases: string[] } {
  const map = preset.attributes;
  const domains = domainSet(mailDomains);
  let email: string | null = null;
  for (const n of map.mail) {
    const valid = a.strings(n).map(normalizeEmail).filter((e): e is string => e !== null);
    if (valid.length === 0) continue;
    email = valid.find((e) => domains.has(domainOf(e))) ?? (valid[0] as string);
    break;
  }
  const aliasSet = new Set<string>();
  for (const n of [...map.mail, ...map.aliases]) {
    for (const v of a.strings(n)) {
      const e = normalizeEmail(v);
      if (e !== null && e !== email) aliasSet.add(e);
    }
  }
  return { email, aliases: [...aliasSet].sort().slice(0, MAX_ALIASES) };
}

// ---------------------------------------------------------------------------------------------
// Names

/** Same text ignoring case (a Zimbra placeholder sn/cn equal to the login is not a name). */
function sameText(x: string, y: string): boolean {
  return x.toLowerCase() === y.toLowerCase();
}

/** A name that is only the login or the mail's local part (Zimbra's default sn and cn). */
function isPlaceholder(t: string, login: string, localPart: string | null): boolean {
  return sameText(t, login) || (localPart !== null && sameText(t, localPart));
}

/** givenName/sn agree with a part of the full name (or are not given). */
function agrees(attr: string | null, part: string | null): boolean {
  return attr === null || (part !== null && sameText(attr, part));
}

interface PersonName {
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
}

/**
 * The person's names. givenName/sn as the directory writes them; parts of the full name fill
 * the gaps only when the full name agrees with what the directory gives (sn "Nguyễn Văn" +
 * givenName "An" stay so). Placeholders (the login or the mail's local part) are not names.
 */
function personName(a: Attributes, preset: Preset, login: string, email: string | null): PersonName {
  const map = preset.attributes;
  const localPart = email ? email.slice(0, email.lastIndexOf('@')) : null;
  const fullName = firstText(a, map.displayName);
  let givenAttr = firstText(a, map.givenName);
  let familyAttr = firstText(a, map.familyName);
  if (givenAttr !== null && isPlaceholder(givenAttr, login, localPart)) givenAttr = null;
  if (familyAttr !== null && isPlaceholder(familyAttr, login, localPart)) familyAttr = null;
  const realName = fullName !== null && !isPlaceholder(fullName, login, localPart);
  const split = realName ? splitVietnameseName(fullName) : { familyName: null, middleName: null, givenName: null };
  let givenName: string | null = givenAttr;
  let familyName: string | null = familyAttr;
  let middleName: string | null = null;
  if (agrees(givenAttr, split.givenName) && agrees(familyAttr, split.familyName)) {
    givenName = givenAttr ?? split.givenName;
    familyName = familyAttr ?? split.familyName;
    middleName = split.middleName;
  }
  const composed = [familyName, middleName, givenName].filter((x): x is string => x !== null).join(' ');
  const displayName = realName ? fullName : composed.length > 0 ? cleanText(composed) : (fullName ?? login);
  return { displayName, givenName, familyName, middleName };
}
