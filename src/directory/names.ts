/**
 * Vietnamese personal names. A full name is written family name first, then middle name(s),
 * then the given name (the name a person is called by): "Nguyễn Thị Minh Khai" is family
 * Nguyễn, middle Thị Minh, given Khai. Used only when the directory has no givenName/sn.
 *
 * Pure: no I/O. Input that is not a usable string gives all nulls, never an exception.
 */

export interface VietnameseNameParts {
  familyName: string | null;
  middleName: string | null;
  givenName: string | null;
}

/** Longest input considered; a longer string is cut first (names are far shorter). */
const MAX_INPUT = 4096;

const NONE: VietnameseNameParts = Object.freeze({ familyName: null, middleName: null, givenName: null });

/**
 * Splits a full name into family / middle / given. Whitespace (any Unicode space, tabs,
 * new lines) is collapsed, control and format characters are dropped, and the result is NFC
 * whatever the input's normalisation form (NFD input gives NFC output).
 *   "Nguyễn Thị Minh Khai" -> Nguyễn / Thị Minh / Khai
 *   "Lê Văn"               -> Lê / null / Văn
 *   "Khai"                 -> null / null / Khai
 */
export function splitVietnameseName(full: string): VietnameseNameParts {
  if (typeof full !== 'string') return { ...NONE };
  const words = full
    .slice(0, MAX_INPUT)
    // lone surrogates (ill-formed UTF-16) cannot be part of a name
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .normalize('NFC')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\p{Cf}/gu, '')
    .split(/[\s\p{Z}]+/u)
    .filter((w) => w.length > 0);
  if (words.length === 0) return { ...NONE };
  if (words.length === 1) return { familyName: null, middleName: null, givenName: words[0] ?? null };
  const familyName = words[0] ?? null;
  const givenName = words[words.length - 1] ?? null;
  const middle = words.slice(1, -1).join(' ');
  return { familyName, middleName: middle.length > 0 ? middle : null, givenName };
}
