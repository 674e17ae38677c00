/**
 * Forwarding the audit trail to a real syslog receiver (rsyslogd, started here on loopback
 * ports): every event arrives as an RFC 5424 message carrying its seq; a receiver that is down
 * for a while gets every event once it is back (none missing, duplicates only of what was
 * unconfirmed); a TLS receiver whose certificate is not from the configured CA is refused and
 * logged; plain TCP and UDP; one forwarder across two instances, the other taking over; and
 * retention keeps what was not forwarded yet.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { hostname } from 'node:os';
import { recordView } from '../src/audit/export.js';
import type { AuditEventInput } from '../src/audit/events.js';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config/load.js';
import { openServices } from '../src/app/container.js';
import { createLogger } from '../src/util/logger.js';
import { createEmptyTestDatabase } from './helpers/db.js';
import { freePort, startTestServer, testServerEnv, type TestServer } from './helpers/server.js';
import { makeTestCa, startReceiver, type Receiver, type TestCa } from './helpers/rsyslog.js';
import { until } from './helpers/until.js';

const TUNING = { pollMs: 50, retryMinMs: 50, retryMaxMs: 400, leaseRetryMs: 100, leaseTtlMs: 3_000 };

let good: TestCa;
let other: TestCa;
const cleanup: (() => Promise<void>)[] = [];
beforeAll(() => {
  good = makeTestCa('good');
  other = makeTestCa('other');
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

async function receiver(transport: Receiver['transport'], ca?: TestCa): Promise<Receiver> {
  const r = await startReceiver(transport, ca);
  cleanup.push(() => r.close());
  return r;
}

async function server(env: Record<string, string>, opts: { databaseUrl?: string } = {}): Promise<TestServer> {
  const s = await startTestServer(env, { ...opts, forwarder: TUNING });
  cleanup.push(opts.databaseUrl ? () => s.close() : () => s.stop());
  return s;
}

const event = (n: number, tag: string): AuditEventInput => ({ type: 'client.updated', outcome: 'success', actor: 'console:quản.trị', clientId: 'dich-vu-cong', ip: '192.0.2.9', detail: { n, tag, note: 'Sở Thông tin và Truyền thông' } });

async function record(s: TestServer, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) expect(await s.services.audit.record(event(i, tag))).not.toBeNull();
}

async function allSeqs(s: TestServer): Promise<number[]> {
  return (await s.services.db.prisma.auditEvent.findMany({ select: { seq: true }, orderBy: { seq: 'asc' } })).map((r) => r.seq);
}

/** Waits until the receiver has every event of the database. */
async function receivedAll(r: Receiver, s: TestServer): Promise<void> {
  const want = await allSeqs(s);
  await until(`receiver has seqs ${want[0]}..${want[want.length - 1]}`, () => {
    const got = new Set(r.received().map((m) => m.seq));
    return want.every((q) => got.has(q));
  }, 30_000, 25);
}

const logged = (s: TestServer, event: string) => s.logs.some((l) => l.includes(`"event":"${event}"`));

describe('over TLS (RFC 5425)', () => {
  test('every event arrives with its seq; a receiver down for a while gets all of them when back', async () => {
    const rx = await receiver('tls', good);
    const s = await server({ AUDIT_SYSLOG: `tcp+tls://localhost:${rx.port}`, AUDIT_SYSLOG_CA_FILE: good.caFile });
    await record(s, 25, 'before');
    await receivedAll(rx, s);
    const confirmedBefore = Math.max(...(await allSeqs(s)));

    await rx.stop();
    await record(s, 40, 'while down');
    await until('the forwarder finds the receiver down', () => logged(s, 'audit.syslog_unreachable'), 20_000, 20);
    await record(s, 5, 'still down');
    await rx.start();
    await receivedAll(rx, s);
    await until('the recovery is logged', () => logged(s, 'audit.syslog_recovered'), 10_000, 20);

    const rows = await s.services.db.prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    const got = rx.received();
    const firstSeen = [...new Set(got.map((m) => m.seq))];
    // none missing, none invented, first arrivals in seq order
    expect(firstSeen).toEqual(rows.map((r) => r.seq));
    // duplicates only of events that were not confirmed before the receiver went down
    const counts = new Map<number, number>();
    for (const m of got) counts.set(m.seq, (counts.get(m.seq) ?? 0) + 1);
    expect([...counts].filter(([q, c]) => c > 1 && q <= confirmedBefore)).toEqual([]);
    // each message: the event as exported, from this host, app sso, the type as MSGID, authpriv
    const bySeq = new Map(got.map((m) => [m.seq, m]));
    for (const r of rows) {
      const m = bySeq.get(r.seq)!;
      expect(JSON.parse(m.msg)).toEqual(recordView(r));
      expect(m).toMatchObject({ hostname: hostname(), appName: 'sso', msgid: r.type });
      expect(m.pri >> 3).toBe(10);
      expect(m.structuredData).toContain(`[sso@32473 seq="${r.seq}" type="${r.type}"`);
    }
    expect(await s.services.auditForward.cursor()).toBe(rows[rows.length - 1]!.seq);
  });

  test('a receiver whose certificate is not from AUDIT_SYSLOG_CA_FILE is refused, logged, and sent nothing', async () => {
    const rx = await receiver('tls', other);
    const s = await server({ AUDIT_SYSLOG: `tcp+tls://localhost:${rx.port}`, AUDIT_SYSLOG_CA_FILE: good.caFile });
    await record(s, 3, 'refused');
    await until('the refusal is logged', () => logged(s, 'audit.syslog_tls_refused'), 20_000, 20);
    const line = JSON.parse(s.logs.find((l) => l.includes('"audit.syslog_tls_refused"'))!) as { level: string; target: string; code?: string };
    expect(line).toMatchObject({ level: 'error', target: `tcp+tls://localhost:${rx.port}` });
    expect(rx.received()).toEqual([]);
    expect(await s.services.auditForward.cursor()).toBe(0);
  });
});

describe('over plain TCP and UDP', () => {
  test.each(['tcp', 'udp'] as const)('%s: the events arrive with their seq', async (transport) => {
    const rx = await receiver(transport);
    const s = await server({ AUDIT_SYSLOG: `${transport}://127.0.0.1:${rx.port}` });
    await record(s, 10, transport);
    await receivedAll(rx, s);
    expect(logged(s, 'audit.syslog_configured')).toBe(true);
    const line = JSON.parse(s.logs.find((l) => l.includes('"audit.syslog_configured"'))!) as { level: string };
    expect(line.level).toBe('warn');
  });
});

describe('across instances', () => {
  test('one instance forwards; when it stops, the other takes over from the cursor', async () => {
    const rx = await receiver('tcp');
    const env = { AUDIT_SYSLOG: `tcp://127.0.0.1:${rx.port}` };
    const a = await server(env);
    const b = await server(env, { databaseUrl: a.config.databaseUrl });
    const forwarding = () => [a, b].filter((x) => x.forwarder!.status().forwarding);
    await until('one instance forwards', () => forwarding().length === 1, 10_000, 20);
    await record(a, 10, 'a');
    await record(b, 10, 'b');
    await receivedAll(rx, a);
    expect(forwarding()).toHaveLength(1);
    const holder = forwarding()[0]!;
    const rest = holder === a ? b : a;
    await holder.forwarder!.stop();
    await until('the other instance takes over', () => rest.forwarder!.status().forwarding, 10_000, 20);
    await record(rest, 10, 'after');
    await receivedAll(rx, rest);
    const seqs = rx.received().map((m) => m.seq);
    expect([...new Set(seqs)]).toEqual(await allSeqs(rest));
  });
});

describe('retention', () => {
  test('events not yet forwarded are kept, however old; forwarded ones go', async () => {
    const db = await createEmptyTestDatabase();
    cleanup.push(() => db.drop());
    const port = await freePort(); // nothing listens there: nothing would be confirmed
    const config = loadConfig(testServerEnv(port, db.url, { AUDIT_SYSLOG: `tcp://127.0.0.1:${port}`, AUDIT_RETENTION: '1h' }));
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
    const services = await openServices(config, { logger: createLogger('info', sink) });
    cleanup.push(() => services.close());
    const old = new Date(Date.now() - 3 * 3600_000);
    for (let i = 0; i < 3; i++) await services.audit.record({ ...event(i, 'old'), at: old });
    await services.audit.record(event(3, 'new'));
    expect(await services.audit.prune()).toMatchObject({ removed: 0 });
    expect(await services.db.prisma.auditEvent.count()).toBe(4);
    expect(lines.some((l) => l.includes('"event":"audit.prune_held"'))).toBe(true);
    // once the first two are forwarded, those two go (and the third, unforwarded, stays)
    await services.auditForward.advance(2);
    expect(await services.audit.prune()).toMatchObject({ removed: 2, fromSeq: 1, throughSeq: 2 });
    expect((await services.db.prisma.auditEvent.findMany({ select: { seq: true } })).map((r) => r.seq)).toEqual([3, 4, 5]);
  });
});
