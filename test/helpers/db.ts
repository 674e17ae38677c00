/**
 * A fresh, migrated database per test file, on the backend TEST_DATABASE selects:
 *   npm test                              -> SQLite (a file in a fresh temp dir)
 *   TEST_DATABASE=postgresql npm test     -> PostgreSQL (a fresh sso_test_<random> database)
 * The whole suite runs once per backend; tests only call createTestDatabase().
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

export type TestBackend = 'sqlite' | 'postgresql';

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function testBackend(): TestBackend {
  const v = (process.env.TEST_DATABASE ?? 'sqlite').trim().toLowerCase();
  if (v === '' || v === 'sqlite') return 'sqlite';
  if (v === 'postgresql' || v === 'postgres' || v === 'pg') return 'postgresql';
  throw new Error(`TEST_DATABASE must be sqlite or postgresql, not "${v}"`);
}

/** The URL of a database named `name` on the test server (same host and credentials as the admin URL). */
function pgUrlFor(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface EmptyTestDatabase {
  url: string;
  /** Removes the database (file and dir, or DROP DATABASE ... WITH (FORCE)). Idempotent. */
  drop(): Promise<void>;
}

/** A fresh, empty database (not migrated, not opened): for tests of migrate() itself. */
export async function createEmptyTestDatabase(): Promise<EmptyTestDatabase> {
  if (testBackend() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sso-test-'));
    return {
      url: `file:${join(dir, 'sso.db')}`,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `sso_test_${randomBytes(8).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: pgUrlFor(name),
    async drop() {
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

export interface TestDatabase {
  url: string;
  db: Database;
  /** Closes the Prisma client and removes the database. Idempotent. */
  drop(): Promise<void>;
}

/** A fresh database with every committed migration applied, opened with openDatabase(). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyTestDatabase();
  let db: Database;
  try {
    await migrate(empty.url);
    db = await openDatabase(empty.url, { poolSize: 4 });
  } catch (err) {
    await empty.drop();
    throw err;
  }
  let dropped = false;
  return {
    url: empty.url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await db.close();
      } finally {
        await empty.drop();
      }
    },
  };
}

