/**
 * Named leases (src/sync/lease.ts) on the real database: one holder at a time even when many
 * clients (instances) race for it, renew and release by the holder only, expiry frees the lease
 * of a dead holder.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { openDatabase, type Database } from '../src/db/client.js';
import { acquireLease, awaitLease, currentLease, holdLease, releaseLease, renewLease } from '../src/db/lease.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
let others: Database[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  // four more "instances" on the same database
  others = await Promise.all([1, 2, 3, 4].map(() => openDatabase(t.url, { poolSize: 2 })));
});
afterAll(async () => {
  await Promise.all(others.map((d) => d.close()));
  await t?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lease', () => {
  test('first use inserts; a second holder is refused; the holder renews and releases', async () => {
    const p = t.db.prisma;
    expect(await acquireLease(p, 'a', 'h1', 10_000)).toBe(true);
    expect(await acquireLease(p, 'a', 'h2', 10_000)).toBe(false);
    expect(await acquireLease(p, 'a', 'h1', 10_000)).toBe(true); // re-entrant for the same holder
    expect(await renewLease(p, 'a', 'h2', 10_000)).toBe(false);
    expect(await renewLease(p, 'a', 'h1', 10_000)).toBe(true);
    expect((await currentLease(p, 'a'))?.holder).toBe('h1');
    await releaseLease(p, 'a', 'h2'); // not the holder: nothing happens
    expect((await currentLease(p, 'a'))?.holder).toBe('h1');
    await releaseLease(p, 'a', 'h1');
    expect(await currentLease(p, 'a')).toBeNull();
    expect(await acquireLease(p, 'a', 'h2', 10_000)).toBe(true);
  });

  test('an expired lease (its holder died) is taken over; the dead holder cannot renew it', async () => {
    const p = t.db.prisma;
    const past = new Date(Date.now() - 60_000);
    expect(await acquireLease(p, 'b', 'dead', 1_000, past)).toBe(true); // expired 59 s ago
    expect(await currentLease(p, 'b')).toBeNull();
    expect(await acquireLease(p, 'b', 'alive', 10_000)).toBe(true);
    expect(await renewLease(p, 'b', 'dead', 10_000)).toBe(false);
  });

  test.each([['a never used'], ['an expired']])('many instances racing for %s lease: exactly one wins', async (kind) => {
    for (let round = 0; round < 10; round++) {
      const name = `race-${kind}-${round}`;
      if (kind === 'an expired') await acquireLease(t.db.prisma, name, 'dead', 1, new Date(Date.now() - 60_000));
      const clients = [t.db, ...others].map((d) => d.prisma);
      const results = await Promise.all(clients.flatMap((c, i) => [0, 1].map((k) => acquireLease(c, name, `holder-${i}-${k}`, 10_000))));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  test('holdLease renews while held, reports loss when taken over, releases', async () => {
    const p = t.db.prisma;
    const held = await holdLease(p, 'c', 'keeper', { ttlMs: 300, renewMs: 50 });
    expect(held).not.toBeNull();
    await sleep(700); // longer than the TTL: only renewals keep it
    expect(held!.lost()).toBe(false);
    expect(await acquireLease(others[0]!.prisma, 'c', 'intruder', 10_000)).toBe(false);
    expect(await holdLease(others[0]!.prisma, 'c', 'intruder')).toBeNull();
    // someone deletes it behind our back and takes it: the next renewal notices
    await p.lease.deleteMany({ where: { name: 'c' } });
    expect(await acquireLease(others[1]!.prisma, 'c', 'intruder', 10_000)).toBe(true);
    await sleep(200);
    expect(held!.lost()).toBe(true);
    await held!.release(); // does not free the intruder's lease
    expect((await currentLease(p, 'c'))?.holder).toBe('intruder');
  });

  test('awaitLease: waits for the holder to release, and says so when it does not in time', async () => {
    const p = t.db.prisma;
    expect(await acquireLease(p, 'd', 'first', 60_000)).toBe(true);
    const started = Date.now();
    const waiting = awaitLease(others[0]!.prisma, 'd', 'second', { waitMs: 10_000, busy: 'd is busy' });
    await sleep(300);
    await releaseLease(p, 'd', 'first');
    const held = await waiting;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect((await currentLease(p, 'd'))?.holder).toBe('second');
    await expect(awaitLease(p, 'd', 'third', { waitMs: 250, busy: 'd is busy' })).rejects.toThrow('d is busy');
    await held.release();
    expect(await currentLease(p, 'd')).toBeNull();
  });
});
