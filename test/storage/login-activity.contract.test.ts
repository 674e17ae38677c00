/**
 * The storage contract of db/repos/login-activity.ts on a fresh database (SQLite or PostgreSQL,
 * as TEST_DATABASE selects): a person's successes by subject and failures by the logins typed,
 * newest first, at most the limit, nobody else's; and the query plan reads indexes, not the trail.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Db } from '../../src/db/client.js';
import { createLoginActivityRepository, type LoginActivityRepository } from '../../src/db/repos/login-activity.js';
import { createTestDatabase, testBackend, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let db: Db;
let repo: LoginActivityRepository;
let seq = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db.prisma;
  repo = createLoginActivityRepository(db);
});
afterAll(async () => t?.drop());

const T0 = Date.parse('2026-12-11T01:00:00Z');

/** One trail row, as the audit log writes it (the chain is not what this contract reads). */
async function event(type: string, o: { outcome?: string; actor?: string; subject?: string; clientId?: string; minute: number; ua?: string }) {
  seq += 1;
  await db.auditEvent.create({
    data: {
      seq, at: new Date(T0 + o.minute * 60_000), type, outcome: o.outcome ?? 'success', actor: o.actor ?? null, subject: o.subject ?? null,
      clientId: o.clientId ?? null, ip: '10.0.0.9', detail: JSON.stringify(o.ua ? { user_agent: o.ua } : {}), prevHash: 'x', hash: `h${seq}`,
    },
  });
}

describe('recent sign-ins', () => {
  test('successes by subject, failures by the logins typed, newest first, nobody else\'s, at most the limit', async () => {
    await event('login.success', { actor: 'annv', subject: 'acc-an', clientId: 'vpdt', minute: 1, ua: 'UA-a' });
    await event('login.failure', { outcome: 'invalid_credentials', actor: 'annv@tinh.gov.vn', clientId: 'vpdt', minute: 2 });
    await event('login.failure', { outcome: 'throttled', actor: 'annv', minute: 3 });
    await event('logout', { subject: 'acc-an', minute: 4 });
    await event('login.success', { actor: 'binhtt', subject: 'acc-binh', minute: 5 });
    await event('login.failure', { actor: 'binhtt', minute: 6 });
    // a success names the account: one typed with another login is still the person's
    await event('login.success', { actor: 'an.alias', subject: 'acc-an', minute: 7 });
    const mine = await repo.recent('acc-an', ['annv', 'annv@tinh.gov.vn'], 20);
    expect(mine.map((e) => [e.type, e.outcome, e.at.getTime()])).toEqual([
      ['login.success', 'success', T0 + 7 * 60_000],
      ['login.failure', 'throttled', T0 + 3 * 60_000],
      ['login.failure', 'invalid_credentials', T0 + 2 * 60_000],
      ['login.success', 'success', T0 + 60_000],
    ]);
    expect(mine[3]).toMatchObject({ clientId: 'vpdt', ip: '10.0.0.9', userAgent: 'UA-a' });
    expect(await repo.recent('acc-an', ['annv'], 2)).toHaveLength(2);
    expect((await repo.recent('acc-none', [], 20))).toEqual([]);
  });

  test('enrolments and removals of security keys are the person\'s too, with the key\'s name; nobody else\'s', async () => {
    await event('webauthn.registered', { subject: 'acc-key', minute: 20, ua: 'UA-k' });
    await db.auditEvent.update({ where: { seq }, data: { detail: JSON.stringify({ name: 'Khóa USB', user_agent: 'UA-k' }) } });
    await event('webauthn.refused', { outcome: 'counter_regressed', subject: 'acc-key', minute: 21 });
    await event('webauthn.removed', { subject: 'acc-key', minute: 22 });
    await event('webauthn.registered', { subject: 'acc-other', minute: 23 });
    await event('login.success', { actor: 'khoa', subject: 'acc-key', minute: 24 });
    const mine = await repo.recent('acc-key', ['khoa'], 20);
    expect(mine.map((e) => [e.type, e.name ?? null])).toEqual([['login.success', null], ['webauthn.removed', null], ['webauthn.registered', 'Khóa USB']]);
    expect(mine[2]!.userAgent).toBe('UA-k');
  });

  test('each half reads its index', async () => {
    if (testBackend() === 'sqlite') {
      const plan = await db.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN SELECT * FROM (SELECT * FROM (SELECT "seq" FROM "AuditEvent" WHERE "subject" = 'a' AND "type" = 'login.success' ORDER BY "at" DESC LIMIT 20) s UNION ALL SELECT * FROM (SELECT "seq" FROM "AuditEvent" WHERE "actor" IN ('a', 'b') AND "type" = 'login.failure' ORDER BY "at" DESC LIMIT 20) f) e`);
      const text = plan.map((p) => p.detail).join('\n');
      expect(text).toContain('AuditEvent_subject_type_at_idx');
      expect(text).toContain('AuditEvent_actor_type_at_idx');
      expect(text).not.toMatch(/SCAN "?AuditEvent"?(?! USING)/);
    } else {
      await db.$executeRawUnsafe('SET enable_seqscan = off');
      const plan = await db.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN SELECT "seq" FROM "AuditEvent" WHERE "subject" = 'a' AND "type" = 'login.success' ORDER BY "at" DESC LIMIT 20`);
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('AuditEvent_subject_type_at_idx');
    }
  });
});
