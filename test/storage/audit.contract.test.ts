/**
 * Storage contract of the audit repository (db/repos/audit.ts), on SQLite and PostgreSQL: links,
 * appending a batch all or nothing (a seq taken by another instance refuses the whole batch, as
 * AuditSeqTaken), rows in seq order across read batches and time ranges, text round trips, the
 * anchor (unreadable, compare-and-set never moving it back, the deletions up to it), the
 * audit.pruned markers, the first/first-kept lookups, list, the console's filters and keyset
 * pages, and the prune lease.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { openDatabase, type Database, type Db } from '../../src/db/client.js';
import { AUDIT_ANCHOR_STATE, AuditSeqTaken, createAuditRepository, type AuditEventWrite, type AuditRepository } from '../../src/db/repos/audit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let prisma: Db;
let other: Database;
let repo: AuditRepository;
/** Reads three rows at a time: every read crosses batch boundaries. */
let small: AuditRepository;
/** A second instance on the same database (its own client and pool). */
let otherRepo: AuditRepository;

beforeAll(async () => {
  t = await createTestDatabase();
  prisma = t.db.prisma;
  other = await openDatabase(t.url, { poolSize: 4 });
  repo = createAuditRepository(prisma);
  small = createAuditRepository(prisma, { readBatch: 3 });
  otherRepo = createAuditRepository(other.prisma);
});
afterAll(async () => {
  for (const r of [repo, small, otherRepo]) r?.closeWriterSoon();
  await other?.close();
  await t?.drop();
});
beforeEach(async () => {
  await prisma.auditEvent.deleteMany({});
  await prisma.syncState.deleteMany({ where: { name: AUDIT_ANCHOR_STATE } });
});

const t0 = Date.UTC(2026, 2, 1, 1, 0, 0);
const hashOf = (seq: number, tag = '') => `${tag}${String(seq).padStart(6, '0')}`.padEnd(64, 'a');

/** n rows from seq `from` (a storage test: hashes are labels, not a chain). */
function rows(from: number, n: number, extra: (seq: number) => Partial<AuditEventWrite> = () => ({})): AuditEventWrite[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    return {
      seq,
      at: new Date(t0 + seq * 1000 + 123),
      type: 'login.failure',
      outcome: 'invalid_credentials',
      actor: `nguoi${seq}`,
      subject: null,
      clientId: 'cong-dich-vu-cong',
      ip: '192.0.2.7',
      detail: JSON.stringify({ n: seq }),
      prevHash: hashOf(seq - 1),
      hash: hashOf(seq),
      ...extra(seq),
    };
  });
}

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const seqs = (rs: { seq: number }[]) => rs.map((r) => r.seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('appending', () => {
  test('links of an empty table, then of the rows appended', async () => {
    expect(await repo.lastLink()).toBeNull();
    expect(await repo.link(1)).toBeNull();
    expect(await repo.firstSeqAfter(0)).toBeNull();
    await repo.append(rows(1, 3));
    expect(await repo.lastLink()).toEqual({ seq: 3, hash: hashOf(3) });
    expect(await repo.link(2)).toEqual({ seq: 2, hash: hashOf(2) });
    expect(await repo.link(4)).toBeNull();
    expect(await repo.firstSeqAfter(0)).toBe(1);
    expect(await repo.firstSeqAfter(2)).toBe(3);
    expect(await repo.firstSeqAfter(3)).toBeNull();
  });

  test('a batch whose seq is taken is refused whole, as AuditSeqTaken; the stored rows are untouched', async () => {
    await repo.append(rows(1, 3));
    // more rows than one SQLite statement takes: the batch is still one transaction
    const clash = [...rows(4, 250), ...rows(3, 1, () => ({ hash: hashOf(3, 'x'), actor: 'ke-gian' }))];
    const err = await repo.append(clash).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AuditSeqTaken);
    expect((err as Error).message).not.toBe('');
    expect(await prisma.auditEvent.count()).toBe(3);
    expect(await repo.link(3)).toEqual({ seq: 3, hash: hashOf(3) });
    // the same rows on the new head go in
    await repo.append(rows(4, 250));
    expect(await repo.lastLink()).toEqual({ seq: 253, hash: hashOf(253) });
  });

  test('two instances appending the same seq: one wins, the other gets AuditSeqTaken', async () => {
    const results = await Promise.allSettled([repo.append(rows(1, 40, () => ({ actor: 'a' }))), otherRepo.append(rows(1, 40, () => ({ actor: 'b' })))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AuditSeqTaken);
    const stored = await prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    expect(seqs(stored)).toEqual(range(1, 40));
    expect(new Set(stored.map((r) => r.actor)).size).toBe(1);
  });

  test('text with Vietnamese and odd characters, and times to the millisecond, come back as written', async () => {
    const odd = [
      { actor: 'Nguyễn Thị "Hoa", Sở Y tế', subject: 'Trần Văn Đức', clientId: 'một-cửa', ip: '2001:db8::1', detail: JSON.stringify({ note: 'dòng 1\ndòng 2\r\n\tđ', q: "O'Brien \\ \"x\"" }) },
      { actor: '=HYPERLINK("http://x")', subject: "'=1+1", clientId: '@app', ip: '-1', detail: '{"a":"\\u0000 escaped, not a NUL"}' },
      { actor: '😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ǅ ﬁ', subject: '%_ like [wildcards]', clientId: null, ip: null, detail: '{}' },
      { actor: 'Ặ ặ Ỵ ỵ ̀ combining', subject: 'tab\there', clientId: ' spaces ', ip: '', detail: 'not json at all, kept as text' },
    ];
    const written = rows(1, odd.length, (seq) => ({ ...odd[seq - 1], type: 'consent', outcome: 'granted' }));
    written[1] = { ...written[1]!, at: '2026-03-01T08:00:00.001Z' };
    await repo.append(written);
    const back = await collect(repo.rows({ after: 0 }));
    expect(back).toEqual(written.map((w) => ({ ...w, at: new Date(w.at) })));
    expect((await repo.list({ limit: 10 }))[0]).toEqual({ ...written[3], at: new Date(written[3]!.at) });
  });

  test('the writer closes when idle and opens again on the next append', async () => {
    await repo.append(rows(1, 2));
    repo.closeWriterSoon();
    await new Promise((r) => setTimeout(r, 1200));
    await repo.append(rows(3, 2));
    repo.closeWriterSoon();
    await repo.append(rows(5, 2));
    expect(await repo.lastLink()).toEqual({ seq: 6, hash: hashOf(6) });
  });
});

describe('reading', () => {
  test('rows in seq order across batch boundaries, a range, a time range', async () => {
    await repo.append(rows(1, 10));
    for (const r of [repo, small]) {
      expect(seqs(await collect(r.rows({ after: 0 })))).toEqual(range(1, 10));
      expect(seqs(await collect(r.rows({ after: 4, through: 8 })))).toEqual(range(5, 8));
      expect(seqs(await collect(r.rows({ after: 4, through: 7 })))).toEqual(range(5, 7));
      expect(seqs(await collect(r.rows({ after: 10 })))).toEqual([]);
      // since inclusive, until exclusive
      expect(seqs(await collect(r.rows({ after: 0, since: new Date(t0 + 3000 + 123), until: new Date(t0 + 9000 + 123) })))).toEqual(range(3, 8));
      expect(seqs(await collect(r.rows({ after: 5, since: new Date(t0 + 3000) })))).toEqual(range(6, 10));
    }
    // a table larger than the default batch
    await repo.append(rows(11, 2090));
    const all = await collect(repo.rows({ after: 0 }));
    expect(seqs(all)).toEqual(range(1, 2100));
    expect(seqs(await collect(repo.rows({ after: 999, through: 2001 })))).toEqual(range(1000, 2001));
  });

  test('an early stop ends the read', async () => {
    await repo.append(rows(1, 10));
    const seen: number[] = [];
    for await (const r of small.rows({ after: 0 })) {
      seen.push(r.seq);
      if (r.seq === 4) break;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  test('the first row kept: the first after a seq at or after a time', async () => {
    // times out of seq order: a row newer than the cutoff keeps the older ones after it
    await repo.append(rows(1, 6, (seq) => ({ at: new Date(t0 + [0, 1, 5, 2, 6, 7][seq - 1]! * 60_000) })));
    expect(await repo.firstSeqSince(0, new Date(t0 + 5 * 60_000))).toBe(3);
    expect(await repo.firstSeqSince(3, new Date(t0 + 5 * 60_000))).toBe(5);
    expect(await repo.firstSeqSince(0, new Date(t0 + 8 * 60_000))).toBeNull();
  });

  test('list: newest first, by type or family, since, limit', async () => {
    const types = ['login.failure', 'login.success', 'client.created', 'login.success', 'logout', 'loginx.other'];
    await repo.append(rows(1, types.length, (seq) => ({ type: types[seq - 1]! })));
    expect(seqs(await repo.list({ limit: 50 }))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(seqs(await repo.list({ type: 'login', limit: 50 }))).toEqual([4, 2, 1]);
    expect(seqs(await repo.list({ type: 'login.', limit: 50 }))).toEqual([4, 2, 1]);
    expect(seqs(await repo.list({ type: 'login.success', limit: 50 }))).toEqual([4, 2]);
    expect(seqs(await repo.list({ type: 'log', limit: 50 }))).toEqual([]);
    expect(seqs(await repo.list({ since: new Date(t0 + 4000), limit: 50 }))).toEqual([6, 5, 4]);
    expect(seqs(await repo.list({ type: 'login', limit: 2 }))).toEqual([4, 2]);
  });

  test('the audit.pruned markers after a seq, newest first', async () => {
    await repo.append(rows(1, 6, (seq) => (seq === 2 || seq === 5 ? { type: 'audit.pruned', outcome: 'success', detail: JSON.stringify({ through_seq: seq - 1 }) } : {})));
    expect(await repo.prunedMarkersAfter(0)).toEqual([{ seq: 5, detail: '{"through_seq":4}' }, { seq: 2, detail: '{"through_seq":1}' }]);
    expect(seqs(await repo.prunedMarkersAfter(2))).toEqual([5]);
    expect(await repo.prunedMarkersAfter(5)).toEqual([]);
  });
});

describe('the anchor', () => {
  const stored = async () => (await prisma.syncState.findUnique({ where: { name: AUDIT_ANCHOR_STATE } }))?.value;

  test('none, then advanced: the rows up to it deleted, never moved back', async () => {
    expect(await repo.readAnchor()).toBeNull();
    await repo.append(rows(1, 10));
    const at = new Date('2026-03-02T00:00:00.000Z');
    expect(await repo.advanceAnchor(3, hashOf(3), at)).toBe(3);
    expect(await repo.readAnchor()).toEqual({ seq: 3, hash: hashOf(3) });
    expect(JSON.parse((await stored())!)).toEqual({ seq: 3, hash: hashOf(3), at: at.toISOString() });
    expect(await repo.firstSeqAfter(0)).toBe(4);
    // behind the anchor: it stays, and nothing more is deleted
    expect(await repo.advanceAnchor(2, hashOf(2), at)).toBe(0);
    expect(await repo.readAnchor()).toEqual({ seq: 3, hash: hashOf(3) });
    // the same anchor again: the rows up to it are deleted (one another instance added meanwhile, say)
    await prisma.auditEvent.create({ data: { ...rows(2, 1)[0]!, at: new Date(t0) } });
    expect(await repo.advanceAnchor(3, hashOf(3), at)).toBe(1);
    expect(await repo.advanceAnchor(7, hashOf(7), at)).toBe(4);
    expect(seqs(await collect(repo.rows({ after: 0 })))).toEqual([8, 9, 10]);
  });

  test('concurrent advances never move it back: it ends at the furthest one made', async () => {
    await repo.append(rows(1, 60));
    const furthest = async (moves: (readonly [AuditRepository, number])[]) => {
      const results = await Promise.allSettled(moves.map(([r, seq]) => r.advanceAnchor(seq, hashOf(seq), new Date())));
      // one instance's advances all go through; two instances' on SQLite may be refused
      // (SQLITE_BUSY: the other wrote since this one read), but never leave the anchor behind
      return Math.max(...moves.filter((_, i) => results[i]!.status === 'fulfilled').map(([, seq]) => seq));
    };
    // one instance, several at once (on PostgreSQL, on several connections of its pool)
    expect(await furthest([[repo, 5], [repo, 9], [repo, 6], [repo, 8], [repo, 7]])).toBe(9);
    expect(await repo.readAnchor()).toEqual({ seq: 9, hash: hashOf(9) });
    expect(await repo.firstSeqAfter(0)).toBe(10);
    // two instances, in both orders
    for (const [a, b] of [[15, 19], [29, 25]] as const) {
      const best = await furthest([[repo, a], [otherRepo, b], [repo, Math.min(a, b) + 1], [otherRepo, a], [repo, b]]);
      expect(best).toBeGreaterThanOrEqual(Math.min(a, b));
      expect(await repo.readAnchor()).toEqual({ seq: best, hash: hashOf(best) });
      expect(await repo.firstSeqAfter(0)).toBe(best + 1);
    }
    // an instance that read the anchor before another moved it further leaves it there
    await otherRepo.advanceAnchor(40, hashOf(40), new Date());
    expect(await repo.advanceAnchor(35, hashOf(35), new Date())).toBe(0);
    expect(await repo.readAnchor()).toEqual({ seq: 40, hash: hashOf(40) });
  });

  test('an unreadable anchor is reported as such, and a prune moves past it', async () => {
    await prisma.syncState.create({ data: { name: AUDIT_ANCHOR_STATE, value: 'not json' } });
    expect(await repo.readAnchor()).toEqual({ unreadable: 'not json' });
    for (const value of ['null', '{"seq":-1,"hash":"x"}', '{"seq":1.5,"hash":"x"}', '{"seq":"3","hash":"x"}', '{"seq":3}']) {
      await prisma.syncState.update({ where: { name: AUDIT_ANCHOR_STATE }, data: { value } });
      expect(await repo.readAnchor()).toEqual({ unreadable: value });
    }
    await prisma.syncState.update({ where: { name: AUDIT_ANCHOR_STATE }, data: { value: 'not json' } });
    await repo.append(rows(1, 4));
    expect(await repo.advanceAnchor(2, hashOf(2), new Date())).toBe(2);
    expect(await repo.readAnchor()).toEqual({ seq: 2, hash: hashOf(2) });
  });
});

describe("the console's filters", () => {
  const SUBJECT = 'a1b2c3d4-0000-4000-8000-000000000001';
  const shape: Partial<AuditEventWrite>[] = [
    { type: 'login.success', actor: 'annv', subject: SUBJECT, clientId: 'vpdt' },
    { type: 'login.failure', actor: 'annv', subject: null, clientId: 'vpdt' },
    { type: 'account.status_changed', actor: 'console:annv', subject: 'other-id', clientId: null },
    { type: 'consent', actor: 'binhtt', subject: SUBJECT, clientId: 'hcc' },
    { type: 'login.success', actor: 'binhtt', subject: 'b-id', clientId: 'hcc' },
    { type: 'login.success', actor: 'annv', subject: SUBJECT, clientId: 'hcc' },
    { type: 'logout', actor: null, subject: SUBJECT, clientId: 'vpdt' },
    { type: 'login.success', actor: 'annv2', subject: 'c-id', clientId: 'vpdt' },
  ];
  beforeEach(async () => {
    await repo.append(rows(1, shape.length, (seq) => shape[seq - 1]!));
  });

  test('by person (subject, actor, or console:actor), application, type, days', async () => {
    const all = async (f: Parameters<AuditRepository['matching']>[0]) => seqs(await collect(small.matching(f)));
    expect(await all({})).toEqual(range(1, 8));
    expect(await all({ subject: SUBJECT, actor: 'annv' })).toEqual([1, 2, 3, 4, 6, 7]);
    expect(await all({ actor: 'annv' })).toEqual([1, 2, 3, 6]);
    expect(await all({ subject: SUBJECT, clientId: 'hcc' })).toEqual([4, 6]);
    expect(await all({ type: 'login.success' })).toEqual([1, 5, 6, 8]);
    expect(await all({ type: 'login' })).toEqual([]);
    expect(await all({ since: new Date(t0 + 3000), until: new Date(t0 + 6000) })).toEqual([3, 4, 5]);
    expect(await all({ actor: 'annv', type: 'login.success', since: new Date(t0 + 2000) })).toEqual([6]);
    expect(await all({ clientId: 'none' })).toEqual([]);
  });

  test('keyset pages newest first: older, newer, and the ends', async () => {
    const f = { clientId: 'vpdt' };
    const p1 = await repo.page(f, { size: 2 });
    expect({ rows: seqs(p1.rows), newer: p1.newer, older: p1.older }).toEqual({ rows: [8, 7], newer: null, older: 7 });
    const p2 = await repo.page(f, { before: p1.older!, size: 2 });
    expect({ rows: seqs(p2.rows), newer: p2.newer, older: p2.older }).toEqual({ rows: [2, 1], newer: 2, older: null });
    const back = await repo.page(f, { after: p2.newer!, size: 2 });
    expect({ rows: seqs(back.rows), newer: back.newer, older: back.older }).toEqual({ rows: [8, 7], newer: null, older: 7 });
    // after wins over before; one page holds everything; nothing matches
    expect(seqs((await repo.page(f, { after: 1, before: 8, size: 1 })).rows)).toEqual([2]);
    expect(await repo.page(f, { size: 10 }).then((p) => ({ rows: seqs(p.rows), newer: p.newer, older: p.older }))).toEqual({ rows: [8, 7, 2, 1], newer: null, older: null });
    expect(await repo.page({ type: 'keys.rotated' }, { size: 10 })).toEqual({ rows: [], newer: null, older: null });
    expect((await repo.page({ subject: SUBJECT }, { size: 1 })).rows[0]).toMatchObject({ seq: 7, type: 'logout', at: new Date(t0 + 7000 + 123) });
  });
});

test('the prune lease: one holder at a time', async () => {
  const held = await repo.lease('audit.prune', 'holder-a', { waitMs: 1000, busy: 'busy' });
  await expect(otherRepo.lease('audit.prune', 'holder-b', { waitMs: 150, busy: 'not pruning: busy' })).rejects.toThrow('not pruning: busy');
  await held.release();
  const next = await otherRepo.lease('audit.prune', 'holder-b', { waitMs: 1000, busy: 'busy' });
  expect(next.lost()).toBe(false);
  await next.release();
});
