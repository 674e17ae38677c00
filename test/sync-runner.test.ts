/**
 * The sync runner against a scripted directory (entries in a chosen order, chosen modification
 * times) on the real database: ordering cases, duplicates, and the changed-only high-water mark.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { DirectoryConnector, DirectoryIdentity, EntryResult, ListOptions } from '../src/directory/types.js';
import { createLogger } from '../src/util/logger.js';
import { runSync, type RunSyncOptions } from '../src/sync/run.js';
import { accountFields } from '../src/domain/account-link.js';
import { changedSince } from '../src/domain/sync-mark.js';
import { HIGH_WATER_MARK, createSyncRepository, type SyncRepository } from '../src/db/repos/sync.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
let repo: SyncRepository;
beforeAll(async () => {
  t = await createTestDatabase();
  repo = createSyncRepository(t.db.prisma);
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(async () => {
  await t.db.prisma.account.deleteMany();
  await t.db.prisma.syncState.deleteMany();
});

function person(n: number, over: Partial<DirectoryIdentity> = {}): DirectoryIdentity {
  return {
    externalId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
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
    organization: {},
    groups: [],
    groupDns: [],
    modifiedAt: new Date('2026-11-27T01:00:00Z'),
    ...over,
  };
}

/** A directory that lists exactly these entries, in this order, and records what it was asked. */
function scripted(entries: EntryResult[]) {
  const calls: ListOptions[] = [];
  const connector: DirectoryConnector = {
    kind: 'scripted',
    authenticate: async () => ({ ok: false, reason: 'unavailable', detail: 'scripted' }),
    lookup: async () => null,
    ping: async () => true,
    close: async () => {},
    async *list(o: ListOptions = {}) {
      calls.push(o);
      yield* entries;
    },
  };
  return { connector, calls };
}

const ok = (identity: DirectoryIdentity): EntryResult => ({ ok: true, identity });

function sync(directory: DirectoryConnector, mode: 'full' | 'changed', over: Partial<RunSyncOptions> = {}) {
  return runSync({
    repo, directory, mailDomains: ['tinh.gov.vn'], mode, maxDisablePercent: 5, pageSize: 100,
    endAccess: async () => {}, logger: createLogger('silent'), ...over,
  });
}

describe('sync runner', () => {
  test('a login taken over from an account renamed later in the same run is not a conflict', async () => {
    const a = person(1);
    const b = person(2);
    await sync(scripted([ok(a), ok(b)]).connector, 'changed');
    // b takes a's login and is listed first; a moves to a new login; one entry per batch
    const r = await sync(scripted([ok({ ...b, login: 'user1' }), ok({ ...a, login: 'user1-moi' })]).connector, 'changed', { batchSize: 1 });
    expect(r).toMatchObject({ status: 'success', updated: 2, conflicts: 0 });
    const byLogin = Object.fromEntries((await t.db.prisma.account.findMany()).map((x) => [x.login, x.externalId]));
    expect(byLogin).toEqual({ user1: b.externalId, 'user1-moi': a.externalId });
  });

  test('a swap of two logins cannot be applied in one run: reported as a conflict, nothing merged', async () => {
    const a = person(1);
    const b = person(2);
    await sync(scripted([ok(a), ok(b)]).connector, 'changed');
    const r = await sync(scripted([ok({ ...a, login: 'user2' }), ok({ ...b, login: 'user1' })]).connector, 'full');
    expect(r.conflicts).toBe(2);
    expect(r.status).toBe('partial');
    const byLogin = Object.fromEntries((await t.db.prisma.account.findMany()).map((x) => [x.login, x.externalId]));
    expect(byLogin).toEqual({ user1: a.externalId, user2: b.externalId });
  });

  test('two entries with the same id: the second is reported; two new entries with the same login: the second is a conflict', async () => {
    const a = person(1);
    const r = await sync(scripted([ok(a), ok({ ...a, dn: 'uid=copy,ou=people,dc=tinh,dc=gov,dc=vn' }), ok(person(3, { login: 'user1' }))]).connector, 'full');
    expect(r).toMatchObject({ seen: 3, created: 1, failed: 1, conflicts: 1, status: 'partial' });
    expect(r.errors.map((e) => e.kind).sort()).toEqual(['conflict', 'duplicate']);
    expect(await t.db.prisma.account.count()).toBe(1);
  });

  test('changed-only: lists from the high-water mark minus the last run\'s duration, and moves the mark to the newest change seen', async () => {
    const p = t.db.prisma;
    const first = scripted([ok(person(1, { modifiedAt: new Date('2026-11-27T01:00:00Z') })), ok(person(2, { modifiedAt: new Date('2026-11-27T01:00:07Z') }))]);
    const r = await sync(first.connector, 'changed');
    expect(first.calls).toEqual([{ changedSince: undefined, pageSize: 100 }]); // no mark yet: everything
    expect(r.message).toMatch(/no high-water mark yet/);
    const hwm = (await repo.readHighWaterMark())!;
    expect(hwm.modifiedAt.toISOString()).toBe('2026-11-27T01:00:07.000Z');
    expect(hwm.windowSeconds).toBeGreaterThanOrEqual(1);

    const second = scripted([ok(person(3, { modifiedAt: new Date('2026-11-27T00:59:00Z') }))]); // older than the mark: the mark stays
    await sync(second.connector, 'changed');
    expect(second.calls[0]!.changedSince).toEqual(changedSince(hwm, 1));
    expect((await repo.readHighWaterMark())!.modifiedAt.toISOString()).toBe('2026-11-27T01:00:07.000Z');

    // a long run (say a full listing of 60 s) widens the next listing by as much
    await repo.writeHighWaterMark({ modifiedAt: new Date('2026-11-27T02:00:00.500Z'), windowSeconds: 60 });
    const third = scripted([]);
    await sync(third.connector, 'changed');
    expect(third.calls[0]!.changedSince!.toISOString()).toBe('2026-11-27T01:59:00.000Z');

    // a dry run does not move it; a failed listing does not move it
    const before = await p.syncState.findUnique({ where: { name: HIGH_WATER_MARK } });
    await sync(scripted([ok(person(4, { modifiedAt: new Date('2026-11-28T00:00:00Z') }))]).connector, 'changed', { dryRun: true });
    const failing = scripted([]);
    failing.connector.list = async function* () {
      yield ok(person(5, { modifiedAt: new Date('2026-11-28T00:00:00Z') }));
      throw new Error('connection reset');
    };
    expect((await sync(failing.connector, 'changed')).status).toBe('failed');
    expect((await p.syncState.findUnique({ where: { name: HIGH_WATER_MARK } }))?.value).toBe(before?.value);
    expect(await p.account.findFirst({ where: { login: 'user5' } })).not.toBeNull(); // applied all the same
  });

  test('changed-only: an entry listed again exactly as seen is skipped; changed within the same second, it is applied', async () => {
    const at = new Date('2026-11-27T05:00:00Z');
    const v1 = person(1, { modifiedAt: at, phoneNumber: '0912 000 001' });
    expect(await sync(scripted([ok(v1)]).connector, 'changed')).toMatchObject({ seen: 1, created: 1 });
    expect(await sync(scripted([ok(v1)]).connector, 'changed')).toMatchObject({ id: null, seen: 0, created: 0, updated: 0 });
    // modified again within the same second: same modifyTimestamp, other content
    const v2 = { ...v1, phoneNumber: '0912 000 002' };
    expect(await sync(scripted([ok(v1), ok(v2)]).connector, 'changed')).toMatchObject({ seen: 1, updated: 1 });
    expect((await t.db.prisma.account.findFirst({ where: { login: 'user1' } }))!.phoneNumber).toBe('0912 000 002');
    // an unusable entry is reported once, not at every run that lists it again
    const bad: EntryResult = { ok: false, dn: 'uid=x,ou=people,dc=tinh,dc=gov,dc=vn', error: 'missing zimbraId' };
    expect(await sync(scripted([ok(v2), bad]).connector, 'changed')).toMatchObject({ status: 'partial', seen: 1, failed: 1 });
    expect(await sync(scripted([ok(v2), bad]).connector, 'changed')).toMatchObject({ id: null, status: 'success', seen: 0, failed: 0 });
  });

  test('changed-only: an entry whose write was refused (the account changed meanwhile) is applied when listed again', async () => {
    const v1 = person(1, { modifiedAt: new Date('2026-11-27T06:00:00Z') });
    await sync(scripted([ok(v1)]).connector, 'changed');
    const v2 = { ...v1, displayName: 'Người Đổi Tên' };
    // every write finds the account changed since it was read (its guard no longer holds)
    const refusing: SyncRepository = {
      ...repo,
      async openSession() {
        const s = await repo.openSession();
        return { ...s, accounts: { ...s.accounts, update: async () => new Set<string>() } };
      },
    };
    expect(await sync(scripted([ok(v2)]).connector, 'changed', { repo: refusing })).toMatchObject({ status: 'partial', seen: 1, failed: 1, updated: 0 });
    expect(await sync(scripted([ok(v2)]).connector, 'changed')).toMatchObject({ seen: 1, updated: 1 });
  });

  test('a password change whose end of access fails is retried by the next runs; the account stays active', async () => {
    const v1 = person(1, { modifiedAt: new Date('2026-11-27T07:00:00Z'), passwordChanged: '20261101000000Z', passwordChangedAt: new Date('2026-11-01T00:00:00Z') });
    await sync(scripted([ok(v1)]).connector, 'full');
    const v2 = { ...v1, modifiedAt: new Date('2026-11-27T07:05:00Z'), passwordChanged: '20261127070500Z', passwordChangedAt: new Date('2026-11-27T07:05:00Z') };
    const calls: string[] = [];
    const failing = async (_id: string, reason: string) => {
      calls.push(reason);
      throw new Error('database unreachable');
    };
    const r = await sync(scripted([ok(v2)]).connector, 'changed', { endAccess: failing });
    expect(r).toMatchObject({ status: 'partial', updated: 1 });
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'end_access', login: 'user1' })]);
    const account = async () => (await t.db.prisma.account.findFirst({ where: { login: 'user1' } }))!;
    expect(await account()).toMatchObject({ status: 'active', passwordStamp: '{"ended":false,"value":"20261127070500Z"}' });
    // the next run (nothing new listed) ends the sessions and settles the stamp
    const ended: string[] = [];
    await sync(scripted([ok(v2)]).connector, 'changed', { endAccess: async (_id, reason) => void ended.push(reason) });
    expect([calls, ended]).toEqual([['directory: password changed'], ['directory: password changed']]);
    expect((await account()).passwordStamp).toBe('{"ended":true,"value":"20261127070500Z"}');
    await sync(scripted([ok(v2)]).connector, 'changed', { endAccess: async (_id, reason) => void ended.push(reason) });
    expect(ended).toHaveLength(1);
  });

  test('an account created just before or during a full listing (a first login) is not taken for gone', async () => {
    const p = t.db.prisma;
    const listed = person(1);
    await sync(scripted([ok(listed)]).connector, 'full');
    // two directory accounts whose entries the listing will not show: one a minute old, one just created
    const base = { source: 'directory', status: 'active', displayName: 'x' };
    await p.account.create({ data: { ...base, id: 'old', login: 'old', externalId: 'ext-old', createdAt: new Date(Date.now() - 120_000) } });
    await p.account.create({ data: { ...base, id: 'new', login: 'new', externalId: 'ext-new' } });
    const r = await sync(scripted([ok(listed)]).connector, 'full', { maxDisablePercent: 100 });
    expect(r).toMatchObject({ disabled: 1, wouldDisable: 1 });
    expect((await p.account.findUnique({ where: { id: 'old' } }))?.status).toBe('disabled');
    expect((await p.account.findUnique({ where: { id: 'new' } }))?.status).toBe('active');
  });

  test('with the real deprovisioner (src/deprovision/service.ts): a disabled account\'s sessions, grants and tokens are gone', async () => {
    const mod = (await import('../src/deprovision/service.js').catch(() => null)) as { createDeprovisioner?: (o: unknown) => { endAccess(id: string, reason: string): Promise<unknown>; stop(): Promise<void> } } | null;
    if (!mod?.createDeprovisioner) return; // not there yet
    const p = t.db.prisma;
    const { createSessionRepository } = await import('../src/db/repos/sessions.js');
    const { createLogoutDeliveryRepository } = await import('../src/db/repos/logout-deliveries.js');
    const dep = mod.createDeprovisioner({
      sessions: createSessionRepository(p), deliveries: createLogoutDeliveryRepository(p), keys: { current: async () => { throw new Error('no keys in this test'); } }, issuer: 'http://localhost:3000',
      logger: createLogger('silent'), attempts: 1, timeoutMs: 1000,
    });
    try {
      const a = person(1);
      await sync(scripted([ok(a)]).connector, 'changed');
      const acc = (await p.account.findUnique({ where: { externalId: a.externalId } }))!;
      await p.oidcPayload.createMany({ data: [
        { type: 'Session', id: 's1', accountId: acc.id, payload: JSON.stringify({ accountId: acc.id, authorizations: {} }) },
        { type: 'Grant', id: 'g1', accountId: acc.id, payload: '{}' },
        { type: 'AccessToken', id: 'at1', accountId: acc.id, grantId: 'g1', payload: '{}' },
      ] });
      const r = await sync(scripted([ok({ ...a, status: 'disabled', statusDetail: 'zimbraAccountStatus=closed' })]).connector, 'changed', { endAccess: (id, reason) => dep.endAccess(id, reason) });
      expect(r).toMatchObject({ status: 'success', disabled: 1 });
      expect(await p.oidcPayload.count({ where: { accountId: acc.id } })).toBe(0);
      expect(await p.oidcPayload.count({ where: { grantId: 'g1' } })).toBe(0);
    } finally {
      await dep.stop().catch(() => undefined);
    }
  });

  test('the audit trail: each run, each account created, each status change with its reason; a dry run only its run', async () => {
    const { createAuditLog } = await import('../src/audit/log.js');
    const { createAuditRepository } = await import('../src/db/repos/audit.js');
    const p = t.db.prisma;
    await p.auditEvent.deleteMany();
    const audit = createAuditLog(createAuditRepository(p), { logger: createLogger('silent'), retentionSeconds: 0 });
    const a = person(1);
    const b = person(2);
    await sync(scripted([ok(a), ok(b)]).connector, 'full', { audit, holder: 'sso-1:42' });
    await sync(scripted([ok({ ...a, status: 'disabled', statusDetail: 'zimbraAccountStatus=closed' })]).connector, 'full', { audit, holder: 'sso-1:42', dryRun: true, maxDisablePercent: 100, newAccountGraceMs: 0 });
    await sync(scripted([ok({ ...a, status: 'disabled', statusDetail: 'zimbraAccountStatus=closed' })]).connector, 'full', { audit, holder: 'sso-1:42', maxDisablePercent: 100, newAccountGraceMs: 0 });
    await audit.flush();
    const events = await p.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    const idA = (await p.account.findUnique({ where: { externalId: a.externalId } }))!.id;
    const idB = (await p.account.findUnique({ where: { externalId: b.externalId } }))!.id;
    expect(events.map((e) => [e.type, e.outcome, e.subject])).toEqual([
      ['account.created', 'success', expect.any(String)],
      ['account.created', 'success', expect.any(String)],
      ['sync.run', 'success', null],
      ['sync.run', 'success', null], // the dry run
      ['account.status_changed', 'disabled', idA],
      ['account.status_changed', 'disabled', idB],
      ['sync.run', 'success', null],
    ]);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(['directory-sync@sso-1:42']));
    expect(JSON.parse(events[0]!.detail)).toMatchObject({ login: expect.stringMatching(/^user[12]$/), source: 'directory', status: 'active' });
    expect(JSON.parse(events[3]!.detail)).toMatchObject({ mode: 'full', dry_run: true, disabled: 2 });
    expect(JSON.parse(events[4]!.detail)).toEqual({ login: 'user1', from: 'active', to: 'disabled', source: 'directory', reason: 'directory: zimbraAccountStatus=closed' });
    expect(JSON.parse(events[5]!.detail)).toMatchObject({ reason: 'directory: entry no longer in the directory' });
    expect(JSON.parse(events[6]!.detail)).toMatchObject({ mode: 'full', dry_run: false, seen: 1, disabled: 2 });
    expect(await audit.verify()).toMatchObject({ ok: true, count: 7 });
  });

  test('a precondition checked under the lease can skip the run (nothing recorded)', async () => {
    const runs = await t.db.prisma.syncRun.count();
    const r = await sync(scripted([ok(person(1))]).connector, 'full', { precondition: async () => false });
    expect(r).toMatchObject({ skipped: true, id: null, seen: 0 });
    expect(await t.db.prisma.syncRun.count()).toBe(runs);
    expect(await t.db.prisma.lease.count()).toBe(0);
    expect((await sync(scripted([ok(person(1))]).connector, 'full', { precondition: async () => true })).created).toBe(1);
  });

  test('a full run sets the mark too, so changed-only runs start from it', async () => {
    await sync(scripted([ok(person(1, { modifiedAt: new Date('2026-11-27T03:00:00Z') }))]).connector, 'full');
    expect((await repo.readHighWaterMark())!.modifiedAt.toISOString()).toBe('2026-11-27T03:00:00.000Z');
  });

  test('timers run while a long run is busy (SQLite answers synchronously), so the lease is renewed and a run longer than it keeps it', async () => {
    // a directory that never waits (the listing is in memory) and a database that answers at once:
    // without a turn of the event loop per batch, no timer (the lease's renewal) would run until the end
    const people = Array.from({ length: 1500 }, (_, i) => ok(person(i + 1)));
    let running = false;
    let ticks = 0;
    const timer = setInterval(() => {
      if (running) ticks++;
    }, 10);
    try {
      running = true;
      const r = await sync(scripted(people).connector, 'full', { leaseTtlMs: 1000, batchSize: 5 });
      running = false;
      expect(r).toMatchObject({ status: 'success', created: 1500 });
      expect(ticks).toBeGreaterThan(0);
      ticks = 0;
      running = true;
      const again = await sync(scripted(people).connector, 'full', { leaseTtlMs: 1000, batchSize: 5 });
      running = false;
      expect(again).toMatchObject({ status: 'success', unchanged: 1500 });
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  }, 180_000);

  test('accounts are created and updated with every column accountFields sets', async () => {
    const a = person(1, { displayName: 'Đặng Thùy Dương', aliases: ['duong.dang@tinh.gov.vn'], organization: { department: 'Sở Y tế' }, groups: ['Văn thư Sở Y tế'] });
    await sync(scripted([ok(a)]).connector, 'full');
    const columns = (row: Record<string, unknown>, fields: Record<string, unknown>) => Object.fromEntries(Object.keys(fields).map((k) => [k, row[k]]));
    const fields = accountFields(a, ['tinh.gov.vn']);
    let row = (await t.db.prisma.account.findUnique({ where: { externalId: a.externalId } }))!;
    expect(columns(row, fields)).toEqual(fields);
    const b = { ...a, login: 'duongdt', email: 'duongdt@tinh.gov.vn', displayName: 'Đặng Thùy Dương (Văn thư)' };
    await sync(scripted([ok(b)]).connector, 'full');
    row = (await t.db.prisma.account.findUnique({ where: { externalId: a.externalId } }))!;
    expect(columns(row, accountFields(b, ['tinh.gov.vn']))).toEqual(accountFields(b, ['tinh.gov.vn']));
  });
});
