/** What the running IdP writes to the audit trail: logins, consent, logout; never a secret. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { loginAndExchange, rpConfig, startAuth, submitLogin } from './helpers/rp.js';

const PASSWORD = 'mật-khẩu-kiểm-toán-123';
const REDIRECT = 'http://127.0.0.1:9/cb';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

test('login failure and success, consent and logout are audited, chained, and hold no secret', async () => {
  const account = await server.services.accounts.addLocal({ login: 'kiem.toan', password: PASSWORD, displayName: 'Kiểm Toán' });
  const c = await server.services.clients.add({ name: 'Kế toán', type: 'web', redirectUris: [REDIRECT], postLogoutRedirectUris: ['http://127.0.0.1:9/bye'] });
  const config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret);

  const b1 = new Browser(server.issuer);
  const page = await b1.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
  await submitLogin(b1, page.html, 'kiem.toan', 'sai-mat-khau-0000');

  const browser = new Browser(server.issuer);
  const { tokens } = await loginAndExchange(config, browser, REDIRECT, 'kiem.toan', PASSWORD, 'openid profile');
  const end = await browser.go(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/bye' }).toString());
  const action = /action="([^"]*)"/.exec(end.html)![1]!;
  await browser.go(action, { form: { xsrf: inputValue(end.html, 'xsrf')!, logout: 'yes' } });

  // the logout's record is written once its account's login is read, after the page was answered
  await server.host.settled();
  await server.services.audit.flush();
  const rows = await server.services.db.prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  const types = rows.map((r) => `${r.type}:${r.outcome}`);
  expect(types).toEqual(expect.arrayContaining(['account.created:success', 'client.created:success', 'login.failure:invalid_credentials', 'login.success:success', 'consent:granted', 'logout:success']));
  const success = rows.find((r) => r.type === 'login.success')!;
  expect(success).toMatchObject({ subject: account.id, clientId: c.client.client_id, actor: 'kiem.toan' });
  const all = JSON.stringify(rows);
  for (const secret of [PASSWORD, 'sai-mat-khau-0000', c.clientSecret!, tokens.access_token, tokens.id_token!]) expect(all).not.toContain(secret);
  const verified = await server.services.audit.verify();
  expect(verified.ok).toBe(true);
});
