/**
 * Applies the committed migrations (prisma/<provider>/migrations/<name>/migration.sql) with no
 * network and no native engine. Each applied migration is recorded in `_prisma_migrations` with
 * the same columns and sha256 checksum Prisma uses, so `prisma migrate deploy` can take over on a
 * machine that has Prisma's engine. Safe to run from several instances at once (an advisory
 * lock on PostgreSQL, an immediate transaction on SQLite).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PROJECT_ROOT } from '../paths.js';
import { dbProviderOf, sqlitePathOf, type DbProvider } from './provider.js';
import { prepareSqliteFile } from './files.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export function migrationsDir(provider: DbProvider): string {
  return join(PROJECT_ROOT, 'prisma', provider, 'migrations');
}

export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new Error(`no migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Which migrations still need applying; refuses when an applied one was edited since. Pure. */
export function planMigrations(all: Migration[], applied: Map<string, string>): Migration[] {
  for (const m of all) {
    const sum = applied.get(m.name);
    if (sum !== undefined && sum !== m.checksum) {
      throw new Error(`migration ${m.name} was changed after it was applied (checksum mismatch); restore it or add a new migration`);
    }
  }
  return all.filter((m) => !applied.has(m.name));
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`;
const PG_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;
/** The lock id Prisma's own migrate uses, so the two never run at once either. */
const PG_LOCK = 72707369;

export async function migrate(url: string, dir?: string): Promise<MigrateResult> {
  const provider = dbProviderOf(url);
  const all = readMigrations(dir ?? migrationsDir(provider));
  return provider === 'sqlite' ? migrateSqlite(url, all) : migratePostgres(url, all);
}

/**
 * Switching a new file to WAL takes an exclusive lock that the busy timeout does not cover:
 * several processes starting at once retry it briefly.
 */
function setWal(db: BetterSqlite3.Database): void {
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 50) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.floor(Math.random() * 30));
    }
  }
}

/**
 * A SQLite migration whose SQL holds this line is followed by VACUUM, outside its transaction:
 * the file is rewritten, so bytes of removed rows left in free space within pages are gone too
 * (the removal of rows that held secrets). Prisma's own migrate ignores it (a comment).
 */
export const VACUUM_AFTER = '-- sso:vacuum-after';

function migrateSqlite(url: string, all: Migration[]): MigrateResult {
  const file = resolve(sqlitePathOf(url));
  prepareSqliteFile(file);
  const db = new BetterSqlite3(file, { timeout: 10_000 });
  try {
    setWal(db);
    db.exec(SQLITE_TABLE);
    const run = db.transaction(() => {
      const rows = db.prepare('SELECT migration_name, checksum FROM _prisma_migrations WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL').all() as { migration_name: string; checksum: string }[];
      const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      const todo = planMigrations(all, applied);
      for (const m of todo) {
        db.exec(m.sql);
        db.prepare(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES (?, ?, ?, current_timestamp, 1)`).run(randomUUID(), m.checksum, m.name);
      }
      return { applied: todo.map((m) => m.name), alreadyApplied: [...applied.keys()], vacuum: todo.some((m) => m.sql.includes(VACUUM_AFTER)) };
    });
    const { vacuum, ...result } = run.immediate();
    if (vacuum) db.exec('VACUUM');
    return result;
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string, all: Migration[]): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_LOCK]);
    await client.query(PG_TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM _prisma_migrations WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL');
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const todo = planMigrations(all, applied);
    for (const m of todo) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)`, [randomUUID(), m.checksum, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: [...applied.keys()] };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_LOCK]).catch(() => undefined);
    await client.end();
  }
}
