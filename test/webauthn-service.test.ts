/**
 * The WebAuthn use case (src/webauthn/service.ts) on a real test database, for what needs no
 * authenticator: the relying party from the issuer, the options each ceremony sends, a
 * challenge taken once and only by its own ceremony and person, passwordless refused unless
 * enabled, a name required, removal and the helpdesk's reset audited. Chromium's virtual
 * authenticator drives the ceremonies themselves (test/browser/webauthn.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AuditEventInput } from '../src/audit/events.js';
import { createWebAuthnCredentialRepository, type WebAuthnCredentialRepository } from '../src/db/repos/webauthn-credentials.js';
import { createWebAuthn, type WebAuthnService } from '../src/webauthn/service.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
let repo: WebAuthnCredentialRepository;
const audited: AuditEventInput[] = [];
const ACCOUNT = { id: 'acc-1', login: 'annv', displayName: 'Nguyễn Văn An' };
const BOGUS = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', attestationObject: 'AA' } } as never;

function service(passwordless: boolean): WebAuthnService {
  return createWebAuthn({
    repo, issuer: 'https://sso.tinh.gov.vn:8443/', rpName: 'Đăng nhập một lần', passwordless,
    accounts: { findActive: async () => null },
    audit: { record: async (e) => { audited.push(e); return null; } },
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  repo = createWebAuthnCredentialRepository(t.db.prisma);
});
afterAll(async () => t?.drop());

describe('ceremonies', () => {
  test('RP ID is the issuer\'s host name; options as the issue asks', async () => {
    const w = service(true);
    expect(w.relyingParty).toEqual({ rpId: 'sso.tinh.gov.vn', origin: 'https://sso.tinh.gov.vn:8443' });
    const reg = await w.registrationOptions(ACCOUNT);
    expect(reg.options.rp).toEqual({ name: 'Đăng nhập một lần', id: 'sso.tinh.gov.vn' });
    expect(reg.options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(reg.options.attestation).toBe('none');
    const second = await w.authenticationOptions(ACCOUNT.id);
    expect(second.options.userVerification).toBe('preferred');
    const first = await w.passwordlessOptions();
    expect(first.options.userVerification).toBe('required');
    expect(first.options.allowCredentials ?? []).toEqual([]);
  });

  test('a challenge answers only its own ceremony, for its own person, once', async () => {
    const w = service(true);
    const reg = await w.registrationOptions(ACCOUNT);
    expect(await w.verifyAuthentication(ACCOUNT.id, reg.challengeId, BOGUS)).toEqual({ ok: false, reason: 'no_challenge' });
    // taken by the wrong use above: gone for the right one too
    expect(await w.verifyRegistration(ACCOUNT.id, reg.challengeId, BOGUS, 'Khóa')).toEqual({ ok: false, reason: 'no_challenge' });
    const other = await w.authenticationOptions('acc-2');
    expect(await w.verifyAuthentication(ACCOUNT.id, other.challengeId, BOGUS)).toEqual({ ok: false, reason: 'no_challenge' });
    expect(await w.verifyAuthentication(ACCOUNT.id, undefined, BOGUS)).toEqual({ ok: false, reason: 'no_challenge' });
    const mine = await w.authenticationOptions(ACCOUNT.id);
    expect(await w.verifyAuthentication(ACCOUNT.id, mine.challengeId, BOGUS)).toEqual({ ok: false, reason: 'unknown_authenticator' });
    expect(audited.at(-1)).toMatchObject({ type: 'webauthn.refused', outcome: 'unknown_authenticator', subject: ACCOUNT.id });
  });

  test('passwordless is refused unless enabled; a name is required', async () => {
    expect(await service(false).verifyPasswordless('x', BOGUS)).toEqual({ ok: false, reason: 'not_allowed' });
    const w = service(true);
    const reg = await w.registrationOptions(ACCOUNT);
    expect(await w.verifyRegistration(ACCOUNT.id, reg.challengeId, BOGUS, ' \t ')).toEqual({ ok: false, reason: 'invalid_name' });
  });

  test('a garbage answer is refused as not verified, audited without the values the library quotes', async () => {
    const w = service(true);
    const reg = await w.registrationOptions(ACCOUNT);
    expect(await w.verifyRegistration(ACCOUNT.id, reg.challengeId, BOGUS, 'Khóa')).toEqual({ ok: false, reason: 'not_verified' });
    const e = audited.at(-1)!;
    expect(e).toMatchObject({ type: 'webauthn.refused', outcome: 'not_verified' });
    expect(JSON.stringify(e.detail)).not.toContain(reg.options.challenge);
  });
});

describe('the account\'s keys', () => {
  test('listed without key material, removed one by one or all at once, audited', async () => {
    const w = service(true);
    for (const [id, attachment] of [['k1', 'cross-platform'], ['k2', 'platform']] as const) {
      await repo.insert({ id, accountId: ACCOUNT.id, credentialId: `c-${id}`, publicKey: new Uint8Array([1]), signCount: 0, transports: [], attachment, name: `Khóa ${id}` });
    }
    const list = await w.list(ACCOUNT.id);
    expect(list.map((k) => [k.name, k.method])).toEqual([['Khóa k1', 'hwk'], ['Khóa k2', 'swk']]);
    expect(Object.keys(list[0]!).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'method', 'name']);
    expect(await w.rename(ACCOUNT.id, 'k1', '  Khóa   xanh ')).toBe(true);
    expect(audited.at(-1)).toMatchObject({ type: 'webauthn.renamed', detail: { name: 'Khóa xanh', previous: 'Khóa k1' } });
    expect(await w.remove('acc-2', 'k1')).toBeNull();
    expect(await w.remove(ACCOUNT.id, 'k1')).toBe('Khóa xanh');
    expect(audited.at(-1)).toMatchObject({ type: 'webauthn.removed', subject: ACCOUNT.id, detail: { name: 'Khóa xanh', method: 'hwk' } });
    expect(await w.hasAny(ACCOUNT.id)).toBe(true);
    expect(await w.accountsWithAuthenticators()).toBe(1);
    expect(await w.removeAll(ACCOUNT.id, 'helpdesk: mfa reset')).toBe(1);
    expect(audited.at(-1)).toMatchObject({ type: 'webauthn.removed', detail: { removed: 1, reason: 'helpdesk: mfa reset' } });
    expect(await w.removeAll(ACCOUNT.id)).toBe(0);
    expect(await w.hasAny(ACCOUNT.id)).toBe(false);
  });
});
