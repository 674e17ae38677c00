/**
 * A new client secret carried from the POST that made it to the one page that shows it (POST,
 * then redirect, then GET), in a short-lived cookie: AES-256-GCM under a key derived from the
 * newest cookie key (opened with any of COOKIE_KEYS), bound to the client and the administrator,
 * with an expiry. The page clears the cookie as it reads it, so a reload shows nothing, and any
 * instance behind the load balancer can read it. Pure.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'sso-console new client secret';
const MAX_VALUE = 1024;

const keyOf = (cookieKey: string) => Buffer.from(hkdfSync('sha256', cookieKey, 'sso-console', INFO, 32));

/** The sealed secret: base64url(iv | tag | ciphertext). `bind` names who may open it, for which client. */
export function sealSecret(keys: readonly string[], bind: string, secret: string, expSeconds: number): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(keys[0]!), iv);
  cipher.setAAD(Buffer.from(bind, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify({ s: secret, exp: expSeconds }), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The secret, or null when the value is missing, forged, for another client or person, or expired. */
export function openSecret(keys: readonly string[], bind: string, value: unknown, nowSeconds: number): string | null {
  if (typeof value !== 'string' || value.length > MAX_VALUE) return null;
  const raw = Buffer.from(value, 'base64url');
  if (raw.length < 29) return null;
  for (const k of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyOf(k), raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(bind, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const p = JSON.parse(plain) as { s?: unknown; exp?: unknown };
      if (typeof p.s !== 'string' || typeof p.exp !== 'number' || !(p.exp > nowSeconds)) return null;
      return p.s;
    } catch {
      // not sealed under this key: try the next
    }
  }
  return null;
}
