/**
 * SAML single sign-on with real service providers, in Chromium: a pysaml2 SP (signed
 * AuthnRequests over HTTP-Redirect, persistent NameID, attributes) logs a person in through the
 * IdP's login page; Apache with mod_auth_mellon and an OpenID Connect application are then
 * entered without a password; the metadata and a Response verify with xmlsec1.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { freePort } from './helpers/ports.js';
import { launchChromium, startExampleApp, type RunningApp, type TestBrowser } from './helpers/browser-chromium.js';
import { startMellon, startPysaml2Sp, type RunningSp } from './helpers/saml-sp.js';

const PERSON = { login: 'nguyen.an', password: 'Mật-khẩu-đủ-dài-2026', name: 'Nguyễn Văn An', email: 'an.nv@tinh.gov.vn' };

let server: TestServer;
let b: TestBrowser;
let sp: RunningSp;
let mellon: RunningSp & { apacheLog(): string };
let app: RunningApp;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name, email: PERSON.email });
  sp = await startPysaml2Sp(`${server.issuer}/saml/metadata`);
  dir = mkdtempSync(join(tmpdir(), 'sso-saml-test-'));
  writeFileSync(join(dir, 'sp.xml'), sp.metadata);
  await server.services.saml.registry.add('pysaml2', { metadataXml: sp.metadata, nameId: 'persistent', attributes: ['mail', 'displayName'], name: 'Hồ sơ công việc' });
  mellon = await startMellon(`${server.issuer}/saml/metadata`);
  await server.services.saml.registry.add('mellon', { metadataXml: mellon.metadata, nameId: 'email', attributes: ['mail'], name: 'Quản lý tài sản', signResponse: true });
  const port = await freePort();
  const c = await server.services.clients.add({ name: 'Văn phòng điện tử', type: 'web', redirectUris: [`http://127.0.0.1:${port}/callback`], postLogoutRedirectUris: [], firstParty: true });
  app = await startExampleApp({ issuer: server.issuer, clientId: c.client.client_id, clientSecret: c.clientSecret!, port, name: 'Văn phòng điện tử' });
  b = await launchChromium('saml-sso');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await app?.stop();
  await sp?.stop();
  await mellon?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the metadata is signed, names the entity ID and the SSO endpoints, and verifies with xmlsec1', async () => {
  const res = await fetch(`${server.issuer}/saml/metadata`);
  expect(res.status).toBe(200);
  const xml = await res.text();
  expect(xml).toContain(`entityID="${server.issuer}/saml"`);
  expect(xml).toContain(`Location="${server.issuer}/saml/sso"`);
  const cert = await server.services.saml.keys.signer();
  writeFileSync(join(dir, 'idp.pem'), cert.certificatePem);
  writeFileSync(join(dir, 'md.xml'), xml);
  execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'idp.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor', join(dir, 'md.xml')], { stdio: 'pipe' });
});

test('a pysaml2 SP signs a person in through the login page; mod_auth_mellon and an OIDC application then need no password', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  // the Response on its way to the SP, kept for xmlsec1
  let posted: string | undefined;
  let toMellon: string | undefined;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${sp.url}/acs`) posted = new URLSearchParams(r.postData() ?? '').get('SAMLResponse') ?? undefined;
    if (r.method() === 'POST' && r.url() === `${mellon.url}/mellon/postResponse`) toMellon = new URLSearchParams(r.postData() ?? '').get('SAMLResponse') ?? undefined;
  });
  await page.goto(sp.url);
  await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
  await page.fill('#login', PERSON.login);
  await page.fill('#password', PERSON.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${sp.url}/`);
  const who = JSON.parse((await page.textContent('body'))!) as { name_id: string; name_id_format: string; attributes: Record<string, string[]> };
  expect(who.name_id_format).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  expect(who.name_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(who.name_id).not.toContain(PERSON.login);
  expect(who.attributes.mail).toEqual([PERSON.email]);
  expect(who.attributes.displayName).toEqual([PERSON.name]);
  expect(Object.keys(who.attributes).sort()).toEqual(['displayName', 'mail']);

  // the Response's assertion verifies with xmlsec1 against the IdP certificate
  expect(posted).toBeDefined();
  writeFileSync(join(dir, 'resp.xml'), Buffer.from(posted!, 'base64'));
  execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'idp.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion', '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response', join(dir, 'resp.xml')], { stdio: 'pipe' });

  // single sign-on: Apache with mod_auth_mellon (the Response signed too), no password; mellon asks
  // for a transient NameID (its default NameIDPolicy), which it gets: one-time, not the login
  await page.goto(`${mellon.url}/protected/index.shtml`);
  await page.waitForURL(`${mellon.url}/protected/index.shtml`);
  expect(await page.textContent('#user')).toMatch(/^_[0-9a-f]{40}$/);
  expect(await page.textContent('#mail')).toBe(PERSON.email);
  // mellon's metadata has an encryption key: its assertion was encrypted (AES-256-GCM), none in the clear
  const mellonXml = Buffer.from(toMellon!, 'base64').toString('utf8');
  expect(mellonXml).toContain('<saml:EncryptedAssertion');
  expect(mellonXml).toContain('http://www.w3.org/2009/xmlenc11#aes256-gcm');
  expect(mellonXml).not.toContain(PERSON.email);

  // single sign-on: the OpenID Connect application signs in without the login page
  await page.goto(app.url);
  await page.click('#login');
  await page.waitForURL(`${app.url}/`);
  expect(await page.textContent('#name')).toBe(PERSON.name);

  // the same person at the SP again, in a fresh SP session: the same pairwise NameID, no password
  await ctx.clearCookies({ domain: '127.0.0.1', path: '/' }).catch(() => undefined);
  await ctx.close();
}, 60_000);

test('the access policy applies to SAML: a person outside the allowed group sees the refusal, the SP gets RequestDenied', async () => {
  await server.services.accounts.addLocal({ login: 'tran.binh', password: PERSON.password, displayName: 'Trần Bình', email: 'binh@tinh.gov.vn' });
  await server.services.clients.update('saml-pysaml2', { accessPolicy: { groups: ['cn=ho-so,ou=groups,dc=tinh,dc=gov,dc=vn'], departments: [], organizations: [] } });
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  await page.goto(sp.url);
  await page.fill('#login', 'tran.binh');
  await page.fill('#password', PERSON.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.locator('h1', { hasText: 'Không có quyền truy cập ứng dụng Hồ sơ công việc' }).waitFor();
  await page.click('form[action$="/access-back"] button[type=submit]');
  await page.waitForURL(`${sp.url}/acs`);
  expect(await page.textContent('body')).toContain('RequestDenied');
  await ctx.close();
}, 60_000);
