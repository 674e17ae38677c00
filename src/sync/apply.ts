/**
 * Applying a run's decisions: a batch of entries (their accounts read in one query, decided by
 * decide.ts, the changes written in one statement and the new accounts in another), the accounts
 * whose entry is gone, and ending the access of every account disabled (the endAccess callback;
 * when it fails, the account stays disabled with a pending marker and the next runs call it again).
 * A dry run decides and counts, and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AccountUpdate } from '../db/repos/sync.js';
import type { DirectoryIdentity } from '../directory/types.js';
import { disabledByDirectory, readSyncMarker, reconcileGone, withSyncMarker, type AccountSnapshot } from '../domain/reconcile.js';
import { PASSWORD_CHANGED_REASON, readPasswordStamp, writePasswordStamp } from '../domain/password-stamp.js';
import { errMessage, type RunContext } from './context.js';
import { batchAccounts, lastPerId, planBatch, type EntryPlan } from './decide.js';

type Create = Extract<EntryPlan, { kind: 'create' }>;
type Change = Extract<EntryPlan, { kind: 'change' }>;

/** Accounts whose endAccess failed earlier, retried per run, at most. */
const MAX_PENDING_END = 100;

/**
 * One batch of entries: their linked accounts and the holders of their logins are read in one
 * query, then each is decided; the changes are written in one statement, the new accounts in
 * another. `final`: conflicts are counted now rather than retried at the end of the run.
 */
export async function applyBatch(ctx: RunContext, input: DirectoryIdentity[], final: boolean): Promise<void> {
  if (!input.length) return;
  // SQLite answers synchronously: without a turn of the event loop per batch, timers (the
  // lease's renewal, a shutdown) would wait for the end of the run, and a long run would lose
  // its lease to expiry.
  await nextTurn();
  const identities = lastPerId(input);
  const rows = await ctx.session.accounts.byExternalIdOrLogin([...new Set(identities.map((i) => i.externalId))], [...new Set(identities.map((i) => i.login))]);
  const plans = planBatch(identities, batchAccounts(identities, rows), {
    mailDomains: ctx.o.mailDomains, now: new Date(), newId: randomUUID, followChanges: !ctx.dryRun,
    endSessionsOnPasswordChange: ctx.o.endSessionsOnPasswordChange, changedSince: ctx.changedSince,
  });
  const creates: Create[] = [];
  const changes: Change[] = [];
  for (const p of plans) {
    if (p.kind === 'conflict') ctx.conflict(p.identity, p.accountId, p.why, final);
    else if (p.kind === 'unchanged') ctx.counts.unchanged += 1;
    else if (p.kind === 'create') creates.push(p);
    else if (ctx.dryRun) ctx.count(p.d.action);
    else changes.push(p);
  }
  const audits: Promise<unknown>[] = [];
  if (changes.length) await writeChanges(ctx, changes, final, audits);
  if (creates.length) await writeCreates(ctx, creates, final, audits);
  await ctx.auditsWritten(audits);
}

/** Conflicts deferred during the run, retried once (a login freed later in the run), counted this time. */
export async function applyDeferred(ctx: RunContext): Promise<void> {
  if (!ctx.deferred.length) return;
  const list = ctx.deferred.splice(0);
  for (let i = 0; i < list.length; i += ctx.batchSize) {
    ctx.check();
    await applyBatch(ctx, list.slice(i, i + ctx.batchSize), true);
  }
}

/**
 * Writes the changes of a batch: in one statement, or, when that is refused for a login taken
 * (by another account of the batch, or meanwhile), one by one, so that only those are conflicts.
 */
async function writeChanges(ctx: RunContext, changes: Change[], final: boolean, audits: Promise<unknown>[]): Promise<void> {
  const now = new Date();
  // guarded on the status the decision was made on: a concurrent `sso account disable` wins
  const updates = changes.map(({ before, d }): AccountUpdate => ({
    id: before.id,
    data: d.data as AccountUpdate['data'],
    status: before.status,
    ...(d.action === 'enable' ? { disabledAt: before.disabledAt } : {}),
  }));
  const accounts = ctx.session.accounts;
  const written = await accounts.update(updates, now);
  const toEnd: { accountId: string; reason: string; at: Date; attributes: string }[] = [];
  const passwordsChanged: { accountId: string; login: string; stamp: string }[] = [];
  for (let k = 0; k < changes.length; k++) {
    const { identity, before, d } = changes[k]!;
    let ok: boolean;
    if (written) ok = written.has(before.id);
    else {
      const one = await accounts.update([updates[k]!], now);
      if (!one) {
        ctx.conflict(identity, before.id, `login "${identity.login}" was taken while the sync ran`, final);
        continue;
      }
      ok = one.size === 1;
    }
    if (!ok) {
      ctx.counts.failed += 1;
      ctx.applyErrors += 1;
      ctx.window?.unsettle(identity.externalId);
      ctx.error({ kind: 'apply', externalId: identity.externalId, login: identity.login, accountId: before.id, error: 'the account changed during the sync; the next run applies it' });
      continue;
    }
    ctx.count(d.action);
    if (d.action !== 'update') audits.push(statusChanged(ctx, before, identity, d.action === 'disable' ? d.reason : null));
    if (d.action === 'disable') toEnd.push({ accountId: before.id, reason: d.reason, at: d.data.disabledAt, attributes: d.data.attributes });
    if (d.action === 'update' && d.passwordChanged && d.data.passwordStamp) passwordsChanged.push({ accountId: before.id, login: identity.login, stamp: d.data.passwordStamp });
    logChange(ctx, before, identity, d);
  }
  for (const e of toEnd) await endAccess(ctx, e.accountId, e.reason, e.at, e.attributes);
  for (const p of passwordsChanged) await endPasswordAccess(ctx, p.accountId, p.login, p.stamp);
}

/** account.status_changed for a directory disable (`reason`) or re-enable (null). */
function statusChanged(ctx: RunContext, before: AccountSnapshot, identity: DirectoryIdentity, reason: string | null): Promise<unknown> {
  const to = reason !== null ? 'disabled' : 'active';
  return ctx.audit({
    type: 'account.status_changed', outcome: to, subject: before.id,
    detail: { login: identity.login, from: before.status, to, source: 'directory', reason: reason ?? 'directory: active again' },
  });
}

function logChange(ctx: RunContext, before: AccountSnapshot, identity: DirectoryIdentity, d: Change['d']): void {
  if (d.action === 'enable') ctx.log.info({ event: 'account.enabled', account: before.id, login: identity.login, reason: 'directory: active again' }, 'account re-enabled: the directory re-activated it');
  if (d.action === 'disable') ctx.log.info({ event: 'account.disabled', account: before.id, login: identity.login, reason: d.reason }, 'account disabled: the directory says so');
  if (d.action === 'update' && d.changed.includes('login')) ctx.log.info({ event: 'account.renamed', account: before.id, from: before.login, to: identity.login }, 'directory login changed; account kept');
}

async function writeCreates(ctx: RunContext, creates: Create[], final: boolean, audits: Promise<unknown>[]): Promise<void> {
  if (ctx.dryRun) {
    ctx.counts.created += creates.length;
    return;
  }
  // One statement; a row that clashes with one written meanwhile (the person's first login
  // creating the account at this moment) is not inserted, and reported below.
  const got = await ctx.session.accounts.insert(creates, new Date());
  ctx.counts.created += got.size;
  for (const c of creates) {
    if (!got.has(c.id)) {
      ctx.conflict(c.identity, '', `login "${c.identity.login}" or id ${c.identity.externalId} was taken while the sync ran`, final);
      continue;
    }
    audits.push(ctx.audit({
      type: 'account.created', outcome: 'success', subject: c.id,
      detail: { login: c.data.login, source: 'directory', display_name: c.data.displayName, email: c.data.email, status: c.data.status, ...(c.data.status === 'disabled' ? { reason: c.reason } : {}) },
    }));
  }
}

/** Disables these active accounts, whose entry is gone from the directory, and ends their access. */
export async function disableGone(ctx: RunContext, accounts: AccountSnapshot[]): Promise<void> {
  await nextTurn(); // as in applyBatch
  const now = new Date();
  const audits: Promise<unknown>[] = [];
  for (const a of accounts) {
    const d = reconcileGone(a, now);
    if (d.action !== 'disable') continue;
    if (ctx.dryRun) {
      ctx.counts.disabled += 1;
      continue;
    }
    if (!(await ctx.session.accounts.disableIfActive(a.id, d.data))) continue;
    ctx.counts.disabled += 1;
    ctx.log.info({ event: 'account.disabled', account: a.id, login: a.login, reason: d.reason }, 'account disabled: its directory entry is gone');
    audits.push(ctx.audit({ type: 'account.status_changed', outcome: 'disabled', subject: a.id, detail: { login: a.login, from: 'active', to: 'disabled', source: 'directory', reason: d.reason } }));
    await endAccess(ctx, a.id, d.reason, d.data.disabledAt, d.data.attributes);
  }
  await ctx.auditsWritten(audits);
}

/** endAccess, then the marker says it is done; a failure is retried by the next runs. */
async function endAccess(ctx: RunContext, accountId: string, reason: string, at: Date, attributes: string): Promise<void> {
  try {
    await ctx.o.endAccess(accountId, reason);
  } catch (err) {
    ctx.applyErrors += 1;
    ctx.error({ kind: 'end_access', accountId, error: `ending its sessions failed (retried by the next run): ${errMessage(err)}` });
    ctx.log.error({ event: 'sync.end_access_failed', account: accountId, error: errMessage(err) }, 'account disabled but ending its access failed; retried by the next sync');
    return;
  }
  const marker = readSyncMarker(attributes);
  if (marker) await ctx.session.accounts.setAttributesIfDisabledSince(accountId, at, withSyncMarker(attributes, { ...marker, ended: true }));
}

/**
 * A password changed in the directory: the account's sessions and tokens end (endAccess; its
 * applications are told), then its stamp says so. A failure leaves the stamp pending: the next
 * runs try again. The account stays enabled.
 */
async function endPasswordAccess(ctx: RunContext, accountId: string, login: string, stamp: string): Promise<void> {
  let ended: unknown;
  try {
    ended = await ctx.o.endAccess(accountId, PASSWORD_CHANGED_REASON);
  } catch (err) {
    ctx.applyErrors += 1;
    ctx.error({ kind: 'end_access', accountId, login, error: `the password changed; ending its sessions failed (retried by the next run): ${errMessage(err)}` });
    ctx.log.error({ event: 'sync.end_access_failed', account: accountId, error: errMessage(err) }, 'password changed in the directory but ending the sessions failed; retried by the next sync');
    return;
  }
  const was = readPasswordStamp(stamp);
  if (was) await ctx.session.accounts.settlePasswordStamp(accountId, stamp, writePasswordStamp({ ...was, ended: true }));
  const counts = ended && typeof ended === 'object' ? (ended as { revoked?: unknown; queued?: unknown }) : {};
  ctx.log.info({ event: 'account.password_changed', account: accountId, login, source: 'directory' }, 'password changed in the directory: sessions and tokens ended, applications told');
  await ctx.audit({
    type: 'account.password_changed', outcome: 'access_ended', subject: accountId,
    detail: { login, source: 'directory', revoked: counts.revoked, queued: counts.queued },
  });
}

/**
 * Accounts the sync disabled whose endAccess failed (marker ended: false), and active accounts
 * whose password changed but whose sessions could not be ended (stamp ended: false): try again.
 */
export async function retryPendingEndAccess(ctx: RunContext): Promise<void> {
  const pending = await ctx.session.accounts.pendingEndAccess(MAX_PENDING_END);
  for (const a of pending) {
    const m = readSyncMarker(a.attributes);
    if (!m || m.ended || !disabledByDirectory(a)) continue;
    await endAccess(ctx, a.id, m.reason, a.disabledAt!, a.attributes);
  }
  if (ctx.o.endSessionsOnPasswordChange === false) return;
  for (const a of await ctx.session.accounts.pendingPasswordEnds(MAX_PENDING_END)) {
    if (a.passwordStamp && readPasswordStamp(a.passwordStamp)?.ended === false) await endPasswordAccess(ctx, a.id, a.login, a.passwordStamp);
  }
}
