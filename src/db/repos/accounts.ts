/**
 * Accounts as stored: the Account table behind an interface, with its one Prisma implementation
 * (the same on SQLite and PostgreSQL). Logins are looked up as given: callers pass the canonical
 * form (domain/login.ts).
 */
import type { Db } from '../client.js';

/** An Account row. */
export interface AccountRow {
  id: string;
  login: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  phoneNumber: string | null;
  status: string;
  source: string;
  externalId: string | null;
  passwordHash: string | null;
  attributes: string;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  admin: boolean;
  helpdesk: boolean;
  search: string;
  sessionsNotBefore: Date | null;
}

/** The columns a write may set (id, createdAt and updatedAt are the repository's). */
export type AccountData = Partial<Omit<AccountRow, 'id' | 'createdAt' | 'updatedAt'>>;

/** What a list of accounts may be narrowed to. */
export interface AccountListFilter {
  status?: string | undefined;
  source?: string | undefined;
  admin?: boolean | undefined;
  helpdesk?: boolean | undefined;
}

/** What a page shows of an account it names. */
export type AccountLabel = Pick<AccountRow, 'id' | 'login' | 'displayName'>;

export interface AccountRepository {
  byId(id: string): Promise<AccountRow | null>;
  /** By canonical login. */
  byLogin(login: string): Promise<AccountRow | null>;
  byExternalId(externalId: string): Promise<AccountRow | null>;
  /** Up to `limit` accounts with this e-mail address, compared as given and in lower case (the certificate login's mapping). */
  byEmail(email: string, limit: number): Promise<AccountRow[]>;
  create(id: string, data: AccountData & Pick<AccountRow, 'login' | 'displayName' | 'source'>): Promise<AccountRow>;
  update(id: string, data: AccountData): Promise<AccountRow>;
  /** Removes the account row; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Accounts whose search text holds every word, optionally of one status, by login, a page at a time. */
  search(words: readonly string[], status: string | undefined, page: { skip: number; take: number }): Promise<{ total: number; rows: AccountRow[] }>;
  /** Accounts by status: active, and every other status together. */
  countByStatus(): Promise<{ active: number; disabled: number }>;
  list(filter: AccountListFilter): Promise<AccountRow[]>;
  /** The login of each of these accounts (an id with no account is left out). */
  loginsById(ids: readonly string[]): Promise<Map<string, string>>;
  /** In one query: the accounts with one of these ids or one of these logins (a page's names). */
  labels(ids: readonly string[], logins: readonly string[]): Promise<AccountLabel[]>;
  /** Up to `limit` accounts whose search text is still to be filled. */
  withoutSearch(limit: number): Promise<Pick<AccountRow, 'id' | 'login' | 'displayName' | 'email' | 'attributes'>[]>;
  /** Sets the search text where it is still empty (another writer may have filled it). */
  fillSearch(id: string, text: string): Promise<void>;
}

export function createAccountRepository(prisma: Db): AccountRepository {
  const accounts = prisma.account;
  return {
    byId: (id) => accounts.findUnique({ where: { id } }),
    byLogin: (login) => accounts.findUnique({ where: { login } }),
    byExternalId: (externalId) => accounts.findUnique({ where: { externalId } }),
    byEmail: (email, limit) => accounts.findMany({ where: { email: { in: [...new Set([email, email.toLowerCase()])] } }, orderBy: { id: 'asc' }, take: limit }),
    create: (id, data) => accounts.create({ data: { id, ...data } }),
    update: (id, data) => accounts.update({ where: { id }, data }),
    async remove(id) {
      return (await accounts.deleteMany({ where: { id } })).count > 0;
    },
    async search(words, status, page) {
      // every word a LIKE '%word%' (callers strip LIKE's wildcards from the words)
      const where = { ...(status ? { status } : {}), ...(words.length ? { AND: words.map((w) => ({ search: { contains: w } })) } : {}) };
      const [total, rows] = await Promise.all([accounts.count({ where }), accounts.findMany({ where, orderBy: { login: 'asc' }, skip: page.skip, take: page.take })]);
      return { total, rows };
    },
    async countByStatus() {
      const [active, disabled] = await Promise.all([accounts.count({ where: { status: 'active' } }), accounts.count({ where: { status: { not: 'active' } } })]);
      return { active, disabled };
    },
    list: (f) => accounts.findMany({
      where: {
        ...(f.status ? { status: f.status } : {}),
        ...(f.source ? { source: f.source } : {}),
        ...(f.admin !== undefined ? { admin: f.admin } : {}),
        ...(f.helpdesk !== undefined ? { helpdesk: f.helpdesk } : {}),
      },
      orderBy: { login: 'asc' },
    }),
    async loginsById(ids) {
      const rows = ids.length ? await accounts.findMany({ where: { id: { in: [...ids] } }, select: { id: true, login: true } }) : [];
      return new Map(rows.map((a) => [a.id, a.login]));
    },
    async labels(ids, logins) {
      if (!ids.length && !logins.length) return [];
      return accounts.findMany({ where: { OR: [{ id: { in: [...ids] } }, { login: { in: [...logins] } }] }, select: { id: true, login: true, displayName: true } });
    },
    withoutSearch: (limit) => accounts.findMany({ where: { search: '' }, select: { id: true, login: true, displayName: true, email: true, attributes: true }, take: limit }),
    async fillSearch(id, text) {
      await accounts.updateMany({ where: { id, search: '' }, data: { search: text } });
    },
  };
}
