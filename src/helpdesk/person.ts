/**
 * What the helpdesk sees of one person, and does for them: their state here (enabled or disabled,
 * last login, live sessions), in the directory (asked live: the mailbox may be locked there), the
 * recent failed logins recorded for their login or mail, and the active login blocks that concern
 * them; unblocking them (the throttle's entries of that login) and logging them out everywhere.
 * The actions are the same use cases as `sso throttle unblock` and `sso account logout`, recorded
 * in the audit trail with the officer as the actor (the console runs them inside actingAs).
 */
import type { AccountRow } from '../db/repos/accounts.js';
import type { ChainRow } from '../audit/chain.js';
import type { DirectoryStatus } from '../domain/directory.js';
import type { AuditQuery } from '../audit/query.js';
import type { Block, ThrottleBlocks } from '../login/blocks.js';
import type { DirectoryConnector } from '../directory/types.js';
import type { EndAccessResult } from '../deprovision/service.js';
import { logoutEverywhere } from '../deprovision/account-access.js';
import { SsoError } from '../domain/errors.js';

/** The person's entry in the directory, as asked now. */
export type DirectoryState =
  | { kind: 'local' } // a local account: no entry
  | { kind: 'unconfigured' } // no directory (LDAP_URL unset)
  | { kind: 'found'; status: DirectoryStatus; detail: string | null }
  | { kind: 'gone' } // no entry with its id any more
  | { kind: 'unreachable' };

export interface PersonState {
  account: AccountRow;
  directory: DirectoryState;
  /** Live single sign-on sessions. */
  sessions: number;
  /** The latest failed logins with this login or mail (newest first, at most FAILURES_SHOWN). */
  failures: ChainRow[];
  blocks: Block[];
}

/** How many failed logins the person's page lists. */
export const FAILURES_SHOWN = 10;

export interface HelpdeskDeps {
  accounts: {
    byId(id: string): Promise<AccountRow | null>;
    byLogin(login: string): Promise<AccountRow | null>;
    setStatus(login: string, status: 'active' | 'disabled'): Promise<AccountRow>;
    removeLocal(login: string): Promise<AccountRow>;
    sessions(accountId: string): Promise<unknown[]>;
  };
  deprovision: { endAccess(accountId: string, reason: string): Promise<EndAccessResult> };
  throttleBlocks: Pick<ThrottleBlocks, 'of' | 'unblock'>;
  auditQuery: Pick<AuditQuery, 'page'>;
  directory?: Pick<DirectoryConnector, 'lookup'> | undefined;
}

async function directoryState(deps: HelpdeskDeps, a: AccountRow): Promise<DirectoryState> {
  if (a.source !== 'directory' || !a.externalId) return { kind: 'local' };
  if (!deps.directory) return { kind: 'unconfigured' };
  try {
    const entry = await deps.directory.lookup(a.externalId);
    return entry ? { kind: 'found', status: entry.status, detail: entry.statusDetail ?? null } : { kind: 'gone' };
  } catch {
    return { kind: 'unreachable' };
  }
}

export function createHelpdesk(deps: HelpdeskDeps) {
  async function person(accountId: string): Promise<AccountRow> {
    const a = await deps.accounts.byId(accountId);
    if (!a) throw new SsoError('not_found', 'no such account');
    return a;
  }

  return {
    person,

    /** Everything the person's page shows, read at once. */
    async state(accountId: string, now = new Date()): Promise<PersonState> {
      const account = await person(accountId);
      const actors = [...new Set([account.login, ...(account.email ? [account.email] : [])])];
      const [directory, sessions, failures, blocks] = await Promise.all([
        directoryState(deps, account),
        deps.accounts.sessions(account.id),
        deps.auditQuery.page({ type: 'login.failure', actors }, { size: FAILURES_SHOWN }),
        deps.throttleBlocks.of(account.login, now),
      ]);
      return { account, directory, sessions: sessions.length, failures: failures.rows, blocks };
    },

    /** Lifts every active block of the person's login; how many were lifted (0: none was left). */
    async unblock(accountId: string): Promise<number> {
      const a = await person(accountId);
      return (await deps.throttleBlocks.unblock({ login: a.login })).lifted;
    },

    /** Ends every session and token of the person (who stays enabled); `officer`: the login acting. */
    async logout(accountId: string, officer: string) {
      const a = await person(accountId);
      return logoutEverywhere(deps, a.login, `helpdesk: ${officer}`);
    },
  };
}

export type Helpdesk = ReturnType<typeof createHelpdesk>;
