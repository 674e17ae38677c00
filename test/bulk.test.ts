/**
 * Bulk rows through one JSON value (src/db/bulk.ts) on the real database: what it writes is
 * stored exactly as Prisma stores it (so every read stays the same), every type and odd text
 * survives the trip both ways, ON CONFLICT DO NOTHING skips clashing rows, a statement without it
 * is all or none, and a batch far beyond the bound-parameter limits is one statement.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Prisma } from '../src/db/generated/sqlite/client.js';
import { insertRows, jsonIn, jsonRows, openBulk, providerOf, selectRows, violatesUnique, type Column, type Row } from '../src/db/bulk.js';
import { isUniqueViolation } from '../src/db/errors.js';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const ACCOUNT: Column[] = [
  ['id', 'text'], ['login', 'text'], ['email', 'text'], ['emailVerified', 'boolean'], ['displayName', 'text'],
  ['givenName', 'text'], ['middleName', 'text'], ['status', 'text'], ['source', 'text'], ['externalId', 'text'],
  ['attributes', 'text'], ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'], ['disabledAt', 'timestamp'], ['admin', 'boolean'], ['search', 'text'],
];

/** Every column of an Account row as the database keeps it, as text (the storage, not a client's reading of it). */
async function storedText(id: string): Promise<Record<string, string | null>> {
  const cols = ['login', 'email', 'emailVerified', 'displayName', 'givenName', 'middleName', 'status', 'source', 'externalId', 'attributes', 'createdAt', 'updatedAt', 'disabledAt', 'admin', 'search'];
  const cast = testBackend() === 'sqlite' ? (c: string) => `CAST("${c}" AS TEXT) || ':' || typeof("${c}")` : (c: string) => `"${c}"::text`;
  const rows = await t.db.prisma.$queryRawUnsafe<Record<string, string | null>[]>(`SELECT ${cols.map((c) => `${cast(c)} AS "${c}"`).join(', ')} FROM "Account" WHERE "id" = $1`.replace('$1', testBackend() === 'sqlite' ? '?' : '$1'), id);
  return rows[0]!;
}

const odd = `Nguyễn Thị Minh Khai "quoted" 'single' back\\slash ; DROP TABLE "Account"; -- \u00a0tab\tnew\nline 😀 đĐ`;

describe('bulk', () => {
  test('the provider is read from the client', () => {
    expect(providerOf(t.db.prisma)).toBe(testBackend());
  });

  test('a row written in bulk is stored exactly as Prisma stores the same values', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    const values = {
      email: 'khai@tinh.gov.vn', emailVerified: true, displayName: odd, givenName: null, middleName: 'Thị Minh',
      status: 'disabled', source: 'directory', attributes: JSON.stringify({ dn: 'uid=x,ou="a,b"', groups: ['Sở "Y tế"'] }),
      createdAt: at, updatedAt: at, disabledAt: new Date('2026-12-31T23:59:59.999Z'), admin: false, search: 'nguyen thi minh khai',
    };
    const viaPrisma = await t.db.prisma.account.create({ data: { id: randomUUID(), login: 'p1', externalId: 'ext-p1', ...values } });
    const id = randomUUID();
    const row: Row = [id, 'b1', values.email, values.emailVerified, values.displayName, values.givenName, values.middleName, values.status, values.source, 'ext-b1', values.attributes, at, at, values.disabledAt, values.admin, values.search];
    expect(await insertRows(t.db.prisma, 'Account', ACCOUNT, [row])).toBe(1);

    const a = await storedText(viaPrisma.id);
    const b = await storedText(id);
    expect({ ...b, login: null, externalId: null }).toEqual({ ...a, login: null, externalId: null });
    // and Prisma reads it back as what was written
    const read = await t.db.prisma.account.findUniqueOrThrow({ where: { id } });
    expect(read).toMatchObject({ ...values, login: 'b1', externalId: 'ext-b1', givenName: null });
    expect(read.createdAt.toISOString()).toBe(at.toISOString());
  });

  test('nulls, booleans, integers, empty strings and unicode survive both ways', async () => {
    const cols: Column[] = [['seq', 'integer'], ['at', 'timestamp'], ['type', 'text'], ['outcome', 'text'], ['actor', 'text'], ['subject', 'text'], ['clientId', 'text'], ['ip', 'text'], ['detail', 'text'], ['prevHash', 'text'], ['hash', 'text']];
    const at = new Date('2026-01-02T03:04:05.678Z');
    const rows: Row[] = [
      [1001, at, 'x.one', 'ok', null, '', odd, '::1', '{"a":"\\u0000 escaped in JSON text"}', 'p', 'h1'],
      [1002, at, 'x.two', 'ok', 'Ω≈ç√∫', null, null, null, '{}', 'h1', 'h2'],
    ];
    expect(await insertRows(t.db.prisma, 'AuditEvent', cols, rows)).toBe(2);
    const back = await selectRows(t.db.prisma, cols, Prisma.sql`SELECT * FROM "AuditEvent" WHERE "seq" IN (1001, 1002) ORDER BY "seq"`);
    back.sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(back).toEqual(rows);
    const viaPrisma = await t.db.prisma.auditEvent.findMany({ where: { seq: { in: [1001, 1002] } }, orderBy: { seq: 'asc' } });
    expect(viaPrisma.map((r) => [r.seq, r.at, r.type, r.outcome, r.actor, r.subject, r.clientId, r.ip, r.detail, r.prevHash, r.hash])).toEqual(rows);

    // booleans and timestamps read back typed, nulls as null
    const acc: Row = [randomUUID(), 'b2', null, false, 'B Two', null, null, 'active', 'local', null, '{}', at, at, null, true, ''];
    await insertRows(t.db.prisma, 'Account', ACCOUNT, [acc]);
    const [got] = await selectRows(t.db.prisma, ACCOUNT, Prisma.sql`SELECT * FROM "Account" WHERE "id" = ${acc[0]}`);
    expect(got).toEqual(acc);
  });

  test('a lone surrogate is written as U+FFFD, as a bound parameter would be', async () => {
    const id = randomUUID();
    const row: Row = [id, 'b3', null, false, 'bad \ud800 text \\ud800 kept', null, null, 'active', 'local', null, '{}', new Date(), new Date(), null, false, ''];
    await insertRows(t.db.prisma, 'Account', ACCOUNT, [row]);
    const read = await t.db.prisma.account.findUniqueOrThrow({ where: { id } });
    expect(read.displayName).toBe('bad \ufffd text \\ud800 kept');
  });

  test('skipConflicts skips the rows that clash (with the table or an earlier row of the batch) and returns the others', async () => {
    const now = new Date();
    const mk = (login: string, ext: string): Row => [randomUUID(), login, null, false, login, null, null, 'active', 'directory', ext, '{}', now, now, null, false, ''];
    const first = [mk('c1', 'e-c1'), mk('c2', 'e-c2')];
    expect(await insertRows(t.db.prisma, 'Account', ACCOUNT, first, 'id', { skipConflicts: true })).toHaveLength(2);
    const second = [mk('c1', 'e-new'), mk('c3', 'e-c2'), mk('c4', 'e-c4'), mk('c4', 'e-c5'), mk('c6', 'e-c6')];
    const inserted = await insertRows(t.db.prisma, 'Account', ACCOUNT, second, 'id', { skipConflicts: true });
    expect(new Set(inserted)).toEqual(new Set([second[2]![0], second[4]![0]]));
  });

  test('without skipConflicts one clash refuses the whole statement, as a unique violation', async () => {
    const now = new Date();
    const mk = (login: string): Row => [randomUUID(), login, null, false, login, null, null, 'active', 'local', null, '{}', now, now, null, false, ''];
    const err = await insertRows(t.db.prisma, 'Account', ACCOUNT, [mk('d1'), mk('d2'), mk('d1')]).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(await t.db.prisma.account.count({ where: { login: { in: ['d1', 'd2'] } } })).toBe(0);
  });

  test('10,000 rows (160,000 values: far beyond any bound-parameter limit) in one statement; jsonIn finds them', async () => {
    const now = new Date();
    const rows: Row[] = Array.from({ length: 10_000 }, (_, i) => [randomUUID(), `bulk${i}`, `bulk${i}@tinh.gov.vn`, i % 2 === 0, `Người dùng ${i}`, null, null, 'active', 'directory', `ext-bulk-${i}`, '{}', now, now, null, false, `nguoi dung ${i}`]);
    expect(await insertRows(t.db.prisma, 'Account', ACCOUNT, rows)).toBe(10_000);
    const wanted = ['ext-bulk-5', 'ext-bulk-9999', 'ext-missing'];
    const logins = ['bulk42'];
    const found = await selectRows(t.db.prisma, [['login', 'text'], ['emailVerified', 'boolean']], Prisma.sql`
      SELECT "login", "emailVerified" FROM "Account" a WHERE ${jsonIn(testBackend(), Prisma.sql`a."externalId"`, wanted)} OR ${jsonIn(testBackend(), Prisma.sql`a."login"`, logins)}`);
    expect(found.sort()).toEqual([['bulk42', true], ['bulk5', false], ['bulk9999', false]]);
    expect(await selectRows(t.db.prisma, [['login', 'text']], Prisma.sql`SELECT "login" FROM "Account" WHERE ${jsonIn(testBackend(), Prisma.sql`"login"`, [])}`)).toEqual([]);
  });

  test('jsonRows is a relation to join: an UPDATE ... FROM of many rows in one statement', async () => {
    const now = new Date();
    const rows: Row[] = ['u1', 'u2', 'u3'].map((l) => [randomUUID(), l, null, false, l, null, null, 'active', 'local', null, '{}', now, now, null, false, '']);
    await insertRows(t.db.prisma, 'Account', ACCOUNT, rows);
    const later = new Date(now.getTime() + 1000);
    const set = jsonRows(testBackend(), [['id', 'text'], ['displayName', 'text'], ['disabledAt', 'timestamp']], [[rows[0]![0]!, 'Một', later], [rows[2]![0]!, 'Ba "3"', null]]);
    const changed = await t.db.prisma.$queryRaw<{ id: string }[]>(Prisma.sql`
      UPDATE "Account" SET "displayName" = x."displayName", "disabledAt" = x."disabledAt"
      FROM (${set}) AS x WHERE "Account"."id" = x."id" RETURNING "Account"."id"`);
    expect(changed).toHaveLength(2);
    const read = await t.db.prisma.account.findMany({ where: { login: { in: ['u1', 'u2', 'u3'] } }, orderBy: { login: 'asc' } });
    expect(read.map((r) => [r.displayName, r.disabledAt?.toISOString() ?? null])).toEqual([['Một', later.toISOString()], ['u2', null], ['Ba "3"', null]]);
  });

  test('names that are not plain identifiers are refused before any SQL', async () => {
    await expect(insertRows(t.db.prisma, 'Account"; --', ACCOUNT, [[null]])).rejects.toThrow(/not a table or column name/);
    expect(() => jsonRows('sqlite', [['a b', 'text']], [])).toThrow(/not a table or column name/);
  });

  describe('a session (openBulk)', () => {
    const now = new Date('2026-05-06T07:08:09.010Z');
    const mk = (login: string, ext: string | null = null): Row => [randomUUID(), login, null, false, `Tên ${login}`, null, null, 'active', 'directory', ext, '{}', now, now, null, false, ''];

    test('thousands of rows in one call are one transaction: all, or none when one clashes', async () => {
      const bulk = await openBulk(t.db.prisma);
      try {
        expect(bulk.provider).toBe(testBackend());
        const rows = Array.from({ length: 2500 }, (_, i) => mk(`s${i}`, `ext-s${i}`));
        const ids = await bulk.insertRows('Account', ACCOUNT, rows, 'id');
        expect(new Set(ids)).toEqual(new Set(rows.map((r) => r[0])));
        expect(await t.db.prisma.account.count({ where: { login: { startsWith: 's' }, externalId: { startsWith: 'ext-s' } } })).toBe(2500);

        // the clash is in the last rows: the rows before it (other statements on SQLite) are not kept either
        const more = [...Array.from({ length: 2400 }, (_, i) => mk(`t${i}`)), mk('s7')];
        const err = await bulk.insertRows('Account', ACCOUNT, more, 'id').catch((e: unknown) => e);
        expect(violatesUnique(err)).toBe(true);
        expect(await t.db.prisma.account.count({ where: { login: { startsWith: 't' } } })).toBe(0);
        // with skipConflicts the others go in
        const got = await bulk.insertRows('Account', ACCOUNT, more, 'id', { skipConflicts: true });
        expect(got).toHaveLength(2400);
      } finally {
        bulk.close();
      }
    });

    test('reads in the order of the database (its collation), as Prisma orders', async () => {
      const bulk = await openBulk(t.db.prisma);
      try {
        await bulk.insertRows('Account', ACCOUNT, ['Zeta', 'alpha', 'Ánh', 'anh', 'b_1', 'B-2', 'đức', 'duc'].map((l) => mk(`o-${l}`)), 'id');
        const rows = await bulk.selectRows([['login', 'text'], ['createdAt', 'timestamp'], ['emailVerified', 'boolean']], Prisma.sql`
          SELECT "login", "createdAt", "emailVerified" FROM "Account" WHERE "login" LIKE 'o-%'`, 'login');
        const prisma = await t.db.prisma.account.findMany({ where: { login: { startsWith: 'o-' } }, orderBy: { login: 'asc' }, select: { login: true } });
        expect(rows.map((r) => r[0])).toEqual(prisma.map((a) => a.login));
        expect(rows[0]!.slice(1)).toEqual([now, false]);
      } finally {
        bulk.close();
      }
    });

    test('an UPDATE ... FROM the rows, in parts, returns every row it changed', async () => {
      const bulk = await openBulk(t.db.prisma);
      try {
        const rows = Array.from({ length: 450 }, (_, i) => mk(`w${i}`));
        await bulk.insertRows('Account', ACCOUNT, rows, 'id');
        const changes = rows.filter((_, i) => i % 3 === 0).map((r): Row => [r[0]!, `Đổi ${String(r[1])}`]);
        const changed = await bulk.withRows<{ id: string }>([['id', 'text'], ['displayName', 'text']], changes, (relation) => Prisma.sql`
          UPDATE "Account" SET "displayName" = x."displayName" FROM (${relation}) AS x WHERE "Account"."id" = x."id" RETURNING "Account"."id"`);
        expect(new Set(changed.map((r) => r.id))).toEqual(new Set(changes.map((c) => c[0])));
        expect(await t.db.prisma.account.count({ where: { displayName: { startsWith: 'Đổi w' } } })).toBe(150);
      } finally {
        bulk.close();
      }
    });

    test('sessions of one client share a connection until the last is closed', async () => {
      const a = await openBulk(t.db.prisma);
      const b = await openBulk(t.db.prisma);
      a.close();
      a.close(); // twice is once
      expect(await b.insertRows('Account', ACCOUNT, [mk('shared-1')], 'id')).toHaveLength(1);
      b.close();
      const c = await openBulk(t.db.prisma);
      try {
        expect(await c.insertRows('Account', ACCOUNT, [mk('shared-2')], 'id')).toHaveLength(1);
      } finally {
        c.close();
      }
      expect(await t.db.prisma.account.count({ where: { login: { startsWith: 'shared-' } } })).toBe(2);
    });

    test('a write while another connection holds the write lock waits for it, without blocking the process', async () => {
      const bulk = await openBulk(t.db.prisma);
      try {
        let ticks = 0;
        const timer = setInterval(() => ticks++, 10);
        let writing: Promise<unknown> | undefined;
        let wroteAt = 0;
        // Prisma's connection holds a write transaction open for 300 ms; the session writes meanwhile
        await t.db.prisma.$transaction(async (tx) => {
          await tx.account.create({ data: { id: randomUUID(), login: 'lock-holder', displayName: 'x', source: 'local' } });
          writing = bulk.insertRows('Account', ACCOUNT, [mk('lock-waiter')], 'id').then((r) => ((wroteAt = Date.now()), r));
          await new Promise((r) => setTimeout(r, 300));
        });
        const committedAt = Date.now();
        expect(await writing).toHaveLength(1);
        // SQLite has one writer at a time: the write went in after the other committed
        if (testBackend() === 'sqlite') expect(wroteAt).toBeGreaterThanOrEqual(committedAt);
        clearInterval(timer);
        expect(ticks).toBeGreaterThan(10); // timers ran while it waited
        expect(await t.db.prisma.account.count({ where: { login: { in: ['lock-holder', 'lock-waiter'] } } })).toBe(2);
      } finally {
        bulk.close();
      }
    });
  });
});
