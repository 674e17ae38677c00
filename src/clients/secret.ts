/**
 * Client secrets: 256 random bits, shown once, stored only as a salted HMAC-SHA256.
 * A fast keyed hash suits a high-entropy secret; argon2 stays off the token endpoint.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'hs256';

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string, salt = randomBytes(16).toString('base64url')): string {
  const mac = createHmac('sha256', salt).update(secret, 'utf8').digest('base64url');
  return `${PREFIX}$${salt}$${mac}`;
}

export function verifyClientSecret(presented: unknown, stored: string | null | undefined): boolean {
  if (typeof presented !== 'string' || typeof stored !== 'string') return false;
  const [prefix, salt, mac] = stored.split('$');
  if (prefix !== PREFIX || !salt || !mac) return false;
  const want = Buffer.from(mac, 'base64url');
  const got = createHmac('sha256', salt).update(presented, 'utf8').digest();
  return want.length === got.length && timingSafeEqual(want, got);
}
