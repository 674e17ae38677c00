/**
 * What "My account"'s pages show, in the page's language: the profile as the directory holds it,
 * the sessions told apart (device, address, started, last active, this device) and the recent
 * sign-ins. Pure: the routes read, these shape.
 */
import type { AccountRecord } from '../accounts/claims.js';
import { parseAttributes } from '../accounts/claims.js';
import type { SessionView } from '../accounts/service.js';
import { formatDateTime, formatRelative } from '../web/i18n/format.js';
import type { Locale, Translator } from '../web/i18n/index.js';
import type { SignInView } from './activity.js';
import { deviceName } from './device.js';

/** The person as the directory (or, for a local account, this system) holds them. */
export interface ProfileView {
  fromDirectory: boolean;
  name: string;
  login: string;
  email: string | null;
  department: string | null;
  organization: string | null;
}

export function profileOf(a: AccountRecord): ProfileView {
  const org = parseAttributes(a.attributes).organization ?? {};
  return {
    fromDirectory: a.source !== 'local',
    name: a.displayName || a.login,
    login: a.login,
    email: a.email,
    department: org.department ?? null,
    organization: org.organization ?? null,
  };
}

/** A time as "dd/MM/yyyy HH:mm", with its ISO form for <time> and "5 phút trước". */
export interface TimeView {
  text: string;
  iso: string;
  relative: string;
}

export function timeView(d: Date | null | undefined, now: Date, locale: Locale): TimeView | null {
  if (!d || Number.isNaN(d.getTime())) return null;
  return { text: formatDateTime(d), iso: d.toISOString(), relative: formatRelative(d, now, locale) };
}

export interface SessionRowView {
  uid: string;
  device: string;
  address: string | null;
  started: TimeView | null;
  lastActive: TimeView | null;
  current: boolean;
  applications: string[];
}

export function sessionRows(sessions: readonly (SessionView & { current: boolean })[], t: Translator, locale: Locale, now: Date): SessionRowView[] {
  return sessions.map((s) => ({
    uid: s.uid,
    device: deviceName(t, s.userAgent),
    address: s.address,
    started: timeView(s.loginAt, now, locale),
    lastActive: timeView(s.lastSeenAt ?? s.loginAt, now, locale),
    current: s.current,
    applications: s.applications.map((a) => a.name),
  }));
}

export interface SignInRowView {
  time: TimeView | null;
  application: string;
  address: string | null;
  device: string;
  ok: boolean;
  result: string;
}

export function signInRows(events: readonly SignInView[], t: Translator, locale: Locale, now: Date): SignInRowView[] {
  return events.map((e) => {
    if (e.type === 'webauthn.registered' || e.type === 'webauthn.removed') return securityRow(e, t, locale, now);
    const ok = e.type !== 'login.failure' && e.type !== 'mfa.failed';
    const factor = e.type === 'mfa.failed' ? t('mfa.activity.failed') : e.type === 'mfa.enrolled' ? t('mfa.activity.enrolled') : e.type === 'mfa.recovery_used' ? t('mfa.activity.recoveryUsed') : e.type === 'mfa.reset' ? t('mfa.activity.reset') : undefined;
    return {
      time: timeView(e.at, now, locale),
      application: e.application ?? t('me.activity.unknownApp'),
      address: e.ip,
      device: deviceName(t, e.userAgent),
      ok,
      result: factor ?? (ok ? t('me.activity.success') : e.outcome === 'throttled' ? t('me.activity.throttled') : t('me.activity.failure')),
    };
  });
}

/** An enrolment or a removal of a security key, among the sign-ins: what was done to which key. */
function securityRow(e: SignInView, t: Translator, locale: Locale, now: Date): SignInRowView {
  const added = e.type === 'webauthn.registered';
  const result = e.name ? t(added ? 'me.activity.keyAdded' : 'me.activity.keyRemoved', { name: e.name }) : t(added ? 'audit.event.webauthn.registered' : 'me.activity.keysRemoved');
  return { time: timeView(e.at, now, locale), application: t('webauthn.title'), address: e.ip, device: deviceName(t, e.userAgent), ok: true, result };
}
