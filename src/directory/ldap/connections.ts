/**
 * Connections to the directory servers: connecting (LDAPS, or StartTLS, with a CA file), the
 * small pool of connections bound as the service account, failover across the servers with
 * back-off, and a background probe that brings a dead server back when it answers again.
 */
import type { ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { BusyError, Client, InvalidCredentialsError, ResultCodeError, UnavailableError } from 'ldapts';
import type { LdapSettings } from '../../config/load.js';
import type { LdapOperation, Metrics } from '../../metrics/metrics.js';
import type { Logger } from '../../util/logger.js';
import { DirectoryUnavailableError } from '../types.js';
import { ServerSet } from './servers.js';

export interface LdapConnectionsOptions {
  settings: LdapSettings;
  logger: Logger;
  /** PEM CA certificates (from LDAP_CA_FILE). */
  ca?: string | undefined;
  /** How often servers marked dead are probed, ms. */
  probeIntervalMs?: number | undefined;
  /** LDAP latency and failover counters. */
  metrics?: Pick<Metrics, 'ldapOperation' | 'ldapServerDown' | 'ldapFailover'> | undefined;
}

/** Connection refused, reset, timed out, TLS failure, server busy or unavailable: try elsewhere. */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof UnavailableError || err instanceof BusyError) return true;
  return !(err instanceof ResultCodeError);
}

/** An error's message for logs and outcome details, at most 300 characters. */
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** A connection bound as the service account, and the server it goes to. */
export interface Pooled {
  client: Client;
  url: string;
}

/** The connections of one connector. */
export class LdapConnections {
  readonly servers: ServerSet;
  private idle: Pooled[] = [];
  private open = 0;
  private waiters: Array<(p: Pooled | Error) => void> = [];
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly s: LdapSettings;
  private readonly log: Logger;

  constructor(private readonly opts: LdapConnectionsOptions) {
    this.s = opts.settings;
    this.log = opts.logger;
    this.servers = new ServerSet(this.s.urls);
    if (this.s.tlsInsecure) this.log.warn({ event: 'ldap.tls_insecure' }, 'LDAP_TLS_INSECURE=true: directory certificates are NOT verified; anyone on the network path can read passwords');
    this.probe = setInterval(() => void this.probeDead(), opts.probeIntervalMs ?? 2_000);
    this.probe.unref();
  }

  /** Times one operation against `url` (when metrics are on); the outcome is read from its error. */
  async timed<T>(operation: LdapOperation, url: string, run: () => Promise<T>): Promise<T> {
    const m = this.opts.metrics;
    if (!m) return run();
    const start = process.hrtime.bigint();
    try {
      const r = await run();
      m.ldapOperation(operation, url, 'ok', seconds(start));
      return r;
    } catch (err) {
      m.ldapOperation(operation, url, isConnectionFailure(err) ? 'connection_error' : 'refused', seconds(start));
      throw err;
    }
  }

  markDead(url: string, error: string): void {
    this.servers.markDead(url, error);
    this.opts.metrics?.ldapServerDown(url);
  }

  private tlsOptions(url: string): ConnectionOptions {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return {
      ...(this.opts.ca ? { ca: [this.opts.ca] } : {}),
      rejectUnauthorized: !this.s.tlsInsecure,
      minVersion: 'TLSv1.2',
      ...(isIP(host) ? {} : { servername: host }),
    };
  }

  /** A connected (and, with StartTLS, encrypted) client; not bound. */
  async connect(url: string): Promise<Client> {
    // tlsOptions only for ldaps:// (ldapts would speak TLS on a plain port otherwise); StartTLS below.
    const secure = url.startsWith('ldaps:');
    const client = new Client({ url, timeout: this.s.timeoutMs, connectTimeout: this.s.timeoutMs, ...(secure ? { tlsOptions: this.tlsOptions(url) } : {}), strictDN: false });
    if (this.s.startTls && url.startsWith('ldap:')) {
      try {
        await client.startTLS(this.tlsOptions(url));
      } catch (err) {
        await client.unbind().catch(() => undefined);
        throw err;
      }
    }
    return client;
  }

  /** Connects and binds as the service account on the first server that answers. */
  async openServiceConnection(): Promise<Pooled> {
    let last = 'no server tried';
    const candidates = this.servers.candidates();
    for (const [i, url] of candidates.entries()) {
      let client: Client | undefined;
      if (i > 0) this.opts.metrics?.ldapFailover('service_bind');
      try {
        await this.timed('service_bind', url, async () => {
          client = await this.connect(url);
          await client.bind(this.s.bindDn, this.s.bindPassword);
        });
        this.servers.markAlive(url);
        return { client: client!, url };
      } catch (err) {
        await client?.unbind().catch(() => undefined);
        if (err instanceof InvalidCredentialsError) {
          this.log.error({ event: 'ldap.service_bind_refused', url }, 'the directory refused the service account (LDAP_BIND_DN / LDAP_BIND_PASSWORD)');
          throw new DirectoryUnavailableError('service account bind refused', { cause: err });
        }
        last = message(err);
        this.markDead(url, last);
        this.log.warn({ event: 'ldap.server_down', url, error: last }, 'directory server unreachable; trying the next');
      }
    }
    throw new DirectoryUnavailableError(`no directory server reachable (${last})`);
  }

  private async acquire(): Promise<Pooled> {
    if (this.closed) throw new DirectoryUnavailableError('directory connector closed');
    const preferred = this.servers.preferred();
    while (this.idle.length) {
      const p = this.idle.pop()!;
      if (p.client.isConnected && p.url === preferred) return p;
      this.discard(p);
    }
    if (this.open < this.s.poolSize) {
      this.open += 1;
      try {
        return await this.openServiceConnection();
      } catch (err) {
        this.open -= 1;
        throw err;
      }
    }
    return new Promise<Pooled>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new DirectoryUnavailableError('timed out waiting for a directory connection'));
      }, this.s.timeoutMs);
      const waiter = (p: Pooled | Error) => {
        clearTimeout(timer);
        if (p instanceof Error) reject(p);
        else resolve(p);
      };
      this.waiters.push(waiter);
    });
  }

  private discard(p: Pooled): void {
    this.open -= 1;
    p.client.unbind().catch(() => undefined);
  }

  private release(p: Pooled, healthy: boolean): void {
    if (!healthy || this.closed) {
      this.discard(p);
      // a waiter gets a fresh connection instead
      const w = this.waiters.shift();
      if (w) {
        this.open += 1;
        this.openServiceConnection().then(w, (err: Error) => {
          this.open -= 1;
          w(err);
        });
      }
      return;
    }
    const w = this.waiters.shift();
    if (w) w(p);
    else this.idle.push(p);
  }

  /**
   * Runs an operation as the service account. A connection that fails under it (the server died,
   * the connection was reset) is dropped and the operation is run again on another connection,
   * up to once per server and one more: a pooled connection opened before its server died may be
   * handed out once before the failure is seen.
   */
  async withService<T>(op: (client: Client) => Promise<T>): Promise<T> {
    let lastErr: unknown;
    const attempts = this.servers.servers.length + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) this.opts.metrics?.ldapFailover('search');
      const p = await this.acquire();
      try {
        const r = await this.timed('search', p.url, () => op(p.client));
        this.release(p, true);
        return r;
      } catch (err) {
        if (!isConnectionFailure(err)) {
          this.release(p, true);
          throw err;
        }
        lastErr = err;
        this.release(p, false);
        this.markDead(p.url, message(err));
        this.log.warn({ event: 'ldap.server_down', url: p.url, error: message(err) }, 'directory operation failed; retrying on another connection');
      }
    }
    throw new DirectoryUnavailableError(`directory operation failed (${message(lastErr)})`, { cause: lastErr });
  }

  private async probeDead(): Promise<void> {
    for (const url of this.servers.servers.filter((s) => s.failures > 0).map((s) => s.url)) {
      let client: Client | undefined;
      try {
        client = await this.connect(url);
        await client.bind(this.s.bindDn, this.s.bindPassword);
        this.servers.markAlive(url);
        this.log.info({ event: 'ldap.server_up', url }, 'directory server answers again');
      } catch {
        /* still down: stays skipped until its back-off ends */
      } finally {
        await client?.unbind().catch(() => undefined);
      }
    }
  }

  /** Stops the probe, fails the waiters and unbinds the idle connections. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    for (const w of this.waiters.splice(0)) w(new DirectoryUnavailableError('directory connector closed'));
    await Promise.all(this.idle.splice(0).map((p) => p.client.unbind().catch(() => undefined)));
  }
}
