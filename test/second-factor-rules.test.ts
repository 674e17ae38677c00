/** The second factor's pure decisions (domain/second-factor.ts, oidc/acr.ts): codes as an authenticator app makes them. */
import { describe, expect, test } from '@jest/globals';
import { generateSecret, generateSync } from 'otplib';
import { checkTotp, enrolmentDue, formatCode, groupSecret, looksLikeRecoveryCode, normalizeCode, secondFactorRequired, totpStep } from '../src/domain/second-factor.js';
import { wantedLevel } from '../src/oidc/acr.js';

const secret = generateSecret();
const now = new Date('2026-12-12T01:00:10Z');
const step = totpStep(now);
const code = (s: number) => generateSync({ secret, epoch: s * 30 });

describe('checkTotp', () => {
  test('one step either side is accepted, with the step it matched', () => {
    for (const d of [-1, 0, 1]) expect(checkTotp(secret, code(step + d), now, null)).toEqual({ kind: 'ok', step: step + d });
    expect(checkTotp(secret, ` ${code(step).slice(0, 3)} ${code(step).slice(3)} `, now, null)).toEqual({ kind: 'ok', step });
  });
  test('a step at or before the last accepted is reused; older codes are expired; others wrong', () => {
    expect(checkTotp(secret, code(step), now, step)).toEqual({ kind: 'reused' });
    expect(checkTotp(secret, code(step - 1), now, step)).toEqual({ kind: 'reused' });
    expect(checkTotp(secret, code(step + 1), now, step)).toEqual({ kind: 'ok', step: step + 1 });
    expect(checkTotp(secret, code(step - 5), now, null)).toEqual({ kind: 'expired' });
    expect(checkTotp(secret, code(step + 5), now, null).kind).not.toBe('ok');
    expect(checkTotp(secret, 'abcdef', now, null)).toEqual({ kind: 'wrong' });
    expect(checkTotp(secret, '', now, null)).toEqual({ kind: 'wrong' });
  });
});

describe('who must', () => {
  const base = { groupDns: ['CN=KeToan, OU=groups, DC=tinh,DC=gov,DC=vn'], requiredGroups: [], consoleRole: null, consoleRolesRequired: true, clientRequires: false } as const;
  test('groups by DN, the client, the console roles', () => {
    expect(secondFactorRequired(base)).toBe(false);
    expect(secondFactorRequired({ ...base, requiredGroups: ['cn=ketoan,ou=groups,dc=tinh,dc=gov,dc=vn'] })).toBe(true);
    expect(secondFactorRequired({ ...base, requiredGroups: ['cn=ketoan,ou=other,dc=tinh,dc=gov,dc=vn'] })).toBe(false);
    expect(secondFactorRequired({ ...base, clientRequires: true })).toBe(true);
    expect(secondFactorRequired({ ...base, consoleRole: 'helpdesk' })).toBe(true);
    expect(secondFactorRequired({ ...base, consoleRole: 'admin', consoleRolesRequired: false })).toBe(false);
  });
  test('the grace period', () => {
    expect(enrolmentDue(now, now, 0)).toBe(true);
    expect(enrolmentDue(now, new Date(now.getTime() + 1000), 7 * 86400)).toBe(false);
    expect(enrolmentDue(now, new Date(now.getTime() + 7 * 86400_000), 7 * 86400)).toBe(true);
  });
});

describe('codes', () => {
  test('format, typing, and telling a recovery code from a TOTP code', () => {
    expect(formatCode([0, 1, 2, 3, 4, 5, 6, 7, 8, 31])).toBe('01234-5678Z');
    expect(normalizeCode(' abcde-fghjk ')).toBe('ABCDEFGHJK');
    expect(normalizeCode('OIL')).toBe('011');
    expect(looksLikeRecoveryCode('abcde-fghjk')).toBe(true);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(groupSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
  });
});

describe('the level a request asks for', () => {
  test('acr_values, an essential acr claim, the client', () => {
    expect(wantedLevel({})).toBeUndefined();
    expect(wantedLevel({ acrValues: 'urn:sso:acr:mfa' })).toBe('urn:sso:acr:mfa');
    expect(wantedLevel({ acrValues: 'urn:sso:acr:pwd urn:sso:acr:mfa' })).toBe('urn:sso:acr:pwd');
    expect(wantedLevel({ acrValues: 'urn:other' })).toBeUndefined();
    expect(wantedLevel({ claims: '{"id_token":{"acr":{"essential":true,"value":"urn:sso:acr:mfa"}}}' })).toBe('urn:sso:acr:mfa');
    expect(wantedLevel({ claims: { id_token: { acr: { essential: true, values: ['urn:other'] } } } })).toBe('unknown');
    expect(wantedLevel({ claims: { id_token: { acr: { values: ['urn:other'] } } } })).toBeUndefined();
    expect(wantedLevel({ acrValues: 'urn:sso:acr:pwd', clientRequiresMfa: true })).toBe('urn:sso:acr:mfa');
  });
});
