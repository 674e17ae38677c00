/**
 * The sync's reads and writes of accounts and staged entries, in bulk (src/db/bulk.ts: rows
 * through one JSON value): the accounts of a batch of entries read in one query, new accounts
 * inserted and changed ones updated in one transaction each, a batch of the listing staged in one.
 * No transaction is held open across awaits.
 */
import { Prisma } from '../db/generated/sqlite/client.js';
import { jsonIn, type Bulk, type Column, type ColumnType, type Row, type Value } from '../db/bulk.js';
import type { AccountData, AccountSnapshot, IdentityFields } from '../domain/reconcile.js';

/**
 * The Account columns the sync reads and writes, and their types: every column accountFields sets
 * (the compiler holds this to exactly those, so a column added there is read and compared here
 * too), the status, and the row's own.
 */
const ACCOUNT_TYPES = {
  login: 'text', email: 'text', emailVerified: 'boolean', displayName: 'text', givenName: 'text', familyName: 'text',
  middleName: 'text', phoneNumber: 'text', externalId: 'text', source: 'text', attributes: 'text', search: 'text',
  id: 'text', status: 'text', disabledAt: 'timestamp',
} as const satisfies Record<keyof IdentityFields | 'id' | 'status' | 'disabledAt', ColumnType>;

type FieldName = keyof IdentityFields;
const FIELD_NAMES = Object.keys(ACCOUNT_TYPES).filter((k) => k !== 'id' && k !== 'status' && k !== 'disabledAt') as FieldName[];
const SNAPSHOT_COLUMNS: Column[] = Object.entries(ACCOUNT_TYPES);
const SNAPSHOT_LIST = Prisma.raw(SNAPSHOT_COLUMNS.map(([n]) => `a."${n}"`).join(', '));

/** An account as the sync compares it: every column it writes (the search text included). */
export type StoredAccount = AccountSnapshot & { search: string };

function snapshot(r: Value[]): StoredAccount {
  const o: Record<string, Value> = {};
  for (let k = 0; k < SNAPSHOT_COLUMNS.length; k++) o[SNAPSHOT_COLUMNS[k]![0]] = r[k]!;
  return o as unknown as StoredAccount;
}

/** The accounts linked to these directory ids and those holding these logins (mostly the same rows), in one query. */
export async function accountsByExternalIdOrLogin(bulk: Bulk, externalIds: readonly string[], logins: readonly string[]): Promise<StoredAccount[]> {
  const p = bulk.provider;
  const rows = await bulk.selectRows(SNAPSHOT_COLUMNS, Prisma.sql`
    SELECT ${SNAPSHOT_LIST} FROM "Account" a
    WHERE ${jsonIn(p, Prisma.sql`a."externalId"`, externalIds)} OR ${jsonIn(p, Prisma.sql`a."login"`, logins)}`);
  return rows.map(snapshot);
}

/** A new account: its id and every column the decision sets (accountFields, status, disabledAt). */
export interface NewAccount {
  id: string;
  data: IdentityFields & { status: string; disabledAt: Date | null };
}

const INSERT_COLUMNS: Column[] = [['id', 'text'], ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'], ...FIELD_NAMES.map((n): Column => [n, ACCOUNT_TYPES[n]]), ['status', 'text'], ['disabledAt', 'timestamp']];

/**
 * Inserts the accounts in one statement. ON CONFLICT DO NOTHING: one that clashes with an account
 * written meanwhile (the person's first login creating it at this moment) is not inserted. Returns
 * the ids inserted.
 */
export async function insertAccounts(bulk: Bulk, accounts: readonly NewAccount[], now: Date): Promise<Set<string>> {
  const rows = accounts.map(({ id, data }): Row => {
    const r: Value[] = [id, now, now];
    for (const n of FIELD_NAMES) r.push(data[n]);
    r.push(data.status, data.disabledAt);
    return r;
  });
  return new Set((await bulk.insertRows('Account', INSERT_COLUMNS, rows, 'id', { skipConflicts: true })) as string[]);
}

/** A change to an existing account, guarded on what the decision was made on. */
export interface AccountUpdate {
  id: string;
  /** Every column accountFields sets; status and disabledAt too when the decision changes them. */
  data: AccountData & IdentityFields;
  /** Updated only if the status is still this. */
  status: string;
  /** Updated only if disabledAt is still this (when given: re-enabling an account the directory disabled). */
  disabledAt?: Date | null | undefined;
}

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

/**
 * Updates the accounts in one statement; returns the ids updated (the others changed since they
 * were read: their guard no longer holds). A unique violation (a login taken meanwhile, or two
 * accounts of the batch exchanging logins) refuses the whole statement: the caller applies that
 * batch one account at a time instead.
 */
export async function updateAccounts(bulk: Bulk, updates: readonly AccountUpdate[], now: Date): Promise<Set<string>> {
  if (!updates.length) return new Set();
  const rows = updates.map((u): Row => {
    const setStatus = u.data.status !== undefined;
    const r: Value[] = [u.id, u.status, u.disabledAt !== undefined, u.disabledAt ?? null, setStatus, u.data.status ?? null, u.data.disabledAt ?? null, now];
    for (const n of FIELD_NAMES) r.push(u.data[n]);
    return r;
  });
  const changed = await bulk.withRows<{ id: string }>(UPDATE_COLUMNS, rows, (relation) => Prisma.sql`
    UPDATE "Account" SET ${UPDATE_SET}
    FROM (${relation}) AS x
    WHERE "Account"."id" = x."id" AND "Account"."status" = x."guardStatus"
      AND (NOT x."guardDisabled" OR "Account"."disabledAt" IS NOT DISTINCT FROM x."guardDisabledAt")
    RETURNING "Account"."id"`);
  return new Set(changed.map((r) => r.id));
}

// ---------------------------------------------------------------------------------------------
// SyncStage

/**
 * Makes the run's stage ready. On SQLite with a connection of the session's own, the entries are
 * staged in a TEMP copy of SyncStage on that connection (its columns taken from the table itself;
 * unqualified, "SyncStage" then names it there): staging never reaches the WAL, needs no commit
 * to disk and is gone with the connection, so a killed run leaves nothing. Elsewhere, SyncStage.
 * Every statement that reads the stage goes through the session.
 */
export async function openStage(bulk: Bulk): Promise<void> {
  if (!bulk.ownConnection) return;
  await bulk.execute(Prisma.sql`CREATE TEMP TABLE IF NOT EXISTS "SyncStage" AS SELECT * FROM main."SyncStage" WHERE false`);
  await bulk.execute(Prisma.sql`CREATE UNIQUE INDEX IF NOT EXISTS temp."SyncStage_run_entry" ON "SyncStage" ("runId", "externalId")`);
}

/** Removes the run's staged entries (and a TEMP stage). */
export async function closeStage(bulk: Bulk, runId: string): Promise<void> {
  if (bulk.ownConnection) await bulk.execute(Prisma.sql`DROP TABLE IF EXISTS temp."SyncStage"`);
  else await bulk.execute(Prisma.sql`DELETE FROM "SyncStage" WHERE "runId" = ${runId}`);
}

const STAGE_COLUMNS: Column[] = [['runId', 'text'], ['externalId', 'text'], ['identity', 'text']];

/** Stages [externalId, staged text] pairs of a run in one statement; returns the externalIds inserted (not those staged before). */
export async function stageRows(bulk: Bulk, runId: string, rows: readonly (readonly [string, string])[]): Promise<Set<string>> {
  const inserted = await bulk.insertRows('SyncStage', STAGE_COLUMNS, rows.map(([id, text]) => [runId, id, text]), 'externalId', { skipConflicts: true });
  return new Set(inserted as string[]);
}

/** Staged texts that carry nothing to apply (see the runner's stageJson). */
export const NOTHING_TO_APPLY = ['{"off":0}', '{"off":1}'] as const;

/** The next staged rows of a run after `after` (by externalId), those with something to apply only. */
export async function readStaged(bulk: Bulk, runId: string, after: string, limit: number): Promise<{ externalId: string; identity: string }[]> {
  const rows = await bulk.selectRows(STAGE_COLUMNS.slice(1), Prisma.sql`
    SELECT s."externalId", s."identity" FROM "SyncStage" s
    WHERE s."runId" = ${runId} AND s."externalId" > ${after} AND s."identity" NOT IN (${NOTHING_TO_APPLY[0]}, ${NOTHING_TO_APPLY[1]})
    ORDER BY s."externalId" LIMIT ${limit}`, 'externalId');
  return rows.map(([externalId, identity]) => ({ externalId: externalId as string, identity: identity as string }));
}

/** A count, through the session (it may name the TEMP stage). */
export async function count(bulk: Bulk, query: Prisma.Sql): Promise<number> {
  const [row] = await bulk.selectRows([['n', 'integer']], query);
  return Number(row?.[0] ?? 0);
}

/** How many staged rows of a run carry nothing to apply (their accounts already said the same). */
export function countNothingToApply(bulk: Bulk, runId: string): Promise<number> {
  return count(bulk, Prisma.sql`
    SELECT COUNT(*) AS "n" FROM "SyncStage" s WHERE s."runId" = ${runId} AND s."identity" IN (${NOTHING_TO_APPLY[0]}, ${NOTHING_TO_APPLY[1]})`);
}
