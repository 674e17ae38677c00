/**
 * Distinguished names (RFC 4514): parsing one into its RDNs, and comparing two. Pure.
 *
 * The parser also accepts what older servers write: ";" between RDNs, spaces around the
 * separators and quoted values. It refuses what is not a DN, escapes that are not valid UTF-8
 * included: a hostile value is refused whole, never half-read, and never compares equal to
 * anything.
 */
import { decodeUtf8, wellFormed } from './utf8.js';

/** Longest DN accepted, in UTF-16 code units. */
export const MAX_DN = 8192;

/** One attribute-value assertion of an RDN. */
export interface Ava {
  /** Attribute type as written (descr or numeric OID). */
  type: string;
  /** Value, unescaped (RFC 4514 escapes and \XX UTF-8 sequences decoded). */
  value: string;
}
/** An RDN: one AVA, or several joined by "+". */
export type Rdn = Ava[];

/** An AVA as read: with the "#..." text as written when the value was a hex string. */
interface ReadAva extends Ava {
  hex: string | undefined;
}

/** One value as read, and where the text after it starts. */
interface ReadValue {
  value: string;
  hex: string | undefined;
  next: number;
}

const DN_TYPE = /[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*/y;
const DN_SPECIALS = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);

/**
 * Parses a DN (RFC 4514; also accepts ";" between RDNs, spaces around separators, and quoted
 * values, as older servers write them). Returns the RDNs from the entry's own (first) to the
 * root; [] for the empty DN; null when it is not a well-formed DN (including escapes that are
 * not valid UTF-8). "#..." hex values are decoded when they hold a BER string, else kept as written.
 */
export function parseDn(dn: string): Rdn[] | null {
  const rdns = readDn(dn);
  return rdns === null ? null : rdns.map((rdn) => rdn.map(({ type, value }) => ({ type, value })));
}

/**
 * The DN in a canonical form: two spellings of one DN give the same string; null when
 * it is not a DN (as parseDn says). Attribute types are lower-cased (numeric OIDs are kept as
 * written: 2.5.4.3 and cn differ); values are unescaped ("\,", "\2C" and a quoted "," are one
 * comma), put in NFC and lower-cased, then escaped again the one RFC 4514 way; "#..." hex values
 * are kept as hex (lower-cased hex digits, never equal to a text value); spaces around "=", ","
 * and "+" are dropped and ";" between RDNs becomes ","; the AVAs of a multi-valued RDN are sorted.
 * Spaces inside a value and escaped spaces at its ends ("cn=a\ ") are kept: a DN that differs
 * only there is another DN (a directory whose matching rule ignores them would disagree, and
 * this side of the disagreement refuses a match rather than grants one).
 */
export function normalizeDn(dn: string): string | null {
  const rdns = readDn(dn);
  if (rdns === null) return null;
  return rdns.map((rdn) => rdn.map(normalizeAva).sort(byCodeUnits).join('+')).join(',');
}

/** Do two DNs name the same entry (normalizeDn)? A string that is not a DN equals nothing. */
export function sameDn(a: string, b: string): boolean {
  const x = normalizeDn(a);
  return x !== null && x === normalizeDn(b);
}

/** The value of an RDN's AVA of type preferType (lower case), else of its first AVA. */
export function rdnValue(rdn: Rdn, preferType?: string): string | undefined {
  if (preferType) {
    const a = rdn.find((x) => x.type.toLowerCase() === preferType);
    if (a) return a.value;
  }
  return rdn[0]?.value;
}

function normalizeAva(ava: ReadAva): string {
  const value = ava.hex !== undefined ? ava.hex.toLowerCase() : escapeValue(ava.value.normalize('NFC').toLowerCase().normalize('NFC'));
  return `${ava.type.toLowerCase()}=${value}`;
}

function byCodeUnits(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An attribute value escaped for a DN (RFC 4514 section 2.4), e.g. to show a DN built from a name. */
export function escapeDnValue(value: string): string {
  return escapeValue(value);
}

/**
 * A list of DNs as an operator writes one setting (ADMIN_GROUPS): separated by ";" or new lines
 * (a ";" escaped as "\;" stays inside its DN), each trimmed, empty ones dropped. The old ";"
 * between the RDNs of one DN cannot be used there: write ",".
 */
export function splitDnList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + (text[i + 1] as string);
      i += 1;
    } else if (c === ';' || c === '\n' || c === '\r') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((d) => d.trim()).filter(Boolean);
}

/** A value escaped as RFC 4514 section 2.4 asks, no more: readDn gives the same value back. */
function escapeValue(v: string): string {
  let out = '';
  const last = v.length - 1;
  for (let k = 0; k < v.length; k += 1) {
    const c = v[k] as string;
    if (c === '\0') out += '\\00';
    else if ('\\"+,;<>'.includes(c) || (c === ' ' && (k === 0 || k === last)) || (c === '#' && k === 0)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** The DN's RDNs as read, or null. */
function readDn(dn: string): ReadAva[][] | null {
  if (typeof dn !== 'string' || dn.length > MAX_DN || !wellFormed(dn)) return null;
  const s = dn;
  let i = skipSpaces(s, 0);
  if (i === s.length) return [];
  const rdns: ReadAva[][] = [];
  for (;;) {
    const rdn: ReadAva[] = [];
    for (;;) {
      const read = readAva(s, i);
      if (read === null) return null;
      rdn.push(read.ava);
      i = read.next;
      if (s[i] !== '+') break;
      i += 1;
    }
    rdns.push(rdn);
    if (i >= s.length) return rdns;
    if (s[i] !== ',' && s[i] !== ';') return null;
    i += 1;
  }
}

function skipSpaces(s: string, i: number): number {
  let j = i;
  while (s[j] === ' ') j += 1;
  return j;
}

/** "type = value" starting at i. */
function readAva(s: string, i: number): { ava: ReadAva; next: number } | null {
  const start = skipSpaces(s, i);
  DN_TYPE.lastIndex = start;
  const tm = DN_TYPE.exec(s);
  if (!tm) return null;
  const type = tm[0];
  const eq = skipSpaces(s, start + type.length);
  if (s[eq] !== '=') return null;
  const at = skipSpaces(s, eq + 1);
  const v = s[at] === '#' ? readHexValue(s, at) : readStringValue(s, at);
  if (v === null) return null;
  return { ava: { type, value: v.value, hex: v.hex }, next: v.next };
}

/** Is j where a value ends (the end of the DN, or a separator)? */
function atValueEnd(s: string, j: number): boolean {
  return j >= s.length || s[j] === ',' || s[j] === ';' || s[j] === '+';
}

function hexByte(s: string, i: number): number | null {
  const h = s.slice(i, i + 2);
  return /^[0-9A-Fa-f]{2}$/.test(h) ? parseInt(h, 16) : null;
}

/** A "#..." hex string value starting at i. */
function readHexValue(s: string, i: number): ReadValue | null {
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
  j = skipSpaces(s, j);
  if (!atValueEnd(s, j)) return null;
  return { value: berString(bytes) ?? raw, hex: raw, next: j };
}

/** A string value (plain, escaped or quoted) starting at i (leading spaces already skipped). */
function readStringValue(s: string, i: number): ReadValue | null {
  const v = new DnValue();
  const quoted = s[i] === '"';
  let j = quoted ? i + 1 : i;
  for (;;) {
    const c = s[j];
    if (c === undefined) {
      if (quoted) return null;
      break;
    }
    if (quoted && c === '"') {
      if (!v.flushBytes()) return null;
      j = skipSpaces(s, j + 1);
      return atValueEnd(s, j) ? { value: v.out, hex: undefined, next: j } : null;
    }
    if (!quoted && (c === ',' || c === ';' || c === '+')) break;
    if (c === '\0') return null;
    if (c === '\\') {
      const next = v.escape(s, j);
      if (next === null) return null;
      j = next;
      continue;
    }
    if (!v.flushBytes()) return null;
    if (c === ' ' && !quoted) {
      v.pendingSpaces += ' ';
      j += 1;
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(j) as number);
    v.add(ch);
    j += ch.length;
  }
  if (!v.flushBytes()) return null;
  // unescaped trailing spaces are not part of the value
  return { value: v.out, hex: undefined, next: j };
}

/** A DN value being unescaped: the text so far, spaces not yet known to be inside, \XX bytes not yet decoded. */
class DnValue {
  out = '';
  pendingSpaces = '';
  bytes: number[] = [];

  /** The escape at j ("\XX" or "\" and a special character); where the text after it starts, or null. */
  escape(s: string, j: number): number | null {
    const b = hexByte(s, j + 1);
    if (b !== null) {
      this.bytes.push(b);
      return j + 3;
    }
    const next = s[j + 1];
    if (next === undefined || !DN_SPECIALS.has(next)) return null;
    if (!this.flushBytes()) return null;
    this.add(next);
    return j + 2;
  }

  /** Decodes the pending \XX bytes; false when they are not UTF-8. */
  flushBytes(): boolean {
    if (this.bytes.length === 0) return true;
    const text = decodeUtf8(Uint8Array.from(this.bytes));
    if (text === null) return false;
    this.out += this.pendingSpaces + text;
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
  return decodeUtf8(Uint8Array.from(bytes.slice(off)));
}
