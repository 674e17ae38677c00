/**
 * Bearer values at rest (domain/bearer-values.ts), pure: every model oidc-provider can persist is
 * classified, the digest is SHA-256, and what is stored holds no bearer value.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BEARER_MODELS, ID_PLACEHOLDER, PLAIN_ID_MODELS, digestOf, isBearerModel, payloadAtRest, restoredPayload, storedId } from '../src/domain/bearer-values.js';

/** The models oidc-provider defines (lib/models/index.js), as its adapter is asked for them. */
function providerModels(): string[] {
  const pkg = createRequire(import.meta.url).resolve('oidc-provider/package.json');
  const index = readFileSync(join(dirname(pkg), 'lib', 'models', 'index.js'), 'utf8');
  return [...index.matchAll(/^\s+get(\w+),$/gm)].map((m) => m[1]!);
}

/** Models never stored through the payload adapter: base classes, the Client (its own table), ID tokens (never persisted). */
const NOT_STORED = new Set(['BaseModel', 'BaseToken', 'Client', 'IdToken']);

describe('which ids are bearer values', () => {
  test('every model oidc-provider defines is classified, once', () => {
    const models = providerModels();
    expect(models.length).toBeGreaterThan(15);
    const stored = models.filter((m) => !NOT_STORED.has(m));
    expect(stored.filter((m) => !BEARER_MODELS.has(m) && !PLAIN_ID_MODELS.has(m))).toEqual([]);
    expect([...BEARER_MODELS].filter((m) => PLAIN_ID_MODELS.has(m))).toEqual([]);
    expect([...BEARER_MODELS, ...PLAIN_ID_MODELS].filter((m) => !stored.includes(m))).toEqual([]);
  });

  test('an unknown model counts as a bearer one', () => {
    expect(isBearerModel('SomethingNew')).toBe(true);
    expect(isBearerModel('Grant')).toBe(false);
  });

  test('the digest is SHA-256, base64url without padding; plain models keep their id', () => {
    expect(digestOf('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(storedId('AccessToken', 'abc')).toBe(digestOf('abc'));
    expect(storedId('Session', 'abc')).toBe(digestOf('abc'));
    expect(storedId('Grant', 'abc')).toBe('abc');
  });
});

describe('what is stored', () => {
  test('a token without its jti; found by its value, the jti is put back', () => {
    const payload = { iat: 1, exp: 2, kind: 'RefreshToken', jti: 'the-token', grantId: 'g', rotations: 1 };
    const stored = payloadAtRest('RefreshToken', 'the-token', payload);
    expect(stored).toEqual({ iat: 1, exp: 2, kind: 'RefreshToken', grantId: 'g', rotations: 1 });
    expect(payload.jti).toBe('the-token'); // the caller's object is not changed
    expect(restoredPayload('RefreshToken', JSON.stringify(stored), 'the-token')).toEqual(payload);
    // found otherwise than by its value: no jti
    expect(restoredPayload('RefreshToken', JSON.stringify(stored), undefined)).toEqual(stored);
  });

  test('an Interaction without the session cookie and the device code; its resume URL keeps a placeholder', () => {
    const session = { accountId: 'a', uid: 'su', cookie: 'the-cookie', amr: ['pwd'] };
    const payload = { kind: 'Interaction', jti: 'the-uid', returnTo: 'https://sso.tinh.gov.vn/auth/the-uid', session, deviceCode: 'the-device-code', parJti: 'par', params: { state: 'the-uid?' } };
    const stored = payloadAtRest('Interaction', 'the-uid', payload);
    expect(stored).toEqual({ kind: 'Interaction', returnTo: `https://sso.tinh.gov.vn/auth/${ID_PLACEHOLDER}`, session: { accountId: 'a', uid: 'su', amr: ['pwd'] }, parJti: 'par', params: { state: 'the-uid?' } });
    expect(session.cookie).toBe('the-cookie');
    const found = restoredPayload('Interaction', JSON.stringify(stored), 'the-uid');
    expect(found).toEqual({ ...payload, session: { accountId: 'a', uid: 'su', amr: ['pwd'] }, deviceCode: undefined });
    expect('deviceCode' in found).toBe(false);
    // an interaction without a session (not signed in yet)
    expect(payloadAtRest('Interaction', 'u', { kind: 'Interaction', jti: 'u' })).toEqual({ kind: 'Interaction' });
  });

  test('a Grant is stored as it is', () => {
    const payload = { kind: 'Grant', jti: 'g-1', accountId: 'a', openid: { scope: 'openid' } };
    expect(payloadAtRest('Grant', 'g-1', payload)).toEqual(payload);
    expect(restoredPayload('Grant', JSON.stringify(payload), 'g-1')).toEqual(payload);
  });
});
