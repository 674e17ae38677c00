/**
 * The access policy in the console's application form, on the real server: registering with
 * groups, departments and organisations (one a line), the settings page showing them, a group
 * that is not a DN refused with a Vietnamese sentence naming its box (what was typed kept), and
 * emptying the boxes to admit everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, inputValue } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const GROUP = 'cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.services.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
  await server.services.accounts.setAdmin(ADMIN.login, true);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function signIn() {
  const browser = new Browser(server.issuer, 'vi');
  const first = await browser.request('/admin/clients');
  const login = await browser.go(first.headers.get('location')!);
  await submitLogin(browser, login.html, ADMIN.login, ADMIN.password);
  return browser;
}

describe('the application form', () => {
  it('registers with a policy, shows it, refuses a group that is not a DN, and empties it', async () => {
    const browser = await signIn();
    const list = await browser.go('/admin/clients');
    expect(list.html).toContain('Ai được sử dụng ứng dụng');
    const csrf = inputValue(list.html, 'csrf')!;
    const added = await browser.request('/admin/clients', { form: {
      csrf, name: 'Kế toán', type: 'web', redirect_uris: 'https://ketoan.tinh.gov.vn/cb',
      access_groups: `${GROUP}\r\n\r\n`, access_departments: 'Văn phòng\r\nPhòng Kế hoạch', access_organizations: 'Sở Tài chính',
    } });
    expect(added.status).toBe(303);
    const c = (await server.services.clients.list()).find((x) => x.name === 'Kế toán')!;
    expect(c.access_policy).toEqual({ groups: [GROUP], departments: ['Văn phòng', 'Phòng Kế hoạch'], organizations: ['Sở Tài chính'] });
    const settings = (await browser.go(`/admin/clients/${c.client_id}`)).html;
    expect(settings).toMatch(new RegExp(`<textarea[^>]*name="access_groups"[^>]*>${GROUP}</textarea>`));
    expect(settings).toMatch(/<textarea[^>]*name="access_departments"[^>]*>Văn phòng\nPhòng Kế hoạch<\/textarea>/);

    const form = { csrf, name: c.name, redirect_uris: c.redirect_uris.join('\n'), access_groups: 'ke-toan', access_departments: 'Văn phòng', access_organizations: '' };
    const refused = await browser.request(`/admin/clients/${c.client_id}`, { form });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('Nhóm &quot;ke-toan&quot; chưa hợp lệ');
    expect(html).toMatch(/name="access_groups" aria-invalid="true" aria-describedby="access_groups-error"[^>]*>ke-toan<\/textarea>/);
    expect((await server.services.clients.get(c.client_id)).access_policy.groups).toEqual([GROUP]);

    const open = await browser.request(`/admin/clients/${c.client_id}`, { form: { ...form, access_groups: '', access_departments: '' } });
    expect(open.status).toBe(303);
    expect((await server.services.clients.get(c.client_id)).access_policy).toEqual({ groups: [], departments: [], organizations: [] });
    expect((await browser.go(`/admin/clients/${c.client_id}`)).html).toContain('Mọi người đều được sử dụng');
  });
});
