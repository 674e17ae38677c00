/**
 * The audit and sync pages as a person reads them, on the real server: names instead of ids (the
 * account's name and login, the application's name), filters by person, application, event type
 * and dates (a bad date answered with a readable page), kept in the pager's links; routine noise
 * (sync runs that changed nothing, token traffic) left out unless "show all".
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { isIdleSyncRun, isRoutineEvent } from '../src/domain/routine-events.js';
import { actorLogin, auditRowsView, namesWanted, parseConsoleDay } from '../src/admin/audit-view.js';
import type { AuditEventType } from '../src/audit/events.js';
import { auditEventLabel, auditOutcomeLabel, translator } from '../src/web/i18n/index.js';

/** An event as the Vietnamese page names it (a sentence, not its code). */
const label = (type: string, outcome?: string) => auditEventLabel(type, translator('vi'), outcome);

const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1', name: 'Quản Trị Viên' };
const PERSON = { login: 'nguyen.van.a', password: 'mat-khau-an-2024-x', name: 'Nguyễn Văn A' };

describe('pure parts', () => {
  it('tells routine noise: an idle sync run, token traffic; never a change or a failure', () => {
    const counts = { created: 0, updated: 0, enabled: 0, disabled: 0, failed: 0, conflicts: 0, seen: 500, unchanged: 500 };
    expect(isRoutineEvent({ type: 'sync.run', outcome: 'success', detail: JSON.stringify(counts) })).toBe(true);
    expect(isRoutineEvent({ type: 'sync.run', outcome: 'success', detail: JSON.stringify({ ...counts, updated: 1 }) })).toBe(false);
    expect(isRoutineEvent({ type: 'sync.run', outcome: 'failed', detail: JSON.stringify(counts) })).toBe(false);
    expect(isRoutineEvent({ type: 'sync.run', outcome: 'success', detail: 'not json' })).toBe(false);
    expect(isRoutineEvent({ type: 'token.issued', outcome: 'success', detail: '{}' })).toBe(true);
    expect(isRoutineEvent({ type: 'login.failure', outcome: 'invalid_credentials', detail: '{}' })).toBe(false);
    expect(isIdleSyncRun('partial', {})).toBe(false);
  });

  it('reads days as the date field sends them and as people write them, in Việt Nam', () => {
    expect(parseConsoleDay('2026-12-05')!.toISOString()).toBe('2026-12-04T17:00:00.000Z');
    expect(parseConsoleDay('05/12/2026')!.toISOString()).toBe('2026-12-04T17:00:00.000Z');
    expect(parseConsoleDay('5/12/2026', true)!.toISOString()).toBe('2026-12-05T17:00:00.000Z');
    for (const bad of ['31/02/2026', '2026-13-01', 'hôm qua', '12/2026', '']) expect(parseConsoleDay(bad)).toBeNull();
  });

  it('names a page from one lookup of its accounts and applications', () => {
    expect(actorLogin('console:quantri')).toBe('quantri');
    expect(actorLogin('an.nv (root@sso1)')).toBeNull();
    const rows = [
      { seq: 2, at: new Date('2026-12-05T02:00:00Z'), type: 'login.failure', outcome: 'invalid_credentials', actor: 'nguyen.van.a', subject: null, clientId: 'c1', ip: '198.51.100.1', detail: '{}', prevHash: '', hash: '' },
      { seq: 1, at: new Date('2026-12-05T01:00:00Z'), type: 'account.status_changed', outcome: 'disabled', actor: 'console:quantri', subject: 'id-a', clientId: null, ip: null, detail: '{}', prevHash: '', hash: '' },
    ];
    expect(namesWanted(rows)).toEqual({ ids: ['id-a'], logins: ['nguyen.van.a', 'quantri'], clientIds: ['c1'] });
    const accounts = [{ id: 'id-a', login: 'nguyen.van.a', displayName: 'Nguyễn Văn A' }, { id: 'id-q', login: 'quantri', displayName: 'Quản Trị Viên' }];
    const view = auditRowsView(rows, { accounts, clients: new Map([['c1', 'Một cửa']]) }, { locale: 'vi', now: new Date('2026-12-05T02:05:00Z'), label: (t) => `[${t}]` });
    expect(view[0]).toMatchObject({ at: '05/12/2026 09:00:00', ago: '5 phút trước', label: '[login.failure]', actor: 'Nguyễn Văn A (nguyen.van.a)', client: 'Một cửa', subject: '' });
    expect(view[1]).toMatchObject({ actor: 'Quản Trị Viên (quantri)', subject: 'Nguyễn Văn A (nguyen.van.a)', subjectId: 'id-a', client: '' });
    // the outcome in words when the page gives its labels; the code itself otherwise
    expect(view[0]!.outcome).toBe('invalid_credentials');
    const worded = auditRowsView(rows, { accounts, clients: new Map() }, { locale: 'vi', now: new Date(), label: (t) => t, outcome: (o) => auditOutcomeLabel(o, translator('vi')) });
    expect(worded[0]!.outcome).toBe('Sai tên đăng nhập hoặc mật khẩu');
  });
});

describe('the pages', () => {
  let server: TestServer;
  let browser: Browser;
  let clientId: string;
  let personId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const s = server.services;
    await s.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: ADMIN.name });
    await s.accounts.setAdmin(ADMIN.login, true);
    personId = (await s.accounts.addLocal({ login: PERSON.login, password: PERSON.password, displayName: PERSON.name })).id;
    clientId = (await s.clients.add({ name: 'Cổng dịch vụ công', type: 'web', redirectUris: ['https://dvc.tinh.gov.vn/cb'] })).client.client_id;
    const idle = { run_id: 'r-idle', mode: 'full', dry_run: false, seen: 40, created: 0, updated: 0, enabled: 0, disabled: 0, unchanged: 40, failed: 0, conflicts: 0 };
    await s.audit.record({ type: 'sync.run', outcome: 'success', detail: idle });
    await s.audit.record({ type: 'sync.run', outcome: 'success', detail: { ...idle, run_id: 'r-busy', created: 2, unchanged: 38 } });
    for (let i = 0; i < 55; i++) await s.audit.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: PERSON.login, clientId, ip: '198.51.100.7' });
    await s.audit.record({ type: 'token.issued' as AuditEventType, outcome: 'success', subject: personId, clientId });
    await s.accounts.setStatus(PERSON.login, 'disabled');
    const run = { mode: 'full', dryRun: false, finishedAt: new Date(), message: null, errors: '[]', seen: 40, unchanged: 40, created: 0, updated: 0, disabled: 0, failed: 0, conflicts: 0 };
    await s.db.prisma.syncRun.create({ data: { ...run, id: 'idle-run', status: 'success', startedAt: new Date(Date.now() - 60_000), holder: 'sso1:123' } });
    await s.db.prisma.syncRun.create({ data: { ...run, id: 'busy-run', status: 'success', created: 3, startedAt: new Date(Date.now() - 30_000), holder: `console:${ADMIN.login}` } });

    browser = new Browser(server.issuer, 'vi');
    const first = await browser.request('/admin');
    const login = await browser.go(first.headers.get('location')!);
    await submitLogin(browser, login.html, ADMIN.login, ADMIN.password);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const rowsOf = (html: string) => [...html.matchAll(/<tr>\s*<td data-label[\s\S]*?<\/tr>/g)].map((m) => m[0].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

  it('names people and applications instead of ids; routine noise is hidden unless "show all"', async () => {
    const page = await browser.go('/admin/audit');
    expect(page.status).toBe(200);
    const rows = rowsOf(page.html);
    // the status change: by the administrator, of the person, each by name and login
    expect(rows.some((r) => r.includes(label('account.status_changed', 'disabled')) && r.includes(`${PERSON.name} (${PERSON.login})`))).toBe(true);
    expect(rows.some((r) => r.includes(label('login.failure', 'invalid_credentials')) && r.includes(`${PERSON.name} (${PERSON.login})`) && r.includes('Cổng dịch vụ công'))).toBe(true);
    expect(rows.join('\n')).not.toContain(personId);
    expect(rows.join('\n')).not.toContain(clientId);
    expect(page.html).toMatch(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}/);
    // the application filter offers names
    expect(page.html).toContain(`<option value="${clientId}">Cổng dịch vụ công</option>`);
    const sync = await browser.go('/admin/audit?type=sync.run');
    expect(sync.html).toContain('Các sự kiện thường lệ');
    expect(rowsOf(sync.html)).toHaveLength(1);
    expect(rowsOf((await browser.go('/admin/audit?type=sync.run&all=1')).html)).toHaveLength(2);
    expect(rowsOf((await browser.go('/admin/audit')).html).join('\n')).not.toContain(label('token.issued', 'success'));
    expect(rowsOf((await browser.go('/admin/audit?all=1')).html).join('\n')).toContain(label('token.issued', 'success'));
    // the export follows the same switch
    const exported = async (q: string) => (await (await browser.request(`/admin/audit/export?${q}format=jsonl`)).text()).trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    expect(await exported('')).not.toContain('token.issued');
    expect((await exported('')).filter((t) => t === 'sync.run')).toHaveLength(1);
    expect(await exported('all=1&')).toContain('token.issued');
  });

  it('filters by person, application, event type and dates, and the pager keeps the filters', async () => {
    const person = await browser.go(`/admin/audit?person=${PERSON.login}&type=login.failure`);
    const rows = rowsOf(person.html);
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.includes(label('login.failure', 'invalid_credentials')))).toBe(true);
    const older = /href="([^"]+)" rel="next"/.exec(person.html)![1]!.replace(/&amp;/g, '&');
    expect(new URL(older, server.issuer).searchParams.get('person')).toBe(PERSON.login);
    expect(new URL(older, server.issuer).searchParams.get('type')).toBe('login.failure');
    expect(rowsOf((await browser.go(older)).html)).toHaveLength(5);
    // created, 55 failures, the token: 50 and 7, the switch kept
    const byClient = await browser.go(`/admin/audit?client=${clientId}&all=1`);
    expect(rowsOf(byClient.html)).toHaveLength(50);
    const next = /href="([^"]+)" rel="next"/.exec(byClient.html)![1]!.replace(/&amp;/g, '&');
    expect(new URL(next, server.issuer).searchParams.get('all')).toBe('1');
    expect(new URL(next, server.issuer).searchParams.get('client')).toBe(clientId);
    expect(rowsOf((await browser.go(next)).html)).toHaveLength(7);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
    const [y, m, d] = today.split('-');
    expect(rowsOf((await browser.go(`/admin/audit?type=account.status_changed&from=${d}/${m}/${y}&to=${today}`)).html)).toHaveLength(1);
    expect(rowsOf((await browser.go(`/admin/audit?type=account.status_changed&to=${Number(y) - 1}-01-01`)).html)).toHaveLength(0);
  });

  it('a date that is no date, or a range the wrong way round, gets a readable page', async () => {
    const bad = await browser.go('/admin/audit?from=31/02/2026');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Ngày &quot;31/02/2026&quot; ở ô &quot;Từ ngày&quot; không hợp lệ');
    const backwards = await browser.go('/admin/audit?from=2026-12-05&to=2026-12-01');
    expect(backwards.status).toBe(400);
    expect(backwards.html).toContain('phải trước hoặc bằng');
    const badEn = await browser.go('/admin/audit?to=tomorrow&lang=en');
    expect(badEn.status).toBe(400);
    expect(badEn.html).toContain('The date &quot;tomorrow&quot; in &quot;To date (inclusive)&quot; is not valid');
    await browser.go('/admin/audit?lang=vi');
  });

  it('the sync history leaves out runs that changed nothing unless asked, and names who started a run', async () => {
    const page = await browser.go('/admin/sync');
    const rows = [...page.html.matchAll(/<tr>\s*<td[ >][\s\S]*?<\/tr>/g)].map((x) => x[0]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(`${ADMIN.name} (${ADMIN.login})`);
    const all = await browser.go('/admin/sync?all=1');
    const allRows = [...all.html.matchAll(/<tr>\s*<td[ >][\s\S]*?<\/tr>/g)].map((x) => x[0]);
    expect(allRows).toHaveLength(2);
    expect(allRows[1]).toContain('Tự động theo lịch');
  });
});
