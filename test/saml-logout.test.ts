/**
 * SAML single logout, SP-initiated, with a real pysaml2 SP in Chromium: its signed LogoutRequest
 * (HTTP-Redirect) ends the person's single sign-on session at the IdP (the next sign-in asks for
 * the password), and the SP gets a signed LogoutResponse (HTTP-POST) that pysaml2 parses and
 * verifies. Hostile LogoutRequests, signed with the SP's own key where they must be: unsigned,
 * an unknown issuer, a wrong Destination, a SHA-1 signature, a replay (the error page and an
 * audit event), and a NameID of another person (a RequestDenied LogoutResponse, nothing ended).
 * mod_auth_mellon's own logout (`/mellon/logout?ReturnTo=`) ends the IdP session the same way.
 * When the account's access ends, an SP with a SOAP SingleLogoutService (a receiver run here)
 * gets a LogoutRequest through the logout queue that verifies with xmlsec1, its delivery listed.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createSign, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { startTestServer, type TestServer } from './helpers/server.js';
import { launchChromium, type TestBrowser } from './helpers/browser-chromium.js';
import { startMellon, startPysaml2Sp, type RunningSp } from './helpers/saml-sp.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/until.js';

const PERSON = { login: 'le.chi', password: 'Mật-khẩu-đủ-dài-2026', name: 'Lê Thị Chi', email: 'chi.lt@tinh.gov.vn' };
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

let server: TestServer;
let b: TestBrowser;
let sp: RunningSp;
let mellon: RunningSp & { apacheLog(): string };

beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name, email: PERSON.email });
  sp = await startPysaml2Sp(`${server.issuer}/saml/metadata`);
  await server.services.saml.registry.add('pysaml2', { metadataXml: sp.metadata, nameId: 'persistent', attributes: ['mail'], name: 'Hồ sơ công việc' });
  mellon = await startMellon(`${server.issuer}/saml/metadata`);
  await server.services.saml.registry.add('mellon', { metadataXml: mellon.metadata, nameId: 'email', attributes: ['mail'], name: 'Quản lý tài sản' });
  b = await launchChromium('saml-logout');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await sp?.stop();
  await mellon?.stop();
  await server?.stop();
});

async function signIn(page: Awaited<ReturnType<Awaited<ReturnType<TestBrowser['context']>>['newPage']>>): Promise<{ name_id: string }> {
  await page.goto(sp.url);
  await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
  await page.fill('#login', PERSON.login);
  await page.fill('#password', PERSON.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${sp.url}/`);
  return JSON.parse((await page.textContent('body'))!) as { name_id: string };
}

function logoutRequest(o: { issuer?: string; destination?: string; nameId: string; sessionIndex?: string; id?: string }): string {
  return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? `_${randomBytes(12).toString('hex')}`}" Version="2.0" ` +
    `IssueInstant="${new Date().toISOString()}" Destination="${o.destination ?? `${server.issuer}/saml/slo`}"><saml:Issuer>${o.issuer ?? sp.entityId}</saml:Issuer>` +
    `<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${o.nameId}</saml:NameID>` +
    (o.sessionIndex ? `<samlp:SessionIndex>${o.sessionIndex}</samlp:SessionIndex>` : '') + `</samlp:LogoutRequest>`;
}

/** The Redirect binding, signed with the pysaml2 SP's key (or not, or with SHA-1). */
function redirect(xml: string, sign: 'sha256' | 'sha1' | 'none' = 'sha256') {
  let q = `SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'))}`;
  if (sign !== 'none') {
    q += `&SigAlg=${encodeURIComponent(sign === 'sha1' ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : RSA_SHA256)}`;
    const s = createSign(sign);
    s.update(q);
    q += `&Signature=${encodeURIComponent(s.sign(readFileSync(join(sp.dir, 'sp.key'), 'utf8'), 'base64'))}`;
  }
  return fetch(`${server.issuer}/saml/slo?${q}`, { redirect: 'manual' });
}

async function lastAudit(type: string) {
  await server.services.audit.flush();
  const { rows } = await server.services.auditQuery.page({ type }, { size: 50 });
  return rows[0];
}

test('pysaml2 logs out (SP-initiated, Redirect): the IdP session ends and the SP verifies the signed LogoutResponse', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  const who = await signIn(page);
  const [recorded] = await server.services.saml.repo.sessionsByNameId(sp.entityId, who.name_id);
  expect(recorded?.sid).toBeTruthy();

  let toSp: string | undefined;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${sp.url}/slo`) toSp = new URLSearchParams(r.postData() ?? '').get('SAMLResponse') ?? undefined;
  });
  await page.goto(`${sp.url}/logout`);
  await page.waitForURL(`${sp.url}/slo`);
  const out = JSON.parse((await page.textContent('body'))!) as { logout: string; signed: boolean; in_response_to: string };
  expect(out.logout).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
  expect(out.signed).toBe(true);
  expect(out.in_response_to).toMatch(/^id-|^_|^[A-Za-z]/);
  expect(Buffer.from(toSp!, 'base64').toString('utf8')).toContain(`Destination="${sp.url}/slo"`);
  expect((await lastAudit('saml.logout'))?.outcome).toBe('success');
  expect(await server.services.saml.repo.sessionsOf(recorded!.sid)).toEqual([]);

  // the IdP session is over: the SP's next sign-in asks for the password
  await page.goto(sp.url);
  await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
  await ctx.close();
}, 60_000);

test('hostile LogoutRequests: the error page and an audit event; a NameID of another person: RequestDenied, nothing ended', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  const who = await signIn(page);
  const [s] = await server.services.saml.repo.sessionsByNameId(sp.entityId, who.name_id);

  const refused = async (res: Response, reason: string) => {
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('SAMLResponse');
    expect((await lastAudit('saml.logout_refused'))?.outcome).toBe(reason);
  };
  await refused(await redirect(logoutRequest({ nameId: who.name_id, sessionIndex: s!.sid }), 'none'), 'signature_missing');
  await refused(await redirect(logoutRequest({ nameId: who.name_id, sessionIndex: s!.sid }), 'sha1'), 'signature_weak_algorithm');
  await refused(await redirect(logoutRequest({ issuer: 'https://unknown.example/sp', nameId: who.name_id })), 'unknown_issuer');
  await refused(await redirect(logoutRequest({ destination: `${server.issuer}/saml/sso`, nameId: who.name_id, sessionIndex: s!.sid })), 'destination');
  const id = `_${randomBytes(12).toString('hex')}`;
  const other = await redirect(logoutRequest({ id, nameId: 'someone-else', sessionIndex: s!.sid }));
  expect(other.status).toBe(200);
  const body = await other.text();
  const xml = Buffer.from(/name="SAMLResponse" value="([^"]+)"/.exec(body)![1]!, 'base64').toString('utf8');
  expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:RequestDenied');
  expect(xml).toContain(`InResponseTo="${id}"`);
  expect((await lastAudit('saml.logout'))?.outcome).toBe('nameid_mismatch');
  await refused(await redirect(logoutRequest({ id, nameId: who.name_id, sessionIndex: s!.sid })), 'replay');

  // none of these ended the session: the SP signs in again without the password
  await ctx.clearCookies({ name: 'sp_session' });
  await page.goto(`${sp.url}/`);
  await page.waitForURL(`${sp.url}/`);
  expect(await page.textContent('body')).toContain(who.name_id);
  await ctx.close();
}, 60_000);

test('access ended: an SP with a SOAP SingleLogoutService gets a signed LogoutRequest through the logout queue', async () => {
  const received: string[] = [];
  const port = await freePort();
  const receiver: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      received.push(`${req.headers['content-type']}\n${Buffer.concat(parts).toString('utf8')}`);
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body/></SOAP-ENV:Envelope>');
    });
  });
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  const soapSp = await startPysaml2Sp(`${server.issuer}/saml/metadata`, { soapSlo: `http://127.0.0.1:${port}/soap` });
  try {
    expect((await server.services.saml.registry.add('soap-sp', { metadataXml: soapSp.metadata, name: 'Nhân sự' })).slo).toContainEqual({ binding: 'SOAP', url: `http://127.0.0.1:${port}/soap` });
    const ctx = await b.context('vi');
    const page = await ctx.newPage();
    await page.goto(soapSp.url);
    await page.fill('#login', PERSON.login);
    await page.fill('#password', PERSON.password);
    await page.click('form[action$="/login"] button[type=submit]');
    await page.waitForURL(`${soapSp.url}/`);
    const who = JSON.parse((await page.textContent('body'))!) as { name_id: string };
    const [s] = await server.services.saml.repo.sessionsByNameId(soapSp.entityId, who.name_id);
    await ctx.close();

    await server.services.deprovision.endAccess(s!.accountId, 'account_disabled');
    const got = await until('the SOAP LogoutRequest', () => received[0]);
    expect(got).toMatch(/^text\/xml/);
    const xml = /<samlp:LogoutRequest[\s\S]*<\/samlp:LogoutRequest>/.exec(got)![0];
    expect(xml).toContain(`>${who.name_id}</saml:NameID>`);
    expect(xml).toContain(`<samlp:SessionIndex>${s!.sid}</samlp:SessionIndex>`);
    expect(xml).toContain(`Destination="http://127.0.0.1:${port}/soap"`);
    writeFileSync(join(soapSp.dir, 'idp.pem'), (await server.services.saml.keys.signer()).certificatePem);
    writeFileSync(join(soapSp.dir, 'logout.xml'), xml);
    execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(soapSp.dir, 'idp.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest', join(soapSp.dir, 'logout.xml')], { stdio: 'pipe' });
    const rows = await until('the delivery settled', async () => (await server.services.deprovision.list({ accountId: s!.accountId })).find((r) => r.kind === 'saml_soap' && r.status === 'delivered'));
    expect(rows.clientId).toBe('saml-soap-sp');

    // an OpenID Connect logout at the IdP (end-session) tells it too (another person: this one's access has ended)
    await server.services.accounts.addLocal({ login: 'vo.em', password: PERSON.password, displayName: 'Võ Em', email: 'em.v@tinh.gov.vn' });
    const ctx2 = await b.context('vi');
    const p2 = await ctx2.newPage();
    await p2.goto(soapSp.url);
    await p2.fill('#login', 'vo.em');
    await p2.fill('#password', PERSON.password);
    await p2.click('form[action$="/login"] button[type=submit]');
    await p2.waitForURL(`${soapSp.url}/`);
    await p2.goto(`${server.issuer}/session/end`);
    await p2.click('button[name=logout][value=yes]');
    const second = await until('the SOAP LogoutRequest after end-session', () => received[1]);
    expect(second).toContain('<samlp:LogoutRequest');
    await ctx2.close();
  } finally {
    await soapSp.stop();
    await new Promise((r) => receiver.close(r));
  }
}, 60_000);

test('mod_auth_mellon logs out (/mellon/logout, Redirect): the IdP session ends, mellon takes the signed LogoutResponse', async () => {
  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  await signIn(page);
  await page.goto(`${mellon.url}/protected/index.shtml`);
  await page.waitForURL(`${mellon.url}/protected/index.shtml`);
  expect(await page.textContent('#mail')).toBe(PERSON.email);
  await page.goto(`${mellon.url}/mellon/logout?ReturnTo=${encodeURIComponent(`${mellon.url}/bye`)}`);
  await page.waitForURL(`${mellon.url}/bye`);
  expect((await lastAudit('saml.logout'))?.outcome).toBe('success');
  // mellon's session is over, and so is the IdP's: the next sign-in asks for the password
  await ctx.clearCookies({ name: 'sp_session' });
  await page.goto(`${mellon.url}/protected/index.shtml`);
  await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
  await ctx.close();
}, 60_000);
