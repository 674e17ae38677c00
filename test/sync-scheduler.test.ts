/**
 * The sync inside the server (src/sync/scheduler.ts): changed-only every intervalSeconds, full
 * when due (read from the history, so instances share the schedule), never two runs at once
 * across two "instances" on one database, quiet skipping, stop() ending the current run.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import type { LdapSettings } from '../src/config/load.js';
import { openDatabase } from '../src/db/client.js';
import { LdapConnector } from '../src/directory/ldap/connector.js';
import type { DirectoryConnector, EntryResult } from '../src/directory/types.js';
import { createLogger } from '../src/util/logger.js';
import type { SyncRunResult } from '../src/sync/run.js';
import { createSyncRepository } from '../src/db/repos/sync.js';
import { startSyncScheduler } from '../src/sync/scheduler.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { ldifLine } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

let slapd: Slapd;
let t: TestDatabase;
let directory: LdapConnector;

function settings(s: Slapd): LdapSettings {
  return {
    kind: 'ldap', urls: [s.url], startTls: false, tlsInsecure: false, bindDn: s.bindDn, bindPassword: s.bindPassword, baseDn: s.baseDn,
    preset: 'zimbra', loginAttributes: [], mailDomains: ['tinh.gov.vn'], attributeMap: {}, timeoutMs: 2000, poolSize: 2,
    groups: { source: 'memberof', baseDn: s.baseDn, filter: '' },
  };
}

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  t = await createTestDatabase();
  directory = new LdapConnector({ settings: settings(slapd), logger: createLogger('silent') });
}, 60_000);
afterAll(async () => {
  await directory?.close();
  await t?.drop();
  await slapd?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

async function until(what: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(50);
  }
}

describe('sync scheduler', () => {
  test('two instances: a full run first, then changed-only runs; never two at once; skipping is quiet; changes reach the accounts', async () => {
    const second = await openDatabase(t.url, { poolSize: 2 });
    const ended: string[] = [];
    const runs: SyncRunResult[] = [];
    const logA = capturingLogger();
    const logB = capturingLogger();
    const common = {
      directory, mailDomains: ['tinh.gov.vn'], maxDisablePercent: 50, pageSize: 100,
      endAccess: async (id: string) => void ended.push(id), intervalSeconds: 1, fullIntervalSeconds: 3600,
      onRun: (r: SyncRunResult) => void runs.push(r),
    };
    const a = startSyncScheduler({ ...common, repo: createSyncRepository(t.db.prisma), logger: logA.logger, holder: 'instance-a' });
    const b = startSyncScheduler({ ...common, repo: createSyncRepository(second.prisma), logger: logB.logger, holder: 'instance-b' });
    try {
      await until(() => runs.filter((r) => r.mode === 'changed').length >= 4);
      expect(runs[0]!.mode).toBe('full');
      expect(runs.filter((r) => r.mode === 'full')).toHaveLength(1); // the history says it is not due again
      expect(await t.db.prisma.account.count()).toBe(16);

      await slapd.ldapModify([ldifLine('dn', P.khai.dn), 'changetype: modify', 'replace: zimbraAccountStatus', 'zimbraAccountStatus: closed', '-', ''].join('\n'));
      await until(async () => (await t.db.prisma.account.findUnique({ where: { externalId: P.khai.zimbraId! } }))?.status === 'disabled');
      await until(() => ended.length === 1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await second.close();
    }
    const count = await t.db.prisma.syncRun.count();
    await sleep(1500);
    expect(await t.db.prisma.syncRun.count()).toBe(count); // stopped means stopped

    // no two runs overlapped, whichever instance ran them
    const recs = await t.db.prisma.syncRun.findMany({ orderBy: { startedAt: 'asc' } });
    expect(new Set(recs.map((r) => r.holder))).toEqual(new Set(['instance-a', 'instance-b']));
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(recs[i - 1]!.finishedAt!.getTime());
    // each run recorded logged with its counts; the runs that found nothing to do (not recorded) and
    // the turns skipped nothing louder than debug
    const all = [...logA.lines, ...logB.lines].sort((x, y) => String(x.time).localeCompare(String(y.time)));
    const loud = (l: { level?: unknown }) => ['info', 'warn', 'error', 'fatal'].includes(String(l.level));
    expect(all.filter((l) => l.event === 'sync.run' && loud(l))).toHaveLength(recs.length);
    for (const l of all.filter((x) => x.event === 'sync.run' && !loud(x))) expect(l).toMatchObject({ level: 'debug', mode: 'changed', status: 'success', seen: 0 });
    expect(all.find((l) => l.event === 'sync.run')).toMatchObject({ mode: 'full', seen: 17, created: 16, failed: 1 });
    expect(all.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    for (const l of all.filter((x) => x.event === 'sync.skipped' || x.event === 'sync.busy')) expect(l.level).toBe('debug');
  }, 60_000);

  test('full only (SYNC_INTERVAL=0), both off, and stop() ending a run part-way', async () => {
    const runs: SyncRunResult[] = [];
    const logger = createLogger('silent');
    const base = { repo: createSyncRepository(t.db.prisma), mailDomains: ['tinh.gov.vn'], maxDisablePercent: 50, pageSize: 100, endAccess: async () => {}, logger };
    // the last full run is an hour old: due again with a 1 s interval
    await t.db.prisma.syncRun.updateMany({ where: { mode: 'full' }, data: { startedAt: new Date(Date.now() - 3_600_000) } });
    const s = startSyncScheduler({ ...base, directory, intervalSeconds: 0, fullIntervalSeconds: 1, onRun: (r) => void runs.push(r) });
    await until(() => runs.length >= 2, 20_000);
    await s.stop();
    expect(runs.every((r) => r.mode === 'full')).toBe(true);

    const off = startSyncScheduler({ ...base, directory, intervalSeconds: 0, fullIntervalSeconds: 0, onRun: (r) => void runs.push(r) });
    const n = runs.length;
    await sleep(300);
    await off.stop();
    expect(runs).toHaveLength(n);

    // a directory that lists slowly: stop() aborts the run and waits for it
    let listed = 0;
    const slow: DirectoryConnector = {
      ...directory,
      kind: 'slow',
      authenticate: (l, p) => directory.authenticate(l, p),
      lookup: (id) => directory.lookup(id),
      ping: async () => true,
      close: async () => {},
      async *list(o) {
        for await (const e of directory.list(o) as AsyncIterable<EntryResult>) {
          listed++;
          await sleep(100);
          yield e;
        }
      },
    };
    const s2 = startSyncScheduler({ ...base, directory: slow, intervalSeconds: 1, fullIntervalSeconds: 0, onRun: (r) => void runs.push(r) });
    await until(() => listed >= 2);
    const t0 = Date.now();
    await s2.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(runs.at(-1)).toMatchObject({ mode: 'changed', status: 'failed', message: expect.stringMatching(/^aborted/) });
    expect(await t.db.prisma.lease.count()).toBe(0);
  }, 60_000);
});
