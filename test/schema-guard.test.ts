/**
 * The server and the schema: `sso serve` migrates at start unless MIGRATE=false or --no-migrate,
 * in which case it changes nothing and refuses a schema that is behind; with or without them it
 * refuses a database that a newer version migrated (no silent downgrade). On the backend
 * TEST_DATABASE selects, through startServer and through the real `sso serve` process.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmptyTestDatabase, createTestDatabase, testBackend, type EmptyTestDatabase, type TestDatabase } from './helpers/db.js';
import { startTestServer, testServerEnv, freePort } from './helpers/server.js';
import { migrationsDir, readMigrations, schemaStatus } from '../src/db/migrate.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const backend = testBackend();
const COMMITTED = readMigrations(migrationsDir(backend)).map((m) => m.name);

describe(`the server and the schema on ${backend}`, () => {
  const drops: (EmptyTestDatabase | TestDatabase)[] = [];
  const empty = async () => {
    const d = await createEmptyTestDatabase();
    drops.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of drops.splice(0)) await d.drop();
  });

  it('MIGRATE=false on an empty database: refuses to start, says to run sso db migrate, and creates nothing', async () => {
    const d = await empty();
    await expect(startTestServer({ MIGRATE: 'false' }, { databaseUrl: d.url })).rejects.toThrow(/the database schema is behind this version of sso .*run `sso db migrate`/);
    expect(await schemaStatus(d.url)).toMatchObject({ state: 'behind', applied: [], pending: COMMITTED });
  });

  it('MIGRATE=false on a current database starts and serves', async () => {
    const d = await createTestDatabase();
    drops.push(d);
    const server = await startTestServer({ MIGRATE: 'false' }, { databaseUrl: d.url });
    try {
      expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a database migrated by a newer version is refused at start, MIGRATE=true or false, and not touched', async () => {
    const d = await createTestDatabase();
    drops.push(d);
    const newer = '20991231000000_from_a_newer_version';
    await d.db.prisma.$executeRawUnsafe(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('${randomUUID()}', '${'0'.repeat(64)}', '${newer}', CURRENT_TIMESTAMP, 1)`);
    for (const MIGRATE of ['true', 'false']) {
      await expect(startTestServer({ MIGRATE }, { databaseUrl: d.url })).rejects.toThrow(`the database was migrated by a newer version of sso (${newer} unknown to this one)`);
    }
    expect(await schemaStatus(d.url)).toMatchObject({ state: 'ahead', unknown: [{ name: newer }], pending: [] });
  });

  it('the real `sso serve --no-migrate` on an empty database exits 1 with the message, before listening', async () => {
    const d = await empty();
    const cwd = mkdtempSync(join(tmpdir(), 'sso-serve-cwd-'));
    try {
      const port = await freePort();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'sso.js'), 'serve', '--no-migrate'], {
        cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...testServerEnv(port, d.url) },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(1);
      // one JSON line (sso.start_failed, docs/logging.md) on stdout, nothing on stderr
      const failed = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event?: string; error?: string }).find((l) => l.event === 'sso.start_failed');
      expect(failed?.error).toMatch(/^the database schema is behind this version of sso \(\d+ migrations not applied: .*\): run `sso db migrate`/);
      expect(r.stderr).toBe('');
      expect(await schemaStatus(d.url)).toMatchObject({ state: 'behind', applied: [] });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});
