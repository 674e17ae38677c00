/**
 * Forwards every audit event to a syslog receiver (AUDIT_SYSLOG), at least once, in seq order.
 *
 * One instance forwards at a time: the one holding the lease "audit.syslog" (the others try to
 * take it every leaseRetryMs, and one does within the lease's TTL when the holder dies). The
 * holder reads the events after the stored cursor (db/repos/audit-forward.ts) a batch at a time,
 * sends the batch (transport.ts: over TCP and TLS the batch counts only once the receiver
 * confirmed it), and only then moves the cursor to the batch's last seq. A batch that fails is
 * sent again from the cursor after a pause (1 s, doubling up to 30 s): a receiver that is down
 * for a while gets everything when it is back, and one that went away mid-batch may get some
 * events twice (each carries its seq: receivers de-duplicate on it). Over UDP nothing is
 * confirmed: best effort.
 *
 * Logged: the start (audit.syslog_forwarding), the first failure of a streak and then one line
 * every five minutes while it lasts (audit.syslog_unreachable, audit.syslog_tls_refused,
 * audit.syslog_error), the recovery (audit.syslog_recovered). Never the events themselves.
 */
import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { AuditForwardRepository, HeldLease } from '../../db/repos/audit-forward.js';
import type { Logger } from '../../util/logger.js';
import { syslogMessage } from './format.js';
import { deliver, SyslogDeliveryError, type TransportOptions } from './transport.js';

export interface AuditForwarderOptions {
  repo: AuditForwardRepository;
  /** Where to (the CA as PEM text, read by the caller). */
  target: TransportOptions & { url: string };
  logger: Logger;
  /** HOSTNAME of the messages; default this machine's name. */
  hostname?: string;
  /** Events per batch (default 200). */
  batchSize?: number;
  /** Pause when there is nothing new (default 1 s). */
  pollMs?: number;
  /** The lease's time to live (default 60 s); a dead holder's lease is taken over after it. */
  leaseTtlMs?: number;
  /** How often an instance without the lease tries to take it (default 10 s). */
  leaseRetryMs?: number;
  /** The first pause after a failure (default 1 s), doubling up to retryMaxMs (default 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface ForwarderStatus {
  /** This instance holds the lease and forwards. */
  forwarding: boolean;
  /** Events this instance forwarded since start. */
  forwarded: number;
  /** The current failure streak, if any. */
  failing: { kind: string; since: Date; attempts: number } | null;
}

export interface AuditForwarder {
  status(): ForwarderStatus;
  /** Stops after the batch in flight (aborted: not confirmed, so sent again later) and frees the lease. */
  stop(): Promise<void>;
}

/** How often a failure that lasts is logged again. */
const REPEAT_LOG_MS = 5 * 60_000;

export function startAuditForwarder(o: AuditForwarderOptions): AuditForwarder {
  const f = new Forwarder(o);
  f.start();
  return { status: () => f.status(), stop: () => f.stop() };
}

class Forwarder {
  private readonly holder = `${osHostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly hostname: string;
  private readonly abort = new AbortController();
  private lease: HeldLease | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private forwarded = 0;
  private failing: { kind: string; since: Date; attempts: number; loggedAt: number } | null = null;
  private delay: number;
  private gapReported = -1;

  constructor(private readonly o: AuditForwarderOptions) {
    this.hostname = o.hostname ?? osHostname();
    this.delay = o.retryMinMs ?? 1000;
  }

  start(): void {
    this.loop = this.run();
  }

  status(): ForwarderStatus {
    const f = this.failing;
    return { forwarding: this.lease !== null && !this.lease.lost(), forwarded: this.forwarded, failing: f && { kind: f.kind, since: f.since, attempts: f.attempts } };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  /** Waits `ms`, or less when stopped. */
  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!(await this.holding())) {
          await this.pause(this.o.leaseRetryMs ?? 10_000);
          continue;
        }
        const sent = await this.forwardBatch();
        if (sent < (this.o.batchSize ?? 200)) await this.pause(this.o.pollMs ?? 1000);
      } catch (err) {
        if (this.stopped) break;
        this.failed(err);
        await this.pause(this.delay);
        this.delay = Math.min(this.delay * 2, this.o.retryMaxMs ?? 30_000);
      }
    }
    await this.lease?.release().catch(() => undefined);
    this.lease = null;
  }

  /** True when this instance holds the lease (taking it when free). */
  private async holding(): Promise<boolean> {
    if (this.lease?.lost()) {
      this.o.logger.warn({ event: 'audit.syslog_lease_lost', holder: this.holder }, 'audit forwarding lease lost (the database was out of reach for its lifetime); another instance may take over');
      this.lease = null;
    }
    if (this.lease) return true;
    this.lease = await this.o.repo.holdLease(this.holder, { ttlMs: this.o.leaseTtlMs ?? 60_000 });
    if (!this.lease) return false;
    const cursor = await this.o.repo.cursor();
    this.o.logger.info({ event: 'audit.syslog_forwarding', target: this.o.target.url, transport: this.o.target.transport, cursor, holder: this.holder }, `forwarding the audit trail to ${this.o.target.url} from seq ${cursor + 1}`);
    return true;
  }

  /** One batch after the cursor, sent and confirmed, and the cursor moved; the number of events sent. */
  private async forwardBatch(): Promise<number> {
    const { repo } = this.o;
    const cursor = await repo.cursor();
    const rows = await repo.after(cursor, this.o.batchSize ?? 200);
    if (!rows.length) return 0;
    const first = rows[0]!.seq;
    if (cursor > 0 && first !== cursor + 1 && this.gapReported !== cursor) {
      this.gapReported = cursor;
      this.o.logger.warn({ event: 'audit.syslog_gap', after: cursor, next: first }, `audit events ${cursor + 1} to ${first - 1} were removed before they were forwarded`);
    }
    await deliver(this.o.target, rows.map((r) => syslogMessage(r, this.hostname)), this.abort.signal);
    const last = rows[rows.length - 1]!.seq;
    await repo.advance(last);
    this.forwarded += rows.length;
    this.recovered(last);
    return rows.length;
  }

  private recovered(seq: number): void {
    const f = this.failing;
    this.delay = this.o.retryMinMs ?? 1000;
    if (!f) return;
    this.failing = null;
    this.o.logger.info(
      { event: 'audit.syslog_recovered', target: this.o.target.url, downSeconds: Math.round((Date.now() - f.since.getTime()) / 1000), attempts: f.attempts, cursor: seq },
      `audit forwarding to ${this.o.target.url} works again; the events held back are sent from the cursor`,
    );
  }

  private failed(err: unknown): void {
    const kind = err instanceof SyslogDeliveryError ? err.kind : 'error';
    const now = Date.now();
    const f = this.failing && this.failing.kind === kind ? this.failing : { kind, since: new Date(now), attempts: 0, loggedAt: 0 };
    f.attempts++;
    this.failing = f;
    if (f.attempts > 1 && now - f.loggedAt < REPEAT_LOG_MS) return;
    f.loggedAt = now;
    const fields = { target: this.o.target.url, error: (err as Error)?.message ?? String(err), errorCode: (err as { code?: string }).code, since: f.since.toISOString(), attempts: f.attempts, retryInMs: this.delay };
    if (kind === 'tls') this.o.logger.error({ event: 'audit.syslog_tls_refused', ...fields }, `audit forwarding refused: the receiver's certificate does not verify (${fields.error}); nothing is sent until it does`);
    else if (kind === 'error') this.o.logger.warn({ event: 'audit.syslog_error', ...fields }, 'audit forwarding failed; retrying from the cursor');
    else this.o.logger.warn({ event: 'audit.syslog_unreachable', ...fields }, `audit syslog receiver ${this.o.target.url} unreachable or did not confirm; events are held and sent from the cursor when it answers`);
  }
}
