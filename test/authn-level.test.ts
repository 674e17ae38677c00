/** The authentication level: RFC 8176 methods, the `mfa` they add up to, and the acr they reach. */
import { describe, expect, test } from '@jest/globals';
import { ACR_MFA, ACR_PWD, acrOf, meetsAcr, requestedAcr, withMethod } from '../src/domain/authn-level.js';

describe('withMethod', () => {
  test('a password alone is one factor', () => {
    expect(withMethod([], 'pwd')).toEqual(['pwd']);
    expect(acrOf(withMethod([], 'pwd'))).toBe(ACR_PWD);
  });
  test('a password and a held factor make mfa, in a stable order', () => {
    expect(withMethod(['pwd'], 'otp')).toEqual(['pwd', 'otp', 'mfa']);
    expect(withMethod(['pwd'], 'sc')).toEqual(['pwd', 'sc', 'mfa']);
    expect(withMethod(['pwd'], 'hwk')).toEqual(['pwd', 'hwk', 'mfa']);
    expect(acrOf(withMethod(['pwd'], 'swk'))).toBe(ACR_MFA);
  });
  test('two held factors are still one kind; a verified passkey is mfa by itself', () => {
    expect(withMethod(['otp'], 'sc')).toEqual(['otp', 'sc']);
    expect(withMethod([], 'swk', { uv: true })).toEqual(['swk', 'mfa']);
    expect(withMethod([], 'hwk')).toEqual(['hwk']);
  });
  test('unknown values in the input are dropped, a method is never listed twice', () => {
    expect(withMethod(['pwd', 'bogus', 'pwd'], 'pwd')).toEqual(['pwd']);
  });
});

describe('meetsAcr and requestedAcr', () => {
  test('mfa meets both levels, pwd only its own, nothing meets an unknown value', () => {
    expect(meetsAcr(ACR_MFA, ACR_PWD)).toBe(true);
    expect(meetsAcr(ACR_MFA, ACR_MFA)).toBe(true);
    expect(meetsAcr(ACR_PWD, ACR_MFA)).toBe(false);
    expect(meetsAcr(undefined, ACR_PWD)).toBe(false);
    expect(meetsAcr(ACR_MFA, 'urn:other')).toBe(false);
  });
  test('the weakest known value asked for; none when none is known', () => {
    expect(requestedAcr([ACR_MFA, ACR_PWD])).toBe(ACR_PWD);
    expect(requestedAcr(['urn:other', ACR_MFA])).toBe(ACR_MFA);
    expect(requestedAcr(['urn:other'])).toBeUndefined();
  });
});
