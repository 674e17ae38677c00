/**
 * The IdP's own client: the admin console and "my account" log people in through the normal
 * /auth like any relying party (as Keycloak's admin console does). Its secret is derived from the
 * newest cookie key, so every instance with the same COOKIE_KEYS agrees on it; like every other
 * client only its hash is stored (ensured at start-up by ensureInternal). Pure.
 */
import { createHmac } from 'node:crypto';
import type { InternalClient } from '../clients/service.js';

export const CONSOLE_CLIENT_ID = 'sso-console';
export const CONSOLE_CALLBACK_PATH = '/console/callback';

export function consoleClientSecret(cookieKeys: readonly string[]): string {
  return createHmac('sha256', cookieKeys[0]!).update('sso-console client secret v1').digest('base64url');
}

export function consoleClient(issuer: string, cookieKeys: readonly string[]): InternalClient {
  return {
    id: CONSOLE_CLIENT_ID,
    name: 'Quản trị và tài khoản của tôi (SSO)',
    redirectUris: [`${issuer}${CONSOLE_CALLBACK_PATH}`],
    postLogoutRedirectUris: [],
    secret: consoleClientSecret(cookieKeys),
  };
}
