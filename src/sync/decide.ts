/**
 * What the sync does with a batch of directory entries, given the accounts read for them. Pure:
 * no I/O, no clock (the caller passes `now`), ids from the caller's generator.
 *
 * Each entry is decided once (reconcile(), src/domain/reconcile.ts), when it is applied, on the
 * accounts as they are then. While a full run lists, it only asks which entries have nothing to
 * decide at all (inStep: their linked account already says the same), to stage those by their
 * id alone.
 */
import type { DirectoryIdentity } from '../directory/types.js';
import { inStep, reconcile, type AccountSnapshot, type ReconcileDecision, type ReconcileOptions } from '../domain/reconcile.js';

/** The accounts of a batch: linked to its entries (by externalId), and holding their logins. */
export interface BatchAccounts {
  linked: Map<string, AccountSnapshot>;
  holders: Map<string, AccountSnapshot>;
}

type CreateDecision = Extract<ReconcileDecision, { action: 'create' }>;
export type ChangeDecision = Extract<ReconcileDecision, { action: 'update' | 'enable' | 'disable' }>;

/** What is to be done with one entry of a batch. */
export type EntryPlan =
  | { kind: 'conflict'; identity: DirectoryIdentity; accountId: string; why: string }
  | { kind: 'unchanged'; identity: DirectoryIdentity }
  | { kind: 'create'; identity: DirectoryIdentity; id: string; data: CreateDecision['data']; reason?: string | undefined }
  | { kind: 'change'; identity: DirectoryIdentity; before: AccountSnapshot; d: ChangeDecision };

export interface PlanOptions extends Pick<ReconcileOptions, 'endSessionsOnPasswordChange' | 'changedSince'> {
  mailDomains: string[];
  now: Date;
  /** The id of a new account. */
  newId: () => string;
  /**
   * Later entries of the batch see the logins earlier changes free and take (a dry run does not:
   * it counts what the accounts say now). Logins new accounts take are seen either way.
   */
  followChanges: boolean;
}

/** The entries of a batch, one per externalId (the last listed wins). */
export function lastPerId(identities: readonly DirectoryIdentity[]): DirectoryIdentity[] {
  const byId = new Map<string, DirectoryIdentity>();
  for (const i of identities) byId.set(i.externalId, i);
  return [...byId.values()];
}

/** The accounts read for these entries (by externalId or login), as the decisions look them up. */
export function batchAccounts(identities: readonly DirectoryIdentity[], rows: readonly AccountSnapshot[]): BatchAccounts {
  const ids = new Set(identities.map((i) => i.externalId));
  const logins = new Set(identities.map((i) => i.login));
  const linked = new Map<string, AccountSnapshot>();
  const holders = new Map<string, AccountSnapshot>();
  for (const a of rows) {
    if (a.externalId !== null && ids.has(a.externalId)) linked.set(a.externalId, a);
    if (logins.has(a.login)) holders.set(a.login, a);
  }
  return { linked, holders };
}

/** The entries whose linked account already says the same (nothing to decide or apply). */
export function inStepIds(identities: readonly DirectoryIdentity[], linked: Map<string, AccountSnapshot>, opts: Omit<ReconcileOptions, 'now'>): Set<string> {
  const out = new Set<string>();
  for (const i of identities) {
    const account = linked.get(i.externalId);
    if (account && inStep(i, account, opts)) out.add(i.externalId);
  }
  return out;
}

/**
 * Decides every entry of a batch (unique by externalId), in order: a decision sees the logins the
 * batch's earlier decisions take or free (see followChanges). `accounts` is not changed.
 */
export function planBatch(identities: readonly DirectoryIdentity[], accounts: BatchAccounts, o: PlanOptions): EntryPlan[] {
  const holders = new Map(accounts.holders);
  const plans: EntryPlan[] = [];
  for (const identity of identities) {
    const before = accounts.linked.get(identity.externalId) ?? null;
    const d = reconcile(identity, before, holders.get(identity.login) ?? null, {
      mailDomains: o.mailDomains, now: o.now, endSessionsOnPasswordChange: o.endSessionsOnPasswordChange, changedSince: o.changedSince,
    });
    switch (d.action) {
      case 'conflict':
        plans.push({ kind: 'conflict', identity, accountId: d.accountId, why: d.why });
        break;
      case 'unchanged':
        plans.push({ kind: 'unchanged', identity });
        break;
      case 'create': {
        const id = o.newId();
        plans.push({ kind: 'create', identity, id, data: d.data, reason: d.reason });
        // later entries of this batch see the login taken
        holders.set(identity.login, { id, ...d.data });
        break;
      }
      default: {
        plans.push({ kind: 'change', identity, before: before!, d });
        if (!o.followChanges) break;
        // later entries of this batch see the login moved (if the write is refused, a create that
        // takes the old login clashes and is reported, and the run converges at the next one)
        if (before!.login !== identity.login && holders.get(before!.login)?.id === before!.id) holders.delete(before!.login);
        holders.set(identity.login, { ...before!, login: identity.login });
      }
    }
  }
  return plans;
}
