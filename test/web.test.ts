/**
 * What every page shares, without a server: the one mapping of an error to a page (web/errors.ts),
 * form and query schemas (web/forms.ts), the CSRF field, and the consent use case with a fake
 * Grant model.
 */
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { errors } from 'oidc-provider';
import { SsoError } from '../src/domain/errors.js';
import { failureOf } from '../src/web/errors.js';
import { protocolErrorKey } from '../src/web/i18n/index.js';
import { lines, parseForm, parseQuery, queryText, text } from '../src/web/forms.js';
import { csrfToken, presentedCsrf, verifyCsrf } from '../src/web/csrf.js';
import { consoleClientSecret } from '../src/console/internal-client.js';
import { consentImplied } from '../src/domain/consent.js';
import { createConsentUseCase, type ConsentGrant } from '../src/consent/grant.js';
import { createLogger } from '../src/util/logger.js';

describe('failureOf', () => {
  it('maps an SsoError by its code, on the login pages and in the console', () => {
    expect(failureOf(new SsoError('csrf', 'x'), 'login')).toMatchObject({ status: 403, messageKey: 'error.csrf' });
    expect(failureOf(new SsoError('csrf', 'x'), 'console')).toMatchObject({ status: 403, messageKey: 'error.csrf' });
    expect(failureOf(new SsoError('session_expired', 'x'), 'login')).toMatchObject({ status: 400, messageKey: 'error.sessionExpired' });
    expect(failureOf(new SsoError('invalid_input', 'x'), 'login')).toMatchObject({ status: 400, messageKey: 'error.invalidRequest' });
    expect(failureOf(new SsoError('not_found', 'x'), 'console')).toMatchObject({ status: 404, messageKey: 'console.error.notFound' });
    expect(failureOf(new SsoError('unauthenticated', 'x'), 'console')).toMatchObject({ status: 401, messageKey: 'console.error.signInAgain' });
    expect(failureOf(new SsoError('forbidden', 'x', { params: { login: 'an' } }), 'console')).toMatchObject({ status: 403, messageKey: 'console.error.forbidden', params: { login: 'an' } });
    expect(failureOf(new SsoError('unavailable', 'x'), 'console')).toMatchObject({ status: 503, messageKey: 'error.unavailable', retryAfter: 5 });
  });

  it('keeps the sentence, the status and the detail an SsoError names', () => {
    const busy = new SsoError('conflict', 'another sync is running', { messageKey: 'console.error.busy' });
    expect(failureOf(busy, 'console')).toMatchObject({ status: 409, messageKey: 'console.error.busy' });
    const signIn = new SsoError('unauthenticated', 'refused', { status: 400, messageKey: 'console.error.signInFailed' });
    expect(failureOf(signIn, 'console')).toMatchObject({ status: 400, messageKey: 'console.error.signInFailed' });
    const field = new SsoError('invalid_input', 'from: YYYY-MM-DD', { field: 'from', params: { detail: 'YYYY-MM-DD' } });
    expect(failureOf(field, 'console')).toMatchObject({ status: 400, messageKey: 'console.error.invalid', params: { detail: 'YYYY-MM-DD' } });
    // without a detail of its own, the console never shows the message (the operators' English)
    expect(failureOf(new SsoError('invalid_input', 'redirect URI must use https'), 'console').messageKey).toBe('console.error.invalidPlain');
  });

  it('answers a database outage and the provider storage out of reach with 503 and Retry-After', () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (const texts of ['login', 'console'] as const) {
      expect(failureOf(outage, texts)).toEqual({ status: 503, messageKey: 'error.unavailable', params: {}, retryAfter: 5 });
      expect(failureOf(new errors.TemporarilyUnavailable('down'), texts)).toMatchObject({ status: 503, retryAfter: 5 });
    }
  });

  it('answers a lost interaction with the "start again" page', () => {
    expect(failureOf(new errors.SessionNotFound('gone'), 'login')).toMatchObject({ status: 400, messageKey: 'error.sessionExpired' });
    expect(failureOf(new errors.InvalidRequest('no cookie'), 'login')).toMatchObject({ status: 400, messageKey: 'error.sessionExpired' });
  });

  it('maps the services\' older error types: not_found 404, exists 409, else 400', () => {
    expect(failureOf(new SsoError('not_found', 'no account'), 'console')).toEqual({ status: 404, messageKey: 'console.error.notFound', params: { detail: 'no account' } });
    expect(failureOf(new SsoError('exists', 'taken'), 'console')).toEqual({ status: 409, messageKey: 'console.error.invalidPlain', params: { detail: 'taken' } });
    expect(failureOf(new SsoError('invalid_input', 'must use https', { params: { detail: 'phải dùng https' } }), 'console')).toEqual({ status: 400, messageKey: 'console.error.invalid', params: { detail: 'phải dùng https' } });
    expect(failureOf(new SsoError('not_local', 'directory account'), 'console')).toMatchObject({ status: 400 });
  });

  it('keeps a body parser\'s refusal below 500, and makes anything else a 500', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413 });
    expect(failureOf(tooLarge, 'login')).toMatchObject({ status: 413, messageKey: 'error.invalidRequest' });
    expect(failureOf(tooLarge, 'console')).toMatchObject({ status: 413, messageKey: 'console.error.invalidPlain' });
    expect(failureOf(new Error('boom'), 'login')).toEqual({ status: 500, messageKey: 'error.server', params: {} });
    expect(failureOf('a string', 'console')).toEqual({ status: 500, messageKey: 'console.error.title', params: {} });
    expect(failureOf(Object.assign(new Error('x'), { status: 502 }), 'login').status).toBe(500);
  });
});

describe('forms', () => {
  const form = z.object({ name: text(5), note: text(10).transform(lines) });

  it('parses fields into typed values; absent is empty', () => {
    expect(parseForm(form, { name: 'An', note: ' a \r\n\r\n b ' })).toEqual({ name: 'An', note: ['a', 'b'] });
    expect(parseForm(form, undefined)).toEqual({ name: '', note: [] });
    // urlencoded bodies and queries are objects without a prototype
    expect(parseForm(form, Object.assign(Object.create(null) as object, { name: 'x', other: 'y' }))).toEqual({ name: 'x', note: [] });
  });

  it('refuses too long, repeated, object and NUL values, naming the field', () => {
    for (const name of ['abcdef', ['a', 'b'], { a: 1 }, 'a\u0000']) {
      const err = (() => {
        try {
          parseForm(form, { name });
        } catch (e) {
          return e;
        }
      })() as SsoError;
      expect(err).toBeInstanceOf(SsoError);
      expect(err).toMatchObject({ code: 'invalid_input', field: 'name', message: 'name (at most 5 characters)', params: { detail: 'name (at most 5 characters)' } });
    }
  });

  it('reads a hostile query parameter as absent', () => {
    const q = z.object({ q: queryText(3) });
    for (const v of [undefined, 'abcd', ['a', 'b'], 'a\u0000', { x: 1 }]) expect(parseQuery(q, { q: v })).toEqual({ q: '' });
    expect(parseQuery(q, { q: 'abc' })).toEqual({ q: 'abc' });
  });

  it('reads the CSRF field, anything unexpected as none', () => {
    expect(presentedCsrf({ csrf: 'tok' })).toBe('tok');
    for (const body of [undefined, {}, { csrf: ['a', 'b'] }, { csrf: 'x'.repeat(101) }, 'csrf=x']) expect(presentedCsrf(body)).toBe('');
  });
});

describe('during a COOKIE_KEYS rotation', () => {
  const OLD = 'old-cookie-key-0123456789abcdefghijklmnop';
  const NEW = 'new-cookie-key-9876543210zyxwvutsrqponmlk';

  it('a form drawn by an instance whose first key differs verifies on the other, either way; a wrong key or binding does not', () => {
    const byOld = csrfToken(OLD, 'uid-1', 'nonce-1');
    const byNew = csrfToken(NEW, 'uid-1', 'nonce-1');
    // phase 1 (OLD,NEW) and phase 2 (NEW,OLD) instances accept each other's forms
    for (const keys of [[OLD, NEW], [NEW, OLD]]) {
      expect(verifyCsrf(keys, 'uid-1', 'nonce-1', byOld)).toBe(true);
      expect(verifyCsrf(keys, 'uid-1', 'nonce-1', byNew)).toBe(true);
    }
    // phase 3 (NEW only): a form drawn under OLD is no longer accepted
    expect(verifyCsrf([NEW], 'uid-1', 'nonce-1', byOld)).toBe(false);
    expect(verifyCsrf([OLD, NEW], 'uid-2', 'nonce-1', byOld)).toBe(false);
    expect(verifyCsrf([OLD, NEW], 'uid-1', 'nonce-2', byOld)).toBe(false);
    expect(verifyCsrf([OLD, NEW], 'uid-1', undefined, byOld)).toBe(false);
    expect(verifyCsrf([OLD, NEW], 'uid-1', 'nonce-1', '')).toBe(false);
  });

  it("the console client's secret does not depend on COOKIE_KEYS: it comes from KEY_ENCRYPTION_SECRET, with a label of its own", () => {
    const secret = consoleClientSecret('test-key-encryption-secret-0123456789abcdef');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(consoleClientSecret('test-key-encryption-secret-0123456789abcdef')).toBe(secret);
    expect(consoleClientSecret('another-key-encryption-secret-0123456789ab')).not.toBe(secret);
    // not the secret itself, nor the signing keys' envelope key
    expect(secret).not.toContain('test-key-encryption-secret');
  });
});

describe('consent', () => {
  it('is implied for first-party applications only', () => {
    expect(consentImplied({ first_party: true })).toBe(true);
    for (const c of [undefined, {}, { first_party: 'true' }, { first_party: false }]) expect(consentImplied(c)).toBe(false);
  });

  it('saves what is missing as a grant, added to the existing one, and records the audit events', async () => {
    const saved: { init?: object; scopes: string[]; claims: string[][]; resources: [string, string][] }[] = [];
    class FakeGrant implements ConsentGrant {
      state: (typeof saved)[number];
      constructor(init?: { accountId: string; clientId: string }) {
        this.state = { init, scopes: [], claims: [], resources: [] };
      }
      static async find(id: string) {
        return id === 'g1' ? new FakeGrant() : undefined;
      }
      addOIDCScope(s: string) { this.state.scopes.push(s); }
      addOIDCClaims(c: string[]) { this.state.claims.push(c); }
      addResourceScope(r: string, s: string) { this.state.resources.push([r, s]); }
      async save() {
        saved.push(this.state);
        return `grant-${saved.length}`;
      }
    }
    const audit: object[] = [];
    const consent = createConsentUseCase({ grants: () => FakeGrant, logger: createLogger('silent'), audit: { record: async (e) => {
      audit.push(e);
      return null;
    } } });
    const step = { accountId: 'a1', clientId: 'c1', ip: '10.0.0.1', missing: { missingOIDCScope: ['openid', 'email'], missingOIDCClaims: ['name'], missingResourceScopes: { 'urn:api': ['read', 'write'] } } };

    expect(await consent.grantIfImplied(step, { first_party: false })).toBeUndefined();
    expect(saved).toEqual([]);
    expect(await consent.grantIfImplied(step, { first_party: true })).toBe('grant-1');
    expect(saved[0]).toEqual({ init: { accountId: 'a1', clientId: 'c1' }, scopes: ['openid email'], claims: [['name']], resources: [['urn:api', 'read write']] });
    expect(audit).toEqual([]);

    expect(await consent.allow({ ...step, grantId: 'g1' })).toBe('grant-2');
    expect(saved[1]!.init).toBeUndefined(); // the existing grant, found
    consent.deny({ accountId: 'a1', clientId: 'c1', ip: null });
    expect(audit).toEqual([
      { type: 'consent', outcome: 'granted', subject: 'a1', clientId: 'c1', ip: '10.0.0.1', detail: { scopes: ['openid', 'email'] } },
      { type: 'consent', outcome: 'denied', subject: 'a1', clientId: 'c1', ip: null },
    ]);
  });
});

describe('protocolErrorKey: a sentence for each oidc-provider error a person may see', () => {
  it('codes, the logout route, and a session or an interaction gone', () => {
    expect(protocolErrorKey('invalid_request')).toBe('oidc.error.invalid_request');
    expect(protocolErrorKey('invalid_client')).toBe('oidc.error.invalid_client');
    expect(protocolErrorKey('login_required')).toBe('oidc.error.login_required');
    expect(protocolErrorKey('consent_required')).toBe('oidc.error.consent_required');
    expect(protocolErrorKey('access_denied')).toBe('oidc.error.access_denied');
    expect(protocolErrorKey('unsupported_response_type')).toBe('oidc.error.unsupported');
    expect(protocolErrorKey('invalid_request', { route: 'end_session' })).toBe('oidc.error.logout_invalid');
    expect(protocolErrorKey('invalid_request', { gone: 'session not found' })).toBe('oidc.error.session_not_found');
    expect(protocolErrorKey('invalid_request', { gone: 'interaction session id cookie not found' })).toBe('oidc.error.interaction_expired');
    expect(protocolErrorKey('something_new')).toBe('oidc.error.other');
    expect(protocolErrorKey(undefined)).toBe('oidc.error.other');
  });
});
