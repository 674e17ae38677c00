/**
 * Applies the committed migrations (prisma/<provider>/migrations/<name>/migration.sql) with no
 * network and no native engine. Each applied migration is recorded in `_prisma_migrations` with
 * the same columns and sha256 checksum Prisma uses, so `prisma migrate deploy` can take over on a
 * machine that has Prisma's engine. Safe to run from several instances at once (an advisory
 * lock on PostgreSQL, an immediate transaction on SQLite).
 *
 * Only `sso db migrate` and `sso serve` (unless MIGRATE=false or --no-migrate) change the schema.
 * Everything else reads the schema's state (schemaStatus, read-only: no table created, nothing
 * written) and refuses a schema that is behind this version (pending migrations) or ahead of it
 * (migrations this version does not know: the database was upgraded by a newer version; it is
 * never downgraded). An up-to-date database needs no DDL, so the server can run as a role that
 * may not change the schema.
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

/** A row of `_prisma_migrations`: a migration applied to this database. */
export interface AppliedMigration {
  name: string;
  checksum: string;
  appliedAt: Date | null;
}

export type SchemaState = 'current' | 'behind' | 'ahead' | 'changed';

/** The database's schema against this version's migrations. */
export interface SchemaStatus {
  /** Applied and known to this version, oldest first. */
  applied: { name: string; appliedAt: Date | null }[];
  /** Known to this version and not applied yet (`sso db migrate` applies them). */
  pending: string[];
  /** Applied but unknown to this version: the database was migrated by a newer version. */
  unknown: { name: string; appliedAt: Date | null }[];
  /** Applied, but this version's file differs from what was applied (checksum mismatch). */
  changed: string[];
  /** changed, else ahead (unknown ones), else behind (pending ones), else current. */
  state: SchemaState;
}

/** This version's migrations against the applied ones. Pure. */
export function compareSchema(all: readonly Migration[], applied: readonly AppliedMigration[]): SchemaStatus {
  const known = new Map(all.map((m) => [m.name, m]));
  const done = new Map(applied.map((a) => [a.name, a]));
  const changed = applied.filter((a) => known.has(a.name) && known.get(a.name)!.checksum !== a.checksum).map((a) => a.name);
  const unknown = applied.filter((a) => !known.has(a.name)).map((a) => ({ name: a.name, appliedAt: a.appliedAt }));
  const pending = all.filter((m) => !done.has(m.name)).map((m) => m.name);
  const state: SchemaState = changed.length ? 'changed' : unknown.length ? 'ahead' : pending.length ? 'behind' : 'current';
  return { applied: applied.filter((a) => known.has(a.name)).map((a) => ({ name: a.name, appliedAt: a.appliedAt })), pending, unknown, changed, state };
}

/** A schema this version may not use (or, for `ahead`, may not migrate): what is wrong and the command that fixes it. */
export class SchemaMismatchError extends Error {
  readonly code = 'SCHEMA_MISMATCH';
  constructor(readonly status: SchemaStatus) {
    super(schemaProblem(status) ?? 'the database schema does not match this version');
  }
}

const names = (xs: readonly (string | { name: string })[]) => xs.map((x) => (typeof x === 'string' ? x : x.name)).join(', ');

/** What is wrong with the schema for this version, naming the command that fixes it; null when current. Pure. */
export function schemaProblem(s: SchemaStatus): string | null {
  if (s.state === 'changed') {
    return `migration ${names(s.changed)} differs from the one applied to the database (checksum mismatch): reinstall this version's files (prisma/*/migrations), or add a new migration instead of editing one`;
  }
  if (s.state === 'ahead') {
    return `the database was migrated by a newer version of sso (${names(s.unknown)} unknown to this one): this version refuses to use it and never downgrades a schema. Run the newer version, or restore the backup taken before the upgrade; \`sso db status\` lists the migrations`;
  }
  if (s.state === 'behind') {
    return `the database schema is behind this version of sso (${s.pending.length} migration${s.pending.length === 1 ? '' : 's'} not applied: ${names(s.pending)}): run \`sso db migrate\` (with the role that owns the schema), or start \`sso serve\` without --no-migrate / MIGRATE=false`;
  }
  return null;
}

/** The schema's state, read only: creates nothing (not even the database file or the migrations table). */
export async function schemaStatus(url: string, dir?: string): Promise<SchemaStatus> {
  const provider = dbProviderOf(url);
  const all = readMigrations(dir ?? migrationsDir(provider));
  return compareSchema(all, provider === 'sqlite' ? appliedSqlite(url) : await appliedPostgres(url));
}

/** Refuses (SchemaMismatchError) a schema this version cannot use. */
export async function requireCurrentSchema(url: string, dir?: string): Promise<SchemaStatus> {
  const status = await schemaStatus(url, dir);
  if (status.state !== 'current') throw new SchemaMismatchError(status);
  return status;
}

export async function migrate(url: string, dir?: string): Promise<MigrateResult> {
  const provider = dbProviderOf(url);
  const all = readMigrations(dir ?? migrationsDir(provider));
  return provider === 'sqlite' ? migrateSqlite(url, all) : migratePostgres(url, all);
}

/** Refuses a database that a newer version migrated (never a silent downgrade), or one whose applied migrations were edited. */
function refuseUnknown(all: Migration[], applied: AppliedMigration[]): void {
  const status = compareSchema(all, applied);
  if (status.state === 'ahead' || status.state === 'changed') throw new SchemaMismatchError(status);
}

const APPLIED_SQL = 'SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL ORDER BY migration_name';
type AppliedRow = { migration_name: string; checksum: string; finished_at: Date | string | null };
const toApplied = (r: AppliedRow): AppliedMigration => ({ name: r.migration_name, checksum: r.checksum, appliedAt: r.finished_at === null ? null : new Date(r.finished_at) });

function appliedSqlite(url: string): AppliedMigration[] {
  const file = resolve(sqlitePathOf(url));
  if (!existsSync(file)) return [];
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return [];
    // SQLite stores current_timestamp as "YYYY-MM-DD HH:MM:SS" in UTC
    return (db.prepare(APPLIED_SQL).all() as AppliedRow[]).map((r) => toApplied({ ...r, finished_at: typeof r.finished_at === 'string' && !r.finished_at.includes('T') ? `${r.finished_at.replace(' ', 'T')}Z` : r.finished_at }));
  } finally {
    db.close();
  }
}

async function appliedPostgres(url: string): Promise<AppliedMigration[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present");
    if (!rows[0]?.present) return [];
    return (await client.query<AppliedRow>(APPLIED_SQL)).rows.map(toApplied);
  } finally {
    await client.end();
  }
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
      const rows = (db.prepare(APPLIED_SQL).all() as AppliedRow[]).map(toApplied);
      refuseUnknown(all, rows);
      const applied = new Map(rows.map((r) => [r.name, r.checksum]));
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

/** A failed migration step; when the role may not change the schema (42501), says which role should run it. */
function ddlRefused(what: string, err: Error): Error {
  const denied = (err as { code?: string }).code === '42501';
  return new Error(`${what} failed: ${err.message}${denied ? '. The role in DATABASE_URL may not change the schema: run `sso db migrate` with the role that owns it (README, "Database roles"), then start the server with MIGRATE=false' : ''}`);
}

async function migratePostgres(url: string, all: Migration[]): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_LOCK]);
    // no DDL when there is nothing to do: a role that may not change the schema can start the server
    const present = (await client.query<{ present: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present")).rows[0]?.present;
    if (!present) await client.query(PG_TABLE).catch((err: Error) => { throw ddlRefused('the migrations table', err); });
    const rows = (await client.query<AppliedRow>(APPLIED_SQL)).rows.map(toApplied);
    refuseUnknown(all, rows);
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const todo = planMigrations(all, applied);
    for (const m of todo) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)`, [randomUUID(), m.checksum, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw ddlRefused(`migration ${m.name}`, err as Error);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: [...applied.keys()] };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_LOCK]).catch(() => undefined);
    await client.end();
  }
}
