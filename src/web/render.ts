/**
 * Server-side rendering of every page (Eta templates in `<root>/views`): the login flow's, the
 * error page, the console's and "my account"'s.
 *
 * All templates use escaped interpolation (`<%= %>`); the only raw outputs are
 * the layout body and `LogoutView.formHtml`, which must be the trusted form
 * produced by oidc-provider. Templates contain no inline script or style so they
 * work under a strict Content-Security-Policy.
 *
 * Every page gets `it.brand` (./brand.ts) from the renderer itself: the province's name, logo,
 * colour, footer and helpdesk, in every layout, without each route passing them.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { Eta } from 'eta';
import type { Locale, Translator } from './i18n/index.js';
import { pageBrand, type BrandSetup } from './brand.js';
import type { WaysOn } from './ways-on.js';

/** The admin console's and "my account"'s pages (views/admin, views/account). */
export const CONSOLE_VIEW_NAMES = [
  'admin/dashboard', 'admin/accounts', 'admin/account', 'admin/clients', 'admin/client', 'admin/secret', 'admin/sync', 'admin/audit',
  'admin/message', 'admin/throttle', 'admin/helpdesk', 'admin/helpdesk-person', 'account/home', 'account/not-me',
  'admin/client-rotate', 'admin/client-secret-new', 'admin/confirm',
  'account/security-keys', 'account/security-key-rename',
  'account/security',
  'admin/saml',
] as const;
export type ConsoleViewName = (typeof CONSOLE_VIEW_NAMES)[number];

/** The app launcher at / (views/launcher): signed in, and signed out. */
export const LAUNCHER_VIEW_NAMES = ['launcher/home', 'launcher/welcome'] as const;

/** The page of a person an application's access policy does not admit (src/interaction/access-denied.ts). */
export const ACCESS_VIEW_NAMES = ['access-denied'] as const;

/** The login's second step (views/second-factor.eta: verify, enrol, recovery codes). */
export const SECOND_FACTOR_VIEW_NAMES = ['second-factor'] as const;

/** The page that posts a SAML Response to the application (src/saml/routes.ts). */
export const SAML_VIEW_NAMES = ['saml-post'] as const;

export type ViewName = 'login' | 'consent' | 'logout' | 'logout-continue' | 'logged-out' | 'error' | ConsoleViewName | (typeof LAUNCHER_VIEW_NAMES)[number] | (typeof ACCESS_VIEW_NAMES)[number] | (typeof SECOND_FACTOR_VIEW_NAMES)[number] | (typeof SAML_VIEW_NAMES)[number];

const VIEW_NAMES: ReadonlySet<string> = new Set<ViewName>(['login', 'consent', 'logout', 'logout-continue', 'logged-out', 'error', ...CONSOLE_VIEW_NAMES, ...LAUNCHER_VIEW_NAMES, ...ACCESS_VIEW_NAMES, ...SECOND_FACTOR_VIEW_NAMES, ...SAML_VIEW_NAMES]);

export interface BaseView {
  /** Translator for `locale` (from `translator(locale)`). */
  t: Translator;
  locale: Locale;
  /** URL of the same page in the other locale (relative, or absolute http(s)). */
  langSwitchUrl: string;
  /** Page title, already translated (used in <title> and <h1>). */
  title: string;
}

export interface LoginView extends BaseView {
  uid: string;
  /** Form action of the credentials form. */
  action: string;
  csrfToken: string;
  /** Value to prefill in the login field ('' for none). */
  login: string;
  /** Already-translated error message, shown in a role="alert" box. */
  error?: string | undefined;
  client: { name: string };
  /** Existing SSO session, enables the "Continue as …" shortcut. */
  session?: { login: string; displayName: string } | undefined;
  /** Form action of the "Continue as …" form (required for the shortcut to show). */
  continueAction?: string | undefined;
  /** When true (prompt=login / max_age), the shortcut is hidden and the login is prefilled from the session. */
  forceReauth: boolean;
}

export interface ConsentView extends BaseView {
  action: string;
  abortAction: string;
  csrfToken: string;
  client: { name: string };
  account: { displayName: string };
  scopes: { name: string; description: string }[];
}

export interface LogoutView extends BaseView {
  client?: { name: string } | undefined;
  /** Trusted `<form id="op.logoutForm" …>` HTML from oidc-provider's logoutSource; output raw. */
  formHtml: string;
  /** The id of the form in `formHtml` (e.g. "op.logoutForm"). */
  formId: string;
}

export interface LoggedOutView extends BaseView {
  client?: { name: string } | undefined;
  /** Back to the application, sign in again, the helpdesk. */
  next?: WaysOn | undefined;
}

export interface ErrorView extends BaseView {
  /** Already-translated, user-facing message. Never pass stack traces or internal error text. */
  message: string;
  status: number;
  /** What to do next and the ways on (no dead ends). */
  next?: WaysOn | undefined;
  requestId?: string | undefined;
  /** A protocol error's code (invalid_request ...), shown small for the helpdesk. */
  code?: string | undefined;
}

export interface ViewData {
  login: LoginView;
  consent: ConsentView;
  logout: LogoutView;
  'logged-out': LoggedOutView;
  error: ErrorView;
}

export interface Renderer {
  render(name: ViewName, data: object): string;
}

/** `<project root>/views`. */
export const DEFAULT_VIEWS_DIR: string = path.join(PROJECT_ROOT, 'views');

const SAFE_URL = /^(?:\/(?![/\\])|\?|#|https?:\/\/)/i;

/**
 * Defence in depth for the language switch href: only same-site relative URLs
 * or http(s) URLs are emitted; anything else (javascript:, data:, //host …)
 * degrades to a query-only link.
 */
function safeLangSwitchUrl(value: unknown, locale: unknown): string {
  if (typeof value === 'string' && SAFE_URL.test(value) && !/[\u0000-\u001f\u007f]/.test(value)) return value;
  return locale === 'en' ? '?lang=vi' : '?lang=en';
}

export function createRenderer(viewsDir: string = DEFAULT_VIEWS_DIR, brand: BrandSetup = {}): Renderer {
  const eta = new Eta({ views: path.resolve(viewsDir), autoEscape: true, cache: true });
  return {
    render(name: ViewName, data: object): string {
      if (!VIEW_NAMES.has(name)) throw new Error(`Unknown view: ${String(name)}`);
      const d = data as Partial<BaseView>;
      const productName = typeof d.t === 'function' ? d.t('app.name') : '';
      return eta.render(name, { ...data, brand: pageBrand(brand, productName), langSwitchUrl: safeLangSwitchUrl(d.langSwitchUrl, d.locale) });
    },
  };
}
