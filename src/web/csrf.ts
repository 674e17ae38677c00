/**
 * CSRF protection for every form: a signed double-submit token. The browser holds a random nonce
 * (the interaction pages: in an HttpOnly cookie; the console: in its sealed session cookie); each
 * form carries HMAC(key, binding + nonce), the binding being the interaction uid or the console
 * session. A forged cross-site post has neither the nonce nor a way to compute the token. Pure.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseForm } from './forms.js';

export const CSRF_COOKIE = 'sso_csrf';
export const CSRF_FIELD = 'csrf';

/** The token field of a form: a string of at most 100 characters; anything else reads as none (and verifies as wrong). */
const csrfForm = z.object({ [CSRF_FIELD]: z.string().max(100).catch('') }).catch({ [CSRF_FIELD]: '' });

/** The token a form presents ('' when none). */
export function presentedCsrf(body: unknown): string {
  return parseForm(csrfForm, body)[CSRF_FIELD];
}

export function newCsrfNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function csrfToken(key: string, uid: string, nonce: string): string {
  return createHmac('sha256', key).update(`csrf\0${uid}\0${nonce}`).digest('base64url');
}

/**
 * Does the presented token match, under any of `keys` (COOKIE_KEYS)? A form is made with the first
 * key of the instance that drew it and may be posted to another instance: during a key rotation
 * the two may have different first keys, so every configured key is tried.
 */
export function verifyCsrf(keys: readonly string[], uid: string, nonce: unknown, presented: unknown): boolean {
  if (typeof nonce !== 'string' || typeof presented !== 'string' || !nonce || presented.length > 100) return false;
  const got = Buffer.from(presented);
  return keys.some((key) => {
    const want = Buffer.from(csrfToken(key, uid, nonce));
    return want.length === got.length && timingSafeEqual(want, got);
  });
}
