/**
 * Accounts: lookups for the provider, local credentials, state changes. Directory accounts are
 * created and updated by the directory connector and sync; this service never merges a local
 * account into a directory one.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { accountClaims, loginProblem, normalizeLogin, type AccountRecord, type Claims } from './claims.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from './password.js';
import type { AuthFailure } from '../directory/types.js';
import type { AuditRecorder } from '../audit/log.js';

export class AccountError extends Error {
  constructor(readonly code: 'not_found' | 'exists' | 'invalid' | 'not_local', message: string) {
    super(message);
  }
}

export type LoginFailure = AuthFailure | 'conflict';

export type LoginResult =
  | { ok: true; account: AccountRecord }
  | { ok: false; reason: LoginFailure; detail: string };

export interface NewLocalAccount {
  login: string;
  password: string;
  displayName: string;
  email?: string | undefined;
  phoneNumber?: string | undefined;
}

export interface AccountServiceDeps {
  /** Records account.created, account.password_changed, account.status_changed (never a password). */
  audit?: AuditRecorder | undefined;
}

export function createAccountService(prisma: Db, deps: AccountServiceDeps = {}) {
  const audit = deps.audit;
  async function byLogin(login: string) {
    return prisma.account.findUnique({ where: { login: normalizeLogin(login) } });
  }

  async function mustFind(login: string) {
    const a = await byLogin(login);
    if (!a) throw new AccountError('not_found', `no account with login "${normalizeLogin(login)}"`);
    return a;
  }

  return {
    byLogin,
    byId: (id: string) => prisma.account.findUnique({ where: { id } }),

    /** For oidc-provider's findAccount: only active accounts exist for the protocol. */
    async findActive(id: string): Promise<AccountRecord | null> {
      const a = await prisma.account.findUnique({ where: { id } });
      return a && a.status === 'active' ? a : null;
    },

    claims: (a: AccountRecord): Claims => accountClaims(a),

    async addLocal(input: NewLocalAccount) {
      const problems: string[] = [];
      const lp = loginProblem(input.login);
      if (lp) problems.push(`login ${lp}`);
      const pp = passwordProblem(input.password);
      if (pp) problems.push(`password ${pp}`);
      if (!input.displayName.trim()) problems.push('name is empty');
      if (input.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) problems.push('email is not an email address');
      if (problems.length) throw new AccountError('invalid', problems.join('; '));
      const login = normalizeLogin(input.login);
      if (await byLogin(login)) throw new AccountError('exists', `an account with login "${login}" already exists`);
      const created = await prisma.account.create({
        data: {
          id: randomUUID(),
          login,
          displayName: input.displayName.normalize('NFC').trim(),
          email: input.email?.toLowerCase() ?? null,
          emailVerified: false,
          phoneNumber: input.phoneNumber ?? null,
          source: 'local',
          status: 'active',
          passwordHash: await hashPassword(input.password),
        },
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
      if (a.source !== 'local') throw new AccountError('not_local', `"${a.login}" is a directory account: its password is changed in the mail system`);
      const pp = passwordProblem(password);
      if (pp) throw new AccountError('invalid', `password ${pp}`);
      await prisma.account.update({ where: { id: a.id }, data: { passwordHash: await hashPassword(password) } });
      await audit?.record({ type: 'account.password_changed', outcome: 'success', subject: a.id, detail: { login: a.login } });
    },

    async setStatus(login: string, status: 'active' | 'disabled') {
      const a = await mustFind(login);
      const updated = await prisma.account.update({
        where: { id: a.id },
        data: { status, disabledAt: status === 'disabled' ? new Date() : null },
      });
      await audit?.record({ type: 'account.status_changed', outcome: status, subject: a.id, detail: { login: a.login, from: a.status, to: status, source: a.source } });
      return updated;
    },

    list(filter: { status?: string | undefined; source?: string | undefined } = {}) {
      return prisma.account.findMany({
        where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.source ? { source: filter.source } : {}) },
        orderBy: { login: 'asc' },
      });
    },

    /** Local password check. Unknown login and wrong password cost the same argon2 verify. */
    async authenticateLocal(login: string, password: string): Promise<LoginResult> {
      if (!password) return { ok: false, reason: 'invalid_credentials', detail: 'empty password' };
      if (loginProblem(login)) return { ok: false, reason: 'invalid_credentials', detail: 'unusable login input' };
      const a = await byLogin(login);
      if (!a || a.source !== 'local' || !a.passwordHash) {
        await verifyPassword(await dummyHash(), password);
        return { ok: false, reason: 'invalid_credentials', detail: a ? 'not a local account' : 'unknown login' };
      }
      if (!(await verifyPassword(a.passwordHash, password))) return { ok: false, reason: 'invalid_credentials', detail: 'wrong password' };
      if (a.status !== 'active') return { ok: false, reason: 'disabled', detail: `account ${a.status}` };
      await prisma.account.update({ where: { id: a.id }, data: { lastLoginAt: new Date() } });
      return { ok: true, account: a };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
