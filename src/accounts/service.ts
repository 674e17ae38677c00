/**
 * Accounts: lookups for the provider, local credentials, state changes. Directory accounts are
 * created and updated by the directory connector and sync; this service never merges a local
 * account into a directory one.
 */
import { randomUUID } from 'node:crypto';
import type { AccountListFilter, AccountRepository, AccountRow } from '../db/repos/accounts.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import type { SessionSeen } from '../db/repos/oidc-payloads.js';
import type { ClientRepository } from '../db/repos/clients.js';
import { SsoError } from '../domain/errors.js';
import { accountClaims, parseAttributes, type AccountRecord, type ClaimOptions, type Claims } from './claims.js';
import { loginProblem, normalizeLogin } from '../domain/login.js';
import { foldForSearch, searchText } from '../domain/account-link.js';
import { hashPassword, passwordProblem } from './password.js';
import type { AuditRecorder } from '../audit/log.js';

export interface NewLocalAccount {
  login: string;
  password: string;
  displayName: string;
  email?: string | undefined;
  phoneNumber?: string | undefined;
}

export interface AccountSearch {
  /** Words matched against name, login, mail and aliases, ignoring case and diacritics. */
  q?: string | undefined;
  status?: 'active' | 'disabled' | undefined;
  /** 1-based. */
  page?: number | undefined;
  pageSize?: number | undefined;
}

export const SEARCH_LIMITS = { q: 200, words: 8, pageSize: 200 } as const;

/** One live single sign-on session of an account, as the console and "my account" show it. */
export interface SessionView {
  /** The session's uid (never its id: that is the browser's cookie value). */
  uid: string;
  loginAt: Date | null;
  expiresAt: Date | null;
  /** The applications signed in through it, with the sid each was given. */
  applications: { clientId: string; name: string; sid: string | null }[];
  /** The browser (User-Agent) and address it was last used from, and when; null when not known. */
  userAgent: string | null;
  address: string | null;
  lastSeenAt: Date | null;
}

/** An application an account has granted access to (its consent), all grants of it together. */
export interface ApplicationView {
  clientId: string;
  name: string;
  firstParty: boolean;
  scopes: string[];
  grantedAt: Date;
  expiresAt: Date | null;
}

export interface AccountServiceDeps {
  /** Records account.created, account.password_changed, account.status_changed (never a password). */
  audit?: AuditRecorder | undefined;
}

/** What the account service reads and writes. */
export interface AccountStores {
  accounts: AccountRepository;
  sessions: Pick<SessionRepository, 'liveSessions' | 'applications' | 'noteSeen'>;
  clients: Pick<ClientRepository, 'names'>;
}

type Audit = AuditRecorder | undefined;
type Find = (login: string) => Promise<AccountRow>;

/** Local accounts' credentials: adding one, setting its password (argon2id; never logged). */
function localCredentials(repo: AccountRepository, byLogin: (login: string) => Promise<AccountRow | null>, mustFind: Find, audit: Audit) {
  return {
    async addLocal(input: NewLocalAccount) {
      const problems: string[] = [];
      const lp = loginProblem(input.login);
      if (lp) problems.push(`login ${lp}`);
      const pp = passwordProblem(input.password);
      if (pp) problems.push(`password ${pp}`);
      if (!input.displayName.trim()) problems.push('name is empty');
      if (input.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) problems.push('email is not an email address');
      if (problems.length) throw new SsoError('invalid_input', problems.join('; '));
      const login = normalizeLogin(input.login);
      if (await byLogin(login)) throw new SsoError('exists', `an account with login "${login}" already exists`);
      const created = await repo.create(randomUUID(), {
          login,
          displayName: input.displayName.normalize('NFC').trim(),
          email: input.email?.toLowerCase() ?? null,
          emailVerified: false,
          phoneNumber: input.phoneNumber ?? null,
          source: 'local',
          status: 'active',
          passwordHash: await hashPassword(input.password),
          search: searchText({ displayName: input.displayName.normalize('NFC').trim(), login, email: input.email?.toLowerCase() ?? null }),
      });
      await audit?.record({
        type: 'account.created',
        outcome: 'success',
        subject: created.id,
        detail: { login: created.login, source: 'local', display_name: created.displayName, email: created.email, phone_number: created.phoneNumber },
      });
      return created;
    },

    async setPassword(login: string, password: string) {
      const a = await mustFind(login);
      if (a.source !== 'local') throw new SsoError('not_local', `"${a.login}" is a directory account: its password is changed in the mail system`);
      const pp = passwordProblem(password);
      if (pp) throw new SsoError('invalid_input', `password ${pp}`);
      await repo.update(a.id, { passwordHash: await hashPassword(password) });
      await audit?.record({ type: 'account.password_changed', outcome: 'success', subject: a.id, detail: { login: a.login } });
    },

  };
}

/** An account's state here: enabled or disabled, the console's administrator and helpdesk flags. */
function stateChanges(repo: AccountRepository, mustFind: Find, audit: Audit) {
  return {
    async setStatus(login: string, status: 'active' | 'disabled') {
      const a = await mustFind(login);
      const updated = await repo.update(a.id, { status, disabledAt: status === 'disabled' ? new Date() : null });
      await audit?.record({ type: 'account.status_changed', outcome: status, subject: a.id, detail: { login: a.login, from: a.status, to: status, source: a.source } });
      return updated;
    },

    /**
     * Removes a local account for good (its sessions and tokens must have been ended first:
     * deprovision/account-access.ts deleteAccount). A directory account is never removed here:
     * the directory is its source, and the sync would only find it again.
     */
    async removeLocal(login: string) {
      const a = await mustFind(login);
      if (a.source !== 'local') throw new SsoError('not_local', `"${a.login}" is a directory account: it is disabled, not deleted`);
      if (!(await repo.remove(a.id))) throw new SsoError('not_found', `no account with login "${a.login}"`);
      await audit?.record({ type: 'account.deleted', outcome: 'success', subject: a.id, detail: { login: a.login, display_name: a.displayName, admin: a.admin } });
      return a;
    },

    /** Grants or revokes the console's administrator flag (directory administrators come from ADMIN_GROUPS). */
    async setAdmin(login: string, admin: boolean) {
      const a = await mustFind(login);
      const updated = a.admin === admin ? a : await repo.update(a.id, { admin });
      if (a.admin !== admin) await audit?.record({ type: 'account.admin_changed', outcome: admin ? 'granted' : 'revoked', subject: a.id, detail: { login: a.login } });
      return updated;
    },

    /** Grants or revokes the console's helpdesk flag (directory officers come from HELPDESK_GROUPS). */
    async setHelpdesk(login: string, helpdesk: boolean) {
      const a = await mustFind(login);
      const updated = a.helpdesk === helpdesk ? a : await repo.update(a.id, { helpdesk });
      if (a.helpdesk !== helpdesk) await audit?.record({ type: 'account.helpdesk_changed', outcome: helpdesk ? 'granted' : 'revoked', subject: a.id, detail: { login: a.login } });
      return updated;
    },

  };
}

/** Finding accounts by words; filling the search text of rows written without it. */
function searching(repo: AccountRepository) {
  async function fillSearch(): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await repo.withoutSearch(500);
      if (!rows.length) return n;
      for (const r of rows) await repo.fillSearch(r.id, searchText({ ...r, aliases: parseAttributes(r.attributes).aliases }) || '-');
      n += rows.length;
    }
  }
  return {
    /**
     * Accounts whose name, login, mail or aliases contain every word of `q`, ignoring case and
     * diacritics ("nguyen van an" finds "Nguyễn Văn An"), by login, a page at a time.
     */
    async search(o: AccountSearch = {}) {
      await fillSearch();
      // LIKE's wildcards (and its escape) separate words here: "nguyen_van" looks for "nguyen" and "van"
      const words = foldForSearch((o.q ?? '').slice(0, SEARCH_LIMITS.q).replace(/[%_\\]/g, ' ')).split(' ').filter(Boolean).slice(0, SEARCH_LIMITS.words);
      const pageSize = Math.max(1, Math.min(o.pageSize ?? 50, SEARCH_LIMITS.pageSize));
      const page = Math.max(1, Math.floor(o.page ?? 1));
      const { total, rows } = await repo.search(words, o.status, { skip: (page - 1) * pageSize, take: pageSize });
      return { total, page, pageSize, pages: Math.max(1, Math.ceil(total / pageSize)), rows };
    },

    /**
     * Fills Account.search where it is empty: rows written before it existed, or by a writer that
     * does not set it (an instance of an older version during a rolling upgrade). Returns how many.
     */
    fillSearch,
  };
}

/** What an account's pages show of its sessions and consented applications. */
function pageViews(stores: AccountStores) {
  const clientNames = (ids: string[]) => stores.clients.names(ids);
  return {
    /** The account's live single sign-on sessions, newest first. */
    async sessions(accountId: string): Promise<SessionView[]> {
      const sessions = await stores.sessions.liveSessions(accountId, new Date());
      const names = await clientNames(sessions.flatMap((s) => s.authorizations.map((a) => a.clientId)));
      return sessions.map((s) => ({
        uid: s.uid!,
        loginAt: s.loginAt,
        expiresAt: s.expiresAt,
        applications: s.authorizations.map((a) => ({ clientId: a.clientId, name: names.get(a.clientId)?.name ?? a.clientId, sid: a.sid })),
        userAgent: s.userAgent,
        address: s.address,
        lastSeenAt: s.lastSeenAt,
      }));
    },

    /** The person was seen using this session (at most one write a minute: SessionRepository.noteSeen). */
    noteSeen: (uid: string, seen: SessionSeen): Promise<boolean> => stores.sessions.noteSeen(uid, seen),

    /** The applications the account has granted access to (live grants), by name. */
    async applications(accountId: string, o: { exclude?: readonly string[] } = {}): Promise<ApplicationView[]> {
      const granted = (await stores.sessions.applications(accountId, new Date())).filter((g) => !o.exclude?.includes(g.clientId));
      const names = await clientNames(granted.map((g) => g.clientId));
      return granted
        .map((g) => {
          const c = names.get(g.clientId);
          return { clientId: g.clientId, name: c?.name ?? g.clientId, firstParty: c?.firstParty ?? false, scopes: g.scopes, grantedAt: g.grantedAt, expiresAt: g.expiresAt };
        })
        .sort((x, y) => x.name.localeCompare(y.name, 'vi'));
    },

  };
}

export function createAccountService(stores: AccountStores, deps: AccountServiceDeps = {}) {
  const repo = stores.accounts;
  const byLogin = (login: string): Promise<AccountRow | null> => repo.byLogin(normalizeLogin(login));
  async function mustFind(login: string): Promise<AccountRow> {
    const a = await byLogin(login);
    if (!a) throw new SsoError('not_found', `no account with login "${normalizeLogin(login)}"`);
    return a;
  }
  return {
    byLogin,
    byId: (id: string) => repo.byId(id),
    /** For oidc-provider's findAccount: only active accounts exist for the protocol. */
    async findActive(id: string): Promise<AccountRecord | null> {
      const a = await repo.byId(id);
      return a && a.status === 'active' ? a : null;
    },
    /** The login of each of these accounts (an id with no account is left out). */
    loginsById: (ids: readonly string[]) => repo.loginsById(ids),
    /** The claims of an account; `opts.groupDns` for a client registered to receive `groups_dn`. */
    claims: (a: AccountRecord, opts?: ClaimOptions): Claims => accountClaims(a, opts),
    /** Accounts by status. */
    countByStatus: (): Promise<{ active: number; disabled: number }> => repo.countByStatus(),
    list: (filter: AccountListFilter = {}) => repo.list(filter),
    /** In one query: the accounts named by these ids or logins (a page's names). */
    labels: (ids: readonly string[], logins: readonly string[]) => repo.labels(ids, logins),
    ...localCredentials(repo, byLogin, mustFind, deps.audit),
    ...stateChanges(repo, mustFind, deps.audit),
    ...searching(repo),
    ...pageViews(stores),
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
