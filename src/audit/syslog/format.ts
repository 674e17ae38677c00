/**
 * An audit event as an RFC 5424 syslog message, and its framing. Pure. Written here rather than
 * taken from a package: no syslog package is among the project's dependencies, and the format is
 * a few lines, tested in test/syslog-format.test.ts.
 *
 *   <PRI>1 TIMESTAMP HOSTNAME sso - MSGID [sso@32473 seq="…" type="…" …] BOM{"seq":…,…}
 *
 *   PRI        facility authpriv (10) * 8 + the severity of the event (severityOf)
 *   TIMESTAMP  when the event happened (its `at`, UTC, milliseconds)
 *   HOSTNAME   the forwarding instance's host name
 *   APP-NAME   sso; PROCID "-" (the event may come from any instance)
 *   MSGID      the event type (login.failure, account.status_changed, …)
 *   SD         one element, SD-ID sso@32473: seq (the event's sequence number, what a receiver
 *              de-duplicates on), type, outcome, actor, subject, client, ip, hash, prev (omitted
 *              when empty), and truncated="true" when MSG had to be shortened
 *   MSG        UTF-8 with BOM: the event as one JSON object, as `sso audit export --format jsonl`
 *              writes it (so received messages, one per line, verify with `sso audit verify --file`)
 *
 * 32473 is the private enterprise number IANA reserves for examples (RFC 5612): no number is
 * registered for this project. Receivers match on the SD-ID as written.
 */
import { isoTime, type ChainRow } from '../chain.js';
import { recordView } from '../export.js';

export const SD_ID = 'sso@32473';
export const APP_NAME = 'sso';
/** authpriv: security and authorization messages. */
export const FACILITY = 10;
/** The longest message sent (RFC 5425 receivers SHOULD take 8192 octets; rsyslog's default limit). */
export const MAX_MESSAGE_BYTES = 8192;

export const SEVERITY = { error: 3, warning: 4, notice: 5, info: 6 } as const;
export type Severity = (typeof SEVERITY)[keyof typeof SEVERITY];

/**
 * The severity of an event: a refused or failed login, a sync that did not fully succeed, a
 * warning (a sync that failed: error); logins, logouts and consent: informational; every change
 * (accounts, applications, keys, the trail itself): notice.
 */
export function severityOf(type: string, outcome: string): Severity {
  if (type === 'login.failure') return SEVERITY.warning;
  if (type === 'login.success' || type === 'logout' || type === 'consent') return SEVERITY.info;
  if (type === 'sync.run') return outcome === 'success' ? SEVERITY.info : outcome === 'failed' ? SEVERITY.error : SEVERITY.warning;
  return SEVERITY.notice;
}

/** RFC 5424 header fields: printable US-ASCII (33-126) only, bounded; "-" when nothing is left. */
export function headerField(value: string, max: number): string {
  const v = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v || '-';
}

/** An SD-PARAM value: ", \ and ] escaped with a backslash (RFC 5424, 6.3.3). */
export function paramValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

function structuredData(row: ChainRow, truncated: boolean): string {
  const params: [string, string | null][] = [
    ['seq', String(row.seq)],
    ['type', row.type],
    ['outcome', row.outcome],
    ['actor', row.actor],
    ['subject', row.subject],
    ['client', row.clientId],
    ['ip', row.ip],
    ['hash', row.hash],
    ['prev', row.prevHash],
    ['truncated', truncated ? 'true' : null],
  ];
  return `[${SD_ID}${params.filter(([, v]) => v !== null && v !== '').map(([k, v]) => ` ${k}="${paramValue(v!)}"`).join('')}]`;
}

const BOM = '\uFEFF';

/** The message of one event, at most MAX_MESSAGE_BYTES (a detail too large is left out of MSG and marked truncated). */
export function syslogMessage(row: ChainRow, hostname: string): Buffer {
  const pri = FACILITY * 8 + severityOf(row.type, row.outcome);
  const header = `<${pri}>1 ${isoTime(row.at)} ${headerField(hostname, 255)} ${APP_NAME} - ${headerField(row.type, 32)}`;
  const full = Buffer.from(`${header} ${structuredData(row, false)} ${BOM}${JSON.stringify(recordView(row))}`, 'utf8');
  if (full.length <= MAX_MESSAGE_BYTES) return full;
  // the whole event stays in the database (sso audit export); its seq and hash say which
  const short = { ...recordView(row), detail: { truncated: true, bytes: Buffer.byteLength(row.detail, 'utf8') } };
  const msg = Buffer.from(`${header} ${structuredData(row, true)} ${BOM}${JSON.stringify(short)}`, 'utf8');
  return msg.length <= MAX_MESSAGE_BYTES ? msg : msg.subarray(0, MAX_MESSAGE_BYTES);
}

/** RFC 5425 / RFC 6587 octet counting: "LENGTH SP MESSAGE". */
export function octetCounted(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}
