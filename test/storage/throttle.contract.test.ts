/**
 * Storage contract of the throttle repository (db/repos/throttle.ts), on SQLite and PostgreSQL:
 * counts, delays and blocks by the clock (an address by fixed windows and short blocks, a person
 * while failures keep coming and for a window), atomic under parallel failures from two
 * instances, taking a failure back, clearing, labels, listing and lifting blocks, and removing
 * counters that no longer count.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import type { ThrottleSettings } from '../../src/domain/throttle.js';
import { createThrottle } from '../../src/db/repos/throttle.js';

const S: ThrottleSettings = {
  windowSeconds: 60,
  accountDelayAfter: 2,
  accountBlockAfter: 3,
  ipDelayAfter: 5,
  ipBlockAfter: 10,
  blockSeconds: 30,
  maxDelayMs: 1000,
};
const t0 = new Date('2026-03-01T08:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('store (shared counters)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  const row = (key: string) => db.db.prisma.loginThrottle.findUnique({ where: { key } });

  test('an address: counts, delays, blocks for blockSeconds; the window and the block end by the clock', async () => {
    const th = createThrottle(db.db.prisma, { ...S, ipDelayAfter: 2, ipBlockAfter: 3 });
    const k = ['ip:192.0.2.9'];
    expect(await th.check(k, t0)).toEqual({ action: 'allow' });
    expect((await th.recordFailure(k, at(1))).decision).toEqual({ action: 'allow' });
    expect((await th.recordFailure(k, at(2))).decision).toEqual({ action: 'allow' });
    expect(await th.check(k, at(3))).toMatchObject({ action: 'delay', ms: 500, key: 'ip:192.0.2.9' });
    // the third failure reaches the limit: it sets the block and may still be checked
    const third = await th.recordFailure(k, at(3));
    expect(third.decision).toMatchObject({ action: 'delay', ms: 500 });
    expect(third.keys[0]!.blockSet).toEqual(at(33));
    expect(await th.check(k, at(4))).toEqual({ action: 'block', until: at(33), key: 'ip:192.0.2.9' });
    expect((await th.recordFailure(k, at(4))).decision).toMatchObject({ action: 'block', until: at(33) });
    // block over inside the window: one attempt gets through and blocks again, the next is refused
    expect(await th.check(k, at(34))).toMatchObject({ action: 'delay', ms: 1000 });
    expect((await th.recordFailure(k, at(34))).decision).toMatchObject({ action: 'delay' });
    expect((await th.recordFailure(k, at(35))).decision).toMatchObject({ action: 'block', until: at(64) });
    // window and block over: a fresh count
    expect((await th.recordFailure(k, at(200))).decision).toEqual({ action: 'allow' });
    expect(await row('ip:192.0.2.9')).toMatchObject({ failures: 1, windowStart: at(200), blockedUntil: null });
  });

  test('a person: counts while failures keep coming within the window, blocks for a window after the last', async () => {
    const th = createThrottle(db.db.prisma, S);
    const k = ['login:seq', 'ip:192.0.2.1'];
    expect((await th.recordFailure(k, at(1))).decision).toEqual({ action: 'allow' });
    // 50 s later, then 50 s later again: never a whole window of quiet, so the count goes on
    expect((await th.recordFailure(k, at(51))).decision).toEqual({ action: 'allow' });
    expect(await row('login:seq')).toMatchObject({ failures: 2, windowStart: at(1), lastFailureAt: at(51) });
    const third = await th.recordFailure(k, at(101));
    expect(third.keys.find((x) => x.key === 'login:seq')!.blockSet).toEqual(at(161));
    expect(await th.check(k, at(160))).toEqual({ action: 'block', until: at(161), key: 'login:seq' });
    // refused attempts neither count nor move the last failure
    const refused = await th.recordFailure(k, at(150));
    expect(refused.decision).toMatchObject({ action: 'block', until: at(161) });
    await th.undoFailure(refused);
    expect(await row('login:seq')).toMatchObject({ failures: 3, lastFailureAt: at(101) });
    // a window after the last failure: over, a fresh count
    expect(await th.check(k, at(161))).not.toMatchObject({ action: 'block' });
    expect((await th.recordFailure(k, at(161))).decision).toEqual({ action: 'allow' });
    expect(await row('login:seq')).toMatchObject({ failures: 1, windowStart: at(161), lastFailureAt: at(161), blockedUntil: null });
    // the address counted every failure in its own fixed window (none was taken back but the refused one)
    expect(await row('ip:192.0.2.1')).toMatchObject({ failures: 1, windowStart: at(161) });
  });

  test('labels, the active blocks, and lifting them (the count stays)', async () => {
    const th = createThrottle(db.db.prisma, { ...S, accountBlockAfter: 2 });
    const now = new Date();
    await th.recordFailure(['entry:z-label'], now, { 'entry:z-label': 'an.nv' });
    await th.recordFailure(['entry:z-label', 'ip:192.0.2.77'], now);
    expect(await row('entry:z-label')).toMatchObject({ failures: 2, label: 'an.nv' });
    const blocks = await th.listBlocks(now);
    const mine = blocks.find((b) => b.key === 'entry:z-label');
    expect(mine).toMatchObject({ label: 'an.nv', failures: 2, blockedUntil: new Date(now.getTime() + 60_000) });
    expect(blocks.some((b) => b.key === 'ip:192.0.2.77')).toBe(false);
    expect(await th.clearBlocks(['entry:z-label', 'ip:192.0.2.77', 'login:nobody'], now)).toBe(1);
    expect(await th.clearBlocks(['entry:z-label'], now)).toBe(0);
    expect(await row('entry:z-label')).toMatchObject({ failures: 2, blockedUntil: null });
    // one more attempt goes on; its failure blocks again at once
    const again = await th.recordFailure(['entry:z-label'], now);
    expect(again.decision.action).not.toBe('block');
    expect(again.keys[0]!.blockSet).not.toBeNull();
    expect((await th.listBlocks(now)).some((b) => b.key === 'entry:z-label')).toBe(true);
    await th.recordSuccess(['entry:z-label', 'ip:192.0.2.77']);
    expect(await row('entry:z-label')).toBeNull();
    expect(await row('ip:192.0.2.77')).toBeNull();
  });

  test('a burst of parallel failures: exactly blockAfter of them get through, the others are refused', async () => {
    const th = createThrottle(db.db.prisma, S);
    const now = new Date();
    const results = await Promise.all(Array.from({ length: 20 }, () => th.recordFailure(['login:burst'], now)));
    expect(results.filter((r) => r.decision.action !== 'block')).toHaveLength(3);
    // a person's block lasts a window (60 s here)
    expect(await row('login:burst')).toMatchObject({ failures: 20, blockedUntil: new Date(now.getTime() + 60_000) });
    // two throttles (two instances) on one database share the counters
    const other = createThrottle(db.db.prisma, S);
    expect(await other.check(['login:burst'], now)).toMatchObject({ action: 'block' });
  });

  test('undoFailure takes a counted failure back, with the block it set; recordSuccess clears the account', async () => {
    const th = createThrottle(db.db.prisma, S);
    const now = new Date();
    const k = ['login:undo', 'ip:192.0.2.2'];
    await th.recordFailure(k, now);
    await th.recordFailure(k, now);
    const third = await th.recordFailure(k, now);
    expect(await th.check(k, now)).toMatchObject({ action: 'block' });
    await th.undoFailure(third, ['login:undo']);
    expect(await row('login:undo')).toMatchObject({ failures: 2, blockedUntil: null });
    expect(await row('ip:192.0.2.2')).toMatchObject({ failures: 3 });
    await th.undoFailure(third);
    expect(await row('ip:192.0.2.2')).toMatchObject({ failures: 2 });
    await th.recordSuccess('login:undo');
    expect(await row('login:undo')).toBeNull();
    expect(await row('ip:192.0.2.2')).toMatchObject({ failures: 2 });
  });

  test('gc removes only counters that no longer count', async () => {
    const th = createThrottle(db.db.prisma, S);
    await th.recordFailure(['login:gc'], new Date());
    expect(await th.gc(new Date())).toBe(0);
    expect(await row('login:gc')).not.toBeNull();
    expect(await th.gc(new Date(Date.now() + 61_000))).toBeGreaterThanOrEqual(1);
    expect(await row('login:gc')).toBeNull();
  });
});
