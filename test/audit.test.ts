/**
 * The audit trail: the pure hash chain, then the log on the real database TEST_DATABASE selects
 * (two writers on one database, tampering done directly in the table, export round trips,
 * retention), the services' hooks, secrets kept out, and `sso audit`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import {
  canonicalJson, canonicalRow, chainRows, GENESIS_HASH, rowHash, verifyChain, type ChainRow,
} from '../src/audit/chain.js';
import { isSecretKey, normalizeEvent, REDACTED } from '../src/audit/events.js';
import { csvHeader, csvLine, jsonlLine, parseCsv, parseExport } from '../src/audit/export.js';
import { ANCHOR_STATE, createAuditLog, type AuditLog } from '../src/audit/log.js';
import { createAuditRepository } from '../src/db/repos/audit.js';
import { registerAuditCommand } from '../src/cli/commands/audit.js';
import { main, type CliIO } from '../src/cli/main.js';
import { createAccountService } from '../src/accounts/service.js';
import { accountStores } from './helpers/stores.js';
import { createClientService } from '../src/clients/service.js';
import { createClientRepository } from '../src/db/repos/clients.js';
import { createDeprovisioner } from '../src/deprovision/service.js';
import { createKeyStore } from '../src/keys/store.js';
import { createSigningKeyRepository } from '../src/db/repos/signing-keys.js';
import { createSessionRepository } from '../src/db/repos/sessions.js';
import { createLogoutDeliveryRepository } from '../src/db/repos/logout-deliveries.js';
import { openDatabase, type Db } from '../src/db/client.js';
import { createLogger, type Logger } from '../src/util/logger.js';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

const backend = testBackend();
const silent = createLogger('silent');

/** A logger whose lines are kept (JSON objects). */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

const content = (i: number, extra: Partial<ChainRow> = {}) => ({
  at: new Date(Date.UTC(2026, 0, 1, 8, 0, i)),
  type: 'login.failure',
  outcome: 'invalid_credentials',
  actor: `nguoi${i}`,
  subject: null,
  clientId: 'cong-dich-vu-cong',
  ip: '10.0.0.1',
  detail: canonicalJson({ n: i, note: 'Sở Nội vụ' }),
  ...extra,
});

// ---------------------------------------------------------------------------------------------
describe('the hash chain (pure)', () => {
  const rows = chainRows({ seq: 0, hash: GENESIS_HASH }, Array.from({ length: 10 }, (_, i) => content(i + 1)));

  it('serializes in a fixed order with sorted detail keys, and hashes prevHash + newline + canonical', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
    const r = rows[0]!;
    expect(r.seq).toBe(1);
    expect(r.prevHash).toBe(GENESIS_HASH);
    const canonical = canonicalRow(r);
    expect(canonical).toBe(JSON.stringify(['sso-audit-v1', 1, '2026-01-01T08:00:01.000Z', 'login.failure', 'invalid_credentials', 'nguoi1', null, 'cong-dich-vu-cong', '10.0.0.1', '{"n":1,"note":"Sở Nội vụ"}']));
    expect(r.hash).toBe(createHash('sha256').update(`${GENESIS_HASH}\n${canonical}`, 'utf8').digest('hex'));
    expect(rows[1]!.prevHash).toBe(r.hash);
    // the same content as a string time or a Date hashes the same
    expect(rowHash(GENESIS_HASH, { ...r, at: '2026-01-01T08:00:01.000Z' })).toBe(r.hash);
  });

  it('verifies an intact chain, from the genesis or from an anchor', () => {
    expect(verifyChain(rows)).toBeNull();
    expect(verifyChain(rows.slice(4), { seq: 4, hash: rows[3]!.hash })).toBeNull();
    expect(verifyChain([])).toBeNull();
  });

  it('names an edited row', () => {
    const t = rows.map((r) => ({ ...r }));
    t[4] = { ...t[4]!, detail: canonicalJson({ n: 5, note: 'Sở Tài chính' }) };
    expect(verifyChain(t)).toMatchObject({ kind: 'edited', seq: 5 });
    const u = rows.map((r) => ({ ...r }));
    u[2] = { ...u[2]!, at: new Date(u[2]!.at).toISOString().replace('08:00', '09:00') };
    expect(verifyChain(u)).toMatchObject({ kind: 'edited', seq: 3 });
  });

  it('names an edited row whose hash was recomputed by its successor (mislinked)', () => {
    const t = rows.map((r) => ({ ...r }));
    const forged = { ...t[4]!, outcome: 'success' };
    t[4] = { ...forged, hash: rowHash(forged.prevHash, forged) };
    expect(verifyChain(t)).toMatchObject({ kind: 'mislinked', seq: 6 });
  });

  it('names deleted rows: a gap, the start, and a gap closed by renumbering', () => {
    expect(verifyChain(rows.filter((r) => r.seq !== 6))).toMatchObject({ kind: 'deleted', seq: 6 });
    expect(verifyChain(rows.filter((r) => r.seq < 4 || r.seq > 7))).toMatchObject({ kind: 'deleted', seq: 4, message: expect.stringContaining('seq 4 to 7 are missing') });
    expect(verifyChain(rows.slice(2))).toMatchObject({ kind: 'deleted', seq: 1 });
    const renumbered = rows.filter((r) => r.seq !== 6).map((r) => (r.seq > 6 ? { ...r, seq: r.seq - 1 } : r));
    expect(verifyChain(renumbered)).toMatchObject({ kind: 'deleted', seq: 6 });
  });

  it('names an inserted row, with or without the rows after it renumbered', () => {
    // renumbered: the forged row takes seq 6, the old 6.. become 7..
    const forgedContent = content(99, { seq: 6, outcome: 'success', actor: 'ke-gian' } as Partial<ChainRow>);
    const forged: ChainRow = { ...forgedContent, seq: 6, prevHash: rows[4]!.hash, hash: rowHash(rows[4]!.hash, { ...forgedContent, seq: 6 }) };
    const shifted = [...rows.slice(0, 5), forged, ...rows.slice(5).map((r) => ({ ...r, seq: r.seq + 1 }))];
    expect(verifyChain(shifted)).toMatchObject({ kind: 'inserted', seq: 6 });
    // the renumbered rows' hashes recomputed too (their prevHash kept): the successor skips the forged row
    const rehashed = [...rows.slice(0, 5), forged, ...rows.slice(5).map((r) => {
      const c = { ...r, seq: r.seq + 1 };
      return { ...c, hash: rowHash(c.prevHash, c) };
    })];
    expect(verifyChain(rehashed)).toMatchObject({ kind: 'inserted', seq: 6 });
  });

  it('requires a pruned anchor to be named by a kept audit.pruned event', () => {
    const anchor = { seq: 3, hash: rows[2]!.hash, pruned: true };
    expect(verifyChain(rows.slice(3), anchor)).toMatchObject({ kind: 'anchor' });
    const marker = chainRows(rows[9]!, [{ ...content(11), type: 'audit.pruned', outcome: 'success', detail: canonicalJson({ through_seq: 3, anchor_hash: rows[2]!.hash }) }]);
    expect(verifyChain([...rows.slice(3), ...marker], anchor)).toBeNull();
    // the first rows gone and the anchor moved to hide it: the marker names another anchor
    expect(verifyChain([...rows.slice(5), ...marker], { seq: 5, hash: rows[4]!.hash, pruned: true })).toMatchObject({ kind: 'anchor', seq: 6 });
    // ... or the anchor left in place
    expect(verifyChain([...rows.slice(5), ...marker], anchor)).toMatchObject({ kind: 'deleted', seq: 4 });
  });

  it('keeps secrets out of events', () => {
    for (const k of ['password', 'newPassword', 'client_secret', 'clientSecret', 'access_token', 'refreshToken', 'id_token', 'logout_token', 'cookie', 'Cookie', 'authorization', 'code', 'code_verifier', 'credentials', 'jwk', 'secretHash', 'passwordHash']) {
      expect([k, isSecretKey(k)]).toEqual([k, true]);
    }
    for (const k of ['login', 'reason', 'revoked', 'client_id', 'kid', 'scopes', 'anchor_hash', 'source', 'codes_revoked']) expect([k, isSecretKey(k)]).toEqual([k, false]);
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const e = normalizeEvent({
      type: 'login.failure',
      outcome: 'invalid_credentials',
      actor: 'an\u0000\uD800',
      ip: '',
      detail: { password: 'hunter2', nested: { client_secret: 's3cr3t', list: [{ cookie: 'sid=abc' }] }, token: jwt, note: jwt, hash: '$argon2id$v=19$m=19456,t=2,p=1$x$y', has_secret: true, login: 'an' },
    });
    expect(e.actor).toBe('an\uFFFD\uFFFD');
    expect(e.ip).toBeNull();
    const d = JSON.parse(e.detail) as Record<string, unknown>;
    expect(d).toEqual({ password: REDACTED, nested: { client_secret: REDACTED, list: [{ cookie: REDACTED }] }, token: REDACTED, note: REDACTED, hash: REDACTED, has_secret: true, login: 'an' });
    for (const secret of ['hunter2', 's3cr3t', 'sid=abc', jwt, 'argon2']) expect(e.detail).not.toContain(secret);
  });

  it('writes and reads CSV: quoting, line breaks, Vietnamese text, spreadsheet formulas', () => {
    const tricky = chainRows({ seq: 0, hash: GENESIS_HASH }, [
      content(1, { actor: 'Nguyễn Thị "Hoa", Sở Y tế', detail: canonicalJson({ note: 'dòng 1\ndòng 2\r\nđ' }) }),
      content(2, { actor: '=HYPERLINK("http://x")', subject: "'=1+1", clientId: '@app', ip: '-1' }),
      content(3, { actor: "'plain", subject: null, clientId: null, ip: null }),
    ]);
    const text = [csvHeader(), ...tricky.map(csvLine)].join('\n') + '\n';
    expect(text).toContain('"Nguyễn Thị ""Hoa"", Sở Y tế"');
    expect(text).toContain("'=HYPERLINK");
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    const back = parseExport(text);
    expect(back.map((r) => ({ ...r, at: new Date(r.at).toISOString() }))).toEqual(tricky.map((r) => ({ ...r, at: new Date(r.at).toISOString() })));
    expect(verifyChain(back)).toBeNull();
    expect(parseExport('\uFEFF' + text)).toHaveLength(3);
    expect(parseCsv('a,"b\n""c""",\r\nd,e,f\n')).toEqual([['a', 'b\n"c"', ''], ['d', 'e', 'f']]);
    const jsonl = tricky.map(jsonlLine).join('\n');
    expect(verifyChain(parseExport(jsonl))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
describe(`the audit log on ${backend}`, () => {
  let t: TestDatabase;
  let prisma: Db;
  let log: AuditLog;
  const extra: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    prisma = t.db.prisma;
    log = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 0, actor: 'tester@host' });
  });

  afterAll(async () => {
    for (const d of extra) await d.close().catch(() => undefined);
    await t.drop();
  });

  beforeEach(async () => {
    await prisma.auditEvent.deleteMany({});
    await prisma.syncState.deleteMany({ where: { name: ANCHOR_STATE } });
  });

  async function recordMany(l: AuditLog, n: number, tag = 'a') {
    const rows = await Promise.all(Array.from({ length: n }, (_, i) => l.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: `${tag}${i}`, ip: '192.0.2.7', detail: { i, tag } })));
    expect(rows.every(Boolean)).toBe(true);
    return rows;
  }

  const all = () => prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });

  it('appends rows chained from the genesis, with the default actor, and verifies them', async () => {
    const r1 = await log.record({ type: 'account.created', outcome: 'success', subject: randomUUID(), detail: { login: 'nguyenvana', display_name: 'Nguyễn Văn A' } });
    const r2 = await log.record({ type: 'login.success', outcome: 'success', actor: 'nguyenvana', clientId: 'vpdt', ip: '2001:db8::1' });
    expect(r1).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, actor: 'tester@host' });
    expect(r2).toMatchObject({ seq: 2, prevHash: r1!.hash, actor: 'nguyenvana' });
    const stored = await all();
    expect(stored.map((r) => r.hash)).toEqual([r1!.hash, r2!.hash]);
    expect(JSON.parse(stored[0]!.detail)).toEqual({ display_name: 'Nguyễn Văn A', login: 'nguyenvana' });
    expect(verifyChain(stored)).toBeNull();
    await expect(log.verify()).resolves.toMatchObject({ ok: true, count: 2, first: 1, last: 2, head: { seq: 2, hash: r2!.hash } });
    // what the database could not store as given (NUL, a lone surrogate) is made storable before hashing
    const r3 = await log.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: 'x\u0000y\uDC00', detail: { note: 'đ\u0000', 'khóa\u0000': 1 } });
    expect(r3).toMatchObject({ seq: 3, actor: 'x\uFFFDy\uFFFD' });
    expect((await all())[2]).toMatchObject({ actor: 'x\uFFFDy\uFFFD', detail: r3!.detail, hash: r3!.hash });
    await expect(log.verify()).resolves.toMatchObject({ ok: true, count: 3 });
  });

  it('keeps one unbroken chain when two instances record at once', async () => {
    const other = await openDatabase(t.url, { poolSize: 4 });
    extra.push(other);
    const logB = createAuditLog(createAuditRepository(other.prisma), { logger: silent, retentionSeconds: 0 });
    const third = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 0 });
    // many small bursts, interleaved, so that the writers collide often
    for (let round = 0; round < 5; round++) {
      await Promise.all([recordMany(log, 20, `a${round}-`), recordMany(logB, 20, `b${round}-`), recordMany(third, 10, `c${round}-`)]);
    }
    const rows = await all();
    expect(rows).toHaveLength(250);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(verifyChain(rows)).toBeNull();
    expect(new Set(rows.map((r) => r.actor)).size).toBe(250);
    await expect(logB.verify()).resolves.toMatchObject({ ok: true, count: 250 });
    expect(log.failures + logB.failures + third.failures).toBe(0);
    // the writers did race (and the primary key settled it)
    expect(log.collisions + logB.collisions + third.collisions).toBeGreaterThan(0);
  });

  it('keeps one chain when instances append large batches at once (one INSERT of hundreds of rows each)', async () => {
    const other = await openDatabase(t.url, { poolSize: 4 });
    extra.push(other);
    const logB = createAuditLog(createAuditRepository(other.prisma), { logger: silent, retentionSeconds: 0 });
    const third = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 0 });
    // what a sync run does: hundreds of events queued at once, written a few hundred rows per INSERT
    for (let round = 0; round < 3; round++) {
      await Promise.all([recordMany(log, 700, `a${round}-`), recordMany(logB, 700, `b${round}-`), recordMany(third, 300, `c${round}-`)]);
    }
    const rows = await all();
    expect(rows).toHaveLength(5100);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 5100 }, (_, i) => i + 1));
    expect(verifyChain(rows)).toBeNull();
    // every event exactly once: a batch refused by a seq another instance took wrote none of its
    // rows (a partly written batch would be written again on the new head)
    expect(new Set(rows.map((r) => r.actor)).size).toBe(5100);
    // each instance's own events stay in the order it recorded them
    for (const tag of ['a1-', 'b2-', 'c0-']) {
      const mine = rows.filter((r) => r.actor!.startsWith(tag)).map((r) => Number(r.actor!.slice(tag.length)));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    await expect(log.verify()).resolves.toMatchObject({ ok: true, count: 5100 });
    expect(log.failures + logB.failures + third.failures).toBe(0);
    expect(log.collisions + logB.collisions + third.collisions).toBeGreaterThan(0);
  });

  it('detects an edited row and names its seq', async () => {
    await recordMany(log, 10);
    await prisma.auditEvent.update({ where: { seq: 4 }, data: { detail: '{"i":3,"tag":"b"}' } });
    await expect(log.verify()).resolves.toMatchObject({ ok: false, count: 3, problem: { kind: 'edited', seq: 4 } });
  });

  it('detects an edited row whose hash was recomputed', async () => {
    await recordMany(log, 10);
    const r = (await prisma.auditEvent.findUnique({ where: { seq: 7 } }))!;
    const forged = { ...r, outcome: 'success' };
    await prisma.auditEvent.update({ where: { seq: 7 }, data: { outcome: 'success', hash: rowHash(r.prevHash, forged) } });
    await expect(log.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'mislinked', seq: 8 } });
  });

  it('detects a deleted row in the middle, and deleted rows at the start', async () => {
    await recordMany(log, 10);
    await prisma.auditEvent.delete({ where: { seq: 5 } });
    await expect(log.verify()).resolves.toMatchObject({ ok: false, count: 4, problem: { kind: 'deleted', seq: 5 } });
    await prisma.auditEvent.deleteMany({ where: { seq: { lte: 2 } } });
    await expect(log.verify()).resolves.toMatchObject({ ok: false, count: 0, problem: { kind: 'deleted', seq: 1 } });
  });

  it('detects a forged row inserted in the middle with a valid-looking hash', async () => {
    await recordMany(log, 10);
    // make room at seq 6 (two steps: the primary key never collides), then insert a forged row
    // chained to seq 5 with a hash computed exactly as the writer would
    await prisma.$executeRawUnsafe('UPDATE "AuditEvent" SET "seq" = "seq" + 1000 WHERE "seq" >= 6');
    await prisma.$executeRawUnsafe('UPDATE "AuditEvent" SET "seq" = "seq" - 999 WHERE "seq" > 1000');
    const five = (await prisma.auditEvent.findUnique({ where: { seq: 5 } }))!;
    const [forged] = chainRows(five, [{ at: new Date(), type: 'login.success', outcome: 'success', actor: 'giamdoc', subject: null, clientId: 'vpdt', ip: '198.51.100.9', detail: '{}' }]);
    await prisma.auditEvent.create({ data: forged! });
    expect((await all()).map((r) => r.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    await expect(log.verify()).resolves.toMatchObject({ ok: false, count: 6, problem: { kind: 'inserted', seq: 6 } });
  });

  it('detects the newest rows deleted, against a checkpoint', async () => {
    await recordMany(log, 6);
    const v = await log.verify();
    if (!v.ok) throw new Error('expected ok');
    const head = v.head!;
    await expect(log.verify({ checkpoint: head })).resolves.toMatchObject({ ok: true, checkpoint: 'matched' });
    await expect(log.verify({ checkpoint: { seq: 6, hash: 'f'.repeat(64) } })).resolves.toMatchObject({ ok: false, problem: { kind: 'edited', seq: 6 } });
    await prisma.auditEvent.deleteMany({ where: { seq: { gte: 5 } } });
    await expect(log.verify()).resolves.toMatchObject({ ok: true, count: 4 });
    await expect(log.verify({ checkpoint: head })).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted', seq: 6 } });
  });

  it('verifies a range', async () => {
    await recordMany(log, 10);
    await expect(log.verify({ from: 4, to: 7 })).resolves.toMatchObject({ ok: true, count: 4, first: 4, last: 7 });
    await prisma.auditEvent.update({ where: { seq: 9 }, data: { ip: '203.0.113.1' } });
    await expect(log.verify({ from: 4, to: 7 })).resolves.toMatchObject({ ok: true });
    await expect(log.verify({ from: 4 })).resolves.toMatchObject({ ok: false, problem: { kind: 'edited', seq: 9 } });
    await prisma.auditEvent.delete({ where: { seq: 3 } });
    await expect(log.verify({ from: 4 })).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted', seq: 3 } });
  });

  it('exports jsonl and csv that read back to the same rows and verify', async () => {
    const since = new Date(Date.now() - 60_000);
    await log.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: 'Trần "Bình", Sở GD&ĐT', ip: '192.0.2.1', detail: { note: 'mật khẩu sai\nlần 2', lang: 'vi' }, at: new Date(since.getTime() - 1000) });
    await log.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: '=cmd|"/c calc"!A1', ip: '192.0.2.2' });
    await log.record({ type: 'consent', outcome: 'granted', actor: 'lethic', subject: randomUUID(), clientId: 'hcc', detail: { scopes: ['openid', 'profile'] } });
    const rows = await all();

    const jsonl: string[] = [];
    expect(await log.export({ since: new Date(0), format: 'jsonl' }, (l) => void jsonl.push(l))).toBe(3);
    expect(jsonl).toHaveLength(3);
    expect(JSON.parse(jsonl[0]!)).toMatchObject({ seq: 1, actor: 'Trần "Bình", Sở GD&ĐT', detail: { note: 'mật khẩu sai\nlần 2', lang: 'vi' } });
    const fromJsonl = parseExport(jsonl.join('\n'));
    expect(verifyChain(fromJsonl)).toBeNull();
    expect(fromJsonl.map((r) => r.hash)).toEqual(rows.map((r) => r.hash));

    const csv: string[] = [];
    expect(await log.export({ since: new Date(0), format: 'csv' }, (l) => void csv.push(l))).toBe(3);
    expect(csv[0]).toBe(csvHeader());
    const csvText = csv.join('\r\n');
    expect(Buffer.from(csvText, 'utf8').toString('utf8')).toContain('Sở GD&ĐT');
    const fromCsv = parseExport(csvText);
    expect(fromCsv.map((r) => ({ ...r, at: new Date(r.at).toISOString() }))).toEqual(rows.map((r) => ({ ...r, at: r.at.toISOString() })));
    expect(verifyChain(fromCsv)).toBeNull();

    // since / until
    const recent: string[] = [];
    await log.export({ since, format: 'jsonl' }, (l) => void recent.push(l));
    expect(recent.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([2, 3]);
    const older: string[] = [];
    await log.export({ since: new Date(0), until: since, format: 'csv' }, (l) => void older.push(l));
    expect(older).toHaveLength(2);
    // a partial export verifies from its first row's link
    expect(verifyChain(parseExport(recent.join('\n')), { seq: 1, hash: rows[0]!.hash })).toBeNull();
  });

  it('exports in batches beyond one page', async () => {
    for (let i = 0; i < 3; i++) await recordMany(log, 450, `p${i}-`);
    const lines: string[] = [];
    await log.export({ since: new Date(0), format: 'jsonl' }, (l) => void lines.push(l));
    expect(lines).toHaveLength(1350);
    expect(verifyChain(parseExport(lines.join('\n')))).toBeNull();
    await expect(log.verify()).resolves.toMatchObject({ ok: true, count: 1350 });
  });

  it('lists newest first, by type or family', async () => {
    await log.record({ type: 'login.failure', outcome: 'disabled', actor: 'x' });
    await log.record({ type: 'login.success', outcome: 'success', actor: 'y' });
    await log.record({ type: 'client.created', outcome: 'success', clientId: 'c' });
    expect((await log.list()).map((r) => r.seq)).toEqual([3, 2, 1]);
    expect((await log.list({ type: 'login' })).map((r) => r.type)).toEqual(['login.success', 'login.failure']);
    expect((await log.list({ type: 'login.failure' })).map((r) => r.seq)).toEqual([1]);
    expect(await log.list({ limit: 1 })).toHaveLength(1);
  });

  describe('retention', () => {
    const HOUR = 3600_000;

    it('prunes old rows and keeps verification passing, across several prunes', async () => {
      const pl = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 3600, actor: 'cron@host' });
      const t0 = Date.now();
      for (let i = 0; i < 8; i++) await pl.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: `old${i}`, at: new Date(t0 - 3 * HOUR + i) });
      for (let i = 0; i < 4; i++) await pl.record({ type: 'login.success', outcome: 'success', actor: `new${i}`, at: new Date(t0 - 1000 + i) });
      await expect(pl.prune(new Date(t0 + 10))).resolves.toMatchObject({ removed: 8, fromSeq: 1, throughSeq: 8 });
      const rows = await all();
      expect(rows.map((r) => r.seq)).toEqual([9, 10, 11, 12, 13]);
      const marker = rows.at(-1)!;
      expect(marker).toMatchObject({ type: 'audit.pruned', outcome: 'success', actor: 'cron@host' });
      expect(JSON.parse(marker.detail)).toMatchObject({ from_seq: 1, through_seq: 8, removed: 8, anchor_hash: rows[0]!.prevHash, retention_seconds: 3600 });
      await expect(pl.verify()).resolves.toMatchObject({ ok: true, count: 5, first: 9, last: 13, anchor: { seq: 8, hash: rows[0]!.prevHash } });
      // nothing more is old enough
      await expect(pl.prune(new Date(t0 + 20))).resolves.toMatchObject({ removed: 0 });
      // later: everything is old, the marker included; a new marker keeps the chain going
      await pl.record({ type: 'logout', outcome: 'success', subject: 'x' });
      const r2 = await pl.prune(new Date(t0 + 5 * HOUR));
      expect(r2).toMatchObject({ removed: 6, fromSeq: 9, throughSeq: 14 });
      expect((await all()).map((r) => r.type)).toEqual(['audit.pruned']);
      await expect(pl.verify()).resolves.toMatchObject({ ok: true, count: 1, first: 15 });
      await pl.record({ type: 'login.success', outcome: 'success', actor: 'again' });
      await expect(log.verify()).resolves.toMatchObject({ ok: true, count: 2, first: 15, last: 16 });
      // retention 0 keeps everything
      await expect(log.prune(new Date(t0 + 100 * HOUR))).resolves.toEqual({ removed: 0 });
    });

    it('detects rows deleted from the start after a prune, even with the anchor rewritten', async () => {
      const pl = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 3600 });
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) await pl.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: `old${i}`, at: new Date(t0 - 3 * HOUR) });
      for (let i = 0; i < 5; i++) await pl.record({ type: 'login.success', outcome: 'success', actor: `new${i}` });
      await pl.prune();
      await expect(pl.verify()).resolves.toMatchObject({ ok: true, first: 6 });
      await prisma.auditEvent.deleteMany({ where: { seq: { lte: 7 } } });
      await expect(pl.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted', seq: 6 } });
      const seven = { seq: 7, hash: (await prisma.auditEvent.findUnique({ where: { seq: 8 } }))!.prevHash };
      await prisma.syncState.update({ where: { name: ANCHOR_STATE }, data: { value: JSON.stringify(seven) } });
      await expect(pl.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'anchor', seq: 8 } });
      // a prune refuses to launder it
      await expect(pl.prune(new Date(Date.now() + 5 * HOUR))).rejects.toMatchObject({ code: 'broken' });
      // every row deleted: the anchor says some must exist
      await prisma.auditEvent.deleteMany({});
      await expect(pl.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted' } });
    });

    it('refuses to prune a broken range unless forced, and records what it forced', async () => {
      const pl = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 60 });
      for (let i = 0; i < 5; i++) await pl.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: `old${i}`, at: new Date(Date.now() - HOUR) });
      await pl.record({ type: 'login.success', outcome: 'success', actor: 'new' });
      await prisma.auditEvent.update({ where: { seq: 2 }, data: { actor: 'someone-else' } });
      await expect(pl.prune()).rejects.toMatchObject({ code: 'broken', problem: { kind: 'edited', seq: 2 } });
      expect(await prisma.auditEvent.count()).toBe(6);
      await expect(pl.prune(undefined, { force: true })).resolves.toMatchObject({ removed: 5 });
      const marker = (await all()).at(-1)!;
      expect(JSON.parse(marker.detail)).toMatchObject({ forced_over: expect.stringContaining('seq 2') });
      await expect(pl.verify()).resolves.toMatchObject({ ok: true });
    });

    it('two instances pruning at once leave a verifiable chain', async () => {
      const other = await openDatabase(t.url, { poolSize: 4 });
      extra.push(other);
      const a = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 60 });
      const b = createAuditLog(createAuditRepository(other.prisma), { logger: silent, retentionSeconds: 60 });
      for (let i = 0; i < 20; i++) await a.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: `old${i}`, at: new Date(Date.now() - HOUR + i * 60_000) });
      await a.record({ type: 'login.success', outcome: 'success', actor: 'new' });
      const t0 = Date.now();
      await Promise.all([a.prune(new Date(t0)), b.prune(new Date(t0 + 15 * 60_000)), recordMany(a, 5, 'x'), recordMany(b, 5, 'y')]);
      await expect(a.verify()).resolves.toMatchObject({ ok: true });
      await expect(b.prune(new Date(t0 + 20 * 60_000))).resolves.toMatchObject({});
      await expect(a.verify()).resolves.toMatchObject({ ok: true });
    });
  });

  it('never throws when it cannot write: the action goes ahead, the event is logged at error level', async () => {
    const { logger, lines } = capturingLogger();
    const failing = createAuditLog(createAuditRepository({
      _activeProvider: 'postgresql',
      auditEvent: { findFirst: async () => null },
      syncState: { findUnique: async () => null },
      $queryRaw: async () => { throw new Error('database unreachable'); },
    } as unknown as Db), { logger, retentionSeconds: 0 });
    await expect(failing.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: 'nguyenvana', ip: '192.0.2.3', detail: { password: 'hunter2' } })).resolves.toBeNull();
    expect(failing.failures).toBe(1);
    const line = lines.find((l) => l.event === 'audit.write_failed')!;
    expect(line).toMatchObject({ level: 'error', error: 'database unreachable', audit: { type: 'login.failure', actor: 'nguyenvana', ip: '192.0.2.3' } });
    expect(JSON.stringify(line)).not.toContain('hunter2');
    // an invalid event is refused the same way
    await expect(failing.record({ type: 'logout', outcome: 'success', at: new Date(NaN) })).resolves.toBeNull();
    expect(failing.failures).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
describe(`the services record their changes on ${backend}`, () => {
  let t: TestDatabase;
  let prisma: Db;
  let audit: AuditLog;

  beforeAll(async () => {
    t = await createTestDatabase();
    prisma = t.db.prisma;
    audit = createAuditLog(createAuditRepository(prisma), { logger: silent, retentionSeconds: 0, actor: 'admin@may-chu' });
  });
  afterAll(async () => t.drop());

  const last = async () => (await prisma.auditEvent.findFirst({ orderBy: { seq: 'desc' } }))!;

  it('accounts, clients, keys and ended access; no password, secret or key material in any row', async () => {
    const accounts = createAccountService(accountStores(prisma), { audit });
    const clients = createClientService(createClientRepository(prisma), { audit });
    const keys = createKeyStore(createSigningKeyRepository(prisma), { secret: TEST_SECRETS.KEY_ENCRYPTION_SECRET, algs: ['ES256'], audit });
    const deprovision = createDeprovisioner({ sessions: createSessionRepository(prisma), deliveries: createLogoutDeliveryRepository(prisma), keys, issuer: 'http://localhost', logger: silent, attempts: 1, timeoutMs: 1000, audit });
    const password1 = `Mật-khẩu-${randomUUID()}`;
    const password2 = `Mat-khau-moi-${randomUUID()}`;

    const a = await accounts.addLocal({ login: 'quantri', password: password1, displayName: 'Quản Trị Viên', email: 'quantri@tinh.gov.vn' });
    expect(await last()).toMatchObject({ type: 'account.created', outcome: 'success', subject: a.id, actor: 'admin@may-chu' });
    expect(JSON.parse((await last()).detail)).toMatchObject({ login: 'quantri', source: 'local', display_name: 'Quản Trị Viên' });

    await accounts.setPassword('quantri', password2);
    expect(await last()).toMatchObject({ type: 'account.password_changed', subject: a.id });

    await accounts.setStatus('quantri', 'disabled');
    expect(await last()).toMatchObject({ type: 'account.status_changed', outcome: 'disabled', subject: a.id });
    expect(JSON.parse((await last()).detail)).toMatchObject({ from: 'active', to: 'disabled' });

    await deprovision.endAccess(a.id, 'sso account disable');
    expect(await last()).toMatchObject({ type: 'account.access_ended', subject: a.id });
    expect(JSON.parse((await last()).detail)).toEqual({ reason: 'sso account disable', revoked: 0, queued: 0 });

    const c = await clients.add({ name: 'Một cửa điện tử', type: 'web', redirectUris: ['https://motcua.tinh.gov.vn/cb'] });
    expect(await last()).toMatchObject({ type: 'client.created', clientId: c.client.client_id });
    expect(JSON.parse((await last()).detail)).toMatchObject({ name: 'Một cửa điện tử', type: 'web', confidential: true });
    const secret2 = await clients.rotateSecret(c.client.client_id);
    expect(await last()).toMatchObject({ type: 'client.secret_rotated', clientId: c.client.client_id });
    await clients.setStatus(c.client.client_id, 'disabled');
    expect(await last()).toMatchObject({ type: 'client.status_changed', outcome: 'disabled', clientId: c.client.client_id });

    const created = await keys.ensure();
    expect(await last()).toMatchObject({ type: 'keys.created' });
    const rotated = await keys.rotate({ activateAt: new Date(), graceSeconds: 3600 });
    expect(await last()).toMatchObject({ type: 'keys.rotated' });
    expect(JSON.parse((await last()).detail)).toMatchObject({ created: rotated.created, retiring: created });

    // without an audit log the services work as before
    await createAccountService(accountStores(prisma)).setStatus('quantri', 'active');

    const rows = await prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.type)).toEqual([
      'account.created', 'account.password_changed', 'account.status_changed', 'account.access_ended',
      'client.created', 'client.secret_rotated', 'client.status_changed', 'keys.created', 'keys.rotated',
    ]);
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, count: 9 });
    const everything = JSON.stringify(rows);
    const account = (await prisma.account.findUnique({ where: { id: a.id } }))!;
    const client = (await prisma.client.findUnique({ where: { id: c.client.client_id } }))!;
    const keyRows = await prisma.signingKey.findMany();
    const secrets = [password1, password2, c.clientSecret!, secret2, account.passwordHash!, client.secretHash!, TEST_SECRETS.KEY_ENCRYPTION_SECRET, ...keyRows.map((k) => k.encryptedJwk)];
    for (const s of secrets) expect(everything.includes(s)).toBe(false);
    for (const k of keyRows) {
      const jwk = (await keys.current()).jwks.find((j) => j.kid === k.kid);
      if (jwk?.d) expect(everything.includes(String(jwk.d))).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe(`sso audit on ${backend}`, () => {
  let t: TestDatabase;
  let prisma: Db;
  const dataDir = mkdtempSync(join(tmpdir(), 'sso-audit-data-'));
  let env: Record<string, string | undefined>;
  let viaMain = false;

  interface Run { code: number; out: string[]; err: string[]; stdout: string; stderr: string }

  async function sso(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env, ...extraEnv }, readSecret: async () => 'unused-password-123' };
    const code = await main(['node', 'sso', ...args], io);
    return { code, out, err, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  /** `sso audit ...`: through main() once the command is registered there, else the same wiring main() uses. */
  async function ssoAudit(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
    if (viaMain) return sso(['audit', ...args], extraEnv);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const { loadConfig } = await import('../src/config/load.js');
    const { openServices } = await import('../src/app/container.js');
    let services: Awaited<ReturnType<typeof openServices>> | undefined;
    const program = new Command('sso').exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
    registerAuditCommand(program, { io, open: async () => (services ??= await openServices(loadConfig({ ...env, ...extraEnv }))) });
    let code = 0;
    try {
      await program.parseAsync(['node', 'sso', 'audit', ...args]);
    } catch (e) {
      if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
      else {
        io.err(`sso: ${(e as Error).message}`);
        code = 1;
      }
    } finally {
      await services?.close();
    }
    return { code, out, err, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    prisma = t.db.prisma;
    env = { NODE_ENV: 'test', DATABASE_URL: t.url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS };
    // `--help` would be answered by the root command even for an unknown one: run a harmless command
    const probe = await sso(['audit', 'list', '--json']);
    viaMain = probe.code === 0;
    if (!viaMain) expect(probe.stderr).toContain("unknown command 'audit'");
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('`sso client add` ends in an audit row naming the operator', async () => {
    const r = await sso(['client', 'add', '--name', 'Cổng dịch vụ công', '--redirect-uri', 'https://dvc.tinh.gov.vn/cb', '--json']);
    expect(r.code).toBe(0);
    const { client_id, client_secret } = JSON.parse(r.out[0]!) as { client_id: string; client_secret: string };
    const row = (await prisma.auditEvent.findFirst({ where: { type: 'client.created' }, orderBy: { seq: 'desc' } }))!;
    expect(row).toMatchObject({ clientId: client_id, outcome: 'success' });
    expect(row.actor).toMatch(/@/);
    expect(JSON.stringify(row)).not.toContain(client_secret);
    expect((await sso(['account', 'add-local', '--login', 'canbo1', '--name', 'Cán Bộ Một', '--password-stdin'])).code).toBe(0);
    expect(await prisma.auditEvent.findFirst({ where: { type: 'account.created' } })).toBeTruthy();
  });

  it('verify: exit 0 with the count, exit 1 naming the first bad seq', async () => {
    const ok = await ssoAudit(['verify']);
    expect(ok.code).toBe(0);
    const n = await prisma.auditEvent.count();
    expect(ok.out[0]).toBe(`${n} events verified (seq 1 to ${n})`);
    const head = /^head: (\d+:[0-9a-f]{64})/.exec(ok.out[1]!)![1]!;
    const j = await ssoAudit(['verify', '--json', '--checkpoint', head]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out[0]!)).toMatchObject({ ok: true, verified: n, checkpoint: 'matched' });

    const row = (await prisma.auditEvent.findUnique({ where: { seq: 1 } }))!;
    await prisma.auditEvent.update({ where: { seq: 1 }, data: { outcome: 'failure' } });
    const bad = await ssoAudit(['verify']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('audit trail broken at seq 1 (edited)');
    const badJson = await ssoAudit(['verify', '--json']);
    expect(badJson.code).toBe(1);
    expect(JSON.parse(badJson.out[0]!)).toMatchObject({ ok: false, problem: { kind: 'edited', seq: 1 } });
    await prisma.auditEvent.update({ where: { seq: 1 }, data: { outcome: row.outcome } });
    expect((await ssoAudit(['verify'])).code).toBe(0);

    expect((await ssoAudit(['verify', '--checkpoint', 'nonsense'])).code).toBe(2);
    expect((await ssoAudit(['verify', '--from', '3', '--to', '2'])).code).toBe(2);
  });

  it('export: jsonl and csv to stdout, UTF-8 intact, readable back by verify --file', async () => {
    await prisma.auditEvent.count();
    const r = await ssoAudit(['export', '--since', '2020-01-01', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(csvHeader());
    expect(r.stdout).toContain('Cổng dịch vụ công');
    const file = join(dataDir, 'audit.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, r.stdout + '\n', 'utf8');
    const v = await ssoAudit(['verify', '--file', file]);
    expect(v.code).toBe(0);
    expect(v.out[0]).toMatch(/^\d+ events in .* verified/);

    const j = await ssoAudit(['export', '--since', '2020-01-01T00:00:00+07:00']);
    expect(j.code).toBe(0);
    expect(j.out.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length: j.out.length }, (_, i) => i + 1));
    const jf = join(dataDir, 'audit.jsonl');
    const lines = j.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    lines[0]!.outcome = 'tampered';
    writeFileSync(jf, lines.map((l) => JSON.stringify(l)).join('\n'), 'utf8');
    const vf = await ssoAudit(['verify', '--file', jf]);
    expect(vf.code).toBe(1);
    expect(vf.stderr).toContain('seq 1 (edited)');

    const bom = await ssoAudit(['export', '--since', '2020-01-01', '--format', 'csv', '--bom']);
    expect(bom.out[0]!.startsWith('\uFEFF')).toBe(true);
    expect((await ssoAudit(['export', '--since', '2030-01-01'])).out).toEqual([]);
    expect((await ssoAudit(['export', '--since', 'yesterday'])).code).toBe(2);
    expect((await ssoAudit(['export'])).code).toBe(2);
    expect((await ssoAudit(['export', '--since', '2026-02-30'])).code).toBe(2);
    expect((await ssoAudit(['export', '--since', '2026-01-01', '--format', 'xml'])).code).toBe(2);
    expect((await ssoAudit(['export', '--since', '2026-01-02', '--until', '2026-01-01'])).code).toBe(2);
  });

  it('list and prune', async () => {
    const l = await ssoAudit(['list', '--type', 'client', '--json']);
    expect(l.code).toBe(0);
    const rows = JSON.parse(l.out[0]!) as { type: string; client_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.type.startsWith('client.'))).toBe(true);
    const table = await ssoAudit(['list', '--limit', '2']);
    expect(table.out[0]).toMatch(/^SEQ\s+AT\s+TYPE\s+OUTCOME/);
    expect(table.out[0]!.split('\n')).toHaveLength(3);
    expect((await ssoAudit(['list', '--limit', '0'])).code).toBe(2);

    const none = await ssoAudit(['prune'], { AUDIT_RETENTION: '0' });
    expect(none.out[0]).toContain('kept forever');
    const n = await prisma.auditEvent.count();
    await prisma.auditEvent.updateMany({ where: { seq: { lte: 2 } }, data: { at: new Date('2020-01-01T00:00:00Z') } });
    // the time is part of the hash: the prune refuses the rows just edited
    const refused = await ssoAudit(['prune'], { AUDIT_RETENTION: '30d' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not pruning: the audit trail is broken at seq 1');
    expect(await prisma.auditEvent.count()).toBe(n);

    // a trail whose oldest events are past the retention
    const other = await createTestDatabase();
    try {
      const seed = createAuditLog(createAuditRepository(other.db.prisma), { logger: silent, retentionSeconds: 0 });
      for (let i = 0; i < 3; i++) await seed.record({ type: 'login.failure', outcome: 'invalid_credentials', actor: `cu${i}`, at: new Date(Date.now() - 40 * 86_400_000) });
      await seed.record({ type: 'login.success', outcome: 'success', actor: 'moi' });
      const p = await ssoAudit(['prune', '--json'], { DATABASE_URL: other.url, AUDIT_RETENTION: '30d' });
      expect(p.code).toBe(0);
      expect(JSON.parse(p.out[0]!)).toMatchObject({ removed: 3, from_seq: 1, through_seq: 3, retention_seconds: 30 * 86_400 });
      const v = await ssoAudit(['verify'], { DATABASE_URL: other.url });
      expect(v.code).toBe(0);
      expect(v.out[0]).toBe('2 events verified (seq 4 to 5), from the anchor left by pruning (seq 3)');
      const again = await ssoAudit(['prune'], { DATABASE_URL: other.url, AUDIT_RETENTION: '30d' });
      expect(again.out[0]).toMatch(/^nothing to prune/);
    } finally {
      await other.drop();
    }
  });
});
