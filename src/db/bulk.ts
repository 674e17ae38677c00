/**
 * Many rows in or out of one SQL statement through ONE value: the rows travel as a JSON array of
 * arrays (one array per row, the values in column order) and the database unpacks them
 * (SQLite: json_each and ->>; PostgreSQL: jsonb_array_elements and ->> with a cast per column).
 * Reads come back the same way: one JSON text of the rows (json_group_array / json_agg).
 *
 * Why: Prisma's client spends about 3 µs per bound parameter and per value read, and makes garbage
 * for each; a sync batch of accounts is some twenty values a row. With one parameter a batch can
 * also be as large as the work needs (SQLite allows 32,766 parameters a statement, PostgreSQL
 * 65,535), and every statement is still one transaction: all of its rows or none.
 *
 * openBulk(): a session for a long job (the directory sync). On PostgreSQL it runs these
 * statements through Prisma. On SQLite it opens its own connection to the same file: there a
 * commit is the expensive part (random-keyed indexes dirty many pages, each commit writes them to
 * the WAL), so a write of a few thousand rows is one transaction of several statements, run
 * synchronously, so that nothing else of the process can slip into it (Prisma's SQLite adapter
 * has one connection: any query made meanwhile would join an open transaction). It never holds a
 * lock across an await; when another connection holds the write lock it waits asynchronously.
 * Its statements also stay out of Prisma's client, which keeps the arguments of its last hundred
 * queries and copies each argument into a log string, live memory that grows with the batch.
 *
 * Values are what the columns hold as Prisma writes them, so reads through Prisma stay the same:
 *   text       string
 *   boolean    true/false (SQLite stores 1/0)
 *   integer    a safe integer
 *   timestamp  a Date (SQLite: ISO text in UTC with "+00:00", as Prisma's SQLite adapter writes
 *              it; PostgreSQL: TIMESTAMP(3), UTC, as Prisma writes it)
 *   null       NULL
 * Table and column names come from our own code, never from input; they are checked anyway.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Prisma } from './generated/sqlite/client.js';
import type { Db } from './client.js';
import type { DbProvider } from './provider.js';
import { isUniqueViolation } from './errors.js';

export type ColumnType = 'text' | 'boolean' | 'integer' | 'timestamp';
/** A column: its name and the type its values are read and written as. */
export type Column = readonly [name: string, type: ColumnType];
export type Value = string | number | boolean | Date | null;
export type Row = readonly Value[];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoted(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a table or column name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Which database a client talks to (the generated client records it). */
export function providerOf(db: Db): DbProvider {
  const p = (db as unknown as { _activeProvider?: unknown })._activeProvider;
  if (p === 'sqlite' || p === 'postgresql') return p;
  throw new Error(`unknown database provider: ${String(p)}`);
}

const PG_TYPES: Record<ColumnType, string> = { text: 'text', boolean: 'boolean', integer: 'integer', timestamp: 'timestamp(3)' };

/** A lone surrogate as JSON.stringify escapes it (\udXXX), after an even run of backslashes (not itself escaped). */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;

/**
 * The JSON text of the rows: Dates as ISO text (toJSON), undefined as null. A lone surrogate (not
 * well-formed text) becomes U+FFFD, as the drivers write it from a bound parameter; PostgreSQL
 * would refuse the whole batch for it.
 */
function rowsJson(rows: readonly Row[]): string {
  const json = JSON.stringify(rows);
  return json.includes('\\ud') || json.includes('\\uD') ? json.replace(LONE_SURROGATE, '$1\\ufffd') : json;
}

/**
 * SQL: `SELECT <each column, typed, named as given> FROM <the rows of one JSON parameter>`, to use
 * as a subquery (`FROM (${jsonRows(...)}) AS x`) or as the source of an INSERT.
 */
export function jsonRows(provider: DbProvider, columns: readonly Column[], rows: readonly Row[]): Prisma.Sql {
  const json = rowsJson(rows);
  if (provider === 'sqlite') {
    const exprs = columns.map(([name, type], k) => {
      // ISO text from toJSON ends in Z; Prisma's adapter writes +00:00 (the same instant, as text)
      const v = type === 'timestamp' ? `replace(value ->> ${k}, 'Z', '+00:00')` : `value ->> ${k}`;
      return `${v} AS ${quoted(name)}`;
    });
    return Prisma.sql`SELECT ${Prisma.raw(exprs.join(', '))} FROM json_each(${json})`;
  }
  // jsonb: parsed once; ->> on json text would parse the row again for every column
  const exprs = columns.map(([name, type], k) => `(e ->> ${k})::${PG_TYPES[type]} AS ${quoted(name)}`);
  return Prisma.sql`SELECT ${Prisma.raw(exprs.join(', '))} FROM jsonb_array_elements(${json}::jsonb) AS e`;
}

/** SQL: a list of text values from one JSON parameter, for `col IN ${jsonList(...)}` (PostgreSQL: `= ANY`, see below). */
export function jsonIn(provider: DbProvider, column: Prisma.Sql, values: readonly string[]): Prisma.Sql {
  const json = JSON.stringify(values);
  if (provider === 'sqlite') return Prisma.sql`${column} IN (SELECT value FROM json_each(${json}))`;
  // = ANY(ARRAY(...)) is an index condition; IN (SELECT ...) OR-ed with another one is a scan
  return Prisma.sql`${column} = ANY(ARRAY(SELECT jsonb_array_elements_text(${json}::jsonb)))`;
}

export interface InsertOptions {
  /** ON CONFLICT DO NOTHING: rows that clash with a unique key are skipped (one of theirs, or an earlier row of the same batch). */
  skipConflicts?: boolean;
}

/**
 * Inserts the rows in one statement (all or none, unless skipConflicts). Returns the values of
 * the `returning` column of the rows inserted, in no particular order.
 */
export async function insertRows(db: Db, table: string, columns: readonly Column[], rows: readonly Row[], returning: string, o?: InsertOptions): Promise<Value[]>;
/** Inserts the rows in one statement; returns how many were inserted. */
export async function insertRows(db: Db, table: string, columns: readonly Column[], rows: readonly Row[], returning?: undefined, o?: InsertOptions): Promise<number>;
export async function insertRows(db: Db, table: string, columns: readonly Column[], rows: readonly Row[], returning?: string, o: InsertOptions = {}): Promise<Value[] | number> {
  if (!rows.length) return returning ? [] : 0;
  const names = columns.map(([n]) => quoted(n)).join(', ');
  // WHERE true: SQLite would read ON CONFLICT as a join constraint of the SELECT otherwise
  const sql = Prisma.sql`INSERT INTO ${Prisma.raw(quoted(table))} (${Prisma.raw(names)})
    ${jsonRows(providerOf(db), columns, rows)} WHERE true
    ${Prisma.raw(o.skipConflicts ? 'ON CONFLICT DO NOTHING' : '')}`;
  if (!returning) return db.$executeRaw(sql);
  const key = quoted(returning);
  const out = await db.$queryRaw<Record<string, Value>[]>(Prisma.sql`${sql} RETURNING ${Prisma.raw(key)}`);
  return out.map((r) => r[returning] as Value);
}

/** A timestamp as SQLite or PostgreSQL's JSON gives it back: ISO text with or without a zone (UTC), or epoch ms. */
function readTimestamp(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return new Date(v);
  const s = String(v);
  const d = new Date(/(?:Z|[+-]\d\d:?\d\d)$/i.test(s) ? s : `${s.replace(' ', 'T')}Z`);
  if (Number.isNaN(d.getTime())) throw new Error(`unreadable timestamp: ${s.slice(0, 40)}`);
  return d;
}

function readValue(type: ColumnType, v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'boolean':
      return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
    case 'integer':
      return Number(v);
    case 'timestamp':
      return readTimestamp(v);
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

/**
 * Runs `query` (a SELECT whose result columns are named as `columns`) and returns its rows as
 * arrays of typed values, all of them carried back as one JSON text; in the order of the column
 * `orderBy` (the database's collation, as its own comparisons use) when given, else in any order.
 */
export async function selectRows(db: Db, columns: readonly Column[], query: Prisma.Sql, orderBy?: string): Promise<Value[][]> {
  const provider = providerOf(db);
  const cols = columns.map(([n]) => `q.${quoted(n)}`).join(', ');
  const order = orderBy ? ` ORDER BY q.${quoted(orderBy)}` : '';
  const agg = provider === 'sqlite' ? `json_group_array(json_array(${cols})${order})` : `json_agg(json_build_array(${cols})${order})::text`;
  const r = await db.$queryRaw<{ j: string | null }[]>(Prisma.sql`SELECT ${Prisma.raw(agg)} AS j FROM (${query}) AS q`);
  const text = r[0]?.j;
  if (!text) return [];
  const rows = JSON.parse(text) as unknown[][];
  for (const row of rows) for (let k = 0; k < columns.length; k++) row[k] = readValue(columns[k]![1], row[k]);
  return rows as Value[][];
}

// ---------------------------------------------------------------------------------------------
// Sessions

/** A unique or primary-key violation from a session's own SQLite connection. */
export class UniqueViolation extends Error {
  constructor(override readonly cause: unknown) {
    super(`unique constraint failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** A unique violation, whichever way the statement ran (a session's own connection or Prisma). */
export function violatesUnique(err: unknown): boolean {
  return err instanceof UniqueViolation || isUniqueViolation(err);
}

export interface Bulk {
  readonly provider: DbProvider;
  /** Rows one write takes at best speed here (a transaction's worth on SQLite). */
  readonly batchRows: number;
  /**
   * The session has a SQLite connection of its own: TEMP tables made through it are its own
   * (scratch that never reaches the WAL, gone with the connection).
   */
  readonly ownConnection: boolean;
  /** Runs one statement (no rows back); returns the rows it changed. */
  execute(sql: Prisma.Sql): Promise<number>;
  /**
   * Runs `build(relation)`, where relation is a subquery of the rows (jsonRows), as one
   * transaction; returns the rows the statement returns (RETURNING). build must return the same
   * SQL for every part of the rows: on SQLite they go in several statements.
   */
  withRows<T extends Record<string, unknown>>(columns: readonly Column[], rows: readonly Row[], build: (relation: Prisma.Sql) => Prisma.Sql): Promise<T[]>;
  /** insertRows(), as one transaction. */
  insertRows(table: string, columns: readonly Column[], rows: readonly Row[], returning: string, o?: InsertOptions): Promise<Value[]>;
  /** selectRows(). */
  selectRows(columns: readonly Column[], query: Prisma.Sql, orderBy?: string): Promise<Value[][]>;
  close(): void;
}

function insertSql(table: string, columns: readonly Column[], o: InsertOptions, returning: string) {
  const names = columns.map(([n]) => quoted(n)).join(', ');
  // WHERE true: SQLite would read ON CONFLICT as a join constraint of the SELECT otherwise
  return (relation: Prisma.Sql) => Prisma.sql`INSERT INTO ${Prisma.raw(quoted(table))} (${Prisma.raw(names)})
    SELECT * FROM (${relation}) AS r WHERE true ${Prisma.raw(o.skipConflicts ? 'ON CONFLICT DO NOTHING' : '')} RETURNING ${Prisma.raw(quoted(returning))}`;
}

/** Through the Prisma client: one statement each. */
class PrismaBulk implements Bulk {
  readonly batchRows = 250;
  readonly ownConnection = false;
  constructor(private readonly db: Db, readonly provider: DbProvider) {}

  execute(sql: Prisma.Sql): Promise<number> {
    return this.db.$executeRaw(sql);
  }

  async withRows<T extends Record<string, unknown>>(columns: readonly Column[], rows: readonly Row[], build: (relation: Prisma.Sql) => Prisma.Sql): Promise<T[]> {
    if (!rows.length) return [];
    return this.db.$queryRaw<T[]>(build(jsonRows(this.provider, columns, rows)));
  }

  async insertRows(table: string, columns: readonly Column[], rows: readonly Row[], returning: string, o: InsertOptions = {}): Promise<Value[]> {
    return insertRows(this.db, table, columns, rows, returning, o);
  }

  selectRows(columns: readonly Column[], query: Prisma.Sql, orderBy?: string): Promise<Value[][]> {
    return selectRows(this.db, columns, query, orderBy);
  }

  close(): void {}
}

/** Rows per statement inside a SQLite transaction: each JSON value stays small (young, cheap garbage). */
const SQLITE_STATEMENT_ROWS = 100;
/** How long a SQLite write waits for another connection's write lock, in all (Prisma's client waits as long). */
const SQLITE_BUSY_MS = 10_000;

/** A value as better-sqlite3 binds it, in the form Prisma's adapter writes. */
function sqliteArg(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace('Z', '+00:00');
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function sqliteCode(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : '';
}

/** Its own connection to the database file. */
class SqliteBulk implements Bulk {
  readonly provider = 'sqlite' as const;
  readonly batchRows = 2000;
  readonly ownConnection = true;
  private readonly conn: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(file: string) {
    // busy: answered at once and waited for below, without blocking the process
    this.conn = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 });
    this.conn.pragma('synchronous = NORMAL');
    this.conn.pragma('foreign_keys = ON');
    // TEMP tables in a file (its own small cache), never in this process's memory
    this.conn.pragma('temp_store = FILE');
  }

  execute(sql: Prisma.Sql): Promise<number> {
    const st = this.statement(sql.sql);
    return this.retrying(() => st.run(...sql.values.map(sqliteArg)).changes);
  }

  private statement(sql: string): BetterSqlite3.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.conn.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Runs fn (synchronous statements), again while another connection holds the lock. */
  private async retrying<T>(fn: () => T): Promise<T> {
    const until = Date.now() + SQLITE_BUSY_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return fn();
      } catch (err) {
        const code = sqliteCode(err);
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new UniqueViolation(err);
        if (!(code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) || Date.now() >= until) throw err;
      }
      await sleep(delay);
    }
  }

  async withRows<T extends Record<string, unknown>>(columns: readonly Column[], rows: readonly Row[], build: (relation: Prisma.Sql) => Prisma.Sql): Promise<T[]> {
    if (!rows.length) return [];
    const parts: Prisma.Sql[] = [];
    for (let i = 0; i < rows.length; i += SQLITE_STATEMENT_ROWS) parts.push(build(jsonRows('sqlite', columns, rows.slice(i, i + SQLITE_STATEMENT_ROWS))));
    // BEGIN IMMEDIATE: the write lock is taken first, or the transaction is tried again whole
    const all = this.conn.transaction(() => {
      const out: T[] = [];
      for (const sql of parts) {
        const st = this.statement(sql.sql);
        const args = sql.values.map(sqliteArg);
        if (st.reader) out.push(...(st.raw(false).all(...args) as T[]));
        else st.run(...args);
      }
      return out;
    });
    return this.retrying(() => all.immediate());
  }

  async insertRows(table: string, columns: readonly Column[], rows: readonly Row[], returning: string, o: InsertOptions = {}): Promise<Value[]> {
    const out = await this.withRows<Record<string, Value>>(columns, rows, insertSql(table, columns, o, returning));
    return out.map((r) => r[returning] as Value);
  }

  async selectRows(columns: readonly Column[], query: Prisma.Sql, orderBy?: string): Promise<Value[][]> {
    const sql = orderBy ? Prisma.sql`SELECT * FROM (${query}) AS q ORDER BY q.${Prisma.raw(quoted(orderBy))}` : query;
    const st = this.statement(sql.sql);
    const rows = await this.retrying(() => st.raw(true).all(...sql.values.map(sqliteArg)) as unknown[][]);
    for (const row of rows) for (let k = 0; k < columns.length; k++) row[k] = readValue(columns[k]![1], row[k]);
    return rows as Value[][];
  }

  close(): void {
    this.statements.clear();
    if (this.conn.open) this.conn.close();
  }
}

/** The SQLite connection of a Prisma client's sessions, shared while any is open. */
interface Shared {
  opening: Promise<Bulk>;
  users: number;
}
const shared = new WeakMap<Db, Shared>();

/**
 * A session for a long job on this database (see the top of this file); close() it at the end.
 * The sessions of one client share one SQLite connection (the sync and the audit trail write by
 * turns: each connection of its own would find its cache stale after the other's writes), closed
 * when the last session is. An in-memory SQLite database (no file to open twice) is served
 * through Prisma.
 */
export async function openBulk(db: Db): Promise<Bulk> {
  const provider = providerOf(db);
  if (provider !== 'sqlite') return new PrismaBulk(db, provider);
  let s = shared.get(db);
  if (!s) {
    const opening = (async (): Promise<Bulk> => {
      const main = await db.$queryRawUnsafe<{ file: string | null }[]>(`SELECT "file" FROM pragma_database_list WHERE "name" = 'main'`);
      const file = main[0]?.file;
      return file ? new SqliteBulk(file) : new PrismaBulk(db, provider);
    })();
    s = { opening, users: 0 };
    shared.set(db, s);
    opening.catch(() => shared.get(db) === s && shared.delete(db));
  }
  const entry = s;
  entry.users += 1;
  let bulk: Bulk;
  try {
    bulk = await entry.opening;
  } catch (err) {
    entry.users -= 1;
    throw err;
  }
  let closed = false;
  return {
    provider: bulk.provider,
    batchRows: bulk.batchRows,
    ownConnection: bulk.ownConnection,
    execute: (sql) => bulk.execute(sql),
    withRows: (columns, rows, build) => bulk.withRows(columns, rows, build),
    insertRows: (table, columns, rows, returning, o) => bulk.insertRows(table, columns, rows, returning, o),
    selectRows: (columns, query, orderBy) => bulk.selectRows(columns, query, orderBy),
    close() {
      if (closed) return;
      closed = true;
      entry.users -= 1;
      if (entry.users === 0 && shared.get(db) === entry) {
        shared.delete(db);
        bulk.close();
      }
    },
  };
}
