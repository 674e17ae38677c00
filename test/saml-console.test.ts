/**
 * The console's SAML applications page (/admin/saml), on the real server: the values to give an
 * SP, the registered SPs with their linked client, reached from the applications page.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const metadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://taisan.tinh.gov.vn/mellon/metadata"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
  `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://taisan.tinh.gov.vn/mellon/postResponse" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
  await server.services.accounts.setAdmin(ADMIN.login, true);
  await server.services.saml.registry.add('taisan', { metadataXml: metadata, name: 'Quản lý tài sản', attributes: ['mail', 'displayName'] });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

test('an administrator sees the values to configure and the registered SAML applications', async () => {
  const browser = new Browser(server.issuer, 'vi');
  const first = await browser.request('/admin/saml');
  const login = await browser.go(first.headers.get('location')!);
  await submitLogin(browser, login.html, ADMIN.login, ADMIN.password);
  expect((await browser.go('/admin/clients')).html).toContain('href="/admin/saml"');
  const page = await browser.go('/admin/saml');
  expect(page.status).toBe(200);
  expect(page.html).toContain(`${server.issuer}/saml/metadata`);
  expect(page.html).toContain(`${server.issuer}/saml/sso`);
  expect(page.html).toContain('Quản lý tài sản');
  expect(page.html).toContain('https://taisan.tinh.gov.vn/mellon/postResponse');
  expect(page.html).toContain('href="/admin/clients/saml-taisan"');
  expect(page.html).toContain('Đang hoạt động');
});
