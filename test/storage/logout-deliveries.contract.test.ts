/**
 * The storage contract of db/repos/logout-deliveries.ts: queue, due, claim, abandon, settle,
 * nextDueAt, list and counts, on a fresh database (SQLite or PostgreSQL, as TEST_DATABASE
 * selects). Each test works in a database of its own, so what is due or counted is only its rows.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client.js';
import { createLogoutDeliveryRepository, type DeliveryRow, type LogoutDeliveryRepository } from '../../src/db/repos/logout-deliveries.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.drop();
  t = undefined;
});

async function fresh(): Promise<{ db: Db; repo: LogoutDeliveryRepository }> {
  t = await createTestDatabase();
  return { db: t.db.prisma, repo: createLogoutDeliveryRepository(t.db.prisma) };
}

const T0 = new Date('2026-12-02T03:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function client(db: Db, o: { uri?: string | null; status?: string } = {}): Promise<string> {
  const id = `app-${randomUUID().slice(0, 8)}`;
  await db.client.create({ data: { id, name: id, type: 'web', redirectUris: '[]', backchannelLogoutUri: o.uri === undefined ? `https://${id}.tinh.gov.vn/bcl` : o.uri, status: o.status ?? 'active' } });
  return id;
}

/** One row queued at `when` for a new application; returns it as stored. */
async function queued(db: Db, repo: LogoutDeliveryRepository, when = T0, accountId = 'acc-1'): Promise<DeliveryRow> {
  const c = await client(db);
  expect(await repo.queue({ accountId, reason: 'test', at: when, targets: [{ clientId: c, sid: `sid-${c}` }] })).toBe(1);
  return (await repo.list({ accountId, limit: 10_000 })).find((r) => r.clientId === c)!;
}

const set = (db: Db, id: string, data: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'createdAt'>>) => db.logoutDelivery.update({ where: { id }, data });

describe('queue', () => {
  test('one pending row per target whose application is active with a back-channel URI, the URI copied', async () => {
    const { db, repo } = await fresh();
    const a = await client(db, { uri: 'https://vpdt.tinh.gov.vn/backchannel' });
    const noUri = await client(db, { uri: null });
    const disabled = await client(db, { status: 'disabled' });
    const n = await repo.queue({
      accountId: 'acc-1',
      reason: 'sso account disable',
      at: T0,
      targets: [{ clientId: a, sid: 's1' }, { clientId: a, sid: null }, { clientId: noUri, sid: 's2' }, { clientId: disabled, sid: 's3' }, { clientId: 'unknown', sid: 's4' }],
    });
    expect(n).toBe(2);
    const rows = await repo.list();
    expect(rows.map((r) => r.sid).sort()).toEqual([null, 's1'].sort());
    for (const r of rows) {
      expect(r).toEqual({
        id: expect.any(String), accountId: 'acc-1', clientId: a, sid: r.sid, uri: 'https://vpdt.tinh.gov.vn/backchannel', kind: 'backchannel', reason: 'sso account disable',
        status: 'pending', attempts: 0, nextAttemptAt: T0, lastError: null, createdAt: T0, deliveredAt: null,
      });
    }
    expect(await repo.queue({ accountId: 'acc-1', reason: 'x', at: T0, targets: [] })).toBe(0);
    expect(await repo.queue({ accountId: 'acc-1', reason: 'x', at: T0, targets: [{ clientId: noUri, sid: null }] })).toBe(0);
    expect(await repo.list()).toHaveLength(2);
  });
});

describe('the worker\'s side', () => {
  test('due: pending or sending rows due by then, soonest first, at most the limit', async () => {
    const { db, repo } = await fresh();
    const late = await queued(db, repo, at(3000));
    const first = await queued(db, repo, at(1000));
    const leaseOver = await queued(db, repo, at(2000));
    await set(db, leaseOver.id, { status: 'sending', attempts: 1 });
    const leased = await queued(db, repo, at(9000));
    await set(db, leased.id, { status: 'sending', attempts: 1 });
    for (const status of ['delivered', 'failed']) await set(db, (await queued(db, repo, at(0))).id, { status });

    expect((await repo.due(at(3000), 50)).map((r) => r.id)).toEqual([first.id, leaseOver.id, late.id]);
    expect((await repo.due(at(2999), 50)).map((r) => r.id)).toEqual([first.id, leaseOver.id]);
    expect((await repo.due(at(3000), 2)).map((r) => r.id)).toEqual([first.id, leaseOver.id]);
    expect(await repo.due(at(999), 50)).toEqual([]);
  });

  test('claim: once per version of the row; the attempt counted, the lease in nextAttemptAt', async () => {
    const { db, repo } = await fresh();
    const row = await queued(db, repo);
    expect(await repo.claim(row, at(0), at(32_000))).toBe(true);
    expect(await repo.claim(row, at(0), at(32_000))).toBe(false); // read before the first claim: another instance has it
    const claimed = (await repo.list())[0]!;
    expect(claimed).toMatchObject({ status: 'sending', attempts: 1, nextAttemptAt: at(32_000) });
    expect(await repo.claim(claimed, at(31_999), at(70_000))).toBe(false); // still leased
    expect(await repo.claim(claimed, at(32_000), at(70_000))).toBe(true); // the lease ran out: due again
    expect((await repo.list())[0]).toMatchObject({ status: 'sending', attempts: 2, nextAttemptAt: at(70_000) });
  });

  test('settle: the outcome of the claim that is still the row\'s, never of a stale one', async () => {
    const { db, repo } = await fresh();
    const [a, b, c] = [await queued(db, repo), await queued(db, repo), await queued(db, repo)];
    for (const r of [a, b, c]) expect(await repo.claim(r, at(0), at(30_000))).toBe(true);

    expect(await repo.settle(a.id, 1, { status: 'delivered', deliveredAt: at(10), lastError: null })).toBe(true);
    expect(await repo.settle(b.id, 1, { status: 'pending', nextAttemptAt: at(1010), lastError: 'HTTP 503' })).toBe(true);
    expect(await repo.settle(c.id, 1, { status: 'failed', lastError: 'timeout after 2000 ms' })).toBe(true);
    const byId = new Map((await repo.list()).map((r) => [r.id, r]));
    expect(byId.get(a.id)).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: at(10), lastError: null });
    expect(byId.get(b.id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(1010), lastError: 'HTTP 503', deliveredAt: null });
    expect(byId.get(c.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'timeout after 2000 ms', deliveredAt: null });

    expect(await repo.settle(a.id, 1, { status: 'failed', lastError: 'late' })).toBe(false); // settled already
    expect(await repo.claim(byId.get(b.id)!, at(1010), at(40_000))).toBe(true);
    expect(await repo.settle(b.id, 1, { status: 'delivered', deliveredAt: at(2000), lastError: null })).toBe(false); // attempt 1's claim is over
    expect(await repo.settle(b.id, 2, { status: 'delivered', deliveredAt: at(2000), lastError: null })).toBe(true);
  });

  test('abandon: a due row nobody may attempt again is failed, once, keeping the error given', async () => {
    const { db, repo } = await fresh();
    const row = await queued(db, repo);
    await set(db, row.id, { status: 'sending', attempts: 3, nextAttemptAt: at(5000) });
    const stale = (await repo.list())[0]!;
    expect(await repo.abandon(stale, at(4999), 'interrupted')).toBe(false); // still leased
    expect(await repo.abandon(row, at(5000), 'interrupted')).toBe(false); // read before it changed
    expect(await repo.abandon(stale, at(5000), 'interrupted: the instance sending it stopped')).toBe(true);
    expect((await repo.list())[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'interrupted: the instance sending it stopped' });
    expect(await repo.abandon(stale, at(5000), 'again')).toBe(false);
  });

  test('nextDueAt: the soonest pending or sending row, or null', async () => {
    const { db, repo } = await fresh();
    expect(await repo.nextDueAt()).toBeNull();
    const done = await queued(db, repo, at(0));
    await set(db, done.id, { status: 'delivered' });
    expect(await repo.nextDueAt()).toBeNull();
    await queued(db, repo, at(5000));
    const sending = await queued(db, repo, at(9000));
    expect(await repo.nextDueAt()).toEqual(at(5000));
    await set(db, sending.id, { status: 'sending', nextAttemptAt: at(3000) });
    expect(await repo.nextDueAt()).toEqual(at(3000));
  });
});

describe('what operators see', () => {
  test('list: newest first, by status and account, the limit kept between 1 and 10 000 (100 by default)', async () => {
    const { db, repo } = await fresh();
    const rows: DeliveryRow[] = [];
    for (let i = 0; i < 4; i++) rows.push(await queued(db, repo, at(i * 1000), i % 2 ? 'acc-odd' : 'acc-even'));
    await set(db, rows[1]!.id, { status: 'failed' });
    expect((await repo.list()).map((r) => r.id)).toEqual([rows[3]!.id, rows[2]!.id, rows[1]!.id, rows[0]!.id]);
    expect((await repo.list({ accountId: 'acc-odd' })).map((r) => r.id)).toEqual([rows[3]!.id, rows[1]!.id]);
    expect((await repo.list({ status: 'failed' })).map((r) => r.id)).toEqual([rows[1]!.id]);
    expect((await repo.list({ status: 'failed', accountId: 'acc-even' }))).toEqual([]);
    expect(await repo.list({ limit: 2 })).toHaveLength(2);
    expect(await repo.list({ limit: 0 })).toHaveLength(1);

    // rows created in the same millisecond: by id, so a page is stable
    const same = [await queued(db, repo, at(10_000), 'acc-same'), await queued(db, repo, at(10_000), 'acc-same')];
    expect((await repo.list({ accountId: 'acc-same' })).map((r) => r.id)).toEqual(same.map((r) => r.id).sort());

    const c = await client(db);
    await repo.queue({ accountId: 'acc-many', reason: 'many', at: T0, targets: Array.from({ length: 120 }, (_, i) => ({ clientId: c, sid: `s${i}` })) });
    expect(await repo.list({ accountId: 'acc-many' })).toHaveLength(100);
    expect(await repo.list({ accountId: 'acc-many', limit: 20_000 })).toHaveLength(120);
  });

  test('counts: failed, and retrying (pending or sending after a failed attempt)', async () => {
    const { db, repo } = await fresh();
    expect(await repo.counts()).toEqual({ failed: 0, retrying: 0 });
    const states: [string, number][] = [['pending', 0], ['pending', 1], ['sending', 1], ['sending', 2], ['delivered', 2], ['failed', 3], ['failed', 1]];
    for (const [status, attempts] of states) await set(db, (await queued(db, repo)).id, { status, attempts });
    expect(await repo.counts()).toEqual({ failed: 2, retrying: 3 });
  });
});
