/**
 * `sso saml add|list|show|update|disable|enable|delete` on the backend TEST_BACKENDS selects:
 * registration from a metadata file, the linked client (`saml-<id>`) with its access policy and
 * home URL, refusals with exit 2 (bad metadata, a DTD in it, an unknown attribute, a duplicate).
 * The pure parts (NameID, attributes, the clock skew) are checked here too.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';
import { CONTENT_ALGS, contentAlgorithm, encryptAssertion } from '../src/saml/encrypt.js';
import { generateSamlKey } from '../src/saml/keys.js';
import { requiredAcr } from '../src/domain/saml.js';
import { ACR_MFA, ACR_PWD } from '../src/domain/authn-level.js';
import { freshInstant, nameIdValue, parseAttributeList, persistentNameId, releasedAttributes, requestedNameIdKind, NAMEID_FORMATS } from '../src/domain/saml.js';

const GROUP = 'cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn';
const dataDir = mkdtempSync(join(tmpdir(), 'sso-saml-cli-'));
let db: TestDatabase;
let env: Record<string, string>;

const metadata = (entityId: string, acs = 'https://taisan.tinh.gov.vn/mellon/postResponse') =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
  `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`;

function file(name: string, text: string): string {
  const p = join(dataDir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { NODE_ENV: 'test', DATABASE_URL: db.url, DEMO: 'false', DATA_DIR: dataDir, ISSUER: 'https://sso.tinh.gov.vn', TRUST_PROXY: 'true', ...TEST_SECRETS };
}, 60_000);
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => { throw new Error('no secret expected'); } };
  const code = await main(['node', 'sso', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('sso saml', () => {
  it('add registers an SP from its metadata, with a linked client carrying the access policy and home URL', async () => {
    const r = await sso(['saml', 'add', 'taisan', '--metadata', file('taisan.xml', metadata('https://taisan.tinh.gov.vn/mellon/metadata')), '--nameid', 'email',
      '--attributes', 'mail,displayName,groups', '--sign-response', '--name', 'Quản lý tài sản', '--home-url', 'https://taisan.tinh.gov.vn/', '--allow-group', GROUP, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ id: 'taisan', entity_id: 'https://taisan.tinh.gov.vn/mellon/metadata', client_id: 'saml-taisan', nameid: 'email', attributes: ['mail', 'displayName', 'isMemberOf'], sign_response: true, acs_urls: ['https://taisan.tinh.gov.vn/mellon/postResponse'] });
    const client = (await db.db.prisma.client.findUnique({ where: { id: 'saml-taisan' } }))!;
    expect(JSON.parse(client.allowGroups)).toEqual([GROUP]);
    expect(client.homeUrl).toBe('https://taisan.tinh.gov.vn/');
    expect(JSON.parse(client.redirectUris)).toEqual(['https://sso.tinh.gov.vn/saml/callback']);
    expect((await sso(['saml', 'list'])).stdout).toMatch(/taisan\s+https:\/\/taisan\.tinh\.gov\.vn\/mellon\/metadata\s+Quản lý tài sản\s+active/);
  });

  it('refuses bad metadata, a DTD in it, an unknown attribute and a second SP with the same entity ID (exit 2, exit 1)', async () => {
    expect((await sso(['saml', 'add', 'x', '--metadata', file('bad.xml', '<nope/>')])).code).toBe(2);
    const dtd = await sso(['saml', 'add', 'x', '--metadata', file('dtd.xml', `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${metadata('https://x')}`)]);
    expect(dtd.code).toBe(2);
    expect(dtd.stderr).toMatch(/DTD/);
    const attr = await sso(['saml', 'add', 'x', '--metadata', file('x.xml', metadata('https://x')), '--attributes', 'mail,password']);
    expect(attr.code).toBe(2);
    expect(attr.stderr).toContain('unknown attribute "password"');
    const dup = await sso(['saml', 'add', 'again', '--metadata', file('taisan2.xml', metadata('https://taisan.tinh.gov.vn/mellon/metadata'))]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('exists');
    const http = await sso(['saml', 'add', 'x', '--metadata', file('http.xml', metadata('https://x', 'http://evil.example/acs'))]);
    expect(http.code).toBe(2);
  });

  it('update, disable, enable and delete (the linked client goes with it)', async () => {
    const u = await sso(['saml', 'update', 'taisan', '--nameid', 'persistent', '--attributes', 'mail', '--json']);
    expect(JSON.parse(u.stdout)).toMatchObject({ nameid: 'persistent', attributes: ['mail'] });
    expect((await sso(['saml', 'disable', 'taisan'])).stdout).toBe('taisan: disabled');
    expect((await db.db.prisma.client.findUnique({ where: { id: 'saml-taisan' } }))!.status).toBe('disabled');
    expect((await sso(['saml', 'enable', 'taisan'])).stdout).toBe('taisan: active');
    expect((await sso(['saml', 'delete', 'taisan'])).code).toBe(0);
    expect(await db.db.prisma.client.findUnique({ where: { id: 'saml-taisan' } })).toBeNull();
    expect((await sso(['saml', 'show', 'taisan'])).code).not.toBe(0);
  });

  it('--metadata-url: fetched at add, read again by refresh; an http URL off loopback refused', async () => {
    let served = metadata('http://127.0.0.1/hoso/sp', 'https://hoso.tinh.gov.vn/acs');
    const srv = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(served));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/md.xml`;
    try {
      const r = await sso(['saml', 'add', 'hoso', '--metadata-url', url, '--json']);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ id: 'hoso', entity_id: 'http://127.0.0.1/hoso/sp', metadata_url: url, acs_urls: ['https://hoso.tinh.gov.vn/acs'] });
      served = metadata('http://127.0.0.1/hoso/sp', 'https://hoso.tinh.gov.vn/acs2');
      const again = await sso(['saml', 'refresh', 'hoso', '--json']);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).acs_urls).toEqual(['https://hoso.tinh.gov.vn/acs2']);
      served = metadata('http://127.0.0.1/other/sp');
      expect((await sso(['saml', 'refresh', 'hoso'])).stderr).toContain('another entity ID');
      const bad = await sso(['saml', 'add', 'xa', '--metadata-url', 'http://hoso.tinh.gov.vn/md.xml']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('https only');
      expect((await sso(['saml', 'add', 'xb'])).stderr).toContain('--metadata FILE or --metadata-url URL');
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('NameID and attributes (pure)', () => {
  const secret = Buffer.alloc(32, 7);
  const person = { id: 'acc-1', login: 'an.nv', email: 'an.nv@tinh.gov.vn', displayName: 'Nguyễn Văn An', givenName: 'An', familyName: 'Nguyễn', phoneNumber: null, department: 'Văn phòng', groups: ['ke-toan'] };

  it('persistent NameIDs are stable, pairwise per SP, and never the login', () => {
    const a = persistentNameId(secret, 'acc-1', 'https://sp-a');
    expect(persistentNameId(secret, 'acc-1', 'https://sp-a')).toBe(a);
    expect(persistentNameId(secret, 'acc-1', 'https://sp-b')).not.toBe(a);
    expect(a).not.toContain('an.nv');
    expect(nameIdValue('unspecified', person, secret, 'x', () => 't')).toBe('an.nv');
    expect(nameIdValue('email', { ...person, email: null }, secret, 'x', () => 't')).toBeNull();
  });

  it('only the registered attributes with a value are released, with urn:oid names and friendly names', () => {
    expect(releasedAttributes(person, ['mail', 'telephoneNumber', 'ou', 'isMemberOf'])).toEqual([
      { name: 'urn:oid:0.9.2342.19200300.100.1.3', friendlyName: 'mail', values: ['an.nv@tinh.gov.vn'] },
      { name: 'urn:oid:2.5.4.11', friendlyName: 'ou', values: ['Văn phòng'] },
      { name: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', friendlyName: 'isMemberOf', values: ['ke-toan'] },
    ]);
    expect(parseAttributeList('groups, mail')).toEqual(['isMemberOf', 'mail']);
  });

  it('a NameIDPolicy gets its format only when registered (transient always); IssueInstant within the skew', () => {
    expect(requestedNameIdKind(null, 'email')).toBe('email');
    expect(requestedNameIdKind(NAMEID_FORMATS.transient, 'email')).toBe('transient');
    expect(requestedNameIdKind(NAMEID_FORMATS.persistent, 'email')).toBeNull();
    const now = new Date('2026-12-01T00:00:00Z');
    expect(freshInstant('2026-12-01T00:02:00Z', now)).toBe(true);
    expect(freshInstant('2026-11-30T23:50:00Z', now)).toBe(false);
    expect(freshInstant('yesterday', now)).toBe(false);
  });
});

describe('RequestedAuthnContext as an acr level (pure)', () => {
  const PPT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
  const MFA = 'https://refeds.org/profile/mfa';
  it('maps the classes it knows to the levels of domain/authn-level.ts; nothing known: unsatisfiable', () => {
    expect(requiredAcr([], null)).toBeUndefined();
    expect(requiredAcr([PPT], null)).toBe(ACR_PWD);
    expect(requiredAcr([MFA], 'exact')).toBe(ACR_MFA);
    expect(requiredAcr([PPT, MFA], 'minimum')).toBe(ACR_PWD);
    expect(requiredAcr([PPT], 'better')).toBe(ACR_MFA);
    expect(requiredAcr([MFA], 'better')).toBeNull();
    expect(requiredAcr([MFA], 'maximum')).toBeUndefined();
    expect(requiredAcr(['urn:example:smartcard'], 'exact')).toBeNull();
  });
});

describe('encrypted assertions', () => {
  it('AES-256-GCM by default, AES-256-CBC when the SP metadata names it; xmlsec1 decrypts with the SP key', async () => {
    expect(contentAlgorithm(null)).toBe(CONTENT_ALGS.gcm);
    expect(contentAlgorithm(CONTENT_ALGS.cbc)).toBe(CONTENT_ALGS.cbc);
    expect(contentAlgorithm('http://www.w3.org/2001/04/xmlenc#tripledes-cbc')).toBe(CONTENT_ALGS.gcm);
    const sp = await generateSamlKey('https://sp.example');
    const assertion = '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a">secret-value</saml:Assertion>';
    const enc = await encryptAssertion(assertion, sp.certificatePem, CONTENT_ALGS.cbc);
    expect(enc).toContain(CONTENT_ALGS.cbc);
    expect(enc).not.toContain('secret-value');
    const { execFileSync } = await import('node:child_process');
    writeFileSync(join(dataDir, 'enc.xml'), enc);
    writeFileSync(join(dataDir, 'sp.key'), sp.privateKeyPem);
    const out = execFileSync('xmlsec1', ['--decrypt', '--privkey-pem', join(dataDir, 'sp.key'), join(dataDir, 'enc.xml')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('secret-value');
  });
});
