/**
 * One-time messages of the console (post/redirect/get): a change asked by a POST ends in a 303
 * redirect, and the page it leads to says once what was done ("Đã tạm ngừng ứng dụng …"). The
 * message travels in a cookie that the next page of the same console session reads and clears,
 * so a reload shows nothing again and changes nothing.
 *
 * Unlike the signed cookies of ./seal.ts this one is encrypted (AES-256-GCM under a key derived
 * from each of COOKIE_KEYS, the newest sealing, any opening): it may carry a client secret to
 * the one page that shows it once. It is bound to the console session (account and IdP
 * session), lives 5 minutes, and is HttpOnly, SameSite=Lax, path /admin. Pure but for the
 * cookie headers.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { parse as parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { ConsoleKey } from '../web/i18n/index.js';

export const FLASH_COOKIE = 'sso_console_flash';
const FLASH_PATH = '/admin';
const FLASH_TTL_SECONDS = 300;
const MAX_VALUE = 3000;

/** What the next page says once; `secret`: a client secret for its one-time display. */
export interface Flash {
  key: ConsoleKey;
  params?: Record<string, string | number> | undefined;
  /** A second sentence (e.g. "(dry run)"). */
  also?: ConsoleKey | undefined;
  /** Text of a record, shown as it is (a sync run's message). */
  note?: string | undefined;
  secret?: { clientId: string; secret: string } | undefined;
}

const keyOf = (cookieKey: string) => Buffer.from(hkdfSync('sha256', Buffer.from(cookieKey, 'utf8'), Buffer.alloc(0), 'sso-console flash v1', 32));

/** The cookie value: iv.ciphertext.tag (base64url), the binding as associated data. Pure. */
export function sealFlash(keys: readonly string[], binding: string, flash: Flash, nowSeconds: number): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyOf(keys[0]!), iv);
  c.setAAD(Buffer.from(binding, 'utf8'));
  const body = Buffer.concat([c.update(JSON.stringify({ exp: nowSeconds + FLASH_TTL_SECONDS, flash }), 'utf8'), c.final()]);
  return [iv, body, c.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

/** The message, or null when the value is missing, forged, of another session or expired. Pure. */
export function openFlash(keys: readonly string[], binding: string, value: unknown, nowSeconds: number): Flash | null {
  if (typeof value !== 'string' || value.length > MAX_VALUE) return null;
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const [iv, body, tag] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  if (iv.length !== 12 || tag.length !== 16) return null;
  for (const k of keys) {
    try {
      const d = createDecipheriv('aes-256-gcm', keyOf(k), iv);
      d.setAAD(Buffer.from(binding, 'utf8'));
      d.setAuthTag(tag);
      const payload = JSON.parse(Buffer.concat([d.update(body), d.final()]).toString('utf8')) as { exp?: unknown; flash?: Flash };
      if (typeof payload.exp !== 'number' || !(payload.exp > nowSeconds) || !payload.flash || typeof payload.flash.key !== 'string') return null;
      return payload.flash;
    } catch {
      // another key, or not ours
    }
  }
  return null;
}

export interface Flashes {
  /** Leaves a message for the next page of this console session. */
  set(res: Response, binding: string, flash: Flash): void;
  /** The message left for this page (then gone), or null. */
  take(req: Request, res: Response, binding: string): Flash | null;
}

export function flashes(keys: readonly string[], secure: boolean): Flashes {
  const options = { httpOnly: true, sameSite: 'lax' as const, secure, path: FLASH_PATH };
  const now = () => Math.floor(Date.now() / 1000);
  return {
    set(res, binding, flash) {
      res.cookie(FLASH_COOKIE, sealFlash(keys, binding, flash, now()), { ...options, maxAge: FLASH_TTL_SECONDS * 1000 });
    },
    take(req, res, binding) {
      const value = parseCookie(req.headers.cookie ?? '')[FLASH_COOKIE];
      if (value === undefined) return null;
      res.clearCookie(FLASH_COOKIE, options);
      return openFlash(keys, binding, value, now());
    },
  };
}
