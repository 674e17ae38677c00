/**
 * The data on disk is private to the service's user (SQLite): a new database directory is created
 * 700, the database file 600 and SQLite's WAL and shared-memory files take its mode; DATA_DIR is
 * created 700. When they are open to others (an older install, a copy made by hand), `sso serve`
 * starts with one JSON warning line (event storage.permissions_open) naming each path and mode.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { loadConfig } from '../src/config/load.js';
import { openToOthers, storagePaths } from '../src/db/files.js';

const root = mkdtempSync(join(tmpdir(), 'sso-files-'));
const dataDir = join(root, 'var', 'lib', 'sso');
const dbFile = join(dataDir, 'db', 'sso.db');
const url = `file:${dbFile}`;
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The warning lines `sso serve` logged at start, parsed. */
const warnings = (logs: string[]) => logs.map((l) => JSON.parse(l) as { event?: string; level: string; paths?: { path: string; mode: string }[] }).filter((l) => l.event === 'storage.permissions_open');

describe('file modes on SQLite', () => {
  test('a new database: directory 700, database, WAL and SHM 600; no warning', async () => {
    const server = await startTestServer({ DATA_DIR: dataDir }, { databaseUrl: url });
    try {
      expect(existsSync(`${dbFile}-wal`)).toBe(true);
      expect(existsSync(`${dbFile}-shm`)).toBe(true);
      expect([dbFile, `${dbFile}-wal`, `${dbFile}-shm`].map(mode)).toEqual(['600', '600', '600']);
      expect(mode(join(dataDir, 'db'))).toBe('700');
      expect(mode(dataDir)).toBe('700'); // created on the way to the database
      expect(warnings(server.logs)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  test('files open to others: one JSON warning at start naming each, at warn level; the server still serves', async () => {
    chmodSync(join(dataDir, 'db'), 0o755);
    chmodSync(dbFile, 0o644);
    const server = await startTestServer({ DATA_DIR: dataDir }, { databaseUrl: url });
    try {
      const [w, ...more] = warnings(server.logs);
      expect(more).toEqual([]);
      expect(w!.level).toBe('warn');
      expect(w!.paths).toEqual(expect.arrayContaining([{ path: join(dataDir, 'db'), mode: '755' }, { path: dbFile, mode: '644' }]));
      for (const p of w!.paths!) expect(p.mode).toBe(mode(p.path));
      expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    chmodSync(join(dataDir, 'db'), 0o700);
    chmodSync(dbFile, 0o600);
  });

  test('DATA_DIR for development secrets is created 700, the secrets 600', () => {
    const dir = join(root, 'dev', 'data');
    loadConfig({ DATA_DIR: dir });
    expect(mode(dir)).toBe('700');
    expect(mode(join(dir, 'dev-secrets.json'))).toBe('600');
    expect(openToOthers(storagePaths(`file:${join(dir, 'sso.db')}`, dir))).toEqual([]);
    chmodSync(dir, 0o750);
    expect(openToOthers(storagePaths(`file:${join(dir, 'sso.db')}`, dir))).toEqual([{ path: dir, mode: '750' }]);
  });

  test('on PostgreSQL only DATA_DIR is looked at', () => {
    expect(storagePaths('postgresql://sso@db/sso', '/srv/sso')).toEqual(['/srv/sso', '/srv/sso/dev-secrets.json']);
  });
});
