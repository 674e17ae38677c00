/**
 * One LDAP entry -> a DirectoryIdentity (or why it is unusable). Pure: no I/O.
 *
 * Every attribute value is treated as hostile until validated: ldapts gives a string, a string
 * list, a Buffer or a Buffer list (all values become Buffers when one is not valid UTF-8), with
 * attribute names in whatever case the server used; recorded or hand-made entries may hold
 * anything. Rules:
 *   - names are matched case-insensitively; "attr;range=0-1499" (AD ranged values) counts as attr
 *   - id and login are required, single-valued, valid UTF-8, without control characters, at most
 *     256 characters; otherwise the entry is an error result ("missing zimbraId")
 *   - other single-meaning fields take the first usable value of the first attribute that has
 *     one; unusable values (invalid UTF-8, control characters only, wrong type) are skipped
 *   - free text (names, department, title) is NFC, control/format characters dropped,
 *     whitespace collapsed, at most 256 characters
 *   - e-mail addresses are lower-cased and checked (invalid -> null / dropped, not an error)
 *   - the account state is read per preset and fails closed (an unreadable state is disabled)
 *
 * Department: the first value of the department attributes (ou, AD's department); else, where
 * the preset allows it (not Zimbra, whose accounts all sit under ou=people), the nearest ou=
 * RDN above the entry in its DN, skipping generic containers (people, users, accounts, staff).
 * Organization: the organization attributes (o; company on AD and Zimbra); else the nearest o=
 * RDN above the entry; else none. The top-most ou is NOT used: in provincial trees it is
 * usually the whole province (UBND tỉnh), not the agency; map an attribute when needed.
 */
import type { DirectoryIdentity, DirectoryStatus, EntryResult, OrganizationInfo } from '../types.js';
import { splitVietnameseName } from '../names.js';
import type { Preset } from './presets.js';

export interface EntryOptions {
  /** The province's mail domains: among several primary-address values, one here is preferred. */
  mailDomains: readonly string[];
  now: Date;
  /**
   * The directory's lockout duration, when known: a temporary lock (AD lockoutTime, ppolicy
   * pwdAccountLockedTime, Zimbra lockout) older than this is over. AD and ppolicy clear the
   * mark lazily (at the next bind), so without it an expired lock still reads as locked.
   */
  lockoutDurationMs?: number | undefined;
}

/** Longest free text kept (display name, department, ...), in characters. */
export const MAX_TEXT = 256;
const MAX_ID = 256;
const MAX_EMAIL = 254;
const MAX_DN = 8192;
/** Values of one attribute looked at (memberOf of a very large membership is cut here). */
const MAX_VALUES = 2000;
const MAX_ALIASES = 100;
const MAX_GROUPS = 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ES2024 (Node 20 has them; the project's lib is ES2023)
type Utf16 = string & { isWellFormed(): boolean; toWellFormed(): string };
/** No lone surrogate (well-formed UTF-16). */
const wellFormed = (s: string): boolean => (s as Utf16).isWellFormed();

// ---------------------------------------------------------------------------------------------
// Attribute access

type RawValue = string | Uint8Array;

/** Attribute values of an entry, by lower-cased attribute name. */
class Attributes {
  private readonly exact = new Map<string, RawValue[]>();
  private readonly ranged = new Map<string, RawValue[]>();

  constructor(entry: Record<string, unknown>) {
    for (const key of Object.keys(entry)) {
      const lower = key.toLowerCase();
      if (lower === 'dn' || key.length > 256) continue;
      const semi = lower.indexOf(';');
      if (semi < 0) {
        add(this.exact, lower, rawValues(entry[key]));
      } else if (lower.startsWith('range=', semi + 1)) {
        add(this.ranged, lower.slice(0, semi), rawValues(entry[key]));
      }
      // other options (cn;lang-vi, ...) are ignored
    }
  }

  /** Raw values of an attribute; empty when absent. */
  raw(name: string): RawValue[] {
    const lower = name.toLowerCase();
    const v = this.exact.get(lower);
    if (v && v.length > 0) return v;
    return this.ranged.get(lower) ?? [];
  }

  /** Decoded, well-formed, non-blank string values (others skipped). */
  strings(name: string): string[] {
    const out: string[] = [];
    for (const r of this.raw(name)) {
      const s = decodeValue(r);
      if (s !== null && s.trim().length > 0) out.push(s);
    }
    return out;
  }
}

/** Values of an attribute seen under several names ("mail", "MAIL") are joined, at most MAX_VALUES. */
function add(map: Map<string, RawValue[]>, name: string, values: RawValue[]): void {
  const had = map.get(name);
  map.set(name, had ? [...had, ...values].slice(0, MAX_VALUES) : values);
}

function oneRawValue(x: unknown): RawValue | null {
  if (typeof x === 'string' || x instanceof Uint8Array) return x;
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  if (typeof x === 'bigint') return x.toString();
  return null;
}

function rawValues(v: unknown): RawValue[] {
  if (Array.isArray(v)) {
    const out: RawValue[] = [];
    const n = Math.min(v.length, MAX_VALUES);
    for (let k = 0; k < n; k++) {
      const r = oneRawValue(v[k]);
      if (r !== null) out.push(r);
    }
    return out;
  }
  const r = oneRawValue(v);
  return r === null ? [] : [r];
}

/** A value as text: Buffers must be valid UTF-8, strings well-formed UTF-16; else null. */
function decodeValue(r: RawValue): string | null {
  if (typeof r === 'string') return wellFormed(r) ? r : null;
  try {
    return utf8.decode(r);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Text clean-up

/**
 * What cleanText rewrites, the plain space aside: control and format characters, and every other
 * character of \s and \p{Z} (the rest of them are Cc or Cf).
 */
const UNCLEAN = /[\p{Cc}\p{Cf}\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
/**
 * Free text as shown to people: NFC, tabs/new lines -> spaces, other control and format
 * characters dropped, whitespace collapsed, trimmed, at most max characters (code points).
 */
export function cleanText(v: string, max: number = MAX_TEXT): string {
  // bound the work on huge values before normalising; the final cut is done below
  let s = v.length > max * 16 ? v.slice(0, max * 16) : v;
  s = (s as Utf16).toWellFormed().normalize('NFC');
  // most values are clean already (single spaces, nothing to drop): skip the rewriting
  if (UNCLEAN.test(s) || s.includes('  ') || s.startsWith(' ') || s.endsWith(' ')) {
    s = s
      .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ')
      .replace(/[\p{Cc}\p{Cf}]/gu, '')
      .replace(/[\s\p{Z}]+/gu, ' ')
      .trim();
  }
  if (s.length > max) {
    const cps = Array.from(s);
    if (cps.length > max) s = cps.slice(0, max).join('').trim();
  }
  return s;
}

/** An identifier (id, login): trimmed, NFC; null when it has control/format characters or is too long. */
function cleanIdentifier(v: string, max: number): string | null {
  const s = v.normalize('NFC').trim();
  if (s.length === 0 || s.length > max) return null;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s)) return null;
  return s;
}

const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * An e-mail address, lower-cased; null unless it is a plain ASCII addr-spec (dot-atom local part
 * of at most 64 characters, a domain of at least two labels, at most 254 characters in all).
 * Quoted local parts and internationalised addresses are not accepted.
 */
export function normalizeEmail(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > MAX_EMAIL * 4) return null;
  const s = v.normalize('NFC').trim().toLowerCase();
  if (s.length === 0 || s.length > MAX_EMAIL) return null;
  if (!EMAIL.test(s)) return null;
  const at = s.lastIndexOf('@');
  if (at > 64) return null;
  return s;
}

/**
 * A phone number, lightly normalised: the first number-like run of the value (values such as
 * "0912 345 678 / 0987 654 321" or "ĐT: 0912345678" give one number), full-width digits folded,
 * "-", ".", "(", ")" turned into spaces, anything else dropped, spaces collapsed, "+" kept only
 * in front. null unless it has 6 to 15 digits.
 */
export function normalizePhone(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.slice(0, 256).normalize('NFKC');
  const m = /\+?\s*\(?\d[\d\s\-.()]*/.exec(s);
  if (!m) return null;
  let n = m[0].replace(/[-.()]/g, ' ').replace(/\s+/g, ' ').trim();
  const plus = n.startsWith('+');
  n = n.replace(/\+/g, '').trim();
  const digits = n.replace(/\D/g, '').length;
  if (digits < 6 || digits > 15) return null;
  return plus ? `+${n}` : n;
}

// ---------------------------------------------------------------------------------------------
// Formats: GeneralizedTime, FILETIME, objectGUID, DN

/**
 * LDAP GeneralizedTime (RFC 4517) -> Date: YYYYMMDDHH[MM[SS]][(.|,)fraction](Z|+hh[mm]|-hh[mm]),
 * the fraction applying to the last unit given (20261127010203Z, 20261127010203.0Z,
 * 202611270102.5Z, 20261127080203+0700). null for anything else, including a time without a
 * zone (local time of an unknown place) and impossible dates (20260230...).
 */
export function parseGeneralizedTime(s: unknown): Date | null {
  if (typeof s !== 'string' || s.length > 64) return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})?)?(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?:\d{2})?)$/.exec(s.trim());
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = mis === undefined ? 0 : Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, Math.min(second, 59), 0);
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  let ms = d.getTime();
  if (second === 60) ms += 1000; // a leap second: the instant after :59
  if (frac !== undefined) {
    const f = Number(`0.${frac}`);
    const unit = ss !== undefined ? 1000 : mis !== undefined ? 60_000 : 3_600_000;
    ms += Math.floor(f * unit);
  }
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = zone.length > 3 ? Number(zone.slice(3, 5)) : 0;
    if (zh > 23 || zm > 59) return null;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  const out = new Date(ms);
  return Number.isNaN(out.getTime()) ? null : out;
}

const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n; // 1601-01-01 -> 1970-01-01
const FILETIME_NEVER = 0x7fffffffffffffffn;

/**
 * Windows FILETIME (100-ns intervals since 1601-01-01 UTC, as AD writes accountExpires and
 * lockoutTime: a decimal string) -> Date. null for 0 and 0x7FFFFFFFFFFFFFFF ("never") and for
 * anything that is not a non-negative decimal integer.
 */
export function fileTimeToDate(s: unknown): Date | null {
  let v: bigint;
  if (typeof s === 'bigint') v = s;
  else if (typeof s === 'number' && Number.isSafeInteger(s)) v = BigInt(s);
  else if (typeof s === 'string' && /^\s*\d{1,20}\s*$/.test(s)) v = BigInt(s.trim());
  else return null;
  if (v <= 0n || v >= FILETIME_NEVER) return null;
  const ms = v / 10_000n - FILETIME_EPOCH_OFFSET_MS;
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * AD objectGUID (16 bytes) -> canonical UUID text, lower case. AD stores the first three
 * groups little-endian: bytes 4d 35 2a 4e 25 7d 3e 48 9c 44 ... read 4e2a354d-7d25-483e-9c44-....
 * null unless exactly 16 bytes.
 */
export function objectGuidToUuid(buf: Uint8Array): string | null {
  if (!(buf instanceof Uint8Array) || buf.length !== 16) return null;
  const h = (i: number) => (buf[i] as number).toString(16).padStart(2, '0');
  const r = (...idx: number[]) => idx.map(h).join('');
  return `${r(3, 2, 1, 0)}-${r(5, 4)}-${r(7, 6)}-${r(8, 9)}-${r(10, 11, 12, 13, 14, 15)}`;
}

/** The inverse: UUID text -> the 16 bytes AD stores (to search by objectGUID with a Buffer value). */
export function uuidToObjectGuid(uuid: string): Buffer | null {
  if (typeof uuid !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid.trim())) return null;
  const b = Buffer.from(uuid.trim().replace(/-/g, ''), 'hex');
  return Buffer.from([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8)] as number[]);
}

/** One attribute-value assertion of an RDN. */
export interface Ava {
  /** Attribute type as written (descr or numeric OID). */
  type: string;
  /** Value, unescaped (RFC 4514 escapes and \XX UTF-8 sequences decoded). */
  value: string;
}
/** An RDN: one AVA, or several joined by "+". */
export type Rdn = Ava[];

const DN_TYPE = /[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*/y;
const DN_SPECIALS = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);

/**
 * Parses a DN (RFC 4514; also accepts ";" between RDNs, spaces around separators, and quoted
 * values, as older servers write them). Returns the RDNs from the entry's own (first) to the
 * root; [] for the empty DN; null when it is not a well-formed DN (including escapes that are
 * not valid UTF-8). "#..." hex values are decoded when they hold a BER string, else kept as written.
 */
export function parseDn(dn: string): Rdn[] | null {
  if (typeof dn !== 'string' || dn.length > MAX_DN || !wellFormed(dn)) return null;
  const s = dn;
  let i = 0;
  while (s[i] === ' ') i += 1;
  if (i === s.length) return [];
  const rdns: Rdn[] = [];
  for (;;) {
    const rdn: Rdn = [];
    for (;;) {
      while (s[i] === ' ') i += 1;
      DN_TYPE.lastIndex = i;
      const tm = DN_TYPE.exec(s);
      if (!tm) return null;
      const type = tm[0];
      i += type.length;
      while (s[i] === ' ') i += 1;
      if (s[i] !== '=') return null;
      i += 1;
      while (s[i] === ' ') i += 1;
      const v = parseDnValue(s, i);
      if (v === null) return null;
      i = v.next;
      rdn.push({ type, value: v.value });
      if (s[i] === '+') {
        i += 1;
        continue;
      }
      break;
    }
    rdns.push(rdn);
    if (i >= s.length) return rdns;
    if (s[i] === ',' || s[i] === ';') {
      i += 1;
      continue;
    }
    return null;
  }
}

function hexByte(s: string, i: number): number | null {
  const h = s.slice(i, i + 2);
  return /^[0-9A-Fa-f]{2}$/.test(h) ? parseInt(h, 16) : null;
}

/** One attribute value starting at i (leading spaces already skipped). */
function parseDnValue(s: string, i: number): { value: string; next: number } | null {
  if (s[i] === '#') {
    let j = i + 1;
    const bytes: number[] = [];
    for (;;) {
      const b = hexByte(s, j);
      if (b === null) break;
      bytes.push(b);
      j += 2;
    }
    if (bytes.length === 0) return null;
    const raw = s.slice(i, j);
    while (s[j] === ' ') j += 1;
    if (j < s.length && s[j] !== ',' && s[j] !== ';' && s[j] !== '+') return null;
    return { value: berString(bytes) ?? raw, next: j };
  }
  const v = new DnValue();
  let quoted = false;
  let j = i;
  if (s[j] === '"') {
    quoted = true;
    j += 1;
  }
  for (;;) {
    const c = s[j];
    if (c === undefined) {
      if (quoted) return null;
      break;
    }
    if (quoted && c === '"') {
      j += 1;
      if (!v.flushBytes()) return null;
      while (s[j] === ' ') j += 1;
      if (j < s.length && s[j] !== ',' && s[j] !== ';' && s[j] !== '+') return null;
      return { value: v.out, next: j };
    }
    if (!quoted && (c === ',' || c === ';' || c === '+')) break;
    if (c === '\0') return null;
    if (c === '\\') {
      const b = hexByte(s, j + 1);
      if (b !== null) {
        v.bytes.push(b);
        j += 3;
        continue;
      }
      const next = s[j + 1];
      if (next === undefined || !DN_SPECIALS.has(next)) return null;
      if (!v.flushBytes()) return null;
      v.add(next);
      j += 2;
      continue;
    }
    if (!v.flushBytes()) return null;
    if (c === ' ' && !quoted) {
      v.pendingSpaces += ' ';
      j += 1;
      continue;
    }
    const cp = s.codePointAt(j) as number;
    const ch = String.fromCodePoint(cp);
    v.add(ch);
    j += ch.length;
  }
  if (!v.flushBytes()) return null;
  // unescaped trailing spaces are not part of the value
  return { value: v.out, next: j };
}

/** A DN value being unescaped: the text so far, spaces not yet known to be inside, \XX bytes not yet decoded. */
class DnValue {
  out = '';
  pendingSpaces = '';
  bytes: number[] = [];

  /** Decodes the pending \XX bytes; false when they are not UTF-8. */
  flushBytes(): boolean {
    if (this.bytes.length === 0) return true;
    try {
      this.out += this.pendingSpaces + utf8.decode(Uint8Array.from(this.bytes));
    } catch {
      return false;
    }
    this.pendingSpaces = '';
    this.bytes = [];
    return true;
  }

  add(t: string): void {
    this.out += this.pendingSpaces + t;
    this.pendingSpaces = '';
  }
}

/** The text of a BER-encoded string value (#04... hexstring), or null. */
function berString(bytes: number[]): string | null {
  const tag = bytes[0];
  let len = bytes[1];
  if (tag === undefined || len === undefined) return null;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) return null;
    len = 0;
    for (let k = 0; k < n; k += 1) len = (len << 8) | (bytes[off + k] ?? 0);
    off += n;
  }
  if (off + len !== bytes.length) return null;
  // UTF8String, PrintableString, IA5String, OCTET STRING holding text
  if (tag !== 0x0c && tag !== 0x13 && tag !== 0x16 && tag !== 0x04) return null;
  try {
    return utf8.decode(Uint8Array.from(bytes.slice(off)));
  } catch {
    return null;
  }
}

function rdnValue(rdn: Rdn, preferType?: string): string | undefined {
  if (preferType) {
    const a = rdn.find((x) => x.type.toLowerCase() === preferType);
    if (a) return a.value;
  }
  return rdn[0]?.value;
}

// ---------------------------------------------------------------------------------------------
// Status

interface StatusResult {
  status: DirectoryStatus;
  detail?: string | undefined;
}

/** The one value of a single-valued status attribute: absent, several, or one string. */
function singleStatusValue(a: Attributes, name: string): { kind: 'absent' } | { kind: 'several' } | { kind: 'one'; value: string } {
  const values = [...new Set(a.strings(name).map((v) => v.trim()))];
  if (values.length === 0) return a.raw(name).length > 0 ? { kind: 'one', value: '' } : { kind: 'absent' };
  if (values.length > 1) return { kind: 'several' };
  return { kind: 'one', value: values[0] as string };
}

function lockStillActive(since: Date | null, opts: EntryOptions): boolean {
  if (since === null || opts.lockoutDurationMs === undefined) return true;
  return since.getTime() + opts.lockoutDurationMs > opts.now.getTime();
}

const ZIMBRA_STATUS: Readonly<Record<string, DirectoryStatus>> = {
  active: 'active',
  locked: 'disabled',
  closed: 'disabled',
  maintenance: 'disabled',
  pending: 'disabled',
  lockout: 'locked',
};

/**
 * zimbraAccountStatus: active -> active; locked, closed, maintenance, pending -> disabled;
 * lockout (too many wrong passwords) -> locked. Absent, several values or an unknown value ->
 * disabled: Zimbra writes the attribute on every account and refuses a login without it, so
 * its absence means the service account cannot read it (an ACL problem to fix), and letting
 * such entries in would let closed accounts in.
 */
function zimbraStatus(a: Attributes, opts: EntryOptions): StatusResult {
  const v = singleStatusValue(a, 'zimbraAccountStatus');
  if (v.kind === 'absent') return { status: 'disabled', detail: 'zimbraAccountStatus missing (can the service account read it?)' };
  if (v.kind === 'several') return { status: 'disabled', detail: 'zimbraAccountStatus has several values' };
  const key = v.value.toLowerCase();
  const status = Object.prototype.hasOwnProperty.call(ZIMBRA_STATUS, key) ? ZIMBRA_STATUS[key] : undefined;
  if (status === undefined) return { status: 'disabled', detail: `zimbraAccountStatus=${cleanText(v.value, 40)} (unknown value)` };
  if (status === 'active') return { status };
  if (status === 'locked') {
    const lockedAt = parseGeneralizedTime(a.strings('zimbraPasswordLockoutLockedTime')[0]);
    if (!lockStillActive(lockedAt, opts)) return { status: 'active', detail: 'zimbraAccountStatus=lockout, lockout period over' };
  }
  return { status, detail: `zimbraAccountStatus=${key}` };
}

/** ppolicy's permanent lock (an administrator's lock, no expiry). */
const PPOLICY_PERMANENT = '000001010000Z';

/**
 * OpenLDAP ppolicy: pwdAccountLockedTime 000001010000Z -> disabled (locked by an administrator);
 * any other value -> locked (too many wrong passwords; over after lockoutDurationMs when given);
 * pwdEndTime in the past -> expired.
 */
function ppolicyStatus(a: Attributes, opts: EntryOptions): StatusResult {
  const locked = singleStatusValue(a, 'pwdAccountLockedTime');
  const end = singleStatusValue(a, 'pwdEndTime');
  if (locked.kind === 'one' && locked.value === PPOLICY_PERMANENT) return { status: 'disabled', detail: `pwdAccountLockedTime=${PPOLICY_PERMANENT} (locked by an administrator)` };
  if (end.kind === 'several') return { status: 'expired', detail: 'pwdEndTime has several values' };
  if (end.kind === 'one') {
    const t = parseGeneralizedTime(end.value);
    if (t === null) return { status: 'expired', detail: 'pwdEndTime unreadable' };
    if (t.getTime() <= opts.now.getTime()) return { status: 'expired', detail: `pwdEndTime=${t.toISOString()}` };
  }
  if (locked.kind === 'several') return { status: 'locked', detail: 'pwdAccountLockedTime has several values' };
  if (locked.kind === 'one') {
    const t = parseGeneralizedTime(locked.value);
    if (t === null) return { status: 'locked', detail: 'pwdAccountLockedTime unreadable' };
    if (lockStillActive(t, opts)) return { status: 'locked', detail: `pwdAccountLockedTime=${t.toISOString()}` };
  }
  return { status: 'active' };
}

export const UAC = Object.freeze({
  ACCOUNTDISABLE: 0x2,
  LOCKOUT: 0x10,
  NORMAL_ACCOUNT: 0x200,
  DONT_EXPIRE_PASSWORD: 0x10000,
  PASSWORD_EXPIRED: 0x800000,
});

function parseIntValue(v: string): number | null {
  if (!/^-?\d{1,12}$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n >>> 0 : null;
}

/**
 * Active Directory: userAccountControl ACCOUNTDISABLE (0x2) -> disabled; accountExpires in the
 * past -> expired; locked -> locked; PASSWORD_EXPIRED (0x800000) is only noted (the bind says 532).
 * userAccountControl absent or unreadable -> disabled (fail closed).
 *
 * Locked: AD leaves lockoutTime non-zero after the lockout duration has passed (until the next
 * successful logon), and does not keep the LOCKOUT bit in the stored userAccountControl. The
 * constructed msDS-User-Account-Control-Computed has LOCKOUT (0x10) set only while the lock lasts
 * (it applies the domain's lockout duration), so when the entry carries it, it decides alone.
 * Without it: LOCKOUT in userAccountControl, or lockoutTime > 0 (over after lockoutDurationMs
 * when given).
 */
function adStatus(a: Attributes, opts: EntryOptions): StatusResult {
  const uacV = singleStatusValue(a, 'userAccountControl');
  if (uacV.kind === 'absent') return { status: 'disabled', detail: 'userAccountControl missing (can the service account read it?)' };
  if (uacV.kind === 'several') return { status: 'disabled', detail: 'userAccountControl has several values' };
  const uac = parseIntValue(uacV.value);
  if (uac === null) return { status: 'disabled', detail: 'userAccountControl unreadable' };
  const computedV = singleStatusValue(a, 'msDS-User-Account-Control-Computed');
  const computed = computedV.kind === 'one' ? parseIntValue(computedV.value) : null;
  if (uac & UAC.ACCOUNTDISABLE) return { status: 'disabled', detail: `userAccountControl=${uac} (ACCOUNTDISABLE)` };

  const expV = singleStatusValue(a, 'accountExpires');
  if (expV.kind === 'several') return { status: 'expired', detail: 'accountExpires has several values' };
  if (expV.kind === 'one') {
    const exp = fileTimeToDate(expV.value);
    if (exp !== null && exp.getTime() <= opts.now.getTime()) return { status: 'expired', detail: `accountExpires=${exp.toISOString()}` };
  }

  if (computed !== null) {
    if (computed & UAC.LOCKOUT) return { status: 'locked', detail: 'msDS-User-Account-Control-Computed LOCKOUT' };
  } else {
    if (uac & UAC.LOCKOUT) return { status: 'locked', detail: 'userAccountControl LOCKOUT' };
    const lockV = singleStatusValue(a, 'lockoutTime');
    if (lockV.kind === 'several') return { status: 'locked', detail: 'lockoutTime has several values' };
    if (lockV.kind === 'one') {
      const t = fileTimeToDate(lockV.value);
      if (t !== null && lockStillActive(t, opts)) return { status: 'locked', detail: `lockoutTime=${t.toISOString()}` };
    }
  }
  if (((computed ?? 0) | uac) & UAC.PASSWORD_EXPIRED) return { status: 'active', detail: 'password expired (userAccountControl PASSWORD_EXPIRED)' };
  return { status: 'active' };
}

function readStatus(preset: Preset, a: Attributes, opts: EntryOptions): StatusResult {
  switch (preset.statusModel) {
    case 'zimbra':
      return zimbraStatus(a, opts);
    case 'ppolicy':
      return ppolicyStatus(a, opts);
    case 'activedirectory':
      return adStatus(a, opts);
    default:
      return { status: 'disabled', detail: 'unknown status model' };
  }
}

// ---------------------------------------------------------------------------------------------
// The mapping

class EntryError extends Error {}

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

/** First usable text of the first attribute (in order) that has one. */
function firstText(a: Attributes, names: readonly string[], max = MAX_TEXT): string | null {
  for (const n of names) {
    for (const v of a.strings(n)) {
      const t = cleanText(v, max);
      if (t.length > 0) return t;
    }
  }
  return null;
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

const GENERIC_CONTAINERS = new Set(['people', 'users', 'user', 'accounts', 'account', 'staff', 'persons', 'employees']);

function departmentFromDn(rdns: Rdn[] | null): string | null {
  if (!rdns) return null;
  for (const rdn of rdns.slice(1)) {
    for (const ava of rdn) {
      if (ava.type.toLowerCase() !== 'ou') continue;
      const t = cleanText(ava.value);
      if (t.length > 0 && !GENERIC_CONTAINERS.has(t.toLowerCase())) return t;
    }
  }
  return null;
}

function organizationFromDn(rdns: Rdn[] | null): string | null {
  if (!rdns) return null;
  for (const rdn of rdns.slice(1)) {
    for (const ava of rdn) {
      if (ava.type.toLowerCase() !== 'o') continue;
      const t = cleanText(ava.value);
      if (t.length > 0) return t;
    }
  }
  return null;
}

/** Group names from memberOf DNs: the first RDN's value (its cn when multi-valued), sorted, unique. */
function groupsOf(a: Attributes, names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    for (const v of a.strings(n)) {
      if (out.size >= MAX_GROUPS) break;
      const rdns = parseDn(v.trim());
      const first = rdns?.[0];
      if (!first) continue;
      const g = cleanText(rdnValue(first, 'cn') ?? '');
      if (g.length > 0) out.add(g);
    }
  }
  return [...out].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

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
  if (!entry || typeof entry !== 'object') throw new EntryError('not an entry');
  const dn = entry.dn as unknown;
  if (typeof dn !== 'string' || dn.trim().length === 0) throw new EntryError('missing dn');
  if (dn.length > MAX_DN || /[\0\r\n]/.test(dn) || !wellFormed(dn)) throw new EntryError('unusable dn');
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) throw new EntryError('invalid clock');
  const a = new Attributes(entry);
  const map = preset.attributes;

  const id = externalId(a, map.id);
  const login = required(a, map.login).toLowerCase().normalize('NFC');

  // addresses
  const domains = domainSet(opts.mailDomains);
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
  const aliases = [...aliasSet].sort().slice(0, MAX_ALIASES);

  // names
  const localPart = email ? email.slice(0, email.lastIndexOf('@')) : null;
  const fullName = firstText(a, map.displayName);
  let givenAttr = firstText(a, map.givenName);
  let familyAttr = firstText(a, map.familyName);
  if (givenAttr !== null && isPlaceholder(givenAttr, login, localPart)) givenAttr = null;
  if (familyAttr !== null && isPlaceholder(familyAttr, login, localPart)) familyAttr = null;
  const realName = fullName !== null && !isPlaceholder(fullName, login, localPart);
  const split = realName ? splitVietnameseName(fullName) : { familyName: null, middleName: null, givenName: null };
  // givenName/sn as the directory writes them; parts of the full name fill the gaps only when
  // the full name agrees with what the directory gives (sn "Nguyễn Văn" + givenName "An" stay so)
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

  // phone
  let phoneNumber: string | null = null;
  for (const n of map.phone) {
    for (const v of a.strings(n)) {
      phoneNumber = normalizePhone(v);
      if (phoneNumber !== null) break;
    }
    if (phoneNumber !== null) break;
  }

  // organisation
  const rdns = parseDn(dn);
  const organization: OrganizationInfo = {};
  const department = firstText(a, map.department) ?? (preset.departmentFromDn ? departmentFromDn(rdns) : null);
  if (department !== null) organization.department = department;
  const org = firstText(a, map.organization) ?? organizationFromDn(rdns);
  if (org !== null) organization.organization = org;
  const title = firstText(a, map.title);
  if (title !== null) organization.title = title;
  const employeeNumber = firstText(a, map.employeeNumber, 64);
  if (employeeNumber !== null) organization.employeeNumber = employeeNumber;

  // groups, modification time, status
  const groups = groupsOf(a, map.memberOf);
  let modifiedAt: Date | null = null;
  for (const n of map.modified) {
    for (const v of a.strings(n)) {
      modifiedAt = parseGeneralizedTime(v.trim());
      if (modifiedAt !== null) break;
    }
    if (modifiedAt !== null) break;
  }
  const st = readStatus(preset, a, opts);

  const identity: DirectoryIdentity = {
    externalId: id,
    dn,
    login,
    email,
    aliases,
    displayName,
    givenName,
    familyName,
    middleName,
    phoneNumber,
    status: st.status,
    organization,
    groups,
    modifiedAt,
  };
  if (st.detail !== undefined) identity.statusDetail = st.detail;
  return identity;
}
