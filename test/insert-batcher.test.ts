/**
 * Group commit of the token endpoint's writes (src/oidc/adapter/insert-batcher.ts and the
 * adapter's batched models): concurrent saves share statements, each caller waits for its own
 * row, a failed batch fails only its callers, and what is stored is exactly what a single upsert
 * stores (found, expiring, updated in place), on the real database.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { InsertBatcher } from '../src/oidc/adapter/insert-batcher.js';
import { BATCHED_MODELS } from '../src/oidc/adapter/payload-adapter.js';
import { adapterFactory, collectGarbage } from './helpers/oidc-storage.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { storedId } from '../src/domain/bearer-values.js';

describe('InsertBatcher', () => {
  test('rows added while a batch is written go out together; each promise settles after its own write', async () => {
    const writes: number[][] = [];
    let release: (() => void) | undefined;
    const b = new InsertBatcher<number>({
      write: async (rows) => {
        writes.push(rows);
        if (writes.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    const settled: number[] = [];
    const first = b.add(0).then(() => settled.push(0));
    await new Promise((r) => setImmediate(r));
    const rest = Array.from({ length: 30 }, (_, i) => b.add(i + 1).then(() => settled.push(i + 1)));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toEqual([]);
    release!();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[0], Array.from({ length: 30 }, (_, i) => i + 1)]);
    expect(settled).toHaveLength(31);
  });

  test('a failed batch rejects its callers only; the next batch is written', async () => {
    let fail = true;
    const b = new InsertBatcher<string>({ write: async () => { if (fail) { fail = false; throw new Error('database down'); } }, maxBatch: 2 });
    const r = await Promise.allSettled([b.add('a'), b.add('b'), b.add('c')]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});

describe('batched token writes on the database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  test('the token endpoint models are the batched ones', () => {
    expect([...BATCHED_MODELS].sort()).toEqual(['AccessToken', 'ClientCredentials']);
  });

  test('many concurrent saves: every token stored as a single upsert would store it', async () => {
    const adapter = adapterFactory(t.db.prisma)('ClientCredentials');
    const ids = Array.from({ length: 120 }, () => randomUUID());
    await Promise.all(ids.map((id, i) => adapter.upsert(id, { jti: id, kind: 'ClientCredentials', clientId: `c${i % 3}`, exp: 1 }, 600)));
    for (const id of ids.slice(0, 5)) expect(await adapter.find(id)).toMatchObject({ jti: id, clientId: expect.stringMatching(/^c\d$/) });
    const rows = await t.db.prisma.oidcPayload.findMany({ where: { type: 'ClientCredentials', id: { in: ids.map((id) => storedId('ClientCredentials', id)) } } });
    expect(rows).toHaveLength(120);
    for (const r of rows) {
      expect(r.clientId).toMatch(/^c\d$/);
      expect(r.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 590_000);
      expect(r.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
      expect(r.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  test('saving an existing id updates it in place; expired rows are hidden and collected as before', async () => {
    const adapter = adapterFactory(t.db.prisma)('AccessToken');
    const id = randomUUID();
    await adapter.upsert(id, { jti: id, accountId: 'a1', grantId: 'g1', clientId: 'c' }, 600);
    await adapter.upsert(id, { jti: id, accountId: 'a1', grantId: 'g2', clientId: 'c', extra: { n: 1 } }, 600);
    expect(await adapter.find(id)).toMatchObject({ grantId: 'g2', extra: { n: 1 } });
    expect(await t.db.prisma.oidcPayload.count({ where: { type: 'AccessToken', id: storedId('AccessToken', id) } })).toBe(1);
    await adapter.revokeByGrantId('g2');
    expect(await adapter.find(id)).toBeUndefined();

    const gone = randomUUID();
    await adapter.upsert(gone, { jti: gone, clientId: 'c' }, 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await adapter.find(gone)).toBeUndefined();
    expect(await collectGarbage(t.db.prisma)).toBeGreaterThanOrEqual(1);
    expect(await t.db.prisma.oidcPayload.count({ where: { id: storedId('AccessToken', gone) } })).toBe(0);
  });
});
