/**
 * The one lookup over every page's texts, one catalogue a file, whose keys never overlap: the
 * login pages' (./messages.ts, oidc-provider's error sentences in ./protocol-errors.ts, the error
 * pages' ways on in ./brand-pages.ts) and the console's and "my account"'s (./console.ts and a
 * file a section: throttle, my account, launcher, helpdesk, secrets, confirmations, the
 * application form's problems in ./client-problems.ts, codes shown as words in ./labels.ts).
 * Vietnamese first, English second; a key unknown to the type system reads as itself.
 */
import { consoleMessages, type ConsoleKey as BaseConsoleKey } from './console.js';
import { throttleConsoleMessages, type ThrottleConsoleKey } from './console-throttle.js';
import { brandPagesMessages, type BrandPagesKey } from './brand-pages.js';
import { myAccountMessages, type MyAccountKey } from './my-account.js';
import { launcherMessages, type LauncherKey } from './launcher.js';
import { helpdeskConsoleMessages, type HelpdeskConsoleKey } from './console-helpdesk.js';
import { clientSecretConsoleMessages, type ClientSecretConsoleKey } from './console-client-secret.js';
import { confirmConsoleMessages, type ConfirmConsoleKey } from './console-confirm.js';
import { protocolErrorMessages, type ProtocolErrorKey } from './protocol-errors.js';
import { clientProblemMessages, type ClientProblemKey } from './client-problems.js';
import { labelMessages, type LabelKey } from './labels.js';
import { mailNoticeMessages, type MailNoticeKey } from './mail-notices.js';
import { accessMessages, type AccessKey } from './access.js';
import { certificateMessages, type CertificateKey } from './certificate.js';
import { webauthnMessages, type WebAuthnKey } from './webauthn.js';
import { secondFactorMessages, type SecondFactorKey } from './second-factor.js';
import { secondFactorMethodMessages, type SecondFactorMethodKey } from './second-factor-methods.js';
import { samlMessages, type SamlKey } from './saml.js';
import { DEFAULT_LOCALE, isLocale, type Locale } from './locales.js';
import { messages, type MessageKey } from './messages.js';

export { DEFAULT_LOCALE, LOCALES, isLocale, negotiateLocale, otherLocale, type Locale } from './locales.js';
export { messages, type MessageKey } from './messages.js';
export { consoleMessages } from './console.js';
export { throttleConsoleMessages, type ThrottleConsoleKey } from './console-throttle.js';
export { brandPagesMessages, type BrandPagesKey } from './brand-pages.js';
export { myAccountMessages, type MyAccountKey } from './my-account.js';
export { launcherMessages, type LauncherKey } from './launcher.js';
export { helpdeskConsoleMessages, lookupText, type HelpdeskConsoleKey } from './console-helpdesk.js';
export { clientSecretConsoleMessages, type ClientSecretConsoleKey } from './console-client-secret.js';
export { confirmConsoleMessages, type ConfirmConsoleKey } from './console-confirm.js';
export { protocolErrorMessages, protocolErrorKey, type ProtocolErrorKey } from './protocol-errors.js';
export { clientProblemMessages, clientProblemSentence, clientFieldLabel, type ClientProblemKey } from './client-problems.js';
export { labelMessages, auditEventLabel, auditOutcomeLabel, syncStatusLabel, type LabelKey } from './labels.js';
export { certificateMessages, type CertificateKey } from './certificate.js';

/** The console's and "my account"'s keys (./console.ts, and its pages in files of their own). */
export type ConsoleKey =
  | BaseConsoleKey
  | ThrottleConsoleKey
  | MyAccountKey
  | LauncherKey
  | HelpdeskConsoleKey
  | ClientSecretConsoleKey
  | ConfirmConsoleKey
  | ClientProblemKey
  | LabelKey
  | MailNoticeKey
  | WebAuthnKey
  | SecondFactorKey
  | SecondFactorMethodKey
  | SamlKey;

/** Any page's text: the login pages' keys (with oidc-provider's errors) and the console's. */
export type TextKey =
  | MessageKey
  | BrandPagesKey
  | CertificateKey
  | ProtocolErrorKey
  | ConsoleKey
  | AccessKey
  | SamlKey;

export type Translator = (key: TextKey, params?: Record<string, string | number>) => string;

/** Every catalogue, one a line; a key belongs to one catalogue only. */
const PARTS: readonly Readonly<Record<Locale, Readonly<Record<string, string>>>>[] = [
  messages,
  brandPagesMessages,
  protocolErrorMessages,
  consoleMessages,
  throttleConsoleMessages,
  myAccountMessages,
  launcherMessages,
  helpdeskConsoleMessages,
  clientSecretConsoleMessages,
  confirmConsoleMessages,
  clientProblemMessages,
  labelMessages,
  mailNoticeMessages,
  accessMessages,
  certificateMessages,
  webauthnMessages,
  secondFactorMessages,
  secondFactorMethodMessages,
  samlMessages,
];

const catalogue = Object.freeze({
  vi: Object.freeze(Object.assign({}, ...PARTS.map((p) => p.vi))),
  en: Object.freeze(Object.assign({}, ...PARTS.map((p) => p.en))),
}) as Readonly<Record<Locale, Readonly<Record<TextKey, string>>>>;

/** Every text of every page, per language (for the completeness test and tooling). */
export const catalogues = catalogue;

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

/**
 * Returns a translation function for `locale`. `{name}` placeholders are
 * replaced by `params[name]` (converted with String()); placeholders without a
 * matching own parameter are left as they are. Unknown keys (only possible when
 * the type system is bypassed) return the key itself.
 */
export function translator(locale: Locale): Translator {
  const dict: Readonly<Record<string, string>> = catalogue[isLocale(locale) ? locale : DEFAULT_LOCALE];
  return (key, params) => {
    const template = Object.hasOwn(dict, key) ? dict[key] : undefined;
    if (template === undefined) return String(key);
    if (!params) return template;
    return template.replace(PLACEHOLDER, (match, name: string) =>
      Object.hasOwn(params, name) ? String(params[name]) : match,
    );
  };
}

const SCOPE_KEYS: Readonly<Record<string, MessageKey>> = Object.freeze({
  openid: 'scope.openid',
  profile: 'scope.profile',
  email: 'scope.email',
  phone: 'scope.phone',
  offline_access: 'scope.offline_access',
  organization: 'scope.organization',
  groups: 'scope.groups',
});

/** Human description of an OAuth scope; unknown scopes fall back to the raw scope name. */
export function scopeDescription(t: Translator, scope: string): string {
  const key = Object.hasOwn(SCOPE_KEYS, scope) ? SCOPE_KEYS[scope] : undefined;
  return key ? t(key) : scope;
}
