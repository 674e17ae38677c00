/**
 * What an audit event is, and what is kept of one. Pure.
 *
 * Nothing secret is ever recorded: detail members whose name says password, secret, token,
 * cookie, authorization, credential, jwk, code (the OAuth code), verifier, assertion or otp are
 * replaced with "[redacted]" at any depth (a boolean flag such as has_secret is kept), and so is any string that looks like a JWT or a
 * password hash. Strings are made storable (no NUL, no lone surrogate) and bounded in length,
 * and empty optional fields become null, so what is hashed is exactly what the database gives
 * back.
 */
import { canonicalJson, isoTime, type ChainRow } from './chain.js';

/** Every event type recorded. Provider-side ones are recorded by the interaction routes and provider events. */
export const AUDIT_EVENT_TYPES = [
  // the login page (src/interactions/routes.ts)
  'login.success', // outcome "success"; actor: the login typed, subject: account id, detail: { source, amr? }
  'login.failure', // outcome: the reason (invalid_credentials, disabled, conflict, throttled, unavailable, ...)
  'consent', // outcome "granted" | "denied"; subject, clientId, detail: { scopes, claims? }
  'logout', // outcome "success"; subject, clientId?, detail: { sid? } (provider "end_session.success")
  // per-application access policy (src/access/)
  'access.denied', // outcome: where ("authorization" | "refresh"); subject: account id, clientId; detail: { where }
  // accounts (src/accounts/service.ts, src/deprovision/service.ts)
  'account.created', // detail: { login, source, display_name, email? }
  'account.password_changed', // detail: { login }
  'account.status_changed', // outcome: the new status; detail: { login, from, to }
  'account.access_ended', // detail: { reason, revoked, queued }
  'account.admin_changed', // outcome "granted" | "revoked"; detail: { login }
  'account.helpdesk_changed', // the console's helpdesk flag; outcome "granted" | "revoked"; detail: { login }
  'account.session_ended', // one session ended (console, my account); detail: { reason, session, revoked, queued }
  'account.application_revoked', // an application's grants and tokens for an account; clientId; detail: { reason, revoked, queued }
  'account.deleted', // a local account removed (`sso account delete`); detail: { login, revoked, queued }
  // applications (src/clients/service.ts)
  'client.created', // detail: { name, type, first_party, redirect_uris, ... , has_secret }
  'client.secret_rotated', // detail: { name, previous_rotation, overlap_until } (until when the old secret stays accepted, or null)
  'client.status_changed', // outcome: the new status; detail: { from, to }
  'client.updated', // detail: { changed, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, first_party }
  'client.deleted', // detail: { name, type, revoked } (its tokens, codes, grants and sessions' entries removed)
  // signing keys (src/keys/store.ts)
  'keys.created', // keys generated because none signed (first start, new algorithm)
  'keys.rotated', // detail: { created, retiring, activate_at, retire_after }
  'keys.revoked', // a compromised key withdrawn (`sso keys revoke`); detail: { kid, alg, reason, replacement, previous_status }
  // directory sync (src/sync/)
  'sync.run', // outcome: the run's status; detail: { run_id, mode, dry_run, seen, created, ... }
  // the password-guessing throttle (src/login/blocks.ts)
  'throttle.unblocked', // outcome "unblocked"; actor: the operator or console user; detail: { login? , address?, keys, lifted }
  // the government digital-signature certificate (src/certificate/login.ts)
  'cert.login.success', // a verified certificate's account taken by the interaction; subject: account id; detail: { purpose, subject, issuer, serial }
  'cert.login.failed', // outcome: the reason (expired, revoked, foreign_ca, no_account, untrusted_header, replayed, ...; wrong_account: at the second step, another person's certificate than the password's); detail: { purpose, subject, issuer, serial }
  // WebAuthn: security keys and passkeys (src/webauthn/)
  'webauthn.registered', // an authenticator enrolled; subject; detail: { name, method (hwk|swk), attachment, user_verified }
  'webauthn.renamed', // subject; detail: { name, previous }
  'webauthn.removed', // subject; detail: { name, method, reason } (my account, or every one at a helpdesk MFA reset: { removed })
  'webauthn.refused', // an assertion refused; outcome: unknown_authenticator | counter_regressed | not_verified | ...; subject when known
  // the second factor (src/second-factor/); never the secret or a code
  'mfa.enrolled', // outcome "success"; subject; detail: { method, during_login, by_enrol_code }
  'mfa.verified', // outcome "success"; subject, clientId?; detail: { method: "totp" | "recovery_code" }
  'mfa.failed', // outcome: wrong | reused | expired | throttled | enrol_code; subject, clientId?
  'mfa.recovery_used', // a recovery code used instead of the second factor; subject; detail: { left }
  'mfa.recovery_regenerated', // new recovery codes made (the old ones void); subject
  'mfa.reset', // every factor of a person removed (helpdesk, admin); actor; subject; detail: { login, had_factor }
  'mfa.enrol_code_issued', // a one-time enrolment code issued; actor; subject; detail: { login, expires_at }
  // the SAML identity provider (src/saml/)
  'saml.sp_created', // a service provider registered; detail: { id, entity_id, name, nameid, attributes, sign_response }
  'saml.sp_updated', // detail: { id, entity_id, changed }
  'saml.sp_status_changed', // outcome: the new status; detail: { id, entity_id, from, to }
  'saml.sp_deleted', // detail: { id, entity_id }
  'saml.request_refused', // an AuthnRequest refused; outcome: the reason (dtd, replay, signature_wrapping, ...); detail: { sp?, binding }
  'saml.response', // a Response posted to an SP; outcome "success" or the SAML status; subject, clientId; detail: { sp, acs, nameid_format, status }
  'saml.logout', // a LogoutRequest from an SP answered; outcome success, no_session or nameid_mismatch (nothing ended); subject, clientId; detail: { sp, binding, sessions }
  'saml.logout_refused', // a LogoutRequest refused (unsigned, unknown issuer, Destination, replay, ...); outcome: the reason; detail: { sp?, binding }
  // the trail itself
  'audit.pruned', // detail: { from_seq, through_seq, removed, before, anchor_hash, retention_seconds }
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditEventInput {
  type: AuditEventType;
  /** What happened: "success", or the reason it did not, or the new state. */
  outcome: string;
  /** Who did it: the login typed on the login page, the operator of the CLI. Defaults to the log's actor. */
  actor?: string | null | undefined;
  /** Whom or what it concerns: an account id (the `sub`). */
  subject?: string | null | undefined;
  clientId?: string | null | undefined;
  ip?: string | null | undefined;
  /** Anything else worth keeping; never a secret (such members are redacted anyway). */
  detail?: Record<string, unknown> | undefined;
  /** When it happened; default now. */
  at?: Date | undefined;
}

/** An event ready to chain: every field normalized, detail as canonical JSON. */
/** A row's content before it is chained (no seq, prevHash, hash yet). */
export type NormalizedEvent = Omit<ChainRow, 'seq' | 'at' | 'prevHash' | 'hash'> & { at: Date };

export const REDACTED = '[redacted]';
const SECRET_WORDS = new Set([
  'password', 'passwords', 'passwd', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'cookie', 'cookies',
  'authorization', 'credential', 'credentials', 'jwk', 'jwks', 'verifier', 'assertion', 'otp',
]);
const MAX_FIELD = 256;
const MAX_STRING = 1000;
const MAX_ITEMS = 100;
const MAX_DEPTH = 6;

/** The words of a member name: camelCase, snake_case, kebab-case, dotted. */
function words(key: string): string[] {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** True for a member name that may carry a secret. */
export function isSecretKey(key: string): boolean {
  const w = words(key);
  if (w.length === 1 && w[0] === 'code') return true;
  return w.some((x) => SECRET_WORDS.has(x));
}

/** A JWS (3 parts) or JWE (5 parts) in compact form: the header always starts with {" in base64url. */
const JWT = /^eyJ[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){2,4}$/;
const PASSWORD_HASH = /^\$(argon2(id|i|d)|2[aby]|scrypt|pbkdf2)/;

/** True for a value that looks like a token or a password hash. */
export function looksSecret(s: string): boolean {
  return JWT.test(s) || PASSWORD_HASH.test(s);
}

/** A string the database stores and returns unchanged: no NUL, no lone surrogate, bounded. */
export function storable(s: string, max = MAX_STRING): string {
  let t = s.replace(/\u0000/g, '\uFFFD');
  t = (t as string & { toWellFormed?: () => string }).toWellFormed?.() ?? t.replace(/[\uD800-\uDFFF]/g, '\uFFFD');
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t;
}

/** A copy of detail with secrets redacted and values made JSON-plain and bounded. */
export function scrubDetail(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return looksSecret(value) ? REDACTED : storable(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((x) => scrubDetail(x, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
    return items;
  }
  if (typeof value === 'object') {
    if (value instanceof Error) return storable(value.message);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      // a flag (has_secret: true) tells nothing secret; anything else under such a name is dropped
      out[storable(k, 100)] = isSecretKey(k) && v !== null && typeof v !== 'boolean' ? REDACTED : scrubDetail(v, depth + 1);
    }
    return out;
  }
  return storable(String(value));
}

function field(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const s = storable(String(v), MAX_FIELD).trim();
  if (!s) return null;
  return looksSecret(s) ? REDACTED : s;
}

/** What is stored of an event (before chaining). */
export function normalizeEvent(e: AuditEventInput, defaults: { actor?: string | null; now?: () => Date } = {}): NormalizedEvent {
  const at = e.at ?? defaults.now?.() ?? new Date();
  isoTime(at); // throws on an invalid date
  const detail = scrubDetail(e.detail ?? {});
  return {
    at: new Date(at.getTime()),
    type: field(e.type) ?? 'unknown',
    outcome: field(e.outcome) ?? 'unknown',
    actor: field(e.actor === undefined ? defaults.actor : e.actor),
    subject: field(e.subject),
    clientId: field(e.clientId),
    ip: field(e.ip),
    detail: canonicalJson(detail && typeof detail === 'object' && !Array.isArray(detail) ? detail : { value: detail }),
  };
}
