/**
 * The province's own name on every page: BRAND_NAME, BRAND_LOGO_FILE, BRAND_PRIMARY_COLOR
 * (refused below WCAG AA's 4.5:1 against white, the colour of text on it), BRAND_FOOTER and
 * PASSWORD_HELP_URL. Pure: every problem found is added to `problems`.
 */
import type { Env } from './schema.js';
import { AA_NORMAL_TEXT, contrastRatio, parseHexColor } from '../domain/contrast.js';

export interface BrandSettings {
  /** The product's name as the province calls it; undefined: the catalogue's own name. */
  name?: string | undefined;
  /** A PNG or JPEG file shown in the page header (read and checked at start by the web layer). */
  logoFile?: string | undefined;
  /** `#rrggbb` (lower case), at least 4.5:1 against white; undefined: the built-in colour. */
  primaryColor?: string | undefined;
  /** One line of text at the foot of every page (address, hotline). */
  footer?: string | undefined;
  /** Where a person changes or recovers the mail password (https:, or http: on loopback). */
  passwordHelpUrl?: string | undefined;
}

/** Line breaks and control characters: these are one line of text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function oneLine(name: string, value: string | undefined, problems: string[]): string | undefined {
  const v = value?.normalize('NFC').trim();
  if (v && CONTROL.test(v)) problems.push(`${name}: must be one line of text without control characters`);
  return v || undefined;
}

/** https:, or http: on a loopback host (a test or a machine's own mail). */
export function isSafeLinkUrl(text: string): boolean {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
}

export function brandSettings(e: Env, problems: string[]): BrandSettings {
  const color = e.BRAND_PRIMARY_COLOR?.trim();
  let primaryColor: string | undefined;
  if (color) {
    const rgb = parseHexColor(color);
    if (!rgb) problems.push('BRAND_PRIMARY_COLOR: write the colour as #rrggbb, e.g. #a31d1d');
    else {
      const ratio = contrastRatio(rgb, [255, 255, 255]);
      if (ratio < AA_NORMAL_TEXT) problems.push(`BRAND_PRIMARY_COLOR: ${color} has a contrast of ${ratio.toFixed(2)}:1 against white; white text on it needs at least ${AA_NORMAL_TEXT}:1 (WCAG AA): choose a darker colour`);
      else primaryColor = `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
    }
  }
  const help = e.PASSWORD_HELP_URL?.trim();
  if (help && !isSafeLinkUrl(help)) problems.push('PASSWORD_HELP_URL: must be an https: URL (http: only on 127.0.0.1 or localhost)');
  return {
    name: oneLine('BRAND_NAME', e.BRAND_NAME, problems),
    logoFile: e.BRAND_LOGO_FILE?.trim() || undefined,
    primaryColor,
    footer: oneLine('BRAND_FOOTER', e.BRAND_FOOTER, problems),
    passwordHelpUrl: help && isSafeLinkUrl(help) ? help : undefined,
  };
}
