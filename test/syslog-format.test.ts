/**
 * The audit event as an RFC 5424 message (src/audit/syslog/format.ts): the header fields, the
 * structured data carrying the seq (escaped as the RFC says), the MSG as the export's JSON, the
 * size bound, and octet counting in bytes, not characters. The real receiver's reading of it is
 * test/audit-syslog.test.ts's.
 */
import { describe, expect, test } from '@jest/globals';
import type { ChainRow } from '../src/audit/chain.js';
import { recordView } from '../src/audit/export.js';
import { headerField, MAX_MESSAGE_BYTES, octetCounted, paramValue, SD_ID, severityOf, syslogMessage } from '../src/audit/syslog/format.js';

const row = (over: Partial<ChainRow> = {}): ChainRow => ({
  seq: 42,
  at: new Date(Date.UTC(2026, 4, 2, 3, 4, 5, 678)),
  type: 'login.failure',
  outcome: 'invalid_credentials',
  actor: 'nguyễn.văn.an',
  subject: null,
  clientId: 'dich-vu-cong',
  ip: '192.0.2.7',
  detail: JSON.stringify({ user_agent: 'Mozilla/5.0 "quoted" [x]' }),
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  ...over,
});

/** RFC 5424's HEADER and one SD-ELEMENT, then MSG. */
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (\[(?:[^\]\\]|\\.)*\]) \uFEFF(.*)$/s;

describe('one event, one RFC 5424 message', () => {
  test('header, structured data with the seq, MSG as the export JSON', () => {
    const text = syslogMessage(row(), 'sso-1.tinh.gov.vn').toString('utf8');
    const m = RFC5424.exec(text);
    expect(m).not.toBeNull();
    const [, pri, time, host, app, procid, msgid, sd, msg] = m!;
    expect(Number(pri)).toBe(10 * 8 + 4); // authpriv.warning
    expect(time).toBe('2026-05-02T03:04:05.678Z');
    expect([host, app, procid, msgid]).toEqual(['sso-1.tinh.gov.vn', 'sso', '-', 'login.failure']);
    expect(sd).toBe(`[${SD_ID} seq="42" type="login.failure" outcome="invalid_credentials" actor="nguyễn.văn.an" client="dich-vu-cong" ip="192.0.2.7" hash="${'b'.repeat(64)}" prev="${'a'.repeat(64)}"]`);
    expect(JSON.parse(msg!)).toEqual(recordView(row()));
  });

  test('", \\ and ] in a parameter value are escaped; header fields keep printable ASCII only', () => {
    expect(paramValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    const text = syslogMessage(row({ actor: 'x"]\\y' }), 'host name\twith spaces').toString('utf8');
    expect(text).toContain(' actor="x\\"\\]\\\\y" ');
    expect(text.split(' ')[2]).toBe('hostnamewithspaces');
    expect(headerField('', 10)).toBe('-');
    expect(headerField('đăng.nhập', 32)).toBe('ng.nhp');
    expect(headerField('đ ă', 32)).toBe('-');
    expect(headerField('x'.repeat(40), 32)).toHaveLength(32);
  });

  test('severity: failed logins warn, logins and logouts inform, changes are notices, a failed sync is an error', () => {
    expect(severityOf('login.failure', 'throttled')).toBe(4);
    expect(severityOf('login.success', 'success')).toBe(6);
    expect(severityOf('logout', 'success')).toBe(6);
    expect(severityOf('consent', 'granted')).toBe(6);
    expect(severityOf('account.status_changed', 'disabled')).toBe(5);
    expect(severityOf('client.secret_rotated', 'success')).toBe(5);
    expect(severityOf('sync.run', 'success')).toBe(6);
    expect(severityOf('sync.run', 'partial')).toBe(4);
    expect(severityOf('sync.run', 'failed')).toBe(3);
  });

  test('a message over the size bound keeps its header and SD, drops the detail from MSG and says so', () => {
    const big = row({ type: 'client.updated', outcome: 'success', detail: JSON.stringify({ redirect_uris: Array.from({ length: 100 }, (_, i) => `https://dvc.tinh.gov.vn/${'đ'.repeat(80)}/${i}`) }) });
    const buf = syslogMessage(big, 'h');
    expect(buf.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const m = RFC5424.exec(buf.toString('utf8'))!;
    expect(m[7]).toContain(' seq="42" ');
    expect(m[7]).toContain(' truncated="true"');
    const msg = JSON.parse(m[8]!) as { seq: number; hash: string; detail: { truncated: boolean; bytes: number } };
    expect(msg).toMatchObject({ seq: 42, hash: 'b'.repeat(64), detail: { truncated: true, bytes: Buffer.byteLength(big.detail) } });
  });

  test('octet counting counts bytes (UTF-8), not characters', () => {
    const msg = syslogMessage(row(), 'h');
    const framed = octetCounted(msg).toString('utf8');
    const [len] = framed.split(' ', 1);
    expect(Number(len)).toBe(msg.length);
    expect(msg.length).toBeGreaterThan(msg.toString('utf8').length);
  });
});
