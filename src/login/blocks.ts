/**
 * The throttle's blocks as IT staff see them: which counters are blocked now (whose, from
 * where, until when), and lifting the blocks of one login or one address. The same use case for
 * `sso throttle` and the console's page; every lift is audited (throttle.unblocked) with the
 * actor (the operator, or the person signed in to the console).
 *
 * Lifting a block keeps the count: the next attempt is let through, and a further wrong password
 * blocks again at once. So an unblock gives the person one more try, not a fresh allowance that
 * could carry the directory's own count to its lockout.
 */
import type { AuditRecorder } from '../audit/log.js';
import type { AccountRepository } from '../db/repos/accounts.js';
import type { BlockedCounter, LoginThrottle } from '../db/repos/throttle.js';
import { SsoError } from '../domain/errors.js';
import { escapeControls, Login, loginProblem } from '../domain/login.js';
import { parseAddress } from '../domain/networks.js';
import { addressText, parseKey, type KeyType } from '../domain/throttle.js';
import { directoryBudget, type DirectoryBudget } from '../domain/throttle-budget.js';

export interface Block {
  key: string;
  /** Whose limit: the account (unknown devices), the account from one address, an address, the account on known devices. */
  type: KeyType;
  /** The login the counter is about (for a directory entry: its account's login, when known). */
  login: string | null;
  /** The client address it is about (an IPv6 /64 as "prefix::/64"). */
  address: string | null;
  failures: number;
  lastFailureAt: Date | null;
  blockedUntil: Date;
}

export type UnblockTarget = { login: string; address?: undefined } | { address: string; login?: undefined };

export interface BlocksDeps {
  throttle: Pick<LoginThrottle, 'listBlocks' | 'clearBlocks' | 'settings'>;
  accounts: Pick<AccountRepository, 'byExternalId' | 'byLogin'>;
  mailDomains: readonly string[];
  /** DIRECTORY_LOCKOUT_AFTER, for the arithmetic shown with the list. */
  directoryLockoutAfter: number;
  audit?: AuditRecorder | undefined;
}

export interface ThrottleBlocks {
  /** The active blocks, the latest first (at most `limit`). */
  list(now?: Date, limit?: number): Promise<Block[]>;
  /** The active blocks that concern a person (every key of that login), as unblock would lift them. */
  of(login: string, now?: Date): Promise<Block[]>;
  /** Lifts the active blocks of a login (every key of that person) or of an address; 0 when none matched. */
  unblock(target: UnblockTarget, now?: Date): Promise<{ lifted: number; blocks: Block[] }>;
  /** How many guesses per person can reach the directory with these settings. */
  budget(): DirectoryBudget;
}

/** Every active block, even on a large attack: an unblock must not miss one past a page. */
const ALL = 1_000_000;

export function createThrottleBlocks(deps: BlocksDeps): ThrottleBlocks {
  async function view(rows: BlockedCounter[]): Promise<Block[]> {
    const logins = new Map<string, string | null>();
    const loginOf = async (entryId: string) => {
      if (!logins.has(entryId)) logins.set(entryId, (await deps.accounts.byExternalId(entryId))?.login ?? null);
      return logins.get(entryId)!;
    };
    const out: Block[] = [];
    for (const r of rows) {
      const p = parseKey(r.key);
      const login = p.person ?? (p.entryId !== undefined ? ((await loginOf(p.entryId)) ?? r.label) : null);
      out.push({ key: r.key, type: p.type, login, address: p.address ?? null, failures: r.failures, lastFailureAt: r.lastFailureAt, blockedUntil: r.blockedUntil });
    }
    return out;
  }

  /** The blocks of the target, and a description for the audit trail. Throws invalid_input on a malformed target. */
  async function matching(target: UnblockTarget, now: Date): Promise<{ blocks: Block[]; detail: Record<string, unknown> }> {
    const rows = await deps.throttle.listBlocks(now, ALL);
    if (target.login !== undefined) {
      const problem = loginProblem(target.login);
      if (problem) throw new SsoError('invalid_input', `--login ${problem}`, { field: 'login', messageKey: 'throttle.badLogin', params: { login: target.login.slice(0, 100) } });
      const login = Login.of(target.login, deps.mailDomains);
      const person = escapeControls(login.person);
      const account = (await deps.accounts.byLogin(login.canonical)) ?? (await deps.accounts.byLogin(login.person));
      const entryId = account?.externalId ? escapeControls(account.externalId) : undefined;
      const mine = rows.filter((r) => {
        const p = parseKey(r.key);
        return p.person === person || (p.entryId !== undefined && (p.entryId === entryId || r.label === person));
      });
      return { blocks: await view(mine), detail: { login: login.canonical } };
    }
    const parsed = parseAddress(target.address);
    if (!parsed) throw new SsoError('invalid_input', `--address "${target.address}" is not an IPv4 or IPv6 address`, { field: 'address', messageKey: 'throttle.badAddress', params: { address: target.address.slice(0, 100) } });
    const address = addressText(target.address.trim());
    const mine = rows.filter((r) => parseKey(r.key).address === address);
    return { blocks: await view(mine), detail: { address } };
  }

  return {
    async list(now = new Date(), limit = 1000) {
      return view(await deps.throttle.listBlocks(now, limit));
    },

    async of(login, now = new Date()) {
      return (await matching({ login }, now)).blocks;
    },

    async unblock(target, now = new Date()) {
      const { blocks, detail } = await matching(target, now);
      if (!blocks.length) return { lifted: 0, blocks };
      const lifted = await deps.throttle.clearBlocks(blocks.map((b) => b.key), now);
      if (lifted) await deps.audit?.record({ type: 'throttle.unblocked', outcome: 'unblocked', detail: { ...detail, keys: blocks.map((b) => b.key), lifted } });
      return { lifted, blocks };
    },

    budget: () => directoryBudget(deps.throttle.settings, deps.directoryLockoutAfter),
  };
}
