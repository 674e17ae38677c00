/**
 * The certificate login's pure parts, without openssl or any service: the signed return value
 * (single use, bound to the interaction and the purpose, short-lived, checked against every
 * cookie key) and the "<issuer DN>;<serial>" directory value.
 */
import { describe, expect, test } from '@jest/globals';
import { returnValues, RETURN_TTL_SECONDS } from '../src/certificate/return-value.js';
import { bindingMatches, certificateBinding } from '../src/domain/certificate-binding.js';

describe('the return value', () => {
  const values = returnValues(['k'.repeat(40)]);
  const claims = { uid: 'u1', purpose: 'login' as const, accountId: 'a1', serial: '01', subject: 's', issuer: 'i' };

  test('taken once, for its interaction and purpose, within its lifetime', () => {
    const now = Date.now();
    const v = values.issue(claims, now);
    expect(values.check(v, { uid: 'u2', purpose: 'login' }, now)).toEqual({ ok: false, reason: 'wrong_interaction' });
    expect(values.check(v, { uid: 'u1', purpose: 'second_factor' }, now)).toEqual({ ok: false, reason: 'wrong_interaction' });
    expect(values.check(v, { uid: 'u1', purpose: 'login' }, now)).toEqual({ ok: true, claims });
    expect(values.check(v, { uid: 'u1', purpose: 'login' }, now)).toEqual({ ok: false, reason: 'replayed' });
    const late = values.issue(claims, now);
    expect(values.check(late, { uid: 'u1', purpose: 'login' }, now + (RETURN_TTL_SECONDS + 1) * 1000)).toEqual({ ok: false, reason: 'expired' });
  });

  test('a changed or foreign value is invalid; a rotated key still checks', () => {
    const v = values.issue(claims, Date.now());
    const [body, sig] = v.split('.');
    const forged = `${Buffer.from(JSON.stringify({ u: 'u1', p: 'login', a: 'admin', s: '1', sj: '', is: '', e: 9e9, n: 'x' })).toString('base64url')}.${sig}`;
    expect(values.check(forged, { uid: 'u1', purpose: 'login' }, Date.now())).toEqual({ ok: false, reason: 'invalid' });
    expect(values.check(`${body}.`, { uid: 'u1', purpose: 'login' }, Date.now())).toEqual({ ok: false, reason: 'invalid' });
    expect(returnValues(['z'.repeat(40)]).check(v, { uid: 'u1', purpose: 'login' }, Date.now())).toEqual({ ok: false, reason: 'invalid' });
    expect(returnValues(['z'.repeat(40), 'k'.repeat(40)]).check(v, { uid: 'u1', purpose: 'login' }, Date.now())).toMatchObject({ ok: true });
  });
});

describe('CERT_MAP=attribute: "<issuer DN>;<serial>"', () => {
  test('the issuer and the serial must both match; DN spelling and serial case do not matter', () => {
    const issuer = 'CN=CA chuyen dung thu nghiem,O=Ban Co yeu Chinh phu (thu nghiem),C=VN';
    expect(bindingMatches(`${issuer};0A1B`, issuer, 'a1b')).toBe(true);
    expect(bindingMatches('cn=CA chuyen dung thu nghiem, o=Ban Co yeu Chinh phu (thu nghiem), c=VN;a1b', issuer, '0A1B')).toBe(true);
    expect(bindingMatches(`${issuer};A1C`, issuer, 'A1B')).toBe(false);
    expect(bindingMatches('CN=Another CA,C=VN;A1B', issuer, 'A1B')).toBe(false);
    expect(bindingMatches(';A1B', issuer, 'A1B')).toBe(false);
    expect(bindingMatches('A1B', issuer, 'A1B')).toBe(false);
    expect(certificateBinding(issuer, '00:0a:1b')).toBe(`${issuer};A1B`);
  });

});
