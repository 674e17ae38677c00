/**
 * AUDIT_SYSLOG: where the audit trail is forwarded (docs/logging.md, "Forwarding the audit trail").
 *
 *   tcp+tls://host[:6514]   RFC 5424 messages over TLS (RFC 5425, octet-counted), the server's
 *                           certificate checked against AUDIT_SYSLOG_CA_FILE (or the system CAs)
 *                           and its name against host
 *   tcp://host[:514]        the same framing over plain TCP (RFC 6587): a trusted network only
 *   udp://host[:514]        one datagram per event (RFC 5426): best effort, may lose events
 *
 * Pure: the CA file is read when the forwarder starts.
 */

export type SyslogTransport = 'tls' | 'tcp' | 'udp';

export interface SyslogTarget {
  /** The URL as configured (no credentials can be in it). */
  url: string;
  transport: SyslogTransport;
  /** A DNS name or an IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** PEM file of the CA(s) the receiver's certificate must chain to (tls only); default the system CAs. */
  caFile?: string | undefined;
}

const SCHEMES: Record<string, SyslogTransport> = { 'tcp+tls:': 'tls', 'tcp:': 'tcp', 'udp:': 'udp' };
const DEFAULT_PORT: Record<SyslogTransport, number> = { tls: 6514, tcp: 514, udp: 514 };

/** AUDIT_SYSLOG and AUDIT_SYSLOG_CA_FILE -> a target, adding every problem found to `problems`. */
export function syslogTarget(value: string | undefined, caFile: string | undefined, problems: string[]): SyslogTarget | undefined {
  const v = value?.trim();
  if (!v) {
    if (caFile) problems.push('AUDIT_SYSLOG_CA_FILE: set without AUDIT_SYSLOG');
    return undefined;
  }
  const usage = `AUDIT_SYSLOG: "${v}" must be tcp+tls://host[:port], tcp://host[:port] or udp://host[:port]`;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    problems.push(usage);
    return undefined;
  }
  const transport = SCHEMES[url.protocol];
  if (!transport || !url.hostname || url.username || url.password || (url.pathname && url.pathname !== '/') || url.search || url.hash) {
    problems.push(usage);
    return undefined;
  }
  if (caFile && transport !== 'tls') problems.push('AUDIT_SYSLOG_CA_FILE: only for tcp+tls:// (plain TCP and UDP have no certificate to check)');
  const port = url.port ? Number(url.port) : DEFAULT_PORT[transport];
  if (!(port > 0)) problems.push(`${usage} (port 1-65535)`);
  return { url: v, transport, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, caFile: caFile || undefined };
}
