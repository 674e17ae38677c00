/**
 * IdP-initiated SAML sign-in: an SP registered with --idp-initiated is listed by the launcher with
 * a tile that starts at /saml/idp-initiated/<id>; the sign-in runs the same login, and the SP (a
 * real pysaml2 SP accepting unsolicited Responses) gets a Response with no InResponseTo and its
 * home URL as RelayState. An SP without --idp-initiated cannot be started there.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { launchChromium, type TestBrowser } from './helpers/browser-chromium.js';
import { startPysaml2Sp, type RunningSp } from './helpers/saml-sp.js';

const PERSON = { login: 'pham.dung', password: 'Mật-khẩu-đủ-dài-2026', name: 'Phạm Dũng', email: 'dung.p@tinh.gov.vn' };

let server: TestServer;
let b: TestBrowser;
let sp: RunningSp;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name, email: PERSON.email });
  sp = await startPysaml2Sp(`${server.issuer}/saml/metadata`, { allowUnsolicited: true });
  b = await launchChromium('saml-idp-initiated');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await sp?.stop();
  await server?.stop();
});

test('the launcher tile starts an IdP-initiated sign-in; pysaml2 takes the unsolicited Response with the home URL as RelayState', async () => {
  const v = await server.services.saml.registry.add('taisan', { metadataXml: sp.metadata, name: 'Quản lý tài sản', homeUrl: `${sp.url}/`, attributes: ['mail'] });
  expect(v.idp_initiated).toBe(false);
  expect((await fetch(`${server.issuer}/saml/idp-initiated/taisan`, { redirect: 'manual' })).status).toBe(404);
  expect((await server.services.saml.registry.update('taisan', { idpInitiated: true })).idp_initiated).toBe(true);

  const ctx = await b.context('vi');
  const page = await ctx.newPage();
  let posted: string | undefined;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${sp.url}/acs`) posted = new URLSearchParams(r.postData() ?? '').get('SAMLResponse') ?? undefined;
  });
  await page.goto(`${server.issuer}/saml/idp-initiated/taisan`);
  await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
  await page.fill('#login', PERSON.login);
  await page.fill('#password', PERSON.password);
  await page.click('form[action$="/login"] button[type=submit]');
  await page.waitForURL(`${sp.url}/`);
  const who = JSON.parse((await page.textContent('body'))!) as { name_id: string; relay_state: string; attributes: Record<string, string[]> };
  expect(who.relay_state).toBe(`${sp.url}/`);
  expect(who.attributes.mail).toEqual([PERSON.email]);
  const xml = Buffer.from(posted!, 'base64').toString('utf8');
  expect(xml).not.toContain('InResponseTo');

  // the launcher lists it, its tile opening the IdP-initiated start
  const [s] = await server.services.saml.repo.sessionsByNameId(sp.entityId, who.name_id);
  const apps = await server.services.launcher.appsFor({ id: s!.accountId, login: PERSON.login });
  expect(apps.find((a) => a.clientId === 'saml-taisan')?.homeUrl).toBe(`${server.issuer}/saml/idp-initiated/taisan`);
  await ctx.close();
}, 60_000);
