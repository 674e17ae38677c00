/**
 * No dead ends: what an error page (and the logged-out page) offers besides saying what
 * happened: what to do next, a way back to the application when it is known and its address is
 * one it registered, and "sign in again", a link that starts over from nothing (a fresh
 * sign-in, never a replay of the old request). The helpdesk contact comes with the brand
 * (it.brand.helpdesk). Pure.
 */
import { isInternalClient } from '../clients/types.js';
import type { BrandPagesKey } from './i18n/index.js';

/**
 * "Sign in again": "my account" starts a fresh sign-in through the IdP itself (its own client,
 * a new interaction), whatever state the browser is in, and works for every person.
 */
export const START_OVER_URL = '/account';

/** What oidc-provider (or our own lookup) knows of the application in question. */
export interface KnownClient {
  clientId: string;
  clientName?: string | undefined;
  /** Its registered redirect URIs. */
  redirectUris?: readonly string[] | undefined;
  /** Its registered home page (client_uri), when it has one. */
  clientUri?: string | undefined;
}

export interface WayBack {
  url: string;
  /** The application's name (its id when it has none). */
  name: string;
}

export interface WaysOn {
  /** What to do next. */
  todo: BrandPagesKey;
  /** Back to the application: only a known client's registered home, or the origin of a redirect URI it registered. */
  back?: WayBack | undefined;
  /** Sign in again. */
  startOver: string;
}

function webUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    const u = new URL(text);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The application's front door: its registered client_uri, else the origin of its first web
 * redirect URI (the redirect URI itself would only answer "no authorization request"). Never
 * an address from the request; none for the IdP's own clients or a native app's custom scheme.
 */
export function applicationHome(client: KnownClient | undefined): WayBack | undefined {
  if (!client || isInternalClient(client.clientId)) return undefined;
  const name = client.clientName || client.clientId;
  const home = webUrl(client.clientUri);
  if (home) return { url: home.href, name };
  for (const uri of client.redirectUris ?? []) {
    const u = webUrl(uri);
    if (u) return { url: `${u.origin}/`, name };
  }
  return undefined;
}

/** oidc-provider's codes that mean "the application sent you here wrongly" (not the person's doing). */
const CLIENT_FAULTS = new Set(['invalid_client', 'invalid_redirect_uri', 'unauthorized_client', 'invalid_client_metadata', 'unsupported_response_type', 'invalid_scope']);

/** What a person can do after a failure of `status` (its sentence `messageKey`, oidc-provider's `protocolError`). */
export function nextStep(status: number, messageKey?: string, protocolError?: string): BrandPagesKey {
  if (messageKey === 'error.sessionExpired' || messageKey === 'error.csrf' || protocolError === 'session_not_found' || protocolError === 'invalid_grant') return 'next.expired';
  if (protocolError && CLIENT_FAULTS.has(protocolError)) return 'next.badClient';
  if (status === 404) return 'next.notFound';
  if (status === 401 || status === 403) return 'next.forbidden';
  if (status === 429) return 'next.tooMany';
  if (status >= 500) return 'next.unavailable';
  return 'next.badRequest';
}

/** The ways on of a failure page. */
export function waysOn(f: { status: number; messageKey?: string; protocolError?: string | undefined }, client?: KnownClient): WaysOn {
  return { todo: nextStep(f.status, f.messageKey, f.protocolError), back: applicationHome(client), startOver: START_OVER_URL };
}
