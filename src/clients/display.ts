/**
 * What the app launcher shows of an application, and what may be registered for it. Pure.
 * - home URL: https:, or http: on a loopback host only; no credentials, at most 2000 characters.
 * - description: plain text on one line, at most 200 characters (shown escaped).
 * - logo: PNG or JPEG only, recognised by its first bytes (never by a name or a declared type),
 *   at most 256 KiB; SVG (which can carry script) and anything else are refused.
 */
import { createHash } from 'node:crypto';
import { SsoError } from '../domain/errors.js';

export const DESCRIPTION_MAX = 200;
export const HOME_URL_MAX = 2000;
export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why this home URL cannot be registered, or null. */
export function homeUrlProblem(uri: string): string | null {
  if (uri.length > HOME_URL_MAX) return `home URL is longer than ${HOME_URL_MAX} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `home URL ${uri} is not an absolute URL`;
  }
  if (url.username || url.password) return `home URL ${uri} must not contain credentials`;
  if (url.protocol === 'https:') return url.hostname ? null : `home URL ${uri} has no host`;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return `home URL ${uri} must use https (http is allowed only for loopback addresses)`;
}

/** Why this description cannot be registered, or null. */
export function descriptionProblem(text: string): string | null {
  if ([...text].length > DESCRIPTION_MAX) return `description must be at most ${DESCRIPTION_MAX} characters`;
  if ([...text].some((ch) => ch < ' ' || ch === '\u007f')) return 'description must be plain text on one line';
  return null;
}

/** The image type these bytes begin with (PNG or JPEG), or null. */
export function logoType(bytes: Uint8Array): LogoType | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** Why this file cannot be a logo, or null. */
export function logoProblem(bytes: Uint8Array): string | null {
  if (!bytes.length) return 'the logo file is empty';
  if (bytes.length > LOGO_MAX_BYTES) return `the logo must be at most ${LOGO_MAX_BYTES / 1024} KiB`;
  if (logoType(bytes)) return null;
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<') || head.includes('<svg')) return 'the logo must be a PNG or JPEG image (SVG is not accepted)';
  return 'the logo must be a PNG or JPEG image';
}

/** A strong ETag for these bytes (quoted, as sent). */
export function logoEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

/** What an update of the display fields asks: absent stays, null (or '') removes. */
export interface DisplayUpdate {
  homeUrl?: string | null | undefined;
  description?: string | null | undefined;
  /** The new logo's bytes, or null to remove it. */
  logo?: Uint8Array | null | undefined;
}

/** The i18n key and the field of each kind of problem. */
const KEYS = {
  homeUrl: { key: 'clients.error.homeUrl', field: 'home_url' },
  description: { key: 'clients.error.description', field: 'description' },
  logo: { key: 'clients.error.logo', field: 'logo' },
} as const;

/** Refuses an update with a bad home URL, description or logo (the first problem names the page's sentence). */
export function checkDisplay(u: DisplayUpdate): void {
  const problems: { what: keyof typeof KEYS; message: string }[] = [];
  const add = (what: keyof typeof KEYS, message: string | null) => message && problems.push({ what, message });
  if (u.homeUrl?.trim()) add('homeUrl', homeUrlProblem(u.homeUrl.trim()));
  if (u.description?.trim()) add('description', descriptionProblem(u.description.trim()));
  if (u.logo) add('logo', logoProblem(u.logo));
  const first = problems[0];
  if (!first) return;
  const message = problems.map((p) => p.message).join('; ');
  throw new SsoError('invalid_input', message, { messageKey: KEYS[first.what].key, field: KEYS[first.what].field, params: { detail: message } });
}

/** The stored form of a checked logo. */
export function logoRecord(bytes: Uint8Array): { contentType: LogoType; data: Uint8Array; etag: string } {
  const contentType = logoType(bytes);
  if (!contentType) throw new SsoError('invalid_input', logoProblem(bytes) ?? 'not a logo', { messageKey: KEYS.logo.key, field: KEYS.logo.field });
  return { contentType, data: bytes, etag: logoEtag(bytes) };
}

/** The columns an update of the display fields writes ('' or null removes a text). */
export function displayColumns(u: DisplayUpdate): { homeUrl?: string | null; description?: string | null } {
  return {
    ...(u.homeUrl !== undefined ? { homeUrl: u.homeUrl?.trim() || null } : {}),
    ...(u.description !== undefined ? { description: u.description?.trim() || null } : {}),
  };
}

/** Where a logo is served: a stable path, with its version so a new logo is fetched at once. */
export function logoPath(clientId: string, etag: string | null): string | null {
  return etag ? `/apps/${encodeURIComponent(clientId)}/logo?v=${encodeURIComponent(etag.replaceAll('"', ''))}` : null;
}
