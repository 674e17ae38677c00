/**
 * The audit anchor's compare-and-set, made to lose its race on purpose (PostgreSQL only: there
 * another connection can hold the anchor's row mid-transaction while an advance reads the value
 * it had; on SQLite one writer at a time makes this interleaving impossible). The advance must
 * read the anchor again and leave the further one in place, never move it back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { AUDIT_ANCHOR_STATE, createAuditRepository, type AuditRepository } from '../../src/db/repos/audit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let repo: AuditRepository;
let rival: pg.Client;

beforeAll(async () => {
  t = await createTestDatabase();
  repo = createAuditRepository(t.db.prisma);
  rival = new pg.Client({ connectionString: t.url });
  await rival.connect();
});
afterAll(async () => {
  repo?.closeWriterSoon();
  await rival?.end();
  await t?.drop();
});
beforeEach(async () => {
  await t.db.prisma.auditEvent.deleteMany({});
  await t.db.prisma.syncState.deleteMany({ where: { name: AUDIT_ANCHOR_STATE } });
  await repo.append(Array.from({ length: 10 }, (_, i) => ({
    seq: i + 1, at: new Date(), type: 'login.failure', outcome: 'invalid_credentials', actor: null, subject: null, clientId: null, ip: null, detail: '{}', prevHash: `h${i}`, hash: `h${i + 1}`,
  })));
});

/** Resolves once a statement of this database waits for a lock (the advance, blocked by the rival). */
async function someoneWaits(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await rival.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if ((r.rows[0] as { n: number }).n > 0) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error('the advance never waited for the rival');
}

const anchorValue = (seq: number) => JSON.stringify({ seq, hash: `h${seq}`, at: new Date().toISOString() });

describe('the anchor on PostgreSQL', () => {
  test('an advance whose compare-and-set fails reads again and leaves the further anchor', async () => {
    await repo.advanceAnchor(2, 'h2', new Date());
    await rival.query('BEGIN');
    await rival.query(`UPDATE "SyncState" SET "value" = $1 WHERE "name" = $2`, [anchorValue(6), AUDIT_ANCHOR_STATE]);
    const advancing = repo.advanceAnchor(4, 'h4', new Date());
    await someoneWaits();
    await rival.query('COMMIT');
    // its update found the value changed (0 rows): it tried again, saw seq 6, deleted up to it
    expect(await advancing).toBe(4);
    expect(await repo.readAnchor()).toEqual({ seq: 6, hash: 'h6' });
    expect(await repo.firstSeqAfter(0)).toBe(7);
  });

  test('the first anchor created at the same moment by another: the advance tries again over it', async () => {
    await rival.query('BEGIN');
    await rival.query(`INSERT INTO "SyncState" ("name", "value", "updatedAt") VALUES ($1, $2, now())`, [AUDIT_ANCHOR_STATE, anchorValue(5)]);
    const advancing = repo.advanceAnchor(3, 'h3', new Date());
    await someoneWaits();
    await rival.query('COMMIT');
    expect(await advancing).toBe(5);
    expect(await repo.readAnchor()).toEqual({ seq: 5, hash: 'h5' });
  });
});
