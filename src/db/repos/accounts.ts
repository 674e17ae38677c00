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
  search: string;
  sessionsNotBefore: Date | null;
}

/** The columns a write may set (id, createdAt and updatedAt are the repository's). */
export type AccountData = Partial<Omit<AccountRow, 'id' | 'createdAt' | 'updatedAt'>>;

export interface AccountRepository {
  byId(id: string): Promise<AccountRow | null>;
  /** By canonical login. */
  byLogin(login: string): Promise<AccountRow | null>;
  byExternalId(externalId: string): Promise<AccountRow | null>;
  create(id: string, data: AccountData & Pick<AccountRow, 'login' | 'displayName' | 'source'>): Promise<AccountRow>;
  update(id: string, data: AccountData): Promise<AccountRow>;
}

export function createAccountRepository(prisma: Db): AccountRepository {
  const accounts = prisma.account;
  return {
    byId: (id) => accounts.findUnique({ where: { id } }),
    byLogin: (login) => accounts.findUnique({ where: { login } }),
    byExternalId: (externalId) => accounts.findUnique({ where: { externalId } }),
    create: (id, data) => accounts.create({ data: { id, ...data } }),
    update: (id, data) => accounts.update({ where: { id }, data }),
  };
}
