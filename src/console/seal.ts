/**
 * Signed cookie values for the console: base64url(JSON) + "." + HMAC-SHA256 under the newest
 * cookie key, verified under any of COOKIE_KEYS (so a key rotation logs nobody out), bound to a
 * purpose (a login-state value is never accepted as a session), with an expiry. Not encrypted:
 * they hold only ids, never a secret. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAX_VALUE = 4096;

function mac(key: string, purpose: string, body: string): Buffer {
  return createHmac('sha256', key).update(`sso-console\0${purpose}\0${body}`).digest();
}

export function seal(keys: readonly string[], purpose: string, payload: { exp: number } & Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(keys[0]!, purpose, body).toString('base64url')}`;
}

/** The payload, or null when the value is missing, forged, for another purpose or expired (exp in seconds). */
export function unseal(keys: readonly string[], purpose: string, value: unknown, nowSeconds: number): Record<string, unknown> | null {
  if (typeof value !== 'string' || value.length > MAX_VALUE) return null;
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return null;
  const body = value.slice(0, dot);
  const got = Buffer.from(value.slice(dot + 1), 'base64url');
  const ok = keys.some((k) => {
    const want = mac(k, purpose, body);
    return want.length === got.length && timingSafeEqual(want, got);
  });
  if (!ok) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    const exp = (payload as { exp?: unknown }).exp;
    if (typeof exp !== 'number' || !(exp > nowSeconds)) return null;
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}
