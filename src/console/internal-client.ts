/**
 * The IdP's own client: the admin console and "my account" log people in through the normal
 * /auth like any relying party (as Keycloak's admin console does). Its secret is derived from
 * KEY_ENCRYPTION_SECRET with a label of its own (HKDF-SHA256), so every instance with the same
 * secret agrees on it; like every other client only its hash is stored (ensured at start-up by
 * ensureInternal). It does not depend on COOKIE_KEYS: during a cookie-key rotation the instances
 * have different first keys, and a secret derived from the first key made half of them unable
 * to sign anyone in. KEY_ENCRYPTION_SECRET is not rotated in place (the signing keys are sealed
 * with it), so every instance always has the same one. Pure.
 */
import { hkdfSync } from 'node:crypto';
import type { InternalClient } from '../clients/service.js';

export const CONSOLE_CLIENT_ID = 'sso-console';
export const CONSOLE_CALLBACK_PATH = '/console/callback';

/** The console client's secret: 256 bits from KEY_ENCRYPTION_SECRET, under a label used for nothing else. */
export function consoleClientSecret(keyEncryptionSecret: string): string {
  return Buffer.from(hkdfSync('sha256', Buffer.from(keyEncryptionSecret, 'utf8'), Buffer.alloc(0), 'sso-console client secret v2', 32)).toString('base64url');
}

export function consoleClient(issuer: string, keyEncryptionSecret: string): InternalClient {
  return {
    id: CONSOLE_CLIENT_ID,
    name: 'Quản trị và tài khoản của tôi (SSO)',
    redirectUris: [`${issuer}${CONSOLE_CALLBACK_PATH}`],
    postLogoutRedirectUris: [],
    secret: consoleClientSecret(keyEncryptionSecret),
  };
}
