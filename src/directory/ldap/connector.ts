/**
 * The LDAP directory connector (ldapts): service-account operations on a small pool of bound
 * connections, user binds on fresh connections that never carry the service identity, failover
 * across servers with back-off and a background probe, LDAPS or StartTLS with a CA file.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { AndFilter, BusyError, Client, EqualityFilter, FilterParser, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError, UnavailableError, type Entry, type Filter } from 'ldapts';
import type { LdapSettings } from '../../config/load.js';
import type { Logger } from '../../util/logger.js';
import {
  DirectoryUnavailableError,
  type AuthFailure,
  type AuthOutcome,
  type BindGuard,
  type DirectoryConnector,
  type DirectoryIdentity,
  type EntryResult,
  type ListOptions,
} from '../types.js';
import { ServerSet } from './servers.js';
import { and, eq, escapeFilterValue, loginFilter } from './filter.js';
import { changedSinceFilter, resolvePreset, searchAttributes, type Preset } from './presets.js';
import { entryToIdentity } from './entry.js';
import { uuidToObjectGuid } from './attributes.js';
import { adBindFailure } from './ad-errors.js';
import type { LdapOperation, Metrics } from '../../metrics/metrics.js';

export interface LdapConnectorOptions {
  settings: LdapSettings;
  logger: Logger;
  /** PEM CA certificates (from LDAP_CA_FILE). */
  ca?: string | undefined;
  /** How often servers marked dead are probed, ms. */
  probeIntervalMs?: number;
  now?: () => Date;
  /** LDAP latency and failover counters. */
  metrics?: Pick<Metrics, 'ldapOperation' | 'ldapServerDown' | 'ldapFailover'> | undefined;
}

/** Connection refused, reset, timed out, TLS failure, server busy or unavailable: try elsewhere. */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof UnavailableError || err instanceof BusyError) return true;
  return !(err instanceof ResultCodeError);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

interface Pooled {
  client: Client;
  url: string;
}

export class LdapConnector implements DirectoryConnector {
  readonly kind = 'ldap';
  readonly preset: Preset;
  readonly servers: ServerSet;
  private idle: Pooled[] = [];
  private open = 0;
  private waiters: Array<(p: Pooled | Error) => void> = [];
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly s: LdapSettings;
  private readonly log: Logger;
  private readonly baseFilter: string;
  private readonly now: () => Date;

  constructor(private readonly opts: LdapConnectorOptions) {
    this.s = opts.settings;
    this.log = opts.logger;
    this.now = opts.now ?? (() => new Date());
    this.preset = resolvePreset(this.s.preset, this.s.attributeMap, this.s.userFilter, this.s.loginAttributes.length ? this.s.loginAttributes : undefined);
    this.baseFilter = this.preset.userFilter;
    this.servers = new ServerSet(this.s.urls);
    if (this.s.tlsInsecure) this.log.warn({ event: 'ldap.tls_insecure' }, 'LDAP_TLS_INSECURE=true: directory certificates are NOT verified; anyone on the network path can read passwords');
    this.probe = setInterval(() => void this.probeDead(), opts.probeIntervalMs ?? 2_000);
    this.probe.unref();
  }

  /** Times one operation against `url` (when metrics are on); the outcome is read from its error. */
  private async timed<T>(operation: LdapOperation, url: string, run: () => Promise<T>): Promise<T> {
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

  private markDead(url: string, error: string): void {
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
  private async connect(url: string): Promise<Client> {
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
  private async openServiceConnection(): Promise<Pooled> {
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
  private async withService<T>(op: (client: Client) => Promise<T>): Promise<T> {
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

  /** People matching `filter` (a string built by filter.ts, or a Filter object for binary values). */
  private async searchPeople(filter: string | Filter, sizeLimit: number): Promise<Entry[]> {
    const combined = typeof filter === 'string' ? and(this.baseFilter, filter) : new AndFilter({ filters: [FilterParser.parseString(this.baseFilter), filter] });
    const { searchEntries } = await this.withService((c) =>
      c.search(this.s.baseDn, {
        scope: 'sub',
        filter: combined,
        attributes: searchAttributes(this.preset),
        explicitBufferAttributes: this.preset.binaryAttributes,
        sizeLimit,
      }),
    );
    return searchEntries;
  }

  private async withGroups(identity: DirectoryIdentity): Promise<DirectoryIdentity> {
    if (this.s.groups.source === 'none') return { ...identity, groups: [] };
    if (this.s.groups.source === 'memberof') return identity;
    const filter = this.s.groups.filter.split('{dn}').join(escapeFilterValue(identity.dn));
    const { searchEntries } = await this.withService((c) => c.search(this.s.groups.baseDn, { scope: 'sub', filter, attributes: ['cn'], sizeLimit: 1000 }));
    const groups = [...new Set(searchEntries.map((e) => (Array.isArray(e.cn) ? e.cn[0] : e.cn)).filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256))].sort();
    return { ...identity, groups };
  }

  /** Binds as the person on a fresh connection (never reused for the service identity). */
  private async userBind(dn: string, password: string): Promise<'ok' | { reason: AuthFailure; detail: string }> {
    let last = 'no server tried';
    const candidates = this.servers.candidates();
    for (const [i, url] of candidates.entries()) {
      let client: Client | undefined;
      if (i > 0) this.opts.metrics?.ldapFailover('user_bind');
      try {
        await this.timed('user_bind', url, async () => {
          client = await this.connect(url);
          await client.bind(dn, password);
        });
        this.servers.markAlive(url);
        return 'ok';
      } catch (err) {
        if (err instanceof InvalidCredentialsError) {
          if (this.preset.name === 'activedirectory') return adBindFailure(err.message);
          return { reason: 'invalid_credentials', detail: 'wrong password' };
        }
        if (!isConnectionFailure(err)) return { reason: 'invalid_credentials', detail: `bind refused: ${message(err)}` };
        last = message(err);
        this.markDead(url, last);
      } finally {
        await client?.unbind().catch(() => undefined);
      }
    }
    return { reason: 'unavailable', detail: `no directory server reachable (${last})` };
  }

  async authenticate(login: string, password: string, guard?: BindGuard): Promise<AuthOutcome> {
    // An empty password is an anonymous bind that "succeeds": refuse it before any bind.
    if (typeof password !== 'string' || password.length === 0) return { ok: false, reason: 'invalid_credentials', detail: 'empty password' };
    const filter = loginFilter(login, { loginAttributes: this.preset.loginAttributes, mailAttributes: this.preset.mailAttributes, mailDomains: this.s.mailDomains });
    if (!filter) return { ok: false, reason: 'invalid_credentials', detail: 'unusable login input' };
    let entries: Entry[];
    try {
      entries = await this.searchPeople(filter, 2);
    } catch (err) {
      if (err instanceof SizeLimitExceededError) return { ok: false, reason: 'invalid_credentials', detail: 'login matches several entries' };
      if (err instanceof DirectoryUnavailableError) return { ok: false, reason: 'unavailable', detail: err.message };
      throw err;
    }
    if (entries.length === 0) {
      // Cost what a wrong password costs (a bind on a fresh connection), so timing does not tell
      // an unknown login from a known one. The DN names nobody; the result is ignored.
      await this.userBind(`cn=${randomUUID()},${this.s.baseDn}`, password);
      return { ok: false, reason: 'invalid_credentials', detail: 'unknown login' };
    }
    if (entries.length > 1) return { ok: false, reason: 'invalid_credentials', detail: `login matches ${entries.length} entries` };
    const result = entryToIdentity(entries[0] as Entry & { dn: string }, this.preset, { mailDomains: this.s.mailDomains, now: this.now() });
    if (!result.ok) return { ok: false, reason: 'disabled', detail: `directory entry unusable: ${result.error}` };
    const identity = result.identity;
    // A temporarily locked account is not bound again: every failed bind would extend the lockout.
    if (identity.status === 'locked') return { ok: false, reason: 'locked', detail: identity.statusDetail ?? 'locked in the directory' };
    await guard?.(identity);
    const bound = await this.userBind(identity.dn, password);
    if (bound !== 'ok') {
      // ppolicy refuses a locked account's bind as "invalid credentials": the entry says why
      if (bound.reason === 'invalid_credentials' && identity.status !== 'active') {
        return { ok: false, reason: identity.status === 'expired' ? 'expired' : 'disabled', detail: `${identity.statusDetail ?? identity.status}; bind refused` };
      }
      return { ok: false, ...bound };
    }
    if (identity.status !== 'active') return { ok: false, reason: identity.status === 'expired' ? 'expired' : 'disabled', detail: identity.statusDetail ?? identity.status };
    try {
      return { ok: true, identity: await this.withGroups(identity) };
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) return { ok: false, reason: 'unavailable', detail: err.message };
      throw err;
    }
  }

  async lookup(externalId: string): Promise<DirectoryIdentity | null> {
    const idAttr = this.preset.attributes.id;
    let filter: string | Filter;
    if (this.preset.binaryAttributes.includes(idAttr)) {
      // objectGUID is compared as raw bytes: a filter object, since ldapts re-encodes \XX escapes as text
      const guid = uuidToObjectGuid(externalId);
      if (!guid) return null;
      filter = new EqualityFilter({ attribute: idAttr, value: guid });
    } else {
      filter = eq(idAttr, externalId);
    }
    const entries = await this.searchPeople(filter, 2);
    if (entries.length !== 1) return null;
    const r = entryToIdentity(entries[0] as Entry & { dn: string }, this.preset, { mailDomains: this.s.mailDomains, now: this.now() });
    return r.ok ? this.withGroups(r.identity) : null;
  }

  async *list(options: ListOptions = {}): AsyncGenerator<EntryResult> {
    const filter = options.changedSince ? and(this.baseFilter, changedSinceFilter(this.preset, options.changedSince)) : this.baseFilter;
    const p = await this.openServiceConnection();
    try {
      const pages = p.client.searchPaginated(this.s.baseDn, {
        scope: 'sub',
        filter,
        attributes: searchAttributes(this.preset),
        explicitBufferAttributes: this.preset.binaryAttributes,
        paged: { pageSize: options.pageSize ?? 500 },
      });
      // one page read ahead: the directory sends the next page while this one is mapped and stored
      let next = pages.next();
      for (;;) {
        const page = await next;
        if (page.done) break;
        next = pages.next();
        next.catch(() => undefined); // a failure is thrown by the await above, on the next round
        for (const entry of page.value.searchEntries) yield entryToIdentity(entry as Entry & { dn: string }, this.preset, { mailDomains: this.s.mailDomains, now: this.now() });
      }
    } catch (err) {
      if (isConnectionFailure(err)) {
        this.markDead(p.url, message(err));
        throw new DirectoryUnavailableError(`directory listing failed (${message(err)})`, { cause: err });
      }
      throw err;
    } finally {
      await p.client.unbind().catch(() => undefined);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.withService((c) => c.search(this.s.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] }));
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    for (const w of this.waiters.splice(0)) w(new DirectoryUnavailableError('directory connector closed'));
    await Promise.all(this.idle.splice(0).map((p) => p.client.unbind().catch(() => undefined)));
  }
}
