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

/** Stands in for an absent previous secret, so that a check costs the same with or without one. */
const NO_PREVIOUS = hashClientSecret(randomBytes(32).toString('base64url'));

/**
 * The presented secret is the current one, or the one before the last rotation while its
 * overlap lasts (`previousUntil` after `now`). Both are always computed, whatever the first
 * gives, so the time taken says nothing about which one matched, or whether there is one.
 */
export function verifyClientSecrets(presented: unknown, stored: { current: string | null | undefined; previous?: string | null | undefined; previousUntil?: number | null | undefined }, now = Date.now()): boolean {
  const current = verifyClientSecret(presented, stored.current);
  const inOverlap = typeof stored.previous === 'string' && typeof stored.previousUntil === 'number' && stored.previousUntil > now;
  const previous = verifyClientSecret(presented, inOverlap ? stored.previous : NO_PREVIOUS);
  return (current ? 1 : 0) + (previous && inOverlap ? 1 : 0) > 0;
}
