/**
 * The raw attribute values of one LDAP entry and their decoding. Pure.
 *
 * ldapts gives a string, a string list, a Buffer or a Buffer list (all values become Buffers when
 * one is not valid UTF-8), with attribute names in whatever case the server used; recorded or
 * hand-made entries may hold anything. Names are matched case-insensitively, and
 * "attr;range=0-1499" (AD ranged values) counts as attr. A value is text only when it is valid
 * UTF-8 (Buffers) or well-formed UTF-16 (strings); other values, and values of other types, are
 * skipped.
 */
import { cleanText, MAX_TEXT } from './text.js';
import { decodeUtf8, wellFormed } from '../../domain/utf8.js';

/** Values of one attribute looked at (memberOf of a very large membership is cut here). */
const MAX_VALUES = 2000;

export type RawValue = string | Uint8Array;

/** Attribute values of an entry, by lower-cased attribute name. */
export class Attributes {
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
export function decodeValue(r: RawValue): string | null {
  if (typeof r === 'string') return wellFormed(r) ? r : null;
  return decodeUtf8(r);
}

/** First usable text (cleanText, not empty) of the first attribute (in order) that has one. */
export function firstText(a: Attributes, names: readonly string[], max = MAX_TEXT): string | null {
  for (const n of names) {
    for (const v of a.strings(n)) {
      const t = cleanText(v, max);
      if (t.length > 0) return t;
    }
  }
  return null;
}

/** The first value, parsed, of the first attribute (in order) with a value parse accepts. */
export function firstParsed<T>(a: Attributes, names: readonly string[], parse: (v: string) => T | null): T | null {
  for (const n of names) {
    for (const v of a.strings(n)) {
      const r = parse(v);
      if (r !== null) return r;
    }
  }
  return null;
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
