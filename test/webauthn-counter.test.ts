/**
 * The pure WebAuthn decisions (src/domain/webauthn.ts): the signature counter rule (checked only
 * when it is not zero: passkeys send 0; a counter that stays or goes back is a clone), the amr
 * method of an attachment, the names people give, and the relying party of an issuer.
 */
import { describe, expect, test } from '@jest/globals';
import { authenticatorName, AUTHENTICATOR_NAME_MAX, counterAccepted, methodOf, relyingPartyOf } from '../src/domain/webauthn.js';
import { acrOf, ACR_MFA, withMethod } from '../src/domain/authn-level.js';

describe('signature counter', () => {
  test.each([
    [0, 0, true], // a passkey: never counts
    [0, 1, true], // the first use of a counting key
    [5, 6, true],
    [5, 4_000_000_000, true],
    [5, 5, false], // stayed: a clone used in between
    [5, 4, false], // went back
    [5, 0, false], // a counting key that suddenly sends 0
  ])('stored %d, received %d: %s', (stored, received, ok) => {
    expect(counterAccepted(stored, received)).toBe(ok);
  });
});

describe('amr of an authenticator', () => {
  test('a security key is hwk, anything else swk', () => {
    expect(methodOf('cross-platform')).toBe('hwk');
    expect(methodOf('platform')).toBe('swk');
    expect(methodOf('')).toBe('swk');
  });
  test('a passkey with user verification is mfa by itself; after a password, two factors', () => {
    expect(withMethod([], 'swk', { uv: true })).toEqual(['swk', 'mfa']);
    expect(acrOf(withMethod([], 'hwk', { uv: true }))).toBe(ACR_MFA);
    expect(withMethod([], 'hwk')).toEqual(['hwk']);
    expect(withMethod(['pwd'], 'hwk', { uv: false })).toEqual(['pwd', 'hwk', 'mfa']);
  });
});

describe('names', () => {
  test('trimmed, spaces and control characters folded, bounded; empty refused', () => {
    expect(authenticatorName('  Khóa   USB\tmàu xanh\n')).toBe('Khóa USB màu xanh');
    expect(authenticatorName(' \u0000 \t')).toBeNull();
    expect([...authenticatorName('đ'.repeat(200))!]).toHaveLength(AUTHENTICATOR_NAME_MAX);
  });
});

describe('relying party', () => {
  test('RP ID is the issuer\'s host name, the origin its origin (port kept)', () => {
    expect(relyingPartyOf('https://sso.tinh.gov.vn')).toEqual({ rpId: 'sso.tinh.gov.vn', origin: 'https://sso.tinh.gov.vn' });
    expect(relyingPartyOf('http://localhost:3000/')).toEqual({ rpId: 'localhost', origin: 'http://localhost:3000' });
  });
});
