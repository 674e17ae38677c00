/**
 * The files the service keeps on disk, private to the user it runs as. SQLite's directory is
 * created mode 700 and its database file 600 before SQLite opens it (SQLite gives the -wal and
 * -shm files it creates the database file's mode); DATA_DIR is created 700 (config/load.ts).
 * Files that exist already are left as they are: `openToOthers` names those that other users can
 * reach, and `sso serve` warns about them at start (app/server.ts).
 */
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dbProviderOf, sqlitePathOf } from './provider.js';

/** Mode bits that let the group or other users read, write or enter. */
const GROUP_OR_OTHERS = 0o077;

/** Creates the database's directory (700) and an empty database file (600) when they are missing. */
export function prepareSqliteFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** A path that other users can reach, with its mode in octal (e.g. "644"). */
export interface OpenPath {
  path: string;
  mode: string;
}

/**
 * The files and directories that hold the service's data: DATA_DIR and its development secrets;
 * on SQLite the database's directory, the database file, its WAL and shared-memory index.
 */
export function storagePaths(databaseUrl: string, dataDir: string): string[] {
  const data = resolve(dataDir);
  const paths = [data, join(data, 'dev-secrets.json')];
  if (dbProviderOf(databaseUrl) === 'sqlite') {
    const file = resolve(sqlitePathOf(databaseUrl));
    paths.push(dirname(file), file, `${file}-wal`, `${file}-shm`);
  }
  return [...new Set(paths)];
}

/** Those of `paths` that exist and give the group or other users any access. */
export function openToOthers(paths: readonly string[]): OpenPath[] {
  const open: OpenPath[] = [];
  for (const path of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue; // not there (a WAL between runs, DATA_DIR with PostgreSQL): nothing to protect
    }
    if (mode & GROUP_OR_OTHERS) open.push({ path, mode: mode.toString(8) });
  }
  return open;
}
