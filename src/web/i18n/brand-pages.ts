/**
 * Texts the province's brand and the error pages' ways on add to the login pages: the link to
 * change a mail password, what to do after each kind of failure, and the links that lead on.
 * Vietnamese first, English second; typed like ./console-throttle.ts (a missing or extra English
 * key is a compile error). Looked up through ./index.ts with the other catalogues.
 */
import type { Locale } from './locales.js';

const vi = {
  'login.passwordHelp': 'Quên mật khẩu? Đổi mật khẩu thư điện tử',
};

type BrandPagesKey = keyof typeof vi;

const en: Record<BrandPagesKey, string> = {
  'login.passwordHelp': 'Forgot your password? Change your mail password',
};

export type { BrandPagesKey };

export const brandPagesMessages: Readonly<Record<Locale, Readonly<Record<BrandPagesKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
