/**
 * Who may use which application, in Chromium, with slapd and the example application (an
 * openid-client relying party): a member of the allowed group is signed in to it; another person
 * sees "Không có quyền truy cập ứng dụng …" with the helpdesk contact (axe-checked, screenshot),
 * and "Quay lại" brings the application access_denied.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { slapdEnv, startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';
import { launchChromium, startExampleApp, type RunningApp, type TestBrowser } from '../helpers/browser-chromium.js';
import { ldifRecord } from '../fixtures/ldap/generate.js';
import { zimbraPeople as P } from '../fixtures/ldap/zimbra.ldif.js';

const GROUP = 'cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn';
const HELPDESK = 'Phòng CNTT – 0228 3852 000';

let slapd: Slapd;
let server: TestServer;
let b: TestBrowser;
let app: RunningApp;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra', extraLdif: ldifRecord(GROUP, { objectClass: ['top', 'groupOfNames'], cn: 'ke-toan', member: [P.hung.dn] }) });
  server = await startTestServer(slapdEnv(slapd, { HELPDESK_CONTACT: HELPDESK }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const c = await server.services.clients.add({
    name: 'Kế toán', type: 'web', firstParty: true, redirectUris: [`${base}/callback`],
    accessPolicy: { groups: [GROUP], departments: [], organizations: [] },
  });
  app = await startExampleApp({ issuer: server.issuer, clientId: c.client.client_id, clientSecret: c.clientSecret!, port, name: 'Kế toán' });
  b = await launchChromium('access-policy');
}, 60_000);

afterAll(async () => {
  await b?.close();
  await app?.stop();
  await server?.stop();
  await slapd?.stop();
});

async function signIn(who: { login: string; password: string }) {
  const page = await (await b.context('vi')).newPage();
  await page.goto(`${app.url}/login`);
  await page.waitForSelector('#password');
  await page.fill('#login', who.login);
  await page.fill('#password', who.password);
  await page.click('form[action$="/login"] button[type=submit]');
  return page;
}

test('a member of the allowed group is signed in to the application', async () => {
  const page = await signIn(P.hung);
  await page.waitForSelector('#name');
  expect(await page.textContent('#status')).toContain('Xin chào');
});

test('another person is refused with the helpdesk contact; going back, the application gets access_denied', async () => {
  const page = await signIn(P.an);
  const heading = page.getByRole('heading', { level: 1 });
  await heading.waitFor();
  expect(await heading.textContent()).toBe('Không có quyền truy cập ứng dụng Kế toán');
  expect(await page.textContent('main')).toContain(HELPDESK);
  await b.check(page, 'access-denied');
  await page.getByRole('button', { name: 'Quay lại Kế toán' }).click();
  await page.waitForURL((u) => u.toString().startsWith(`${app.url}/callback`));
  expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
  expect(await page.textContent('main')).toContain('access_denied');
});
