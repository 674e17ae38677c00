/**
 * The page language of a request, the language cookie that remembers a choice made with
 * `?lang=`, and the URL that switches to the other language: one negotiation (query, cookie,
 * Accept-Language, the configured default), with adapters for Express (our own pages), for
 * oidc-provider's Koa context (the pages it renders itself) and for the console's sign-in (which
 * asks the login page for the remembered language with ui_locales).
 */
import type { Request, Response } from 'express';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { parse as parseCookie } from 'cookie';
import type { Config } from '../config/load.js';
import { negotiateLocale, otherLocale, translator, type Locale, type Translator } from './i18n/index.js';

export const LANG_COOKIE = 'sso_lang';
/** A language chosen is remembered for a year. */
const LANG_COOKIE_MAX_AGE_MS = 365 * 86400_000;

export type LocaleConfig = Pick<Config, 'issuer' | 'defaultLocale'>;

export interface PageLocale {
  locale: Locale;
  t: Translator;
  langSwitchUrl: string;
}

/** The page language and its switch link. Pure. */
export function pageLocale(input: { path: string; query: unknown; cookie: unknown; acceptLanguage: string | undefined; fallback: Locale }): PageLocale {
  const locale = negotiateLocale({ query: input.query, cookie: input.cookie, acceptLanguage: input.acceptLanguage, fallback: input.fallback });
  // Only the path is reused (never a caller-supplied host or query), so the switch link cannot redirect elsewhere.
  const path = input.path.startsWith('/') && !input.path.startsWith('//') ? input.path : '/';
  return { locale, t: translator(locale), langSwitchUrl: `${path}?lang=${otherLocale(locale)}` };
}

/** A language chosen with `?lang=` (exactly vi or en), to remember; anything else is not a choice. Pure. */
function chosenLocale(lang: unknown): Locale | undefined {
  return lang === 'vi' || lang === 'en' ? lang : undefined;
}

const cookieOptions = { httpOnly: true, sameSite: 'lax', maxAge: LANG_COOKIE_MAX_AGE_MS } as const;

/** Our own pages (Express): remembers `?lang=`, then negotiates. */
export function expressLocale(req: Request, res: Response, config: LocaleConfig): PageLocale {
  const lang = req.query.lang;
  const chosen = chosenLocale(lang);
  if (chosen) res.cookie(LANG_COOKIE, chosen, { ...cookieOptions, secure: config.issuer.startsWith('https:') });
  // the whole path: inside a router req.path lacks the mount point (/interaction)
  const cookie = parseCookie(req.headers.cookie ?? '')[LANG_COOKIE];
  return pageLocale({ path: req.baseUrl + req.path, query: lang, cookie, acceptLanguage: req.get('accept-language'), fallback: config.defaultLocale });
}

/** The pages oidc-provider renders itself (Koa): the same, through Koa's cookies (which oidc-provider signs unless told not to). */
export function koaLocale(ctx: KoaContextWithOIDC, config: LocaleConfig): PageLocale {
  const lang = ctx.query?.lang;
  const chosen = chosenLocale(lang);
  if (chosen) ctx.cookies.set(LANG_COOKIE, chosen, { ...cookieOptions, signed: false, overwrite: true });
  return pageLocale({ path: ctx.path, query: lang, cookie: ctx.cookies.get(LANG_COOKIE), acceptLanguage: ctx.get('accept-language') || undefined, fallback: config.defaultLocale });
}

/** The language this browser chose before (its cookie), for the console's sign-in to pass on as ui_locales. */
export function rememberedLocale(req: Request): Locale | undefined {
  return chosenLocale(parseCookie(req.headers.cookie ?? '')[LANG_COOKIE]);
}
