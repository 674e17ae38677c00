/**
 * Storage contract of the syslog forwarder's repository (db/repos/audit-forward.ts), on SQLite and
 * PostgreSQL: the cursor starts at 0, only moves forward (also when two instances race, and when
 * the stored text is unreadable), events are read after a seq in seq order and bounded, the
 * newest seq, and the forwarding lease held by one instance at a time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { openDatabase, type Database, type Db } from '../../src/db/client.js';
import { AUDIT_FORWARD_CURSOR, AUDIT_FORWARD_LEASE, createAuditForwardRepository, type AuditForwardRepository } from '../../src/db/repos/audit-forward.js';
import { createAuditRepository, type AuditEventWrite } from '../../src/db/repos/audit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let prisma: Db;
let other: Database;
let repo: AuditForwardRepository;
/** A second instance on the same database (its own client and pool). */
let otherRepo: AuditForwardRepository;

beforeAll(async () => {
  t = await createTestDatabase();
  prisma = t.db.prisma;
  other = await openDatabase(t.url, { poolSize: 4 });
  repo = createAuditForwardRepository(prisma);
  otherRepo = createAuditForwardRepository(other.prisma);
});
afterAll(async () => {
  await other?.close();
  await t?.drop();
});
beforeEach(async () => {
  await prisma.auditEvent.deleteMany({});
  await prisma.syncState.deleteMany({ where: { name: AUDIT_FORWARD_CURSOR } });
  await prisma.lease.deleteMany({ where: { name: AUDIT_FORWARD_LEASE } });
});

const hashOf = (seq: number) => String(seq).padStart(6, '0').padEnd(64, 'a');
function rows(from: number, n: number): AuditEventWrite[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    return { seq, at: new Date(Date.UTC(2026, 2, 1) + seq * 1000), type: 'login.failure', outcome: 'invalid_credentials', actor: `người${seq}`, subject: null, clientId: 'dvc', ip: '192.0.2.7', detail: '{}', prevHash: hashOf(seq - 1), hash: hashOf(seq) };
  });
}
async function append(from: number, n: number): Promise<void> {
  const audit = createAuditRepository(prisma);
  await audit.append(rows(from, n));
  audit.closeWriterSoon();
}

describe('the cursor', () => {
  test('is 0 before the first advance, then the seq given', async () => {
    expect(await repo.cursor()).toBe(0);
    expect(await repo.advance(5)).toBe(5);
    expect(await repo.cursor()).toBe(5);
    expect(await otherRepo.cursor()).toBe(5);
  });

  test('never moves back', async () => {
    await repo.advance(10);
    expect(await repo.advance(7)).toBe(10);
    expect(await repo.advance(10)).toBe(10);
    expect(await repo.cursor()).toBe(10);
    expect(await repo.advance(11)).toBe(11);
  });

  test('two instances advancing at once end at the larger seq', async () => {
    for (let round = 0; round < 5; round++) {
      const base = round * 100;
      await Promise.all([repo.advance(base + 40), otherRepo.advance(base + 60), repo.advance(base + 50), otherRepo.advance(base + 30)]);
      expect(await repo.cursor()).toBe(base + 60);
    }
  });

  test('an unreadable stored value reads as 0 and is overwritten by the next advance', async () => {
    await prisma.syncState.create({ data: { name: AUDIT_FORWARD_CURSOR, value: 'not a number' } });
    expect(await repo.cursor()).toBe(0);
    expect(await repo.advance(3)).toBe(3);
    expect(await repo.cursor()).toBe(3);
  });

  test('a seq that is not one is refused', async () => {
    await expect(repo.advance(-1)).rejects.toThrow(RangeError);
    await expect(repo.advance(1.5)).rejects.toThrow(RangeError);
  });
});

describe('reading events', () => {
  test('after a seq, in seq order, at most the limit, text as stored', async () => {
    await append(1, 7);
    expect((await repo.after(0, 3)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await repo.after(3, 10)).map((r) => r.seq)).toEqual([4, 5, 6, 7]);
    expect(await repo.after(7, 10)).toEqual([]);
    const [r] = await repo.after(4, 1);
    expect(r).toMatchObject({ seq: 5, actor: 'người5', hash: hashOf(5), prevHash: hashOf(4), detail: '{}' });
    expect(r!.at).toEqual(new Date(Date.UTC(2026, 2, 1) + 5000));
  });

  test('after rows were removed from the start, reading goes on from the first one kept', async () => {
    await append(1, 5);
    await prisma.auditEvent.deleteMany({ where: { seq: { lte: 3 } } });
    expect((await repo.after(1, 10)).map((r) => r.seq)).toEqual([4, 5]);
  });

  test('the newest seq, 0 when there is none', async () => {
    expect(await repo.lastSeq()).toBe(0);
    await append(1, 4);
    expect(await repo.lastSeq()).toBe(4);
  });
});

describe('the forwarding lease', () => {
  test('one holder at a time; released, another takes it', async () => {
    const a = await repo.holdLease('a', { ttlMs: 30_000 });
    expect(a).not.toBeNull();
    expect(await otherRepo.holdLease('b', { ttlMs: 30_000 })).toBeNull();
    expect((await otherRepo.currentLease())?.holder).toBe('a');
    await a!.release();
    const b = await otherRepo.holdLease('b', { ttlMs: 30_000 });
    expect(b).not.toBeNull();
    expect((await repo.currentLease())?.holder).toBe('b');
    await b!.release();
    expect(await repo.currentLease()).toBeNull();
  });

  test('a holder that stopped renewing loses it once it expires', async () => {
    await prisma.lease.create({ data: { name: AUDIT_FORWARD_LEASE, holder: 'dead', expiresAt: new Date(Date.now() - 1) } });
    const b = await otherRepo.holdLease('b', { ttlMs: 30_000 });
    expect(b).not.toBeNull();
    await b!.release();
  });
});
