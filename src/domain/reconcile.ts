/**
 * Directory sync decisions. Pure: no I/O, no clock (the caller passes `now`). Used by the sync
 * (src/sync/) and, for the "disabled by the directory" marker, by the login.
 *
 * For one directory identity and the local account linked to it (by externalId), and the account
 * that holds its login, what the sync does: create, update (with the fields that changed),
 * disable, re-enable, nothing, or report a conflict. Linking itself and the account columns an
 * identity sets are src/domain/account-link.ts (decideLink, accountFields), shared with the login path.
 *
 * Directory states (DirectoryStatus):
 *   active                     -> access
 *   locked  (temporary lockout: Zimbra `lockout`, ppolicy/AD lockout) -> access stays: a lockout
 *           is over by itself, and the directory refuses the bind meanwhile; disabling here would
 *           end every session of someone who merely mistyped their password
 *   disabled (Zimbra locked/closed/maintenance/pending, or an unreadable state: fails closed)
 *   expired                    -> access ends (disable + endAccess)
 *
 * Why an account is disabled is kept in Account.attributes JSON under the key "sync":
 *   {"sync":{"ended":<endAccess done>,"at":"<disabledAt ISO>","reason":"directory: ..."}}
 * written when the directory's state (or the entry's disappearance) disabled it. An account is
 * re-enabled by the sync only when that marker is there AND its `at` equals the account's
 * disabledAt: an account disabled (again) by IT staff (`sso account disable` sets a new
 * disabledAt and leaves no marker) stays disabled whatever the directory says.
 */
import type { DirectoryIdentity, DirectoryStatus } from './directory.js';
import { accountFields, decideLink, type LinkCandidate } from './account-link.js';
import { decidePassword, type PasswordDecision } from './password-stamp.js';

/** What the sync reads of a local account. */
export interface AccountSnapshot extends LinkCandidate {
  email: string | null;
  emailVerified: boolean;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  phoneNumber: string | null;
  attributes: string;
  disabledAt: Date | null;
  /** What the sync last saw of the password's last change (domain/password-stamp.ts); null or absent: nothing yet. */
  passwordStamp?: string | null | undefined;
}

/** Fields compared and reported as changed: the columns accountFields sets, the parts of attributes, the status. */
export const SYNC_FIELDS = [
  'login', 'email', 'emailVerified', 'displayName', 'givenName', 'familyName', 'middleName', 'phoneNumber', 'source',
  'dn', 'aliases', 'organization', 'groups', 'groupDns', 'status', 'password',
] as const;
export type SyncField = (typeof SYNC_FIELDS)[number] | Exclude<keyof ReturnType<typeof accountFields>, 'attributes' | 'externalId'>;

/** The account columns an identity sets (accountFields). */
export type IdentityFields = ReturnType<typeof accountFields>;

/** The account columns the sync sets from an identity: accountFields', and the password stamp (the sync's alone). */
export type SyncFields = IdentityFields & { passwordStamp: string };

/** Account columns the sync writes. */
export type AccountData = Partial<SyncFields> & {
  status?: 'active' | 'disabled';
  disabledAt?: Date | null;
};

export type ReconcileDecision =
  | { action: 'create'; data: SyncFields & { status: 'active' | 'disabled'; disabledAt: Date | null }; reason?: string }
  /** passwordChanged: the directory says the password changed; the account's sessions and tokens end. */
  | { action: 'update'; accountId: string; changed: SyncField[]; data: AccountData; passwordChanged?: true }
  | { action: 'disable'; accountId: string; changed: SyncField[]; data: AccountData & { status: 'disabled'; disabledAt: Date; attributes: string }; reason: string }
  | { action: 'enable'; accountId: string; changed: SyncField[]; data: AccountData & { status: 'active'; disabledAt: null } }
  | { action: 'unchanged'; accountId: string; note?: string }
  | { action: 'conflict'; accountId: string; why: string };

// ---------------------------------------------------------------------------------------------
// Directory states

/** Does this directory state take access away? A temporary lockout does not. */
export function directorySaysOff(status: DirectoryStatus): boolean {
  return status === 'disabled' || status === 'expired';
}

export function offReason(identity: Pick<DirectoryIdentity, 'status' | 'statusDetail'>): string {
  return `directory: ${identity.statusDetail ?? identity.status}`;
}

export const GONE_REASON = 'directory: entry no longer in the directory';

// ---------------------------------------------------------------------------------------------
// The "disabled by the directory" marker in Account.attributes

export interface SyncMarker {
  /** endAccess has completed for this disable. */
  ended: boolean;
  /** The account's disabledAt when the sync disabled it (ISO, ms). */
  at: string;
  reason: string;
}

/** The text a pending marker starts with (a LIKE pattern finds accounts whose endAccess failed). */
export const PENDING_MARKER_TEXT = '"sync":{"ended":false';

function parseObject(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function readSyncMarker(attributes: string): SyncMarker | null {
  const m = parseObject(attributes).sync;
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  if (typeof o.ended !== 'boolean' || typeof o.at !== 'string' || typeof o.reason !== 'string') return null;
  return { ended: o.ended, at: o.at, reason: o.reason };
}

/** attributes JSON with the marker set (last key, "ended" first: see PENDING_MARKER_TEXT), or removed (null). */
export function withSyncMarker(attributes: string, marker: SyncMarker | null): string {
  const o = parseObject(attributes);
  delete o.sync;
  if (marker) o.sync = { ended: marker.ended, at: marker.at, reason: marker.reason };
  return JSON.stringify(o);
}

/**
 * For the login path (src/accounts/authenticator.ts reflectDirectoryState) and anything else that
 * disables an account because the directory says so: the attributes to write together with
 * `status: 'disabled', disabledAt: at`, so that the sync may re-enable it when the directory does.
 */
export function markDirectoryDisabled(attributes: string, at: Date, reason: string, ended = true): string {
  return withSyncMarker(attributes, { ended, at: at.toISOString(), reason });
}

/** Was this (disabled) account disabled because of the directory, and not since by IT staff? */
export function disabledByDirectory(a: { status: string; disabledAt: Date | null; attributes: string }): boolean {
  if (a.status === 'active' || !a.disabledAt) return false;
  const m = readSyncMarker(a.attributes);
  return !!m && m.at === a.disabledAt.toISOString();
}

// ---------------------------------------------------------------------------------------------
// Field comparison

/** JSON with object keys sorted and undefined left out: equal values, equal text. */
function stable(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(',')}}`;
}

const ATTRIBUTE_PARTS = ['dn', 'aliases', 'organization', 'groups', 'groupDns'] as const;

/**
 * The identity with its groups: as listed, or, when the listing could not say them
 * (groupsKnown false: LDAP_GROUPS=search), those the account already has (read at its last login).
 */
export function withKnownGroups(identity: DirectoryIdentity, account: Pick<AccountSnapshot, 'attributes'> | null): DirectoryIdentity {
  if (identity.groupsKnown !== false) return identity;
  const was = account ? parseObject(account.attributes) : {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const { groupsKnown: _unknown, ...rest } = identity;
  return { ...rest, groups: strings(was.groups), groupDns: strings(was.groupDns) };
}

/**
 * Which of the fields an identity sets differ from the account's: the columns (every one
 * accountFields returns, so a column added there is compared and written with no change here),
 * and the parts of the attributes JSON.
 */
export function changedFields(account: AccountSnapshot, fields: IdentityFields): SyncField[] {
  const changed: SyncField[] = [];
  const before = account as unknown as Record<string, unknown>;
  for (const f of Object.keys(fields) as (keyof IdentityFields)[]) {
    if (f === 'attributes' || f === 'externalId') continue;
    if ((before[f] ?? null) !== (fields[f] ?? null)) changed.push(f as SyncField);
  }
  // the same text (an account written from the same entry, with no marker): no part changed
  if (account.attributes === fields.attributes) return changed;
  const was = parseObject(account.attributes);
  const now = parseObject(fields.attributes);
  for (const p of ATTRIBUTE_PARTS) {
    if (stable(was[p]) !== stable(now[p])) changed.push(p);
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Decisions

export interface ReconcileOptions {
  mailDomains: string[];
  now: Date;
  /** End the sessions of a password changed in the directory (SYNC_PASSWORD_CHANGE_LOGOUT). Default true. */
  endSessionsOnPasswordChange?: boolean | undefined;
  /** A changed-only run: where its listing starts (a password changed since then is a recent change). */
  changedSince?: Date | undefined;
}

/** The password stamp this identity gives the account; `active`: it has (and keeps) sessions to end. */
function passwordOf(identity: DirectoryIdentity, account: AccountSnapshot | null, active: boolean, opts: Omit<ReconcileOptions, 'now'>): PasswordDecision {
  return decidePassword(account?.passwordStamp, { value: identity.passwordChanged ?? null, at: identity.passwordChangedAt ?? null }, active, {
    endSessions: opts.endSessionsOnPasswordChange ?? true,
    changedSince: opts.changedSince,
  });
}

/** The fields that changed, the password stamp's included. */
function changesOf(account: AccountSnapshot, fields: SyncFields): SyncField[] {
  const { passwordStamp, ...identityFields } = fields;
  const changed = changedFields(account, identityFields);
  if (passwordStamp !== (account.passwordStamp ?? null)) changed.push('password');
  return changed;
}

/**
 * One directory identity against its linked account (by externalId) and the account holding its
 * login (either may be null; they may be the same account).
 */
export function reconcile(
  listed: DirectoryIdentity,
  linked: AccountSnapshot | null,
  loginHolder: AccountSnapshot | null,
  opts: ReconcileOptions,
): ReconcileDecision {
  const identity = withKnownGroups(listed, linked);
  const link = decideLink(identity, linked, loginHolder);
  if (link.action === 'conflict') return { action: 'conflict', accountId: link.accountId, why: link.why };
  const off = directorySaysOff(identity.status);
  // only an account active before and after has sessions that a password change ends
  const password = passwordOf(identity, linked, linked?.status === 'active' && !off, opts);
  const fields: SyncFields = { ...accountFields(identity, opts.mailDomains), passwordStamp: password.stamp };

  if (link.action === 'create') {
    if (!off) return { action: 'create', data: { ...fields, status: 'active', disabledAt: null } };
    // Mirrored, but disabled: it has no sessions to end; it is re-enabled when the directory re-activates it.
    const reason = offReason(identity);
    return {
      action: 'create',
      reason,
      data: { ...fields, status: 'disabled', disabledAt: opts.now, attributes: markDirectoryDisabled(fields.attributes, opts.now, reason, true) },
    };
  }

  const account = linked!;
  const changed = changesOf(account, fields);

  if (account.status === 'active') {
    if (off) {
      const reason = offReason(identity);
      return {
        action: 'disable',
        accountId: account.id,
        reason,
        changed: [...changed, 'status'],
        data: { ...fields, status: 'disabled', disabledAt: opts.now, attributes: markDirectoryDisabled(fields.attributes, opts.now, reason, false) },
      };
    }
    if (!changed.length) return { action: 'unchanged', accountId: account.id };
    return { action: 'update', accountId: account.id, changed, data: fields, ...(password.endAccess ? { passwordChanged: true as const } : {}) };
  }

  // The account is disabled here.
  const byDirectory = disabledByDirectory(account);
  if (!off && byDirectory) {
    return { action: 'enable', accountId: account.id, changed: [...changed, 'status'], data: { ...fields, status: 'active', disabledAt: null } };
  }
  // Stays disabled: by the directory (which still says so; keep the marker), or by IT staff.
  const note = off ? undefined : 'disabled in the IdP (by IT staff): stays disabled';
  if (!changed.length) return note ? { action: 'unchanged', accountId: account.id, note } : { action: 'unchanged', accountId: account.id };
  const marker = byDirectory ? readSyncMarker(account.attributes) : null;
  return { action: 'update', accountId: account.id, changed, data: { ...fields, attributes: withSyncMarker(fields.attributes, marker) } };
}

/**
 * Is the linked account already what this identity says, so that reconcile() would answer
 * "unchanged"? The full sync asks this while it lists: such an entry is staged by its id alone
 * and never decided; every other entry is decided once, by reconcile(), when it is applied (on
 * the accounts as they are then). Whoever holds the login does not matter here: an unchanged
 * login is held by the linked account itself (logins are unique).
 */
export function inStep(listed: DirectoryIdentity, linked: AccountSnapshot, opts: Omit<ReconcileOptions, 'now'>): boolean {
  const identity = withKnownGroups(listed, linked);
  const off = directorySaysOff(identity.status);
  // reconcile(): an active account is disabled when the directory says off; a disabled one is
  // re-enabled when the directory says on and it was the directory that disabled it
  const statusStays = linked.status === 'active' ? !off : off || !disabledByDirectory(linked);
  if (!statusStays) return false;
  const password = passwordOf(identity, linked, linked.status === 'active', opts);
  return changesOf(linked, { ...accountFields(identity, opts.mailDomains), passwordStamp: password.stamp }).length === 0;
}

/** An active directory account whose entry is no longer listed: disable it. Others: nothing. */
export function reconcileGone(account: AccountSnapshot, now: Date): ReconcileDecision {
  if (account.status !== 'active') return { action: 'unchanged', accountId: account.id };
  return {
    action: 'disable',
    accountId: account.id,
    reason: GONE_REASON,
    changed: ['status'],
    data: { status: 'disabled', disabledAt: now, attributes: markDirectoryDisabled(account.attributes, now, GONE_REASON, false) },
  };
}

// ---------------------------------------------------------------------------------------------
// Safety

export interface RefuseInput {
  /** Active directory accounts before the run. */
  activeBefore: number;
  /** Active accounts the run would disable: gone from the directory, or disabled there. */
  wouldDisable: number;
  maxDisablePercent: number;
  /** Usable entries the listing returned. */
  listedCount: number;
  /** Did the listing run to its end? */
  complete: boolean;
  /** Entries the listing returned that could not be read. */
  failedCount?: number;
  /** IT staff's override (sso sync --force): lifts the threshold only. */
  force?: boolean;
}

export interface RefuseReason {
  code: 'incomplete' | 'empty' | 'unreadable' | 'threshold';
  /** --force lifts it. */
  overridable: boolean;
  message: string;
}

export interface RefuseDecision {
  refuse: boolean;
  reasons: RefuseReason[];
  /** wouldDisable as a percentage of activeBefore. */
  percent: number;
}

const pct = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Should a full run apply nothing? An incomplete, empty or mostly unreadable listing never applies
 * (it would disable people who are still there); disabling more than maxDisablePercent of the
 * active accounts is refused unless forced.
 */
export function shouldRefuse(i: RefuseInput): RefuseDecision {
  const reasons: RefuseReason[] = [];
  const failed = i.failedCount ?? 0;
  if (!i.complete) {
    reasons.push({ code: 'incomplete', overridable: false, message: `the directory listing did not complete (${i.listedCount + failed} entries read)` });
  } else if (i.listedCount === 0) {
    reasons.push({
      code: 'empty',
      overridable: false,
      message: `the directory listed no usable entries${failed ? ` (${failed} unreadable)` : ''}${i.activeBefore ? ` while ${i.activeBefore} accounts are active` : ''}: wrong base DN or filter, or the service account lost its rights?`,
    });
  } else if (failed > i.listedCount) {
    reasons.push({ code: 'unreadable', overridable: false, message: `more entries unreadable (${failed}) than usable (${i.listedCount}): can the service account read the id and status attributes?` });
  }
  const percent = i.activeBefore > 0 ? (i.wouldDisable * 100) / i.activeBefore : 0;
  if (i.wouldDisable > 0 && percent > i.maxDisablePercent) {
    reasons.push({
      code: 'threshold',
      overridable: true,
      message: `would disable ${i.wouldDisable} of ${i.activeBefore} active accounts (${pct(percent)}%), more than SYNC_MAX_DISABLE_PERCENT=${i.maxDisablePercent}%${i.force ? ' (forced)' : '; check the directory, then run `sso sync --full --force`'}`,
    });
  }
  return { refuse: reasons.some((r) => !r.overridable || !i.force), reasons, percent };
}
