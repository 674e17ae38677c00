/**
 * Storage contract of the throttle repository (db/repos/throttle.ts), on SQLite and PostgreSQL:
 * counts, delays and blocks by the clock, atomic under parallel failures from two instances,
 * taking a failure back, clearing, and removing counters that no longer count.
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

  test('counts, delays, blocks; the window and the block end by the clock', async () => {
    const th = createThrottle(db.db.prisma, S);
    const k = ['login:seq', 'ip:192.0.2.1'];
    expect(await th.check(k, t0)).toEqual({ action: 'allow' });
    expect((await th.recordFailure(k, at(1))).decision).toEqual({ action: 'allow' });
    expect((await th.recordFailure(k, at(2))).decision).toEqual({ action: 'allow' });
    expect(await th.check(k, at(3))).toMatchObject({ action: 'delay', ms: 500, key: 'login:seq' });
    // the third failure reaches the limit: it sets the block and may still be checked
    const third = await th.recordFailure(k, at(3));
    expect(third.decision).toMatchObject({ action: 'delay', ms: 500 });
    expect(third.keys.find((x) => x.key === 'login:seq')!.blockSet).toEqual(at(33));
    expect(await th.check(k, at(4))).toEqual({ action: 'block', until: at(33), key: 'login:seq' });
    expect((await th.recordFailure(k, at(4))).decision).toMatchObject({ action: 'block', until: at(33) });
    // block over inside the window: one attempt gets through and blocks again, the next is refused
    expect(await th.check(k, at(34))).toMatchObject({ action: 'delay', ms: 1000 });
    expect((await th.recordFailure(k, at(34))).decision).toMatchObject({ action: 'delay' });
    expect((await th.recordFailure(k, at(35))).decision).toMatchObject({ action: 'block', until: at(64) });
    // the address counted every failure (none was taken back)
    expect(await row('ip:192.0.2.1')).toMatchObject({ failures: 6, windowStart: at(1), blockedUntil: null });
    // window and block over: a fresh count
    expect((await th.recordFailure(k, at(200))).decision).toEqual({ action: 'allow' });
    expect(await row('login:seq')).toMatchObject({ failures: 1, windowStart: at(200), blockedUntil: null });
    expect(await row('ip:192.0.2.1')).toMatchObject({ failures: 1, windowStart: at(200) });
  });

  test('a burst of parallel failures: exactly blockAfter of them get through, the others are refused', async () => {
    const th = createThrottle(db.db.prisma, S);
    const now = new Date();
    const results = await Promise.all(Array.from({ length: 20 }, () => th.recordFailure(['login:burst'], now)));
    expect(results.filter((r) => r.decision.action !== 'block')).toHaveLength(3);
    expect(await row('login:burst')).toMatchObject({ failures: 20, blockedUntil: new Date(now.getTime() + 30_000) });
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
