/**
 * The entries a full sync run listed (SyncStage), staged before anything is applied, and what is
 * counted against them: how many accounts the run would disable, which accounts are gone from
 * the directory. Everything goes through the run's bulk session (src/db/bulk.ts).
 *
 * On SQLite with a connection of the session's own, the entries are staged in a TEMP copy of
 * SyncStage on that connection (its columns taken from the table itself; unqualified,
 * "SyncStage" then names it there): staging never reaches the WAL, needs no commit to disk and
 * is gone with the connection, so a killed run leaves nothing. Elsewhere, SyncStage itself.
 *
 * A staged row's text: {"off":0|1} for an entry with nothing to apply (its account already said
 * the same when it was listed), {"off":0|1,"i":<the entry>} otherwise; "off" first, so that SQL
 * can match the text's start.
 */
import { Prisma } from '../generated/sqlite/client.js';
import type { Bulk, Column } from '../bulk.js';

/** One listed entry. */
export interface StagedEntry {
  externalId: string;
  /** The directory says its access is off (disabled, expired). */
  off: boolean;
  /** The entry as JSON text; null when there is nothing to apply. */
  entry: string | null;
}

export interface SyncStageRepository {
  /** Makes the stage ready (a TEMP table on SQLite with a connection of the session's own). */
  open(): Promise<void>;
  /** Stages entries of a run in one statement; returns the externalIds staged (not those staged before). */
  add(runId: string, entries: readonly StagedEntry[]): Promise<Set<string>>;
  /** The next staged entries of a run after `after` (by externalId), those with something to apply only, in externalId order. */
  read(runId: string, after: string, limit: number): Promise<{ externalId: string; entry: string }[]>;
  /** Staged entries of a run with nothing to apply. */
  countNothingToApply(runId: string): Promise<number>;
  /** Active directory accounts created before `createdBefore` whose entry the run did not stage. */
  countGone(runId: string, createdBefore: Date): Promise<number>;
  /** Active directory accounts whose staged entry says off. */
  countOff(runId: string): Promise<number>;
  /** The ids of the accounts countGone counts, after `after`, in id order, at most `limit`. */
  goneIds(runId: string, createdBefore: Date, after: string, limit: number): Promise<string[]>;
  /** Removes the run's staged entries (and a TEMP stage). */
  close(runId: string): Promise<void>;
}

const STAGE_COLUMNS: Column[] = [['runId', 'text'], ['externalId', 'text'], ['identity', 'text']];
/** Staged texts that carry nothing to apply. */
const NOTHING_TO_APPLY = ['{"off":0}', '{"off":1}'] as const;
const OFF_PREFIX = '{"off":1%';
/** What precedes the entry in a staged text. */
const ENTRY_AT = '{"off":0,"i":'.length;

function stagedText(e: StagedEntry): string {
  const off = e.off ? 1 : 0;
  return e.entry === null ? `{"off":${off}}` : `{"off":${off},"i":${e.entry}}`;
}

/** The entry's text from a staged text; '' (unreadable as JSON) when the text is not one of ours. */
function entryOf(text: string): string {
  return /^\{"off":[01],"i":/.test(text) && text.endsWith('}') ? text.slice(ENTRY_AT, -1) : '';
}

/** A count, through the session (it may name the TEMP stage). */
async function count(bulk: Bulk, query: Prisma.Sql): Promise<number> {
  const [row] = await bulk.selectRows([['n', 'integer']], query);
  return Number(row?.[0] ?? 0);
}

/** Active directory accounts created before the cutoff, not staged by the run: SQL condition on Account a. */
const goneWhere = (runId: string, createdBefore: Date) => Prisma.sql`
  a."source" = 'directory' AND a."status" = 'active' AND a."externalId" IS NOT NULL AND a."createdAt" < ${createdBefore}
  AND NOT EXISTS (SELECT 1 FROM "SyncStage" s WHERE s."runId" = ${runId} AND s."externalId" = a."externalId")`;

export function createSyncStageRepository(bulk: Bulk): SyncStageRepository {
  return {
    async open() {
      if (!bulk.ownConnection) return;
      await bulk.execute(Prisma.sql`CREATE TEMP TABLE IF NOT EXISTS "SyncStage" AS SELECT * FROM main."SyncStage" WHERE false`);
      await bulk.execute(Prisma.sql`CREATE UNIQUE INDEX IF NOT EXISTS temp."SyncStage_run_entry" ON "SyncStage" ("runId", "externalId")`);
    },

    async add(runId, entries) {
      const rows = entries.map((e) => [runId, e.externalId, stagedText(e)] as const);
      const inserted = await bulk.insertRows('SyncStage', STAGE_COLUMNS, rows, 'externalId', { skipConflicts: true });
      return new Set(inserted as string[]);
    },

    async read(runId, after, limit) {
      const rows = await bulk.selectRows(STAGE_COLUMNS.slice(1), Prisma.sql`
        SELECT s."externalId", s."identity" FROM "SyncStage" s
        WHERE s."runId" = ${runId} AND s."externalId" > ${after} AND s."identity" NOT IN (${NOTHING_TO_APPLY[0]}, ${NOTHING_TO_APPLY[1]})
        ORDER BY s."externalId" LIMIT ${limit}`, 'externalId');
      return rows.map(([externalId, text]) => ({ externalId: externalId as string, entry: entryOf(text as string) }));
    },

    countNothingToApply(runId) {
      return count(bulk, Prisma.sql`
        SELECT COUNT(*) AS "n" FROM "SyncStage" s WHERE s."runId" = ${runId} AND s."identity" IN (${NOTHING_TO_APPLY[0]}, ${NOTHING_TO_APPLY[1]})`);
    },

    countGone(runId, createdBefore) {
      return count(bulk, Prisma.sql`SELECT COUNT(*) AS "n" FROM "Account" a WHERE ${goneWhere(runId, createdBefore)}`);
    },

    countOff(runId) {
      return count(bulk, Prisma.sql`
        SELECT COUNT(*) AS "n" FROM "Account" a
        WHERE a."source" = 'directory' AND a."status" = 'active' AND a."externalId" IS NOT NULL
          AND EXISTS (SELECT 1 FROM "SyncStage" s WHERE s."runId" = ${runId} AND s."externalId" = a."externalId" AND s."identity" LIKE ${OFF_PREFIX})`);
    },

    async goneIds(runId, createdBefore, after, limit) {
      const rows = await bulk.selectRows([['id', 'text']], Prisma.sql`
        SELECT a."id" FROM "Account" a
        WHERE ${goneWhere(runId, createdBefore)} AND a."id" > ${after}
        ORDER BY a."id" LIMIT ${limit}`, 'id');
      return rows.map(([id]) => id as string);
    },

    async close(runId) {
      if (bulk.ownConnection) await bulk.execute(Prisma.sql`DROP TABLE IF EXISTS temp."SyncStage"`);
      else await bulk.execute(Prisma.sql`DELETE FROM "SyncStage" WHERE "runId" = ${runId}`);
    },
  };
}
