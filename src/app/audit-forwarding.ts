/**
 * The audit trail's syslog forwarder in the server (AUDIT_SYSLOG): every instance runs one, the
 * one holding the lease forwards (src/audit/syslog/forwarder.ts). The CA file is read here, at
 * start: an unreadable one stops the start with a configuration error.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../config/load.js';
import type { AuditForwardRepository } from '../db/repos/audit-forward.js';
import { startAuditForwarder, type AuditForwarder, type AuditForwarderOptions } from '../audit/syslog/forwarder.js';
import type { Logger } from '../util/logger.js';

/** Options of the forwarder a test may set (pauses, lease times). */
export type ForwarderTuning = Omit<AuditForwarderOptions, 'repo' | 'target' | 'logger'>;

export function startAuditForwarding(config: Config, repo: AuditForwardRepository, logger: Logger, tuning: ForwarderTuning = {}): AuditForwarder | undefined {
  const t = config.audit.syslog;
  if (!t) return undefined;
  let ca: string | undefined;
  if (t.caFile) {
    try {
      ca = readFileSync(t.caFile, 'utf8');
    } catch (err) {
      throw new ConfigError([`AUDIT_SYSLOG_CA_FILE: cannot read ${t.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
  }
  const plain = t.transport !== 'tls';
  logger[plain ? 'warn' : 'info'](
    { event: 'audit.syslog_configured', target: t.url, transport: t.transport, caFile: t.caFile },
    t.transport === 'udp'
      ? `audit events are forwarded to ${t.url} over UDP: best effort (a datagram lost is an event the receiver never gets) and unencrypted; prefer tcp+tls://`
      : plain
        ? `audit events are forwarded to ${t.url} over plain TCP: unencrypted; prefer tcp+tls://`
        : `audit events are forwarded to ${t.url} over TLS`,
  );
  return startAuditForwarder({ ...tuning, repo, logger, target: { url: t.url, transport: t.transport, host: t.host, port: t.port, ca } });
}
