/**
 * Checking a login and password: the directory first, local accounts as the other source. A
 * person in the directory is linked (or created) just in time; local accounts (break-glass
 * administrators, people outside the mail directory) keep working when the directory is down.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../util/logger.js';
import type { BindGuard, DirectoryConnector, DirectoryIdentity } from '../directory/types.js';
import type { AccountRepository, AccountRow } from '../db/repos/accounts.js';
import { accountFields, decideLink } from '../domain/account-link.js';
import { disabledByDirectory, markDirectoryDisabled } from '../domain/reconcile.js';
import type { Login } from '../domain/login.js';
import type { LoginResult } from './types.js';
import { checkLocalPassword } from './local.js';

export interface AuthenticatorDeps {
  accounts: AccountRepository;
  directory?: DirectoryConnector | undefined;
  mailDomains: string[];
  logger: Logger;
  /** Ends every session and token of an account and notifies its applications (when the directory says it is disabled). */
  endAccess(accountId: string, reason: string): Promise<{ revoked: number; queued: number }>;
}

/** `guard`: see BindGuard; called for a directory entry, not for local accounts. */
export type Authenticate = (login: Login, password: string, guard?: BindGuard) => Promise<LoginResult>;

export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const { accounts, directory, logger } = deps;

  /** `seen`: the account row already read for the login typed, reused when it is the identity's login (one query fewer per login). */
  async function linkIdentity(identity: DirectoryIdentity, seen?: { login: string; row: AccountRow | null }): Promise<LoginResult> {
    const [byExternalId, byLogin] = await Promise.all([
      accounts.byExternalId(identity.externalId),
      seen && seen.login === identity.login ? seen.row : accounts.byLogin(identity.login),
    ]);
    const decision = decideLink(identity, byExternalId, byLogin);
    if (decision.action === 'conflict') {
      logger.error({ event: 'account.conflict', login: identity.login, externalId: identity.externalId, account: decision.accountId, why: decision.why }, 'directory login refused: account conflict');
      return { ok: false, reason: 'conflict', detail: decision.why };
    }
    const fields = accountFields(identity, deps.mailDomains);
    if (decision.action === 'create') {
      const account = await accounts.create(randomUUID(), { ...fields, status: 'active', lastLoginAt: new Date() });
      logger.info({ event: 'account.created', account: account.id, login: account.login }, 'directory account created on first login');
      return { ok: true, account };
    }
    const current = byExternalId!;
    if (current.status !== 'active' && !disabledByDirectory(current)) {
      // disabled here by IT staff: that decision stands until `sso account enable`
      return { ok: false, reason: 'disabled', detail: 'account disabled in the IdP' };
    }
    if (current.status !== 'active') {
      // disabled because the directory said so, and the directory now lets the person in
      const account = await accounts.update(decision.accountId, { ...fields, status: 'active', disabledAt: null, lastLoginAt: new Date() });
      logger.info({ event: 'account.enabled', account: account.id, reason: 'directory: active again' }, 'account re-enabled: the directory says so');
      return { ok: true, account };
    }
    const account = await accounts.update(decision.accountId, { ...fields, lastLoginAt: new Date() });
    if (current.login !== account.login) logger.info({ event: 'account.renamed', account: account.id, from: current.login, to: account.login }, 'directory login changed; account kept');
    return { ok: true, account };
  }

  /** The directory says this person may not log in: reflect it on the linked account. */
  async function reflectDirectoryState(login: Login, reason: string): Promise<void> {
    if (reason !== 'disabled' && reason !== 'expired') return;
    const a = await accounts.byLogin(login.canonical);
    if (!a || a.source !== 'directory' || a.status !== 'active') return;
    const at = new Date();
    // marked as the directory's decision, so the sync re-enables it when the directory does
    await accounts.update(a.id, { status: 'disabled', disabledAt: at, attributes: markDirectoryDisabled(a.attributes, at, `directory: ${reason}`) });
    const { revoked, queued } = await deps.endAccess(a.id, `login: directory says ${reason}`);
    logger.info({ event: 'account.disabled', account: a.id, reason: `directory: ${reason}`, revoked, queued }, 'account disabled: the directory says so');
  }

  return async (login, password, guard) => {
    // Hostile input stops here: control characters (NUL breaks PostgreSQL text), over-long input.
    if (!login.usable) return { ok: false, reason: 'invalid_credentials', detail: 'unusable login input' };
    const local = await accounts.byLogin(login.canonical);
    if (!directory) return checkLocalPassword(accounts, local, password);
    if (local?.source === 'local') {
      // A local account is checked locally first: break-glass access works while the directory is down.
      const lr = await checkLocalPassword(accounts, local, password);
      if (lr.ok || lr.reason !== 'invalid_credentials') return lr;
      // Not this local account's password. If it is a directory person's, the two clash.
      const r = await directory.authenticate(login.typed, password, guard);
      if (!r.ok) return lr;
      return linkIdentity(r.identity);
    }
    const r = await directory.authenticate(login.typed, password, guard);
    if (r.ok) return linkIdentity(r.identity, { login: login.canonical, row: local });
    await reflectDirectoryState(login, r.reason).catch((err: Error) => logger.warn({ event: 'account.reflect_failed', login: login.forLog, error: err.message }, 'could not reflect directory state'));
    return r;
  };
}
