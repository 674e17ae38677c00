/**
 * The LDAP directory connector (ldapts): finds people as the service account, binds as the
 * person on fresh connections that never carry the service identity, reads groups, lists
 * entries for the sync. Connections, their pool and failover across servers: connections.ts.
 */
import { randomUUID } from 'node:crypto';
import { AndFilter, Client, EqualityFilter, FilterParser, InvalidCredentialsError, SizeLimitExceededError, type Entry, type Filter } from 'ldapts';
import type { LdapSettings } from '../../config/load.js';
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
import type { ServerSet } from './servers.js';
import { isConnectionFailure, LdapConnections, message, type LdapConnectionsOptions } from './connections.js';
import { and, assertAttributeName, eq, escapeFilterValue, loginFilter } from './filter.js';
import { changedSinceFilter, resolvePreset, searchAttributes, type Preset } from './presets.js';
import { entryToIdentity } from './entry.js';
import { groupsFromDns } from './organization.js';
import { uuidToObjectGuid } from './attributes.js';
import { adBindFailure } from './ad-errors.js';

export interface LdapConnectorOptions extends LdapConnectionsOptions {
  now?: () => Date;
}

export class LdapConnector implements DirectoryConnector {
  readonly kind = 'ldap';
  readonly preset: Preset;
  readonly servers: ServerSet;
  private readonly conns: LdapConnections;
  private readonly s: LdapSettings;
  private readonly baseFilter: string;
  private readonly now: () => Date;

  constructor(private readonly opts: LdapConnectorOptions) {
    this.s = opts.settings;
    this.now = opts.now ?? (() => new Date());
    this.preset = resolvePreset(this.s.preset, this.s.attributeMap, this.s.userFilter, this.s.loginAttributes.length ? this.s.loginAttributes : undefined);
    this.baseFilter = this.preset.userFilter;
    this.conns = new LdapConnections(opts);
    this.servers = this.conns.servers;
  }

  /** People matching `filter` (a string built by filter.ts, or a Filter object for binary values). */
  private async searchPeople(filter: string | Filter, sizeLimit: number): Promise<Entry[]> {
    const combined = typeof filter === 'string' ? and(this.baseFilter, filter) : new AndFilter({ filters: [FilterParser.parseString(this.baseFilter), filter] });
    const { searchEntries } = await this.conns.withService((c) =>
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

  /** The identity with its groups as LDAP_GROUPS says: from memberOf (as read), a group search, or none. */
  private async withGroups(identity: DirectoryIdentity): Promise<DirectoryIdentity> {
    if (this.s.groups.source === 'none') return { ...identity, groups: [], groupDns: [] };
    if (this.s.groups.source === 'memberof') return identity;
    const filter = this.s.groups.filter.split('{dn}').join(escapeFilterValue(identity.dn));
    const { searchEntries } = await this.conns.withService((c) => c.search(this.s.groups.baseDn, { scope: 'sub', filter, attributes: ['cn'], sizeLimit: 1000 }));
    const names = searchEntries.map((e) => (Array.isArray(e.cn) ? e.cn[0] : e.cn)).filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256);
    const groupDns = groupsFromDns(searchEntries.map((e) => e.dn)).dns;
    return { ...identity, groups: [...new Set(names)].sort(), groupDns };
  }

  /**
   * An entry of a listing: its groups from memberOf, none (LDAP_GROUPS=none), or unknown
   * (LDAP_GROUPS=search: one search per person would multiply a full listing's cost; groups are
   * searched at login, and the sync keeps what the account has).
   */
  private listed(entry: Entry): EntryResult {
    const r = entryToIdentity(entry as Entry & { dn: string }, this.preset, { mailDomains: this.s.mailDomains, now: this.now() });
    if (!r.ok || this.s.groups.source === 'memberof') return r;
    const known = this.s.groups.source === 'none';
    return { ok: true, identity: { ...r.identity, groups: [], groupDns: [], ...(known ? {} : { groupsKnown: false }) } };
  }

  /** Binds as the person on a fresh connection (never reused for the service identity). */
  private async userBind(dn: string, password: string): Promise<'ok' | { reason: AuthFailure; detail: string }> {
    let last = 'no server tried';
    const candidates = this.servers.candidates();
    for (const [i, url] of candidates.entries()) {
      let client: Client | undefined;
      if (i > 0) this.opts.metrics?.ldapFailover('user_bind');
      try {
        await this.conns.timed('user_bind', url, async () => {
          client = await this.conns.connect(url);
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
        this.conns.markDead(url, last);
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
    // An entry that cannot be used is not bound (it has no stable id to count guesses against):
    // the password is not checked, so the person is not told why (status.ts: unverified).
    if (!result.ok) return { ok: false, reason: 'disabled', detail: `directory entry unusable: ${result.error}`, unverified: true };
    const identity = result.identity;
    // A temporarily locked account is not bound again: every failed bind would extend the lockout.
    if (identity.status === 'locked') return { ok: false, reason: 'locked', detail: identity.statusDetail ?? 'locked in the directory', unverified: true };
    await guard?.(identity);
    const bound = await this.userBind(identity.dn, password);
    if (bound !== 'ok') return this.refusedBind(identity, bound);
    if (identity.status !== 'active') return { ok: false, reason: identity.status === 'expired' ? 'expired' : 'disabled', detail: identity.statusDetail ?? identity.status };
    try {
      return { ok: true, identity: await this.withGroups(identity) };
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) return { ok: false, reason: 'unavailable', detail: err.message };
      throw err;
    }
  }

  /**
   * A refused bind, told only as far as it is known: the state of the account is said only
   * after the password was found right (AD's data codes 530-773 come only then). ppolicy refuses
   * any bind of a locked or expired entry, right password or not: the password was not checked
   * (unverified). AD's 775 (locked) comes whatever the password: unverified too. Zimbra's
   * directory binds closed and locked accounts alike, so a refused bind there is a wrong password.
   */
  private refusedBind(identity: DirectoryIdentity, bound: { reason: AuthFailure; detail: string }): AuthOutcome {
    if (bound.reason === 'invalid_credentials' && identity.status !== 'active' && this.preset.statusModel === 'ppolicy') {
      return { ok: false, reason: identity.status === 'expired' ? 'expired' : 'disabled', detail: `${identity.statusDetail ?? identity.status}; bind refused whatever the password`, unverified: true };
    }
    if (bound.reason === 'locked') return { ok: false, ...bound, unverified: true };
    return { ok: false, ...bound };
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

  async findByAttribute(attribute: string, suffix: string, matches: (value: string) => boolean, limit: number): Promise<string[]> {
    const attr = assertAttributeName(attribute);
    const filter = and(this.baseFilter, `(${attr}=*${escapeFilterValue(suffix)})`);
    let entries: Entry[];
    try {
      ({ searchEntries: entries } = await this.conns.withService((c) =>
        c.search(this.s.baseDn, { scope: 'sub', filter, attributes: [...searchAttributes(this.preset), attr], explicitBufferAttributes: this.preset.binaryAttributes, sizeLimit: 50 })));
    } catch (err) {
      if (err instanceof SizeLimitExceededError) throw new DirectoryUnavailableError(`more than 50 entries end their ${attr} with this serial`, { cause: err });
      throw err;
    }
    const ids: string[] = [];
    for (const e of entries) {
      const raw = e[attr];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
      if (!values.some(matches)) continue;
      const r = entryToIdentity(e as Entry & { dn: string }, this.preset, { mailDomains: this.s.mailDomains, now: this.now() });
      if (r.ok) ids.push(r.identity.externalId);
      if (ids.length >= limit) break;
    }
    return ids;
  }

  async *list(options: ListOptions = {}): AsyncGenerator<EntryResult> {
    const filter = options.changedSince ? and(this.baseFilter, changedSinceFilter(this.preset, options.changedSince)) : this.baseFilter;
    const p = await this.conns.openServiceConnection();
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
        for (const entry of page.value.searchEntries) yield this.listed(entry);
      }
    } catch (err) {
      if (isConnectionFailure(err)) {
        this.conns.markDead(p.url, message(err));
        throw new DirectoryUnavailableError(`directory listing failed (${message(err)})`, { cause: err });
      }
      throw err;
    } finally {
      await p.client.unbind().catch(() => undefined);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.conns.withService((c) => c.search(this.s.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] }));
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.conns.close();
  }
}
