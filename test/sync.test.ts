/**
 * Directory sync on a real slapd: the Zimbra-like fixture plus 3,000 generated civil servants,
 * the database TEST_DATABASE selects, and a recording endAccess. The tests run in order on one
 * directory and one database, each starting from the state the previous one left.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LdapSettings } from '../src/config/load.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { LdapConnector } from '../src/directory/ldap/connector.js';
import { DirectoryUnavailableError, type DirectoryConnector, type EntryResult, type ListOptions } from '../src/directory/types.js';
import { createLogger } from '../src/util/logger.js';
import { GONE_REASON, disabledByDirectory, readSyncMarker } from '../src/domain/reconcile.js';
import { runSync, type RunSyncOptions, type SyncProgress, type SyncRunResult } from '../src/sync/run.js';
import { acquireLease, currentLease } from '../src/db/lease.js';
import { createSyncRepository, type SyncRepository } from '../src/db/repos/sync.js';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/db.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { generatedPerson, ldifLine, writeGeneratedLdif, type GeneratedPerson } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

const N = 3000;
const FIXTURE_PEOPLE = Object.keys(P).length; // 17, one without zimbraId
const silent = createLogger('silent');

let slapd: Slapd;
let t: TestDatabase;
let repo: SyncRepository;
let directory: LdapConnector;
let tmp: string;
const ended: { accountId: string; reason: string }[] = [];
const endAccess = async (accountId: string, reason: string) => {
  ended.push({ accountId, reason });
};

function ldapSettings(s: Slapd, over: Partial<LdapSettings> = {}): LdapSettings {
  return {
    kind: 'ldap', urls: [s.url], startTls: false, tlsInsecure: false, bindDn: s.bindDn, bindPassword: s.bindPassword, baseDn: s.baseDn,
    preset: 'zimbra', loginAttributes: [], mailDomains: ['tinh.gov.vn'], attributeMap: {}, timeoutMs: 30_000, poolSize: 2,
    groups: { source: 'memberof', baseDn: s.baseDn, filter: '' }, ...over,
  };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sso-sync-test-'));
  const file = join(tmp, 'generated.ldif');
  await writeGeneratedLdif(file, N);
  slapd = await startSlapd({ fixture: 'zimbra', extraLdifFile: file });
  t = await createTestDatabase();
  repo = createSyncRepository(t.db.prisma);
  directory = new LdapConnector({ settings: ldapSettings(slapd), logger: silent });
}, 120_000);
afterAll(async () => {
  await directory?.close();
  await t?.drop();
  await slapd?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function sync(mode: 'full' | 'changed', over: Partial<RunSyncOptions> = {}): Promise<SyncRunResult> {
  return runSync({
    repo, directory, mailDomains: ['tinh.gov.vn'], mode, maxDisablePercent: 5, pageSize: 250,
    endAccess, logger: silent, holder: 'test', newAccountGraceMs: 0, ...over,
  });
}

const account = (externalId: string) => t.db.prisma.account.findUnique({ where: { externalId } });

/** ldapmodify records: `modify(dn, ['replace', 'cn', 'x'], ['delete', 'displayName'])`. */
function modify(dn: string, ...changes: [op: 'replace' | 'add' | 'delete', attr: string, ...values: string[]][]): string {
  const lines = [ldifLine('dn', dn), 'changetype: modify'];
  for (const [op, attr, ...values] of changes) {
    lines.push(`${op}: ${attr}`, ...values.map((v) => ldifLine(attr, v)), '-');
  }
  return `${lines.join('\n')}\n\n`;
}
const remove = (dn: string) => `${ldifLine('dn', dn)}\nchangetype: delete\n\n`;
const setStatus = (p: { dn: string }, status: string) => modify(p.dn, ['replace', 'zimbraAccountStatus', status]);

/** Generated people with an active status (and matching `pred`), from index `from`. */
function activePeople(count: number, from: number, pred: (p: GeneratedPerson) => boolean = () => true): GeneratedPerson[] {
  const out: GeneratedPerson[] = [];
  for (let i = from; out.length < count && i < N; i++) {
    const p = generatedPerson(i);
    if (p.status === 'active' && pred(p)) out.push(p);
  }
  return out;
}

/** What a run may change, as comparable text. */
async function snapshot(db: Database = t.db) {
  const accounts = await db.prisma.account.findMany({ orderBy: { id: 'asc' } });
  const state = await db.prisma.syncState.findMany({ orderBy: { name: 'asc' } });
  return JSON.stringify({
    accounts: accounts.map((a) => ({ ...a, updatedAt: undefined })),
    state,
    stage: await db.prisma.syncStage.count(),
    lease: await db.prisma.lease.findMany(),
  });
}

/** The expected generated totals: how many of the N entries the generator made active, locked out, or disabled. */
function generatedStatusCounts() {
  let off = 0;
  for (let i = 0; i < N; i++) if (['locked', 'closed', 'maintenance', 'pending'].includes(generatedPerson(i).status)) off++;
  return { off, on: N - off };
}

function memorySampler() {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  return {
    sample() {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    },
    report: () => ({ baseRssMb: Math.round(base.rss / 1048576), peakRssMb: Math.round(peakRss / 1048576), baseHeapMb: Math.round(base.heapUsed / 1048576), peakHeapMb: Math.round(peakHeap / 1048576) }),
  };
}

describe(`directory sync (${testBackend()})`, () => {
  test(`a full sync of ${N + FIXTURE_PEOPLE} entries creates every account, linked by zimbraId; the unreadable entry is counted and reported`, async () => {
    const mem = memorySampler();
    const phases = new Set<string>();
    const started = Date.now();
    const r = await sync('full', { onProgress: (p) => { mem.sample(); phases.add(p.phase); } });
    const ms = Date.now() - started;
    expect(r).toMatchObject({
      status: 'partial', mode: 'full', dryRun: false,
      seen: N + FIXTURE_PEOPLE, created: N + FIXTURE_PEOPLE - 1, updated: 0, disabled: 0, unchanged: 0, failed: 1, conflicts: 0,
    });
    expect(r.errors).toEqual([{ kind: 'entry', dn: P.thao.dn, error: expect.stringMatching(/zimbraId/) }]);
    expect([...phases]).toEqual(['listing', 'applying', 'done']);
    console.log(`[${testBackend()}] full sync of ${r.seen} entries (first, all created): ${ms} ms, ${Math.round((r.seen * 1000) / ms)} entries/s, memory ${JSON.stringify(mem.report())}`);

    const prisma = t.db.prisma;
    expect(await prisma.account.count({ where: { source: 'directory' } })).toBe(N + FIXTURE_PEOPLE - 1);
    const { off } = generatedStatusCounts();
    expect(await prisma.account.count({ where: { status: 'disabled' } })).toBe(off + 4); // fixture: phuc, tuan, hanh, trang
    // a generated person: linked by zimbraId, columns from the entry
    const g = generatedPerson(5);
    expect(await account(g.zimbraId)).toMatchObject({ login: g.login, email: g.mail, emailVerified: true, displayName: g.displayName ?? g.cn, status: 'active', source: 'directory' });
    // Zimbra states: closed/locked/maintenance/pending mirrored as disabled (re-enable possible), lockout stays active
    const closed = generatedPerson(306);
    expect(closed.status).toBe('closed');
    const c = (await account(closed.zimbraId))!;
    expect(c.status).toBe('disabled');
    expect(disabledByDirectory(c)).toBe(true);
    expect(readSyncMarker(c.attributes)).toMatchObject({ ended: true, reason: 'directory: zimbraAccountStatus=closed' });
    expect((await account(generatedPerson(600).zimbraId))?.status).toBe('active'); // lockout
    expect((await account(P.minh.zimbraId!))?.status).toBe('active'); // lockout
    for (const k of ['tuan', 'phuc', 'hanh', 'trang'] as const) expect((await account(P[k].zimbraId!))?.status).toBe('disabled');
    const khai = (await account(P.khai.zimbraId!))!;
    expect(JSON.parse(khai.attributes)).toMatchObject({ groups: ['Lãnh đạo Sở'], organization: { organization: 'Sở Nội vụ', title: 'Giám đốc' } });
    expect((await account(P.son.zimbraId!))?.email).toBeNull(); // no mail: an account all the same
    // nothing to end for accounts just created; nothing left behind
    expect(ended).toEqual([]);
    expect(await prisma.syncStage.count()).toBe(0);
    expect(await currentLease(prisma, 'sync')).toBeNull();
    expect(await repo.readHighWaterMark()).not.toBeNull();
    const rec = await prisma.syncRun.findUnique({ where: { id: r.id! } });
    expect(rec).toMatchObject({ mode: 'full', dryRun: false, status: 'partial', seen: r.seen, created: r.created, failed: 1, holder: 'test' });
    expect(rec!.finishedAt).not.toBeNull();
    expect(JSON.parse(rec!.errors)).toEqual(r.errors);
  }, 180_000);

  test('the same directory again: everything unchanged', async () => {
    const started = Date.now();
    const r = await sync('full');
    const ms = Date.now() - started;
    expect(r).toMatchObject({ status: 'partial', seen: N + FIXTURE_PEOPLE, created: 0, updated: 0, disabled: 0, unchanged: N + FIXTURE_PEOPLE - 1, failed: 1, conflicts: 0 });
    console.log(`[${testBackend()}] full sync of ${r.seen} entries (second, all unchanged): ${ms} ms, ${Math.round((r.seen * 1000) / ms)} entries/s`);
  }, 120_000);

  const [renamed, newMail, closing, deleted, lockedOut, staffDisabled, newLogin] = activePeople(7, 1, (p) => !p.displayName);

  test('changes in the directory: a changed-only run applies modifications, renames and disables; only a full run finds the deletion', async () => {
    const prisma = t.db.prisma;
    // IT staff disabled this one here (sso account disable): it must stay disabled
    await prisma.account.update({ where: { externalId: staffDisabled!.zimbraId }, data: { status: 'disabled', disabledAt: new Date() } });
    await slapd.ldapModify([
      modify(renamed!.dn, ['replace', 'cn', 'Nguyễn Văn Đổi Tên']),
      modify(newMail!.dn, ['replace', 'mail', 'moi.dia.chi@tinh.gov.vn'], ['replace', 'zimbraMailDeliveryAddress', 'moi.dia.chi@tinh.gov.vn']),
      setStatus(closing!, 'closed'),
      remove(deleted!.dn),
      setStatus(lockedOut!, 'lockout'),
      setStatus(P.hanh, 'active'), // closed -> active: re-enabled
      modify(staffDisabled!.dn, ['replace', 'title', 'Chuyên viên cao cấp']),
      `${ldifLine('dn', newLogin!.dn)}\nchangetype: modrdn\nnewrdn: uid=doiten.moi\ndeleteoldrdn: 1\n\n`,
    ].join(''));

    const idsBefore = new Map(await Promise.all([renamed, newMail, newLogin].map(async (p) => [p!.zimbraId, (await account(p!.zimbraId))!.id] as const)));
    const r = await sync('changed');
    // the entry without zimbraId is listed again (same second as the mark), but the full run before
    // has seen (and reported) it exactly so: not reported again
    expect(r.status).toBe('success');

    expect(await account(renamed!.zimbraId)).toMatchObject({ displayName: 'Nguyễn Văn Đổi Tên', status: 'active' });
    expect(await account(newMail!.zimbraId)).toMatchObject({ email: 'moi.dia.chi@tinh.gov.vn', status: 'active' });
    expect(await account(newLogin!.zimbraId)).toMatchObject({ login: 'doiten.moi', status: 'active' });
    for (const [zid, id] of idsBefore) expect((await account(zid))!.id).toBe(id); // same account: same sub
    const closedAcc = (await account(closing!.zimbraId))!;
    expect(closedAcc.status).toBe('disabled');
    expect(readSyncMarker(closedAcc.attributes)).toMatchObject({ ended: true, reason: 'directory: zimbraAccountStatus=closed' });
    expect((await account(lockedOut!.zimbraId))?.status).toBe('active'); // a lockout is temporary
    expect((await account(P.hanh.zimbraId!))?.status).toBe('active');
    const staff = (await account(staffDisabled!.zimbraId))!;
    expect(staff.status).toBe('disabled');
    expect(JSON.parse(staff.attributes).organization.title).toBe('Chuyên viên cao cấp');
    expect((await account(deleted!.zimbraId))?.status).toBe('active'); // not seen by a changed-only run
    expect(ended).toEqual([{ accountId: closedAcc.id, reason: 'directory: zimbraAccountStatus=closed' }]);
    expect(r).toMatchObject({ created: 0, updated: 5, enabled: 1, disabled: 1, failed: 0, conflicts: 0 });

    // the next changed-only run lists what changed around the mark again, and skips all of it
    const runsBefore = await prisma.syncRun.count();
    const again = await sync('changed');
    expect(again).toMatchObject({ id: null, status: 'success', seen: 0, created: 0, updated: 0, disabled: 0, failed: 0 });
    expect(await prisma.syncRun.count()).toBe(runsBefore);

    const full = await sync('full');
    expect(full).toMatchObject({ status: 'partial', created: 0, updated: 0, disabled: 1, failed: 1, conflicts: 0 });
    const gone = (await account(deleted!.zimbraId))!;
    expect(gone.status).toBe('disabled');
    expect(ended).toHaveLength(2);
    expect(ended[1]).toEqual({ accountId: gone.id, reason: GONE_REASON });
  }, 120_000);

  test('Zimbra states: back to active -> re-enabled; active -> lockout -> closed', async () => {
    await slapd.ldapModify([setStatus(closing!, 'active'), setStatus(lockedOut!, 'closed')].join(''));
    const r = await sync('changed');
    expect(r).toMatchObject({ updated: 1, enabled: 1, disabled: 1 });
    expect((await account(closing!.zimbraId))?.status).toBe('active');
    expect((await account(lockedOut!.zimbraId))?.status).toBe('disabled');
    expect(ended.at(-1)).toEqual({ accountId: (await account(lockedOut!.zimbraId))!.id, reason: 'directory: zimbraAccountStatus=closed' });
    // IT staff disable an account the directory had disabled: it is theirs now; the directory re-activating it changes nothing
    const prisma = t.db.prisma;
    await prisma.account.update({ where: { externalId: lockedOut!.zimbraId }, data: { status: 'disabled', disabledAt: new Date(Date.now() + 1) } });
    await slapd.ldapModify(setStatus(lockedOut!, 'active'));
    const r2 = await sync('changed');
    expect(r2).toMatchObject({ enabled: 0, disabled: 0 });
    expect((await account(lockedOut!.zimbraId))?.status).toBe('disabled');
  }, 60_000);

  test('conflicts: an unlinked local account holding the login is reported and left alone; a login freed later in the same run is no conflict', async () => {
    const prisma = t.db.prisma;
    const local = await prisma.account.create({ data: { id: 'local-xungdot', login: 'xungdot', displayName: 'Tài khoản cục bộ', source: 'local', status: 'active' } });
    const newcomer = { dn: `uid=xungdot,ou=people,${slapd.baseDn}`, zimbraId: '0e4cc0f4-9d7c-4a8e-9f39-6d4f7a0c2b11' };
    // y takes x's login while x moves to a new one: y comes first in the listing (added earlier)
    const [y, x] = activePeople(2, 40);
    await slapd.ldapModify([
      [ldifLine('dn', newcomer.dn), 'objectClass: inetOrgPerson', 'objectClass: zimbraAccount', 'uid: xungdot', 'cn: Xung Dot', 'sn: Xung', 'mail: xungdot@tinh.gov.vn',
        `zimbraId: ${newcomer.zimbraId}`, 'zimbraAccountStatus: active', '', ''].join('\n'),
      `${ldifLine('dn', x!.dn)}\nchangetype: modrdn\nnewrdn: uid=${x!.uid}-moi\ndeleteoldrdn: 1\n\n`,
      `${ldifLine('dn', y!.dn)}\nchangetype: modrdn\nnewrdn: uid=${x!.uid}\ndeleteoldrdn: 1\n\n`,
    ].join(''));
    const r = await sync('changed');
    expect(r).toMatchObject({ created: 0, updated: 2, conflicts: 1, status: 'partial' });
    expect(r.errors).toContainEqual({ kind: 'conflict', dn: newcomer.dn, externalId: newcomer.zimbraId, login: 'xungdot', accountId: local.id, error: expect.stringMatching(/not linked/) });
    expect(await prisma.account.findUnique({ where: { id: local.id } })).toMatchObject({ source: 'local', externalId: null, displayName: 'Tài khoản cục bộ' });
    expect(await account(newcomer.zimbraId)).toBeNull();
    expect((await account(x!.zimbraId))?.login).toBe(`${x!.uid}-moi`);
    expect((await account(y!.zimbraId))?.login).toBe(x!.uid);
    // the next full run reports the conflict again, and nothing else
    expect(await sync('full')).toMatchObject({ conflicts: 1, created: 0, updated: 0, disabled: 0 });
    // IT staff resolve it: the local account goes; the directory person gets an account
    await prisma.account.delete({ where: { id: local.id } });
    expect(await sync('full')).toMatchObject({ conflicts: 0, created: 1 });
    expect((await account(newcomer.zimbraId))?.login).toBe('xungdot');
  }, 60_000);

  test('ending access fails: the account stays disabled and the next run ends its access', async () => {
    const [p] = activePeople(1, 60);
    const acc = (await account(p!.zimbraId))!;
    await slapd.ldapModify(setStatus(p!, 'maintenance'));
    const calls: string[] = [];
    const flaky = async (id: string, reason: string) => {
      calls.push(id);
      if (calls.length === 1) throw new Error('database busy');
      await endAccess(id, reason);
    };
    const r = await sync('changed', { endAccess: flaky });
    expect(r).toMatchObject({ disabled: 1, status: 'partial' });
    expect(r.errors).toContainEqual({ kind: 'end_access', accountId: acc.id, error: expect.stringMatching(/database busy/) });
    const after = (await account(p!.zimbraId))!;
    expect(after.status).toBe('disabled');
    expect(readSyncMarker(after.attributes)).toMatchObject({ ended: false });
    const r2 = await sync('changed', { endAccess: flaky });
    expect(calls).toEqual([acc.id, acc.id]);
    expect(r2.errors.filter((e) => e.kind === 'end_access')).toEqual([]);
    expect(readSyncMarker((await account(p!.zimbraId))!.attributes)).toMatchObject({ ended: true, reason: 'directory: zimbraAccountStatus=maintenance' });
    expect(ended.at(-1)).toEqual({ accountId: acc.id, reason: 'directory: zimbraAccountStatus=maintenance' });
    await sync('changed', { endAccess: flaky });
    expect(calls).toHaveLength(2); // done once, not again
  }, 60_000);

  test('a dry run decides and counts, and writes nothing but its run record', async () => {
    const [a, b] = activePeople(2, 100);
    await slapd.ldapModify([setStatus(a!, 'closed'), modify(b!.dn, ['replace', 'telephoneNumber', '0237 3999 999'])].join(''));
    const before = await snapshot();
    const runsBefore = await t.db.prisma.syncRun.count();
    const endedBefore = ended.length;
    const full = await sync('full', { dryRun: true });
    expect(full).toMatchObject({ dryRun: true, status: 'partial', created: 0, updated: 1, disabled: 1, failed: 1 });
    const changed = await sync('changed', { dryRun: true });
    expect(changed).toMatchObject({ dryRun: true, updated: 1, disabled: 1 });
    expect(await snapshot()).toBe(before);
    expect(ended).toHaveLength(endedBefore);
    expect(await t.db.prisma.syncRun.count()).toBe(runsBefore + 2);
    expect(await t.db.prisma.syncRun.findMany({ where: { id: { in: [full.id!, changed.id!] } } })).toEqual([
      expect.objectContaining({ dryRun: true }), expect.objectContaining({ dryRun: true }),
    ]);
    // for real now
    const real = await sync('changed');
    expect(real).toMatchObject({ updated: 1, disabled: 1 });
    expect(ended).toHaveLength(endedBefore + 1);
  }, 60_000);

  test('safety: deleting more than 5% of the people refuses the full sync (nothing applied); --force applies it', async () => {
    const prisma = t.db.prisma;
    const victims = activePeople(200, 2000);
    await slapd.ldapModify(victims.map((p) => remove(p.dn)).join(''));
    const activeBefore = await prisma.account.count({ where: { status: 'active' } });
    const before = await snapshot();
    const endedBefore = ended.length;
    const r = await sync('full');
    expect(r).toMatchObject({ status: 'refused', wouldDisable: 200, activeBefore, created: 0, updated: 0, disabled: 0 });
    expect(r.message).toMatch(/would disable 200 of \d+ active accounts .* more than SYNC_MAX_DISABLE_PERCENT=5%.*nothing applied/);
    expect(await snapshot()).toBe(before); // nothing at all: accounts, high-water mark, stage, lease
    expect(await prisma.account.count({ where: { status: 'active' } })).toBe(activeBefore);
    expect(ended).toHaveLength(endedBefore);
    expect(await prisma.syncStage.count()).toBe(0);
    expect((await prisma.syncRun.findUnique({ where: { id: r.id! } }))?.status).toBe('refused');

    const forced = await sync('full', { force: true });
    expect(forced).toMatchObject({ status: 'partial', disabled: 200, wouldDisable: 200 });
    expect(forced.message).toMatch(/^forced: would disable 200/);
    expect(await prisma.account.count({ where: { status: 'active' } })).toBe(activeBefore - 200);
    expect(ended.slice(endedBefore).map((e) => e.reason)).toEqual(Array(200).fill(GONE_REASON));
    for (const p of victims.slice(0, 5)) expect((await account(p.zimbraId))?.status).toBe('disabled');
  }, 120_000);

  test('an incomplete listing applies nothing: a connector that fails part-way, slapd stopped mid-run, a directory that does not answer', async () => {
    const prisma = t.db.prisma;
    const [p] = activePeople(1, 2500);
    await slapd.ldapModify(setStatus(p!, 'closed'));

    // fails after 1,000 entries
    const failing: DirectoryConnector = {
      ...directory,
      kind: 'test',
      authenticate: (l, pw) => directory.authenticate(l, pw),
      lookup: (id) => directory.lookup(id),
      ping: () => directory.ping(),
      close: async () => {},
      async *list(o?: ListOptions): AsyncGenerator<EntryResult> {
        let n = 0;
        for await (const e of directory.list(o)) {
          if (++n > 1000) throw new DirectoryUnavailableError('directory listing failed (connection reset)');
          yield e;
        }
      },
    };
    const hwm = await repo.readHighWaterMark();
    const r = await sync('full', { directory: failing });
    expect(r).toMatchObject({ status: 'refused', seen: 1000, created: 0, updated: 0, disabled: 0 });
    expect(r.message).toMatch(/listing failed after 1000 entries .*nothing applied/);
    expect((await account(p!.zimbraId))?.status).toBe('active');
    // changed-only: what was listed before the failure is applied, the mark stays
    await slapd.ldapModify(modify(p!.dn, ['replace', 'title', 'Trưởng phòng'])); // newest change
    const rc = await sync('changed', { directory: { ...failing, async *list(o?: ListOptions) { yield* (async function* () { let n = 0; for await (const e of directory.list(o)) { if (++n > 1) throw new DirectoryUnavailableError('gone'); yield e; } })(); } } });
    expect(rc.status).toBe('failed');
    expect(await repo.readHighWaterMark()).toEqual(hwm);

    // the real server stops in the middle of the listing (restarted: same data, the connection is gone)
    let restarting: Promise<void> | undefined;
    const r2 = await sync('full', {
      pageSize: 100,
      batchSize: 100, // a progress report per page: the restart comes early in the listing
      onProgress: (pr: SyncProgress) => {
        if (pr.phase === 'listing' && pr.pages === 3 && !restarting) restarting = slapd.restart();
      },
    });
    await restarting;
    expect(r2.status).toBe('refused');
    expect(r2.message).toMatch(/^the directory listing failed after \d+ entries .*nothing applied$/);
    expect(r2).toMatchObject({ created: 0, updated: 0, disabled: 0 });
    expect((await account(p!.zimbraId))?.status).toBe('active');

    // nobody answers at all
    const dead = new LdapConnector({ settings: ldapSettings(slapd, { urls: ['ldap://127.0.0.1:9'], timeoutMs: 500 }), logger: silent });
    try {
      const r3 = await sync('full', { directory: dead });
      expect(r3).toMatchObject({ status: 'failed', seen: 0 });
      expect(r3.message).toMatch(/directory unreachable/);
    } finally {
      await dead.close();
    }

    // a search the directory refuses (a base DN that does not exist)
    const wrong = new LdapConnector({ settings: ldapSettings(slapd, { baseDn: 'ou=khong-co,dc=tinh,dc=gov,dc=vn' }), logger: silent });
    try {
      const r4 = await sync('full', { directory: wrong });
      expect(r4).toMatchObject({ status: 'failed', seen: 0 });
      expect(r4.message).toMatch(/^the directory refused the listing: .*nothing applied$/);
    } finally {
      await wrong.close();
    }

    // back to normal: the change is applied
    const ok = await sync('full');
    expect(ok).toMatchObject({ disabled: 1 });
    expect((await account(p!.zimbraId))?.status).toBe('disabled');
  }, 120_000);

  test('a run stopped part-way (while listing, or while applying) converges when run again', async () => {
    const prisma = t.db.prisma;
    const people = activePeople(30, 2600);
    await slapd.ldapModify(people.map((p, i) => modify(p.dn, ['replace', 'cn', `Người Đổi Tên ${i}`], ['replace', 'displayName', `Người Đổi Tên ${i}`])).join(''));
    const renamedCount = () => prisma.account.count({ where: { displayName: { startsWith: 'Người Đổi Tên ' } } });

    // stopped while listing: nothing applied
    const ac1 = new AbortController();
    const r1 = await sync('full', { pageSize: 200, signal: ac1.signal, onProgress: (p) => p.pages >= 2 && ac1.abort() });
    expect(r1.status).toBe('failed');
    expect(r1.message).toMatch(/aborted/);
    expect(await renamedCount()).toBe(0);
    expect(await prisma.syncStage.count()).toBe(0);

    // stopped while applying: some applied (only the 30 changed entries are applied, 10 a batch;
    // stopped after the first batch: the second report of the phase, the first is its start)
    const ac2 = new AbortController();
    let applying = 0;
    const r2 = await sync('full', { pageSize: 200, batchSize: 10, signal: ac2.signal, onProgress: (p) => p.phase === 'applying' && ++applying === 2 && ac2.abort() });
    expect(r2.status).toBe('failed');
    const partly = await renamedCount();
    expect(partly).toBeGreaterThan(0);
    expect(partly).toBeLessThan(30);

    // a process killed outright leaves its staged rows, a "running" record and its lease (expired now)
    await prisma.syncRun.create({ data: { id: 'dead-run', mode: 'full', status: 'running', holder: 'dead-host' } });
    await prisma.syncStage.createMany({ data: [{ runId: 'dead-run', externalId: 'x1', identity: '{}' }, { runId: 'dead-run', externalId: 'x2', identity: '{}' }] });
    await acquireLease(prisma, 'sync', 'dead-host#dead-run', 1_000, new Date(Date.now() - 60_000));

    const r3 = await sync('full');
    expect(r3).toMatchObject({ status: 'partial', updated: 30 - partly, created: 0, disabled: 0 });
    expect(await renamedCount()).toBe(30);
    expect(await prisma.syncStage.count()).toBe(0);
    expect(await prisma.syncRun.findUnique({ where: { id: 'dead-run' } })).toMatchObject({ status: 'failed', message: expect.stringMatching(/interrupted/) });
    const r4 = await sync('full');
    expect(r4).toMatchObject({ created: 0, updated: 0, disabled: 0, failed: 1 });
  }, 120_000);

  test('two runs at once (two instances): one runs, the other is refused with "another sync is running"', async () => {
    const second = await openDatabase(t.url, { poolSize: 2 });
    const secondRepo = createSyncRepository(second.prisma);
    try {
      const runsBefore = await t.db.prisma.syncRun.count();
      const [a, b] = await Promise.all([sync('full', { holder: 'instance-a' }), sync('full', { repo: secondRepo, holder: 'instance-b' })]);
      const busy = [a, b].filter((r) => r.busy);
      const ran = [a, b].filter((r) => !r.busy);
      expect(busy).toHaveLength(1);
      expect(ran).toHaveLength(1);
      expect(busy[0]).toMatchObject({ status: 'refused', id: null, message: expect.stringMatching(/^another sync is running \(instance-[ab]/) });
      expect(ran[0]).toMatchObject({ status: 'partial', unchanged: expect.any(Number) });
      expect(await t.db.prisma.syncRun.count()).toBe(runsBefore + 1); // the refused one is not recorded
      // a changed-only run while a full run holds the lease: refused too
      let during: Promise<SyncRunResult> | undefined;
      let waiting: Promise<SyncRunResult> | undefined;
      const full = await sync('full', {
        holder: 'instance-a',
        onProgress: () => {
          during ??= sync('changed', { repo: secondRepo, holder: 'instance-b' });
          waiting ??= sync('changed', { repo: secondRepo, holder: 'instance-c', leaseWaitMs: 60_000 });
        },
      });
      expect((await during!).busy).toBe(true);
      // one that waits for the lease runs when the full run is over
      const w = await waiting!;
      expect(w.busy).toBeUndefined();
      expect(w.startedAt.getTime()).toBeGreaterThanOrEqual(full.finishedAt.getTime() - 5);
    } finally {
      await second.close();
    }
  }, 120_000);

  test('the history lists the runs, newest first', async () => {
    const runs = await repo.listRuns(5);
    expect(runs).toHaveLength(5);
    for (let i = 1; i < runs.length; i++) expect(runs[i - 1]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i]!.startedAt.getTime());
    expect(runs.every((r) => r.status !== 'running' && r.finishedAt)).toBe(true);
    const all = await repo.listRuns(1000);
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(['success', 'partial', 'refused', 'failed']));
    expect(all.some((r) => r.dryRun)).toBe(true);
  });
});
