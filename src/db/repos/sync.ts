/**
 * The directory sync's storage: what it keeps between runs (sync-runs.ts), and, for one run, a
 * session (a bulk session of src/db/bulk.ts: on SQLite a connection of its own) through which it
 * reads and writes accounts in bulk (sync-accounts.ts) and stages a full listing (sync-stage.ts).
 */
import type { Db } from '../client.js';
import { openBulk } from '../bulk.js';
import { createSyncAccountRepository, type SyncAccountRepository } from './sync-accounts.js';
import { createSyncRunRepository, type SyncRunRepository } from './sync-runs.js';
import { createSyncStageRepository, type SyncStageRepository } from './sync-stage.js';

export type * from './sync-accounts.js';
export type * from './sync-runs.js';
export type * from './sync-stage.js';
export { HIGH_WATER_MARK, SYNC_LEASE } from './sync-runs.js';

/** One run's reads and writes; close() it at the end. */
export interface SyncSession {
  /** Rows one write takes at best speed here (SQLite 2,000 a transaction, PostgreSQL 250 a statement). */
  readonly batchRows: number;
  readonly accounts: SyncAccountRepository;
  readonly stage: SyncStageRepository;
  close(): void;
}

export interface SyncRepository extends SyncRunRepository {
  /** Opens a run's session. */
  openSession(): Promise<SyncSession>;
}

export function createSyncRepository(db: Db): SyncRepository {
  return {
    ...createSyncRunRepository(db),
    async openSession() {
      const bulk = await openBulk(db);
      return {
        batchRows: bulk.batchRows,
        accounts: createSyncAccountRepository(db, bulk),
        stage: createSyncStageRepository(bulk),
        close: () => bulk.close(),
      };
    },
  };
}
