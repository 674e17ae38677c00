/**
 * Where values end up at rest: searches a test database for strings (tokens, codes, cookie
 * values). On SQLite, the raw bytes of the database file and of its WAL (which holds every page
 * written since the last checkpoint, old versions included); on PostgreSQL, every text, varchar,
 * json and jsonb column of every table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { dbProviderOf, sqlitePathOf } from '../../src/db/provider.js';

export interface Found {
  value: string;
  where: string;
}

function inSqliteFiles(url: string, values: readonly string[]): Found[] {
  const file = resolve(sqlitePathOf(url));
  const found: Found[] = [];
  for (const f of [file, `${file}-wal`]) {
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f);
    for (const value of values) if (bytes.includes(Buffer.from(value, 'utf8'))) found.push({ value, where: f });
  }
  return found;
}

async function inPostgres(url: string, values: readonly string[]): Promise<Found[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: columns } = await client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb')`,
    );
    if (!columns.length) throw new Error('no text columns found: wrong schema?');
    const found: Found[] = [];
    for (const { table_name: t, column_name: c } of columns) {
      const { rows } = await client.query<{ value: string }>(
        `SELECT v AS value FROM unnest($1::text[]) AS v WHERE EXISTS (SELECT 1 FROM "${t}" WHERE strpos("${c}"::text, v) > 0)`,
        [values],
      );
      for (const r of rows) found.push({ value: r.value, where: `${t}.${c}` });
    }
    return found;
  } finally {
    await client.end();
  }
}

/** Each of `values` found in the database at `url`, with where. */
export async function foundAtRest(url: string, values: readonly string[]): Promise<Found[]> {
  if (values.some((v) => v.length < 16)) throw new Error('search for long values only (short ones match by chance)');
  return dbProviderOf(url) === 'sqlite' ? inSqliteFiles(url, values) : inPostgres(url, values);
}
