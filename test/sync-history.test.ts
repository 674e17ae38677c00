/**
 * The sync's history stays readable: against a real directory (slapd) and database, changed-only
 * runs that find nothing new leave no SyncRun row and no audit event (the server makes one every
 * SYNC_INTERVAL, 5 s by default: 17,280 a day), and the overlap below the high-water mark, which
 * lists the last second's entries again at every run, applies an entry modified once exactly once.
 * Runs that did something, failed or were refused are still recorded.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LdapSettings } from '../src/config/load.js';
import { LdapConnector } from '../src/directory/ldap/connector.js';
import { createLogger } from '../src/util/logger.js';
import { runSync, type RunSyncOptions } from '../src/sync/run.js';
import { createSyncRepository, type SyncRepository } from '../src/db/repos/sync.js';
import { createAuditLog, type AuditLog } from '../src/audit/log.js';
import { createAuditRepository } from '../src/db/repos/audit.js';
import { MAX_SEEN, seenToKeep, worthRecording } from '../src/domain/sync-mark.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { ldifLine } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

describe('which runs are recorded, and what is kept with the mark (pure)', () => {
  test('every full run; a changed-only run only when it did something, or was not a plain success', () => {
    const run = (over: Partial<Parameters<typeof worthRecording>[0]>) => worthRecording({ mode: 'changed', status: 'success', created: 0, updated: 0, disabled: 0, ...over });
    expect(run({})).toBe(false);
    expect(run({ mode: 'full' })).toBe(true);
    for (const status of ['partial', 'failed', 'refused']) expect(run({ status })).toBe(true);
    for (const n of ['created', 'updated', 'disabled'] as const) expect(run({ [n]: 1 })).toBe(true);
  });

  test('the entries kept are those the next listing may return again, newest first, bounded', () => {
    const since = new Date(10_000);
    expect(seenToKeep([{ key: 'old', at: 9_999 }, { key: 'edge', at: 10_000 }, { key: 'new', at: 12_000 }, { key: 'unusable', at: null }], since))
      .toEqual([{ key: 'unusable', at: null }, { key: 'new', at: 12_000 }, { key: 'edge', at: 10_000 }]);
    const many = Array.from({ length: MAX_SEEN + 10 }, (_, i) => ({ key: `k${i}`, at: 20_000 + i }));
    const kept = seenToKeep(many, since);
    expect(kept).toHaveLength(MAX_SEEN);
    expect(kept[0]!.key).toBe(`k${MAX_SEEN + 9}`);
  });
});

describe('against slapd', () => {
  let slapd: Slapd;
  let t: TestDatabase;
  let directory: LdapConnector;
  let repo: SyncRepository;
  let audit: AuditLog;

  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'zimbra' });
    t = await createTestDatabase();
    repo = createSyncRepository(t.db.prisma);
    audit = createAuditLog(createAuditRepository(t.db.prisma), { logger: createLogger('silent'), retentionSeconds: 0 });
    const settings: LdapSettings = {
      kind: 'ldap', urls: [slapd.url], startTls: false, tlsInsecure: false, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword,
      baseDn: slapd.baseDn, preset: 'zimbra', loginAttributes: [], mailDomains: ['tinh.gov.vn'], attributeMap: {}, timeoutMs: 5000,
      poolSize: 2, groups: { source: 'memberof', baseDn: slapd.baseDn, filter: '' },
    };
    directory = new LdapConnector({ settings, logger: createLogger('silent') });
  }, 60_000);
  afterAll(async () => {
    await directory?.close();
    await t?.drop();
    await slapd?.stop();
  });

  const sync = (mode: 'full' | 'changed', over: Partial<RunSyncOptions> = {}) =>
    runSync({ repo, directory, mailDomains: ['tinh.gov.vn'], mode, maxDisablePercent: 5, pageSize: 100, endAccess: async () => {}, logger: createLogger('silent'), audit, ...over });
  /** SyncRun rows and sync.run audit events so far. */
  const recorded = async () => {
    await audit.flush();
    return { runs: await t.db.prisma.syncRun.count(), events: await t.db.prisma.auditEvent.count({ where: { type: 'sync.run' } }) };
  };

  test('changed-only runs that find nothing new record nothing: no SyncRun row, no audit event', async () => {
    // every fixture entry carries the same modifyTimestamp: each changed-only run's overlap lists them all again
    expect(await sync('full')).toMatchObject({ status: 'partial', created: 16, failed: 1 }); // one entry has no zimbraId
    expect(await recorded()).toEqual({ runs: 1, events: 1 });
    for (let i = 0; i < 5; i++) {
      expect(await sync('changed')).toMatchObject({ id: null, status: 'success', seen: 0, created: 0, updated: 0, disabled: 0, failed: 0 });
    }
    expect(await recorded()).toEqual({ runs: 1, events: 1 });
  }, 60_000);

  test('an entry modified once is applied once across overlapping runs, and recorded once', async () => {
    const before = await recorded();
    await slapd.ldapModify([ldifLine('dn', P.hung.dn), 'changetype: modify', 'replace: title', 'title: Giám đốc Sở', '-', ''].join('\n'));
    const runs = [];
    // the mark is now the change's second: every later run lists the entry again (overlap)
    for (let i = 0; i < 4; i++) runs.push(await sync('changed'));
    expect(runs.map((r) => r.seen)).toEqual([1, 0, 0, 0]);
    expect(runs.map((r) => r.updated)).toEqual([1, 0, 0, 0]);
    expect(runs[0]!.id).not.toBeNull();
    expect(runs.slice(1).map((r) => r.id)).toEqual([null, null, null]);
    expect(await recorded()).toEqual({ runs: before.runs + 1, events: before.events + 1 });
    const account = await t.db.prisma.account.findUnique({ where: { externalId: P.hung.zimbraId! } });
    expect(JSON.parse(account!.attributes).organization.title).toBe('Giám đốc Sở');
  }, 60_000);

  test('runs that failed or did something are still recorded; a dry run that would do something too', async () => {
    const before = await recorded();
    await slapd.ldapModify([ldifLine('dn', P.khai.dn), 'changetype: modify', 'replace: zimbraAccountStatus', 'zimbraAccountStatus: closed', '-', ''].join('\n'));
    expect(await sync('changed', { dryRun: true })).toMatchObject({ status: 'success', disabled: 1, id: expect.any(String) });
    expect(await sync('changed')).toMatchObject({ status: 'success', disabled: 1, id: expect.any(String) });
    await slapd.stop();
    expect(await sync('changed')).toMatchObject({ status: 'failed', id: expect.any(String) });
    expect(await recorded()).toEqual({ runs: before.runs + 3, events: before.events + 3 });
  }, 60_000);
});
