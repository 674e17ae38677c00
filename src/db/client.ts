/**
 * Opens the Prisma client for a DATABASE_URL: better-sqlite3 (WAL) for file: URLs, pg for
 * postgresql:// URLs. Both generated clients come from the same model, so the SQLite
 * client's type describes either. A new SQLite database is created private (files.ts).
 */
import { resolve } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { PrismaClient as PgClient } from './generated/postgresql/client.js';
import { dbProviderOf, sqlitePathOf, type DbProvider } from './provider.js';
import { prepareSqliteFile } from './files.js';

export type Db = SqliteClient;
export type { DbProvider };

export interface Database {
  prisma: Db;
  provider: DbProvider;
  /** Asks the database a trivial question: resolves when it answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const ping = (prisma: Db) => async (): Promise<void> => {
  await prisma.$queryRawUnsafe('SELECT 1');
};

export interface OpenOptions {
  /** PostgreSQL pool size per instance. */
  poolSize?: number;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const provider = dbProviderOf(url);
  if (provider === 'sqlite') {
    const file = resolve(sqlitePathOf(url));
    prepareSqliteFile(file);
    const prisma = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 }) });
    // WAL lets readers run beside the single writer; NORMAL is durable across process crashes in WAL mode.
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
    await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    return { prisma, provider, ping: ping(prisma), close: () => prisma.$disconnect() };
  }
  const adapter = new PrismaPg({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 });
  const prisma = new PgClient({ adapter }) as unknown as Db;
  return { prisma, provider, ping: ping(prisma), close: () => prisma.$disconnect() };
}
