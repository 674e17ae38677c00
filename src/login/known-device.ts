/**
 * The known-device cookie: a browser where a person has logged in successfully before. It holds
 * a random device id and, for each person who succeeded there (at most MAX_PERSONS, the most
 * recent first), an HMAC of the person bound to the device, never the login itself (whoever
 * looks into the browser's cookies learns nothing of who used it). Signed with the newest of
 * COOKIE_KEYS and verified with any of them, as the session cookies are; a person remembered
 * under a key that has since been dropped is no longer known there (until their next success).
 *
 * The throttle treats a person on a known device apart (login/attempt.ts): account-wide and
 * address blocks never stop them; a small limit of their own per (person, device) does.
 * Signed, not encrypted: it holds nothing secret. Pure apart from the random device id.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const KNOWN_DEVICE_COOKIE = 'sso_device';
/** People remembered per device (a shared office PC): the oldest is dropped beyond this. */
export const MAX_PERSONS = 10;
/** Longest cookie value read. */
const MAX_VALUE = 1024;
const VERSION = 'v1';

export interface KnownDevice {
  /** 128 random bits, base64url. */
  id: string;
  /** HMACs of the persons who succeeded here, newest first. */
  persons: string[];
}

export interface KnownDevices {
  readonly ttlSeconds: number;
  /** The device a cookie value names, or null (absent, forged, expired, malformed). */
  read(value: string | undefined, now: Date): KnownDevice | null;
  /** Has this person (Login.person) succeeded on this device? */
  knows(device: KnownDevice | null, person: string): boolean;
  /** The cookie value after these persons succeeded here (a new device id when `device` is null). */
  remember(device: KnownDevice | null, persons: readonly string[], now: Date): string;
}

const mac = (key: string, body: string) => createHmac('sha256', key).update(`sso-known-device\0${body}`).digest();
const personHash = (key: string, id: string, person: string) =>
  createHmac('sha256', key).update(`sso-known-device-person\0${id}\0${person}`).digest().subarray(0, 12).toString('base64url');

function parse(body: string, nowSeconds: number): KnownDevice | null {
  try {
    const v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { d?: unknown; p?: unknown; exp?: unknown };
    if (typeof v.d !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(v.d)) return null;
    if (typeof v.exp !== 'number' || !(v.exp > nowSeconds)) return null;
    if (!Array.isArray(v.p) || v.p.some((x) => typeof x !== 'string' || x.length > 64)) return null;
    return { id: v.d, persons: (v.p as string[]).slice(0, MAX_PERSONS) };
  } catch {
    return null;
  }
}

export function createKnownDevices(keys: readonly string[], ttlSeconds: number): KnownDevices {
  if (!keys.length) throw new Error('known devices need at least one cookie key');
  return {
    ttlSeconds,
    read(value, now) {
      if (typeof value !== 'string' || value.length > MAX_VALUE) return null;
      const [version, body, sig, ...rest] = value.split('.');
      if (version !== VERSION || !body || !sig || rest.length) return null;
      const got = Buffer.from(sig, 'base64url');
      const signed = keys.some((k) => {
        const want = mac(k, body);
        return want.length === got.length && timingSafeEqual(want, got);
      });
      return signed ? parse(body, Math.floor(now.getTime() / 1000)) : null;
    },
    knows(device, person) {
      if (!device || !person) return false;
      return keys.some((k) => device.persons.includes(personHash(k, device.id, person)));
    },
    remember(device, persons, now) {
      const id = device?.id ?? randomBytes(16).toString('base64url');
      const fresh = [...new Set(persons.filter(Boolean).map((p) => personHash(keys[0]!, id, p)))];
      const list = [...fresh, ...(device?.persons ?? []).filter((h) => !fresh.includes(h))].slice(0, MAX_PERSONS);
      const body = Buffer.from(JSON.stringify({ d: id, p: list, exp: Math.floor(now.getTime() / 1000) + ttlSeconds }), 'utf8').toString('base64url');
      return `${VERSION}.${body}.${mac(keys[0]!, body).toString('base64url')}`;
    },
  };
}
