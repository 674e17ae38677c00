/**
 * The directory sync's reads and writes of accounts. In bulk, through a session of
 * src/db/bulk.ts (rows through one JSON value): the accounts of a batch of entries read in one
 * query, new accounts inserted and changed ones updated in one transaction each. One at a time,
 * through Prisma: the accounts whose entry is gone, their disabling, the end-of-access marker.
 * No transaction is held open across awaits.
 */
import { Prisma } from '../generated/sqlite/client.js';
import type { Db } from '../client.js';
import { jsonIn, violatesUnique, type Bulk, type Column, type ColumnType, type Row, type Value } from '../bulk.js';
import { PENDING_MARKER_TEXT, type AccountData, type AccountSnapshot, type SyncFields } from '../../domain/reconcile.js';
import { PENDING_PASSWORD_TEXT } from '../../domain/password-stamp.js';

/** An account as the sync compares it: every column it writes (the search text included). */
export type StoredAccount = AccountSnapshot & { search: string };

/** A new account: its id and every column the decision sets (accountFields, the password stamp, status, disabledAt). */
export interface NewAccount {
  id: string;
  data: SyncFields & { status: string; disabledAt: Date | null };
}

/** A change to an existing account, guarded on what the decision was made on. */
export interface AccountUpdate {
  id: string;
  /** Every column accountFields sets, and the password stamp; status and disabledAt too when the decision changes them. */
  data: AccountData & SyncFields;
  /** Updated only if the status is still this. */
  status: string;
  /** Updated only if disabledAt is still this (when given: re-enabling an account the directory disabled). */
  disabledAt?: Date | null | undefined;
}

/** What disabling an account writes. */
export interface DisableData {
  status: 'disabled';
  disabledAt: Date;
  attributes: string;
}

export interface SyncAccountRepository {
  /** The accounts linked to these directory ids and those holding these logins (mostly the same rows), in one query. */
  byExternalIdOrLogin(externalIds: readonly string[], logins: readonly string[]): Promise<StoredAccount[]>;
  /**
   * Inserts the accounts in one statement. One that clashes with an account written meanwhile
   * (same id, login or externalId: the person's first login creating it at this moment) is not
   * inserted. Returns the ids inserted.
   */
  insert(accounts: readonly NewAccount[], now: Date): Promise<Set<string>>;
  /**
   * Updates the accounts in one statement; returns the ids updated (the others changed since they
   * were read: their guard no longer holds). null: a unique violation (a login taken meanwhile, or
   * two accounts of the batch exchanging logins) refused the whole statement, nothing was written.
   */
  update(updates: readonly AccountUpdate[], now: Date): Promise<Set<string> | null>;
  /** These accounts (by id), in no particular order. */
  byIds(ids: readonly string[]): Promise<AccountSnapshot[]>;
  /** Disables the account if it is still active; false when it was not. */
  disableIfActive(id: string, data: DisableData): Promise<boolean>;
  /** Writes the attributes of an account still disabled since `disabledAt` (the marker saying its access has ended). */
  setAttributesIfDisabledSince(id: string, disabledAt: Date, attributes: string): Promise<void>;
  /** Disabled accounts whose marker says their access is still to be ended, at most `limit`. */
  pendingEndAccess(limit: number): Promise<AccountSnapshot[]>;
  /** Active accounts whose password stamp says the sessions a password change ends are still to be ended, at most `limit`. */
  pendingPasswordEnds(limit: number): Promise<AccountSnapshot[]>;
  /** Replaces the password stamp if it is still `from` (the end of access done); false when it changed meanwhile. */
  settlePasswordStamp(id: string, from: string, to: string): Promise<boolean>;
  /** Active directory accounts linked to an entry. */
  countActiveLinked(): Promise<number>;
}

/**
 * The Account columns the sync reads and writes, and their types: every column accountFields sets
 * and the password stamp (the compiler holds this to exactly those, so a column added there is
 * read and compared here too), the status, and the row's own.
 */
const ACCOUNT_TYPES = {
  login: 'text', email: 'text', emailVerified: 'boolean', displayName: 'text', givenName: 'text', familyName: 'text',
  middleName: 'text', phoneNumber: 'text', externalId: 'text', source: 'text', attributes: 'text', search: 'text',
  passwordStamp: 'text', id: 'text', status: 'text', disabledAt: 'timestamp',
} as const satisfies Record<keyof SyncFields | 'id' | 'status' | 'disabledAt', ColumnType>;

type FieldName = keyof SyncFields;
const FIELD_NAMES = Object.keys(ACCOUNT_TYPES).filter((k) => k !== 'id' && k !== 'status' && k !== 'disabledAt') as FieldName[];
const SNAPSHOT_COLUMNS: Column[] = Object.entries(ACCOUNT_TYPES);
const SNAPSHOT_LIST = Prisma.raw(SNAPSHOT_COLUMNS.map(([n]) => `a."${n}"`).join(', '));

function snapshot(r: Value[]): StoredAccount {
  const o: Record<string, Value> = {};
  for (let k = 0; k < SNAPSHOT_COLUMNS.length; k++) o[SNAPSHOT_COLUMNS[k]![0]] = r[k]!;
  return o as unknown as StoredAccount;
}

const INSERT_COLUMNS: Column[] = [['id', 'text'], ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'], ...FIELD_NAMES.map((n): Column => [n, ACCOUNT_TYPES[n]]), ['status', 'text'], ['disabledAt', 'timestamp']];

const UPDATE_COLUMNS: Column[] = [
  ['id', 'text'], ['guardStatus', 'text'], ['guardDisabled', 'boolean'], ['guardDisabledAt', 'timestamp'], ['setStatus', 'boolean'],
  ['status', 'text'], ['disabledAt', 'timestamp'], ['updatedAt', 'timestamp'], ...FIELD_NAMES.map((n): Column => [n, ACCOUNT_TYPES[n]]),
];
const UPDATE_SET = Prisma.raw([
  ...FIELD_NAMES.map((n) => `"${n}" = x."${n}"`),
  `"status" = CASE WHEN x."setStatus" THEN x."status" ELSE "Account"."status" END`,
  `"disabledAt" = CASE WHEN x."setStatus" THEN x."disabledAt" ELSE "Account"."disabledAt" END`,
  `"updatedAt" = x."updatedAt"`,
].join(', '));

function updateRows(updates: readonly AccountUpdate[], now: Date): Row[] {
  return updates.map((u): Row => {
    const setStatus = u.data.status !== undefined;
    const r: Value[] = [u.id, u.status, u.disabledAt !== undefined, u.disabledAt ?? null, setStatus, u.data.status ?? null, u.data.disabledAt ?? null, now];
    for (const n of FIELD_NAMES) r.push(u.data[n]);
    return r;
  });
}

/** The accounts of a sync run: `bulk` is the run's session (src/db/bulk.ts), `db` the client. */
export function createSyncAccountRepository(db: Db, bulk: Bulk): SyncAccountRepository {
  return {
    async byExternalIdOrLogin(externalIds, logins) {
      const p = bulk.provider;
      const rows = await bulk.selectRows(SNAPSHOT_COLUMNS, Prisma.sql`
        SELECT ${SNAPSHOT_LIST} FROM "Account" a
        WHERE ${jsonIn(p, Prisma.sql`a."externalId"`, externalIds)} OR ${jsonIn(p, Prisma.sql`a."login"`, logins)}`);
      return rows.map(snapshot);
    },

    async insert(accounts, now) {
      const rows = accounts.map(({ id, data }): Row => {
        const r: Value[] = [id, now, now];
        for (const n of FIELD_NAMES) r.push(data[n]);
        r.push(data.status, data.disabledAt);
        return r;
      });
      return new Set((await bulk.insertRows('Account', INSERT_COLUMNS, rows, 'id', { skipConflicts: true })) as string[]);
    },

    async update(updates, now) {
      if (!updates.length) return new Set();
      try {
        const changed = await bulk.withRows<{ id: string }>(UPDATE_COLUMNS, updateRows(updates, now), (relation) => Prisma.sql`
          UPDATE "Account" SET ${UPDATE_SET}
          FROM (${relation}) AS x
          WHERE "Account"."id" = x."id" AND "Account"."status" = x."guardStatus"
            AND (NOT x."guardDisabled" OR "Account"."disabledAt" IS NOT DISTINCT FROM x."guardDisabledAt")
          RETURNING "Account"."id"`);
        return new Set(changed.map((r) => r.id));
      } catch (err) {
        if (violatesUnique(err)) return null;
        throw err;
      }
    },

    byIds(ids) {
      return db.account.findMany({ where: { id: { in: [...ids] } } });
    },

    async disableIfActive(id, data) {
      const { count } = await db.account.updateMany({ where: { id, status: 'active' }, data: { status: data.status, disabledAt: data.disabledAt, attributes: data.attributes } });
      return count > 0;
    },

    async setAttributesIfDisabledSince(id, disabledAt, attributes) {
      await db.account.updateMany({ where: { id, status: 'disabled', disabledAt }, data: { attributes } });
    },

    pendingEndAccess(limit) {
      return db.account.findMany({ where: { status: 'disabled', attributes: { contains: PENDING_MARKER_TEXT } }, take: limit });
    },

    pendingPasswordEnds(limit) {
      return db.account.findMany({ where: { status: 'active', passwordStamp: { startsWith: PENDING_PASSWORD_TEXT } }, take: limit });
    },

    async settlePasswordStamp(id, from, to) {
      const { count } = await db.account.updateMany({ where: { id, passwordStamp: from }, data: { passwordStamp: to } });
      return count > 0;
    },

    countActiveLinked() {
      return db.account.count({ where: { source: 'directory', status: 'active', externalId: { not: null } } });
    },
  };
}
