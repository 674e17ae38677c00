/**
 * Storage contract of the directory sync (src/db/repos/sync.ts and the files it joins:
 * sync-runs.ts, sync-accounts.ts, sync-stage.ts), on a fresh database of the backend
 * TEST_DATABASE selects: every method, and what the sync relies on (ordering, idempotence,
 * counts, the high-water mark's round trip, staging and reading back in order, a batch update
 * refused whole when one row clashes on a unique login).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createSyncRepository, HIGH_WATER_MARK, type NewAccount, type SyncRepository, type SyncSession } from '../../src/db/repos/sync.js';
import { accountFields } from '../../src/domain/account-link.js';
import { PENDING_PASSWORD_TEXT } from '../../src/domain/password-stamp.js';
import { PENDING_MARKER_TEXT, markDirectoryDisabled } from '../../src/domain/reconcile.js';
import type { DirectoryIdentity } from '../../src/directory/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let repo: SyncRepository;
const sessions: SyncSession[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  repo = createSyncRepository(t.db.prisma);
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(async () => {
  const p = t.db.prisma;
  await p.account.deleteMany();
  await p.syncRun.deleteMany();
  await p.syncStage.deleteMany();
  await p.syncState.deleteMany();
  await p.lease.deleteMany();
});
afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

async function session(): Promise<SyncSession> {
  const s = await repo.openSession();
  sessions.push(s);
  return s;
}

const DOMAINS = ['tinh.gov.vn'];
const at = (iso: string) => new Date(iso);

function person(n: number, over: Partial<DirectoryIdentity> = {}): DirectoryIdentity {
  return {
    externalId: `ext-${String(n).padStart(4, '0')}`,
    dn: `uid=user${n},ou=people,dc=tinh,dc=gov,dc=vn`,
    login: `user${n}`,
    email: `user${n}@tinh.gov.vn`,
    aliases: [],
    displayName: `Người Số ${n}`,
    givenName: null,
    familyName: null,
    middleName: null,
    phoneNumber: null,
    status: 'active',
    organization: { department: 'Sở Y tế' },
    groups: ['Văn thư "Sở"'],
    groupDns: ['cn=Văn thư \\"Sở\\",ou=groups,dc=tinh,dc=gov,dc=vn'],
    modifiedAt: null,
    ...over,
  };
}

/** The columns the sync writes for person n: accountFields', and a password stamp. */
function syncFields(n: number, over: Partial<DirectoryIdentity> = {}) {
  const p = person(n, over);
  return { ...accountFields(p, DOMAINS), passwordStamp: `{"ended":true,"value":${JSON.stringify(p.passwordChanged ?? null)}}` };
}

function newAccount(n: number, over: Partial<DirectoryIdentity> = {}, status: 'active' | 'disabled' = 'active'): NewAccount {
  return { id: `acc-${n}`, data: { ...syncFields(n, over), status, disabledAt: status === 'disabled' ? at('2026-11-01T00:00:00.123Z') : null } };
}

describe('sync runs', () => {
  const run = (id: string, startedAt: string, over: { mode?: string; dryRun?: boolean } = {}) =>
    repo.startRun({ id, mode: over.mode ?? 'full', dryRun: over.dryRun ?? false, startedAt: at(startedAt), holder: `h-${id}` });
  const counts = { seen: 0, created: 0, updated: 0, disabled: 0, unchanged: 0, failed: 0, conflicts: 0 };
  const finish = (id: string, status: string, seen = 10, finishedAt = '2026-11-27T09:00:00Z') =>
    repo.finishRun(id, { ...counts, seen, status, finishedAt: at(finishedAt), message: `${status} run`, errors: '[{"kind":"entry","error":"x"}]' });

  test('a run recorded once it has ended, in one write', async () => {
    const outcome = { seen: 3, created: 1, updated: 1, disabled: 0, unchanged: 1, failed: 0, conflicts: 0, status: 'success', finishedAt: at('2026-11-27T05:00:01Z'), message: null, errors: '[]' };
    await repo.recordRun({ id: 'c1', mode: 'changed', dryRun: false, startedAt: at('2026-11-27T05:00:00Z'), holder: 'h-c1', ...outcome });
    expect(await repo.listRuns()).toEqual([{ id: 'c1', mode: 'changed', dryRun: false, startedAt: at('2026-11-27T05:00:00Z'), holder: 'h-c1', ...outcome }]);
    await t.db.prisma.syncRun.deleteMany();
  });

  test('a run is recorded running, then with its outcome; listed newest first, idle changed-only runs left out unless asked', async () => {
    await run('r1', '2026-11-27T01:00:00Z');
    expect(await repo.listRuns()).toEqual([{
      id: 'r1', mode: 'full', dryRun: false, status: 'running', startedAt: at('2026-11-27T01:00:00Z'), finishedAt: null,
      ...counts, message: null, errors: '[]', holder: 'h-r1',
    }]);
    await repo.finishRun('r1', { seen: 7, created: 1, updated: 2, disabled: 3, unchanged: 4, failed: 5, conflicts: 6, status: 'partial', finishedAt: at('2026-11-27T01:00:09Z'), message: 'm', errors: '[]' });
    expect(await repo.listRuns()).toEqual([{
      id: 'r1', mode: 'full', dryRun: false, status: 'partial', startedAt: at('2026-11-27T01:00:00Z'), finishedAt: at('2026-11-27T01:00:09Z'),
      seen: 7, created: 1, updated: 2, disabled: 3, unchanged: 4, failed: 5, conflicts: 6, message: 'm', errors: '[]', holder: 'h-r1',
    }]);

    await run('r3', '2026-11-27T03:00:00Z', { mode: 'changed' });
    await finish('r3', 'success', 0); // idle
    await run('r2', '2026-11-27T02:00:00Z', { mode: 'changed', dryRun: true });
    await finish('r2', 'success', 4);
    await run('r4', '2026-11-27T04:00:00Z', { mode: 'changed' });
    await finish('r4', 'failed', 0); // not idle: it failed
    expect((await repo.listRuns()).map((r) => r.id)).toEqual(['r4', 'r2', 'r1']);
    expect((await repo.listRuns(20, { includeIdle: true })).map((r) => r.id)).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect((await repo.listRuns(2)).map((r) => r.id)).toEqual(['r4', 'r2']);
    expect((await repo.listRuns(0)).map((r) => r.id)).toEqual(['r4']); // at least one
    expect(await repo.listRuns(1_000_000)).toHaveLength(3);
  });

  test('clearInterrupted: every other running run is failed with the message, and its staged rows go', async () => {
    const p = t.db.prisma;
    await run('dead', '2026-11-27T01:00:00Z');
    await run('done', '2026-11-27T02:00:00Z');
    await finish('done', 'success');
    await run('me', '2026-11-27T03:00:00Z');
    await p.syncStage.createMany({ data: [{ runId: 'dead', externalId: 'x1', identity: '{}' }, { runId: 'me', externalId: 'x2', identity: '{}' }] });
    const when = at('2026-11-27T03:00:01Z');
    await repo.clearInterrupted('me', 'interrupted: gone', when);
    const byId = Object.fromEntries((await repo.listRuns(20, { includeIdle: true })).map((r) => [r.id, r]));
    expect(byId.dead).toMatchObject({ status: 'failed', finishedAt: when, message: 'interrupted: gone' });
    expect(byId.done).toMatchObject({ status: 'success', message: 'success run' });
    expect(byId.me).toMatchObject({ status: 'running', finishedAt: null });
    expect(await p.syncStage.findMany()).toEqual([{ runId: 'me', externalId: 'x2', identity: '{}' }]);
    await repo.clearInterrupted('me', 'again', when); // idempotent
    expect((await repo.listRuns(20, { includeIdle: true })).find((r) => r.id === 'dead')?.message).toBe('interrupted: gone');
  });

  test('lastFullRunSeen and lastFullRun: the newest full run that qualifies', async () => {
    expect(await repo.lastFullRunSeen()).toBeNull();
    expect(await repo.lastFullRun()).toBeNull();
    await run('a', '2026-11-27T01:00:00Z');
    await finish('a', 'refused', 30);
    await run('b', '2026-11-27T02:00:00Z');
    await finish('b', 'failed', 50); // failed: not a total
    await run('c', '2026-11-27T03:00:00Z', { dryRun: true });
    await finish('c', 'success', 40); // a dry run lists as many: a total, but not the last full run
    await run('d', '2026-11-27T04:00:00Z', { mode: 'changed' });
    await finish('d', 'success', 60);
    await run('e', '2026-11-27T05:00:00Z'); // still running
    expect(await repo.lastFullRunSeen()).toBe(40);
    expect(await repo.lastFullRun()).toEqual({ startedAt: at('2026-11-27T02:00:00Z'), status: 'failed' });
  });

  test('pruneRuns: idle runs after a day, every other ended run after 90 days (or as told); running ones stay', async () => {
    const now = at('2026-11-27T12:00:00Z');
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000 - 1000).toISOString();
    await run('idle-old', daysAgo(1), { mode: 'changed' });
    await finish('idle-old', 'success', 0);
    await run('idle-new', daysAgo(0), { mode: 'changed' });
    await finish('idle-new', 'success', 0);
    await run('full-60', daysAgo(60));
    await finish('full-60', 'success');
    await run('full-90', daysAgo(90));
    await finish('full-90', 'partial');
    await run('running-90', daysAgo(90));
    expect(await repo.pruneRuns({ now })).toBe(2);
    expect((await repo.listRuns(20, { includeIdle: true })).map((r) => r.id).sort()).toEqual(['full-60', 'idle-new', 'running-90']);
    expect(await repo.pruneRuns({ now })).toBe(0);
    expect(await repo.pruneRuns({ now, keepDays: 30, keepIdleDays: 0 })).toBe(2);
    expect((await repo.listRuns(20, { includeIdle: true })).map((r) => r.id)).toEqual(['running-90']);
  });

  test('the high-water mark: none, a round trip (window rounded up, entries seen), replaced, unreadable reads as none', async () => {
    expect(await repo.readHighWaterMark()).toBeNull();
    const seen = [{ key: 'k1', at: at('2026-11-27T01:00:07Z').getTime() }, { key: 'k2', at: null }];
    await repo.writeHighWaterMark({ modifiedAt: at('2026-11-27T01:00:07.250Z'), windowSeconds: 12.2, seen });
    expect(await repo.readHighWaterMark()).toEqual({ modifiedAt: at('2026-11-27T01:00:07.250Z'), windowSeconds: 13, seen });
    await repo.writeHighWaterMark({ modifiedAt: at('2026-11-28T00:00:00Z'), windowSeconds: 0 });
    expect(await repo.readHighWaterMark()).toEqual({ modifiedAt: at('2026-11-28T00:00:00Z'), windowSeconds: 0, seen: [] });
    const p = t.db.prisma;
    expect(await p.syncState.count()).toBe(1);
    await p.syncState.update({ where: { name: HIGH_WATER_MARK }, data: { value: '{"modifiedAt":"yesterday"}' } });
    expect(await repo.readHighWaterMark()).toBeNull();
    await p.syncState.update({ where: { name: HIGH_WATER_MARK }, data: { value: '{"modifiedAt":"2026-11-28T00:00:00Z","windowSeconds":-4}' } });
    expect(await repo.readHighWaterMark()).toEqual({ modifiedAt: at('2026-11-28T00:00:00Z'), windowSeconds: 0, seen: [] });
    // a mark written before entries were kept with it, or a damaged list: read without them
    await p.syncState.update({ where: { name: HIGH_WATER_MARK }, data: { value: '{"modifiedAt":"2026-11-28T00:00:00Z","windowSeconds":3,"seen":[["a",1],[2,3],"b",["c","x"]]}' } });
    expect(await repo.readHighWaterMark()).toEqual({ modifiedAt: at('2026-11-28T00:00:00Z'), windowSeconds: 3, seen: [{ key: 'a', at: 1 }, { key: 'c', at: null }] });
    await p.syncState.update({ where: { name: HIGH_WATER_MARK }, data: { value: 'not json' } });
    expect(await repo.readHighWaterMark()).toBeNull();
  });

  test('the sync lease: one holder at a time; released, it is free', async () => {
    expect(await repo.currentLease()).toBeNull();
    const a = await repo.holdLease('host-a#1', { ttlMs: 10_000 });
    expect(a).not.toBeNull();
    expect(await repo.holdLease('host-b#2', { ttlMs: 10_000 })).toBeNull();
    expect(await repo.currentLease()).toMatchObject({ name: 'sync', holder: 'host-a#1' });
    expect(a!.lost()).toBe(false);
    await a!.release();
    await a!.release(); // idempotent
    expect(await repo.currentLease()).toBeNull();
    const b = await repo.holdLease('host-b#2');
    expect((await repo.currentLease())?.holder).toBe('host-b#2');
    await b!.release();
  });
});

describe('sync accounts (a run session)', () => {
  test('insert: every column written as given; rows clashing on id, login or externalId are skipped; read back by externalId or login', async () => {
    const s = await session();
    expect(s.batchRows).toBeGreaterThan(0);
    const now = at('2026-11-27T08:00:00.123Z');
    const one = newAccount(1, { aliases: ['một@tinh.gov.vn'], phoneNumber: '0237 3852 111' });
    const two = newAccount(2, {}, 'disabled');
    expect(await s.accounts.insert([one, two], now)).toEqual(new Set(['acc-1', 'acc-2']));
    const clash = [
      { ...newAccount(3), id: 'acc-1' }, // id
      { ...newAccount(4, { login: 'user1' }) }, // login
      { ...newAccount(5, { externalId: 'ext-0002' }) }, // externalId
      newAccount(6),
      { ...newAccount(7), data: { ...newAccount(7).data, login: 'user6' } }, // an earlier row of the same batch
    ];
    expect(await s.accounts.insert(clash, now)).toEqual(new Set(['acc-6']));
    expect(await s.accounts.insert([], now)).toEqual(new Set());

    const rows = await s.accounts.byExternalIdOrLogin(['ext-0001'], ['user2', 'nobody']);
    expect(rows.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'acc-1', ...one.data },
      { id: 'acc-2', ...two.data },
    ]);
    expect(await s.accounts.byExternalIdOrLogin([], [])).toEqual([]);
    const row = await t.db.prisma.account.findUnique({ where: { id: 'acc-1' } });
    expect(row).toMatchObject({ createdAt: now, updatedAt: now, lastLoginAt: null, passwordHash: null, admin: false });
  });

  test('update: guarded on status (and disabledAt when given); status written only when the change sets it', async () => {
    const s = await session();
    const t0 = at('2026-11-27T08:00:00Z');
    await s.accounts.insert([newAccount(1), newAccount(2, {}, 'disabled'), newAccount(3, {}, 'disabled')], t0);
    const fields = syncFields;
    const t1 = at('2026-11-27T09:00:00.456Z');
    const disabledAt = at('2026-11-01T00:00:00.123Z');
    const written = await s.accounts.update([
      { id: 'acc-1', status: 'active', data: fields(1, { displayName: 'Một' }) }, // fields only
      { id: 'acc-2', status: 'disabled', disabledAt, data: { ...fields(2), status: 'active', disabledAt: null } }, // re-enabled
      { id: 'acc-3', status: 'disabled', disabledAt: null, data: { ...fields(3), status: 'active', disabledAt: null } }, // guard: disabledAt differs
      { id: 'acc-9', status: 'active', data: fields(9) }, // no such account
    ], t1);
    expect(written).toEqual(new Set(['acc-1', 'acc-2']));
    const p = t.db.prisma;
    expect(await p.account.findUnique({ where: { id: 'acc-1' } })).toMatchObject({ displayName: 'Một', status: 'active', updatedAt: t1 });
    expect(await p.account.findUnique({ where: { id: 'acc-2' } })).toMatchObject({ status: 'active', disabledAt: null, updatedAt: t1 });
    expect(await p.account.findUnique({ where: { id: 'acc-3' } })).toMatchObject({ status: 'disabled', disabledAt, updatedAt: t0 });
    // the status guard
    expect(await s.accounts.update([{ id: 'acc-1', status: 'disabled', data: fields(1, { displayName: 'Hai' }) }], t1)).toEqual(new Set());
    // disabling sets both; a null disabledAt guard matches a null column
    const off = at('2026-11-27T10:00:00Z');
    expect(await s.accounts.update([{ id: 'acc-1', status: 'active', disabledAt: null, data: { ...fields(1), status: 'disabled', disabledAt: off } }], t1)).toEqual(new Set(['acc-1']));
    expect(await p.account.findUnique({ where: { id: 'acc-1' } })).toMatchObject({ status: 'disabled', disabledAt: off, displayName: 'Người Số 1' });
    expect(await s.accounts.update([], t1)).toEqual(new Set());
  });

  test('update: a batch where one row takes a login another account holds is refused whole (null), nothing written; alone, the others go through', async () => {
    const s = await session();
    const t0 = at('2026-11-27T08:00:00Z');
    await s.accounts.insert([newAccount(1), newAccount(2), newAccount(3)], t0);
    const p = t.db.prisma;
    const before = await p.account.findMany({ orderBy: { id: 'asc' } });
    const fields = syncFields;
    const batch = [
      { id: 'acc-1', status: 'active', data: fields(1, { displayName: 'Một' }) },
      { id: 'acc-2', status: 'active', data: fields(2, { login: 'user3' }) }, // user3 is acc-3's
      { id: 'acc-3', status: 'active', data: fields(3, { displayName: 'Ba' }) },
    ];
    expect(await s.accounts.update(batch, at('2026-11-27T09:00:00Z'))).toBeNull();
    expect(await p.account.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    // two accounts exchanging logins in one batch: refused too
    expect(await s.accounts.update([
      { id: 'acc-1', status: 'active', data: fields(1, { login: 'user2' }) },
      { id: 'acc-2', status: 'active', data: fields(2, { login: 'user1' }) },
    ], t0)).toBeNull();
    expect(await s.accounts.update([batch[1]!], t0)).toBeNull();
    expect(await s.accounts.update([batch[0]!], t0)).toEqual(new Set(['acc-1']));
    expect(await s.accounts.update([batch[2]!], t0)).toEqual(new Set(['acc-3']));
    expect((await p.account.findMany({ orderBy: { id: 'asc' } })).map((a) => [a.login, a.displayName])).toEqual([['user1', 'Một'], ['user2', 'Người Số 2'], ['user3', 'Ba']]);
  });

  test('byIds, disableIfActive, setAttributesIfDisabledSince, pendingEndAccess, countActiveLinked', async () => {
    const s = await session();
    const t0 = at('2026-11-27T08:00:00Z');
    await s.accounts.insert([newAccount(1), newAccount(2), newAccount(3, {}, 'disabled')], t0);
    const p = t.db.prisma;
    await p.account.create({ data: { id: 'local', login: 'local', displayName: 'x', source: 'local', status: 'active' } });
    await p.account.create({ data: { id: 'unlinked', login: 'unlinked', displayName: 'x', source: 'directory', status: 'active' } });
    expect(await s.accounts.countActiveLinked()).toBe(2);
    expect((await s.accounts.byIds(['acc-2', 'acc-1', 'none'])).map((a) => a.id).sort()).toEqual(['acc-1', 'acc-2']);
    expect(await s.accounts.byIds([])).toEqual([]);

    const off = at('2026-11-27T09:00:00.789Z');
    const a1 = (await s.accounts.byIds(['acc-1']))[0]!;
    const pending = markDirectoryDisabled(a1.attributes, off, 'directory: gone', false);
    expect(pending).toContain(PENDING_MARKER_TEXT);
    expect(await s.accounts.disableIfActive('acc-1', { status: 'disabled', disabledAt: off, attributes: pending })).toBe(true);
    expect(await s.accounts.disableIfActive('acc-1', { status: 'disabled', disabledAt: at('2026-11-27T09:30:00Z'), attributes: '{}' })).toBe(false);
    expect(await s.accounts.countActiveLinked()).toBe(1);
    expect(await p.account.findUnique({ where: { id: 'acc-1' } })).toMatchObject({ status: 'disabled', disabledAt: off, attributes: pending });

    expect((await s.accounts.pendingEndAccess(10)).map((a) => a.id)).toEqual(['acc-1']);
    // an active account whose attributes carry the text is not pending
    await p.account.update({ where: { id: 'acc-2' }, data: { attributes: pending } });
    expect((await s.accounts.pendingEndAccess(10)).map((a) => a.id)).toEqual(['acc-1']);
    expect(await s.accounts.pendingEndAccess(0)).toEqual([]);

    // the marker is written only while the account is disabled since that very moment
    const ended = markDirectoryDisabled(a1.attributes, off, 'directory: gone', true);
    await s.accounts.setAttributesIfDisabledSince('acc-1', at('2026-11-27T09:00:00.788Z'), ended);
    expect((await p.account.findUnique({ where: { id: 'acc-1' } }))?.attributes).toBe(pending);
    await s.accounts.setAttributesIfDisabledSince('acc-1', off, ended);
    expect((await p.account.findUnique({ where: { id: 'acc-1' } }))?.attributes).toBe(ended);
    expect(await s.accounts.pendingEndAccess(10)).toEqual([]);
    await s.accounts.setAttributesIfDisabledSince('acc-2', off, ended); // active: untouched
    expect((await p.account.findUnique({ where: { id: 'acc-2' } }))?.attributes).toBe(pending);
  });

  test('pendingPasswordEnds and settlePasswordStamp: active accounts whose password change is still to end their sessions', async () => {
    const s = await session();
    await s.accounts.insert([newAccount(1), newAccount(2), newAccount(3, {}, 'disabled')], at('2026-11-27T08:00:00Z'));
    const p = t.db.prisma;
    const pending = '{"ended":false,"value":"20261210083000Z"}';
    const ended = '{"ended":true,"value":"20261210083000Z"}';
    expect(pending.startsWith(PENDING_PASSWORD_TEXT)).toBe(true);
    expect(await s.accounts.pendingPasswordEnds(10)).toEqual([]);
    for (const id of ['acc-1', 'acc-3']) await p.account.update({ where: { id }, data: { passwordStamp: pending } });
    // the disabled one has no sessions to end (its disable ended them)
    const found = await s.accounts.pendingPasswordEnds(10);
    expect(found.map((a) => [a.id, a.passwordStamp])).toEqual([['acc-1', pending]]);
    expect(await s.accounts.pendingPasswordEnds(0)).toEqual([]);
    // settled only from the stamp it was read with
    expect(await s.accounts.settlePasswordStamp('acc-1', '{"ended":false,"value":"other"}', ended)).toBe(false);
    expect(await s.accounts.settlePasswordStamp('acc-1', pending, ended)).toBe(true);
    expect((await p.account.findUnique({ where: { id: 'acc-1' } }))?.passwordStamp).toBe(ended);
    expect(await s.accounts.pendingPasswordEnds(10)).toEqual([]);
    // what insert wrote, and what the run's reads give back
    const [acc2] = await s.accounts.byExternalIdOrLogin([person(2).externalId], []);
    expect(acc2!.passwordStamp).toBe(syncFields(2).passwordStamp);
  });
});

describe('the stage (a run session)', () => {
  const entry = (n: number) => JSON.stringify(person(n, { displayName: `Người "Số" ${n} \\ ☃` }));

  test('staged entries read back in externalId order, page by page, those with nothing to apply left out and counted; per run', async () => {
    const s = await session();
    await s.stage.open();
    await s.stage.open(); // idempotent
    const first = [5, 3, 9, 1].map((n) => ({ externalId: `ext-${n}`, off: n === 9, entry: entry(n) }));
    expect(await s.stage.add('run-1', first)).toEqual(new Set(['ext-5', 'ext-3', 'ext-9', 'ext-1']));
    const second = [
      { externalId: 'ext-2', off: false, entry: null },
      { externalId: 'ext-4', off: true, entry: null },
      { externalId: 'ext-3', off: false, entry: entry(33) }, // staged before: not again
      { externalId: 'ext-7', off: false, entry: entry(7) },
      { externalId: 'ext-7', off: true, entry: entry(77) }, // twice in one batch: the first only
    ];
    expect(await s.stage.add('run-1', second)).toEqual(new Set(['ext-2', 'ext-4', 'ext-7']));
    expect(await s.stage.add('run-2', [{ externalId: 'ext-1', off: false, entry: entry(100) }])).toEqual(new Set(['ext-1']));
    expect(await s.stage.add('run-1', [])).toEqual(new Set());

    const page1 = await s.stage.read('run-1', '', 3);
    expect(page1.map((r) => r.externalId)).toEqual(['ext-1', 'ext-3', 'ext-5']);
    expect(page1.map((r) => JSON.parse(r.entry) as unknown)).toEqual([1, 3, 5].map((n) => JSON.parse(entry(n))));
    const page2 = await s.stage.read('run-1', 'ext-5', 3);
    expect(page2).toEqual([{ externalId: 'ext-7', entry: entry(7) }, { externalId: 'ext-9', entry: entry(9) }]);
    expect(await s.stage.read('run-1', 'ext-9', 3)).toEqual([]);
    expect(await s.stage.read('run-2', '', 10)).toEqual([{ externalId: 'ext-1', entry: entry(100) }]);
    expect(await s.stage.countNothingToApply('run-1')).toBe(2);
    expect(await s.stage.countNothingToApply('run-2')).toBe(0);

    await s.stage.close('run-1');
    await s.stage.close('run-1'); // idempotent
    await s.stage.open();
    expect(await s.stage.read('run-1', '', 10)).toEqual([]);
    expect(await s.stage.countNothingToApply('run-1')).toBe(0);
  });

  test('gone and off: active linked directory accounts counted against the staged entries', async () => {
    const s = await session();
    await s.stage.open();
    const p = t.db.prisma;
    const created = at('2026-11-27T08:00:00Z');
    // accounts 1-6 active and linked; 7 disabled; a local account; one created after the cutoff
    await s.accounts.insert([1, 2, 3, 4, 5, 6].map((n) => newAccount(n)).concat(newAccount(7, {}, 'disabled')), created);
    await p.account.create({ data: { id: 'local', login: 'local', displayName: 'x', source: 'local', status: 'active' } });
    await s.accounts.insert([newAccount(8)], at('2026-11-27T10:00:00Z'));
    const cutoff = at('2026-11-27T09:00:00Z');
    // the listing has 1, 2 (off), 3 (off, nothing to apply), 7 (off) and 8; 4, 5, 6 are gone
    await s.stage.add('run', [
      { externalId: 'ext-0001', off: false, entry: null },
      { externalId: 'ext-0002', off: true, entry: entry(2) },
      { externalId: 'ext-0003', off: true, entry: null },
      { externalId: 'ext-0007', off: true, entry: entry(7) },
      { externalId: 'ext-0008', off: false, entry: entry(8) },
    ]);
    expect(await s.stage.countGone('run', cutoff)).toBe(3);
    expect(await s.stage.countGone('other-run', cutoff)).toBe(6); // nothing staged by it: every account before the cutoff
    expect(await s.stage.countGone('run', at('2026-11-27T11:00:00Z'))).toBe(3); // 8 is listed
    expect(await s.stage.countOff('run')).toBe(2); // 2 and 3 (7 is disabled already)
    expect(await s.stage.countOff('other-run')).toBe(0);

    expect(await s.stage.goneIds('run', cutoff, '', 2)).toEqual(['acc-4', 'acc-5']);
    expect(await s.stage.goneIds('run', cutoff, 'acc-5', 2)).toEqual(['acc-6']);
    expect(await s.stage.goneIds('run', cutoff, 'acc-6', 2)).toEqual([]);
    await s.accounts.disableIfActive('acc-5', { status: 'disabled', disabledAt: cutoff, attributes: '{}' });
    expect(await s.stage.goneIds('run', cutoff, '', 10)).toEqual(['acc-4', 'acc-6']);
    expect(await s.stage.countGone('run', cutoff)).toBe(2);
  });

  test('each session stages apart; the run\'s rows are gone once closed', async () => {
    const a = await session();
    await a.stage.open();
    await a.stage.add('run-a', [{ externalId: 'x', off: false, entry: entry(1) }]);
    expect(await a.stage.read('run-a', '', 10)).toHaveLength(1);
    await a.stage.close('run-a');
    a.close();
    const b = await session();
    await b.stage.open();
    expect(await b.stage.read('run-a', '', 10)).toEqual([]);
    expect(await t.db.prisma.syncStage.count()).toBe(0);
  });
});
