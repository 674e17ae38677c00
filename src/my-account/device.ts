/**
 * A device in words from a browser's User-Agent, so a person can tell their sessions and sign-ins
 * apart: "Chrome 131 trên Android (điện thoại)", "Firefox 133 on Windows (computer)". Parsed
 * with bowser (names of browsers and systems as they are known); what it cannot name is said to
 * be unknown, never guessed. Pure.
 */
import Bowser from 'bowser';
import type { Translator } from '../web/i18n/index.js';

export type DeviceKind = 'mobile' | 'tablet' | 'desktop' | 'tv';

/** What a User-Agent tells of the device. */
export interface DeviceFacts {
  /** The browser and its major version: "Chrome 131". */
  browser: string | null;
  /** The operating system: "Android", "Windows", "macOS", "iOS". */
  os: string | null;
  kind: DeviceKind | null;
}

const KINDS: ReadonlySet<string> = new Set<DeviceKind>(['mobile', 'tablet', 'desktop', 'tv']);

/** The device a User-Agent names; null when there is none to read. */
export function deviceFacts(userAgent: string | null | undefined): DeviceFacts | null {
  if (!userAgent?.trim()) return null;
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    return null;
  }
  const name = parsed.browser.name?.trim();
  const major = parsed.browser.version?.split('.')[0]?.trim();
  const kind = parsed.platform.type && KINDS.has(parsed.platform.type) ? (parsed.platform.type as DeviceKind) : null;
  return { browser: name ? (major ? `${name} ${major}` : name) : null, os: parsed.os.name?.trim() || null, kind };
}

/** The device in words, in the page's language. */
export function deviceName(t: Translator, userAgent: string | null | undefined): string {
  const f = deviceFacts(userAgent);
  if (!f || (!f.browser && !f.os)) return t('me.device.unknown');
  const browser = f.browser ?? t('me.device.unknownBrowser');
  const os = f.os ?? t('me.device.unknownOs');
  return f.kind ? t('me.device.browserOnKind', { browser, os, kind: t(`me.device.kind.${f.kind}`) }) : t('me.device.browserOn', { browser, os });
}
