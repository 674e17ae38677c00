/**
 * The two languages of every page (Vietnamese first, English second) and the choice between
 * them: the `lang` query parameter, the language cookie, Accept-Language, the configured
 * default. Pure; never throws on hostile input.
 */

export type Locale = 'vi' | 'en';

export const LOCALES: readonly Locale[] = Object.freeze(['vi', 'en'] as const);

export const DEFAULT_LOCALE: Locale = 'vi';

export function isLocale(value: unknown): value is Locale {
  return value === 'vi' || value === 'en';
}

// A language tag we are willing to look at: "vi", "vi-VN", "en_US", "en-gb" ...
const MAX_TAG_LENGTH = 35; // RFC 5646 recommends supporting at least 35 chars
const TAG = /^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$/;

/** Maps a single language tag (e.g. "vi-VN") to a supported locale, or undefined. */
function localeFromTag(value: unknown): Locale | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TAG_LENGTH) return undefined;
  const m = TAG.exec(value.trim().toLowerCase());
  const primary = m?.[1];
  return isLocale(primary) ? primary : undefined;
}

const MAX_ACCEPT_LANGUAGE_LENGTH = 1024;
const MAX_ACCEPT_LANGUAGE_ENTRIES = 32;
const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Picks the best supported locale from an Accept-Language header, honouring
 * q-values (ties are broken by order of appearance). Returns undefined when
 * nothing supported is acceptable or the header is malformed / oversized.
 */
function localeFromAcceptLanguage(header: unknown): Locale | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_ACCEPT_LANGUAGE_LENGTH) {
    return undefined;
  }
  let best: Locale | undefined;
  let bestQ = 0;
  const entries = header.split(',', MAX_ACCEPT_LANGUAGE_ENTRIES);
  for (const entry of entries) {
    const [rawTag, ...rawParams] = entry.split(';');
    const locale = localeFromTag(rawTag?.trim());
    if (!locale) continue;
    let q = 1;
    for (const p of rawParams) {
      const qm = QVALUE.exec(p.trim().toLowerCase());
      if (qm?.[1] !== undefined) {
        q = Number(qm[1]);
      } else if (/^q\s*=/i.test(p.trim())) {
        q = 0; // malformed q-value: ignore this entry
      }
    }
    if (q > bestQ) {
      best = locale;
      bestQ = q;
    }
  }
  return best;
}

/**
 * Extracts the `lang` value from `query`, which may be either the raw value of
 * the `lang` query parameter or a parsed query object (e.g. Express `req.query`).
 */
function langFromQuery(query: unknown): unknown {
  if (typeof query === 'string') return query;
  if (query !== null && typeof query === 'object' && !Array.isArray(query) && Object.hasOwn(query, 'lang')) {
    return (query as Record<string, unknown>)['lang'];
  }
  return undefined;
}

/**
 * Chooses the page locale. Pure function; never throws.
 *
 * Precedence: `query` (the `lang` query parameter value, or a parsed query
 * object containing `lang`) > `cookie` (the locale cookie's value) >
 * `acceptLanguage` header (q-values honoured) > `fallback`.
 * Anything that is not a plain, short, recognisable language tag (arrays,
 * objects, oversized strings, garbage) is ignored and falls through.
 */
export function negotiateLocale(opts: {
  query?: unknown;
  cookie?: unknown;
  acceptLanguage?: string | undefined;
  fallback: Locale;
}): Locale {
  return (
    localeFromTag(langFromQuery(opts.query)) ??
    localeFromTag(opts.cookie) ??
    localeFromAcceptLanguage(opts.acceptLanguage) ??
    (isLocale(opts.fallback) ? opts.fallback : DEFAULT_LOCALE)
  );
}

/** The other locale, i.e. the target of the language switch link. */
export function otherLocale(locale: Locale): Locale {
  return locale === 'vi' ? 'en' : 'vi';
}
