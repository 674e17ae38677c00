/** The page language for a request, and the URL that switches to the other one. Pure. */
import { negotiateLocale, otherLocale, translator, type Locale, type Translator } from './i18n.js';

export const LANG_COOKIE = 'sso_lang';

export interface PageLocale {
  locale: Locale;
  t: Translator;
  langSwitchUrl: string;
}

export function pageLocale(input: { path: string; query: unknown; cookie: unknown; acceptLanguage: string | undefined; fallback: Locale }): PageLocale {
  const locale = negotiateLocale({ query: input.query, cookie: input.cookie, acceptLanguage: input.acceptLanguage, fallback: input.fallback });
  // Only the path is reused (never a caller-supplied host or query), so the switch link cannot redirect elsewhere.
  const path = input.path.startsWith('/') && !input.path.startsWith('//') ? input.path : '/';
  return { locale, t: translator(locale), langSwitchUrl: `${path}?lang=${otherLocale(locale)}` };
}
