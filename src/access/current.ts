/**
 * Who may use which application, decided from current data (issue 17, item 7): the use case the
 * authorization check, the refresh-token check and the app launcher share.
 *
 * - Groups: read from the directory again (the connector's lookup by the entry's stable id), kept
 *   per account for at most ACCESS_GROUPS_CACHE (5 minutes at most), so someone removed from a
 *   group loses access at their next refresh once that time has passed. Login reads them too and
 *   stores them on the account; local accounts (and a deployment without directory) use those.
 * - Department and organisation: the account's, as the last sync (or login) wrote them.
 * - Directory unreachable: the groups last read (this process's cache, however old, else the
 *   account's from its last login or sync) and a warning: a directory outage must not end
 *   everyone's sessions at their next refresh. Disabled accounts are refused elsewhere
 *   (findActive), whatever the directory says.
 */
import type { AccountRow } from '../db/repos/accounts.js';
import type { AuditLog } from '../audit/log.js';
import type { Logger } from '../util/logger.js';
import type { DirectoryConnector } from '../directory/types.js';
import { parseAttributes } from '../accounts/claims.js';
import { admits, isOpenPolicy, type AccessPerson, type AccessPolicy } from '../domain/access-policy.js';

/** The longest time groups read from the directory are trusted (seconds): the "at most 5 minutes". */
export const MAX_GROUPS_CACHE_SECONDS = 300;
/** Accounts whose groups are kept at once; the oldest entry goes first beyond it. */
const CACHE_ENTRIES = 10_000;

/** Where a decision is taken: the authorization request (and the launcher), or a refresh-token use. */
export type AccessPoint = 'authorization' | 'refresh' | 'launcher';

export interface AccessDeps {
  accounts: { byId(id: string): Promise<AccountRow | null> };
  /** The directory (absent: no directory; groups come from the account). */
  directory?: Pick<DirectoryConnector, 'lookup'> | undefined;
  /** ACCESS_GROUPS_CACHE in seconds (0: read the directory every time); at most MAX_GROUPS_CACHE_SECONDS. */
  cacheSeconds: number;
  logger: Logger;
  /** Records access.denied (never anything secret). */
  audit?: Pick<AuditLog, 'record'> | undefined;
  /** The clock (ms), for tests. */
  now?: () => number;
}

export interface AccessQuestion {
  accountId: string;
  clientId: string;
  policy: AccessPolicy;
  where: AccessPoint;
  ip?: string | undefined;
}

export interface AccessUseCase {
  /** The person as a policy sees them now; null when there is no such account. */
  personOf(accountId: string): Promise<AccessPerson | null>;
  /** Is this account admitted to this application now? A refusal is audited (access.denied) and logged. */
  check(q: AccessQuestion): Promise<boolean>;
  /** Forgets the groups kept for an account (or for every account). */
  forget(accountId?: string): void;
}

interface Kept {
  groupDns: string[];
  at: number;
}

/** The groups cache: per account, insertion-ordered, bounded. */
function groupsCache() {
  const kept = new Map<string, Kept>();
  return {
    get: (id: string) => kept.get(id),
    set(id: string, groupDns: string[], at: number) {
      kept.delete(id);
      kept.set(id, { groupDns, at });
      if (kept.size > CACHE_ENTRIES) kept.delete(kept.keys().next().value as string);
    },
    forget(id?: string) {
      if (id === undefined) kept.clear();
      else kept.delete(id);
    },
  };
}

export function createAccess(deps: AccessDeps): AccessUseCase {
  const now = deps.now ?? Date.now;
  const ttlMs = Math.min(Math.max(deps.cacheSeconds, 0), MAX_GROUPS_CACHE_SECONDS) * 1000;
  const cache = groupsCache();

  /** The account's groups: from the directory (kept ttlMs), else as the account last stored them. */
  async function groupsOf(account: AccountRow, stored: string[]): Promise<string[]> {
    const dir = deps.directory;
    if (!dir || account.source === 'local' || !account.externalId) return stored;
    const kept = cache.get(account.id);
    const t = now();
    if (kept && ttlMs > 0 && t - kept.at < ttlMs) return kept.groupDns;
    try {
      const identity = await dir.lookup(account.externalId);
      // an entry gone from the directory belongs to no group (the sync disables the account)
      const groupDns = identity ? identity.groupDns : [];
      cache.set(account.id, groupDns, t);
      return groupDns;
    } catch (err) {
      const fallback = kept?.groupDns ?? stored;
      deps.logger.warn({ event: 'access.directory_unavailable', account: account.id, kept: kept ? 'cache' : 'account', error: (err as Error).message?.slice(0, 200) },
        'directory unreachable: access decided on the groups last read');
      return fallback;
    }
  }

  async function personOf(accountId: string): Promise<AccessPerson | null> {
    const account = await deps.accounts.byId(accountId);
    if (!account) return null;
    const attrs = parseAttributes(account.attributes);
    const groupDns = await groupsOf(account, attrs.groupDns ?? []);
    return { groupDns, department: attrs.organization?.department ?? null, organization: attrs.organization?.organization ?? null };
  }

  return {
    personOf,
    async check(q) {
      if (isOpenPolicy(q.policy)) return true;
      const person = await personOf(q.accountId);
      if (person && admits(q.policy, person)) return true;
      // the launcher only leaves the tile out: not a refusal
      if (q.where !== 'launcher') {
        deps.logger.info({ event: 'access.denied', account: q.accountId, client: q.clientId, where: q.where, ip: q.ip }, 'application refused to this person by its access policy');
        await deps.audit?.record({ type: 'access.denied', outcome: q.where, subject: q.accountId, clientId: q.clientId, ip: q.ip ?? null, detail: { where: q.where } });
      }
      return false;
    },
    forget: (accountId) => cache.forget(accountId),
  };
}
