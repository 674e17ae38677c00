/**
 * Text values of an entry, normalised: free text as shown to people, identifiers, e-mail
 * addresses and phone numbers. Pure.
 */
import { toWellFormed } from '../../domain/utf8.js';

/** Longest free text kept (display name, department, ...), in characters. */
export const MAX_TEXT = 256;
const MAX_EMAIL = 254;

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
  s = toWellFormed(s).normalize('NFC');
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
export function cleanIdentifier(v: string, max: number): string | null {
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
