/**
 * The certificate login's parts without a server: certificates made by the real openssl (a root
 * and an intermediate, valid, expired, not yet valid, revoked, foreign), checked against the CA
 * file and the CRLs (verify.ts, trust.ts); the use case with scripted accounts, directory and
 * audit. The pure parts without openssl: certificate-unit.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { makeTestCa, type Issued, type TestCa } from './helpers/test-ca.js';
import { parseForwardedCertificate, verifyCertificate, type TrustMaterial } from '../src/certificate/verify.js';
import { openTrustStore } from '../src/certificate/trust.js';
import { returnValues } from '../src/certificate/return-value.js';
import { createCertificateLogin, fromTrustedProxy } from '../src/certificate/login.js';
import { parseNetworkList } from '../src/domain/networks.js';
import { certificateBinding, rfc4514FromLines } from '../src/domain/certificate-binding.js';
import { createLogger } from '../src/util/logger.js';
import type { AuditEventInput } from '../src/audit/events.js';
import type { AccountRow } from '../src/db/repos/accounts.js';

const escaped = (pem: string) => encodeURIComponent(pem);
const DAY = 86_400_000;
const logLines: string[] = [];
const logger = createLogger('info', new Writable({ write(c, _e, cb) { logLines.push(String(c)); cb(); } }));

let ca: TestCa;
let good: Issued;
let expired: Issued;
let future: Issued;
let revoked: Issued;
let foreign: Issued;
let trust: TrustMaterial;

beforeAll(async () => {
  ca = makeTestCa();
  good = ca.issue('annv', { email: 'annv@tinh.gov.vn' });
  expired = ca.issue('cu', { notBefore: new Date(Date.now() - 5 * DAY), notAfter: new Date(Date.now() - DAY) });
  future = ca.issue('moi', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 5 * DAY) });
  revoked = ca.issue('thuhoi');
  foreign = ca.foreign('annv');
  ca.revoke(revoked);
  ca.writeCrl();
  trust = await (await openTrustStore({ caFile: ca.caFile, crlFile: ca.crlFile, logger })).material();
}, 60_000);
afterAll(() => ca?.cleanup());

describe('verifyCertificate', () => {
  const check = (c: Issued | string, now = new Date(), t = trust) => verifyCertificate(parseForwardedCertificate(typeof c === 'string' ? c : escaped(c.pem)), t, now);

  test('a valid certificate under the intermediate: its subject, issuer, serial, UID and e-mail', () => {
    const v = check(good);
    expect(v).toMatchObject({ ok: true, identity: { uid: 'annv', emails: ['annv@tinh.gov.vn'], serial: good.serial.replace(/^0+/, '') } });
    if (v.ok) {
      expect(v.identity.subject).toContain('UID=annv');
      expect(v.identity.issuer).toContain('CN=CA chuyen dung thu nghiem');
    }
  });

  test('expired, not yet valid, revoked, foreign, garbage', () => {
    expect(check(expired)).toMatchObject({ ok: false, reason: 'expired' });
    expect(check(future)).toMatchObject({ ok: false, reason: 'not_yet_valid' });
    expect(check(revoked)).toMatchObject({ ok: false, reason: 'revoked', identity: { uid: 'thuhoi' } });
    expect(check(foreign)).toMatchObject({ ok: false, reason: 'foreign_ca', identity: { uid: 'annv' } });
    expect(check('not%20a%20certificate')).toEqual({ ok: false, reason: 'malformed' });
    expect(check('x'.repeat(20_000))).toEqual({ ok: false, reason: 'malformed' });
  });

  test('the dates are the injected now: the good certificate is expired in a month', () => {
    expect(check(good, new Date(Date.now() + 30 * DAY))).toMatchObject({ ok: false, reason: 'expired' });
  });

  test('the CA file alone (no CRL file): revocation is not checked', () => {
    expect(check(revoked, new Date(), { cas: trust.cas })).toMatchObject({ ok: true });
  });

  test('a CRL past its nextUpdate, or no CRL for the issuing CA: refused as unverifiable', () => {
    expect(check(good, new Date(Date.now() + 2 * DAY))).toMatchObject({ ok: false, reason: 'crl_unavailable' });
    expect(check(good, new Date(), { cas: trust.cas, crls: new Map() })).toMatchObject({ ok: false, reason: 'crl_unavailable' });
  });
});

describe('the trust store', () => {
  test('a CRL file changed on disk is read again', async () => {
    let t = 0;
    const store = await openTrustStore({ caFile: ca.caFile, crlFile: ca.crlFile, logger, clock: () => t });
    const extra = ca.issue('later');
    expect(verifyCertificate(parseForwardedCertificate(escaped(extra.pem)), await store.material(), new Date())).toMatchObject({ ok: true });
    ca.revoke(extra);
    ca.writeCrl();
    t += 10_000;
    expect(verifyCertificate(parseForwardedCertificate(escaped(extra.pem)), await store.material(), new Date())).toMatchObject({ ok: false, reason: 'revoked' });
  });

  test('a CA file with no CA in it stops the start', async () => {
    const bad = `${ca.dir}/leaf-only.pem`;
    writeFileSync(bad, good.pem);
    await expect(openTrustStore({ caFile: bad, logger })).rejects.toThrow(/no CA certificate/);
  });
});

describe('the use case', () => {
  const row = (id: string, login: string, email: string | null, status = 'active') => ({ id, login, email, status }) as AccountRow;
  const accounts = [row('a1', 'annv', 'annv@tinh.gov.vn'), row('a2', 'thuhoi', null), row('a3', 'binh', 'chung@tinh.gov.vn'), row('a4', 'chung', 'chung@tinh.gov.vn'), row('a5', 'khoa', 'khoa@tinh.gov.vn', 'disabled')];
  const proxies = parseNetworkList('127.0.0.1/32, 10.10.1.0/24');
  function useCase(map: 'uid' | 'email', firstFactor = true) {
    const events: AuditEventInput[] = [];
    const uc = createCertificateLogin({
      settings: { map, firstFactor },
      trustedProxies: proxies,
      trust: { material: async () => trust },
      accounts: { byLogin: async (l) => accounts.find((a) => a.login === l) ?? null, byEmail: async (e, n) => accounts.filter((a) => a.email === e).slice(0, n), byExternalId: async (x) => accounts.find((a) => a.externalId === x) ?? null },
      values: returnValues(['k'.repeat(40)]),
      audit: { record: async (e) => { events.push(e); return null; } },
      logger,
    });
    return { uc, events };
  }
  const input = (c: Issued | undefined, peer = '127.0.0.1') => ({ uid: 'u1', purpose: 'login' as const, header: c ? escaped(c.pem) : undefined, peer, ip: '203.0.113.9' });

  test('uid: the login; the value comes back once as amr sc, and both ends are audited', async () => {
    const { uc, events } = useCase('uid');
    const r = await uc.verifyPresented(input(good));
    expect(r).toMatchObject({ ok: true, accountId: 'a1' });
    if (!r.ok) return;
    expect(await uc.consumeCertificateReturn('u1', r.value, 'login', { ip: '203.0.113.9' })).toEqual({ ok: true, accountId: 'a1', amr: ['sc'] });
    expect(await uc.consumeCertificateReturn('u1', r.value, 'login')).toEqual({ ok: false, reason: 'replayed' });
    expect(events.map((e) => [e.type, e.outcome])).toEqual([['cert.login.success', 'success'], ['cert.login.failed', 'replayed']]);
    expect(events[0]).toMatchObject({ subject: 'a1', detail: { purpose: 'login', serial: expect.any(String), subject: expect.stringContaining('UID=annv') } });
    expect(JSON.stringify(events)).not.toContain('BEGIN CERTIFICATE');
  });

  test('each refusal has its reason, audited with the certificate named', async () => {
    const { uc, events } = useCase('uid');
    expect(await uc.verifyPresented(input(expired))).toEqual({ ok: false, reason: 'expired' });
    expect(await uc.verifyPresented(input(revoked))).toEqual({ ok: false, reason: 'revoked' });
    expect(await uc.verifyPresented(input(foreign))).toEqual({ ok: false, reason: 'foreign_ca' });
    expect(await uc.verifyPresented(input(future))).toEqual({ ok: false, reason: 'not_yet_valid' });
    expect(await uc.verifyPresented(input(undefined))).toEqual({ ok: false, reason: 'no_certificate' });
    expect(await uc.verifyPresented(input(ca.issue('nobody')))).toEqual({ ok: false, reason: 'no_account' });
    expect(events.map((e) => e.outcome)).toEqual(['expired', 'revoked', 'foreign_ca', 'not_yet_valid', 'no_certificate', 'no_account']);
    expect(events[0]).toMatchObject({ type: 'cert.login.failed', ip: '203.0.113.9', detail: { subject: expect.stringContaining('UID=cu'), issuer: expect.stringContaining('CA chuyen dung'), serial: expect.any(String) } });
  });

  test('email: none, one, two accounts; a disabled one', async () => {
    const { uc } = useCase('email');
    expect(await uc.verifyPresented(input(good))).toMatchObject({ ok: true, accountId: 'a1' });
    expect(await uc.verifyPresented(input(ca.issue('x', { email: 'chung@tinh.gov.vn' })))).toEqual({ ok: false, reason: 'ambiguous_account' });
    expect(await uc.verifyPresented(input(ca.issue('y', { email: 'khoa@tinh.gov.vn' })))).toEqual({ ok: false, reason: 'account_inactive' });
    expect(await uc.verifyPresented(input(ca.issue('annv')))).toEqual({ ok: false, reason: 'no_account' });
  });

  test('the header from an address that is not a trusted proxy is ignored and logged', async () => {
    const { uc, events } = useCase('uid');
    logLines.length = 0;
    expect(await uc.verifyPresented(input(good, '192.0.2.7'))).toEqual({ ok: false, reason: 'untrusted_header' });
    expect(events).toMatchObject([{ type: 'cert.login.failed', outcome: 'untrusted_header' }]);
    expect(logLines.join('')).toContain('"peer":"192.0.2.7"');
    expect(logLines.join('')).not.toContain('BEGIN');
    expect(fromTrustedProxy('::ffff:10.10.1.9', proxies)).toBe(true);
    expect(fromTrustedProxy('10.10.2.9', proxies)).toBe(false);
    expect(fromTrustedProxy(undefined, proxies)).toBe(false);
  });

  test('without CERT_FIRST_FACTOR the login purpose is refused; the second factor is not', async () => {
    const { uc } = useCase('uid', false);
    expect(await uc.verifyPresented(input(good))).toEqual({ ok: false, reason: 'not_first_factor' });
    const r = await uc.verifyPresented({ ...input(good), purpose: 'second_factor' });
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(await uc.consumeCertificateReturn('u1', r.value, 'second_factor')).toEqual({ ok: true, accountId: 'a1', amr: ['sc'] });
  });
});

describe('CERT_MAP=attribute: "<issuer DN>;<serial>"', () => {
  test('the certificate\'s issuer in RFC 4514 order, escapes kept', () => {
    expect(rfc4514FromLines('C=VN\nO=Ban Co yeu\\, Chinh phu\nCN=CA')).toBe('CN=CA,O=Ban Co yeu\\, Chinh phu,C=VN');
    const v = verifyCertificate(parseForwardedCertificate(escaped(good.pem)), trust, new Date());
    expect(v.ok && v.identity.issuerDn).toBe('CN=CA chuyen dung thu nghiem,O=Ban Co yeu Chinh phu (thu nghiem),C=VN');
  });

  test('the use case asks the directory by the serial and keeps the entries whose issuer matches; two entries: refused', async () => {
    const v = verifyCertificate(parseForwardedCertificate(escaped(good.pem)), trust, new Date());
    if (!v.ok) throw new Error('good certificate refused');
    const entries = new Map<string, string[]>([['uuid-1', [certificateBinding(v.identity.issuerDn, v.identity.serial)]], ['uuid-2', [`CN=Another CA,C=VN;${v.identity.serial}`]]]);
    const asked: string[] = [];
    const directory = {
      async findByAttribute(attribute: string, suffix: string, matches: (value: string) => boolean, limit: number) {
        asked.push(`${attribute} *${suffix}`);
        return [...entries].filter(([, values]) => values.some(matches)).map(([id]) => id).slice(0, limit);
      },
    };
    const row = { id: 'a1', login: 'annv', status: 'active', externalId: 'uuid-1' } as AccountRow;
    const uc = createCertificateLogin({
      settings: { map: { attribute: 'description' }, firstFactor: true },
      trustedProxies: parseNetworkList('127.0.0.1'),
      trust: { material: async () => trust },
      accounts: { byLogin: async () => null, byEmail: async () => [], byExternalId: async (x) => (x === 'uuid-1' ? row : null) },
      directory,
      values: returnValues(['k'.repeat(40)]),
      audit: { record: async () => null },
      logger,
    });
    const input = { uid: 'u1', purpose: 'login' as const, header: escaped(good.pem), peer: '127.0.0.1', ip: '203.0.113.9' };
    expect(await uc.verifyPresented(input)).toMatchObject({ ok: true, accountId: 'a1' });
    expect(asked).toEqual([`description *${v.identity.serial}`]);
    entries.set('uuid-3', [certificateBinding(v.identity.issuerDn, v.identity.serial)]);
    expect(await uc.verifyPresented(input)).toEqual({ ok: false, reason: 'ambiguous_account' });
    entries.clear();
    expect(await uc.verifyPresented(input)).toEqual({ ok: false, reason: 'no_account' });
    directory.findByAttribute = async () => { throw new Error('connect ECONNREFUSED'); };
    expect(await uc.verifyPresented(input)).toEqual({ ok: false, reason: 'directory_unavailable' });
  });
});
