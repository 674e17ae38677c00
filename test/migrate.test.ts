/**
 * Migrations: the pure planner, migrate() on the real backend TEST_DATABASE selects (fresh,
 * repeated, concurrent, failing), and drift between prisma/model.prisma, the per-provider schemas
 * and the committed migrations.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { compareSchema, migrate, migrationsDir, planMigrations, readMigrations, schemaProblem, schemaStatus, SchemaMismatchError, VACUUM_AFTER, type Migration } from '../src/db/migrate.js';
import { dbProviderOf, sqlitePathOf } from '../src/db/provider.js';
import { createEmptyTestDatabase, testBackend, type EmptyTestDatabase } from './helpers/db.js';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const backend = testBackend();
const INIT = '20261127000000_init';
/** The committed migrations of the backend under test, in order (init first). */
const COMMITTED = readMigrations(migrationsDir(backend)).map((m) => m.name);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const mig = (name: string, sql = `-- ${name}`): Migration => ({ name, sql, checksum: sha256(sql) });

/** Model names declared in prisma/model.prisma. */
function modelNames(): string[] {
  const src = readFileSync(join(root, 'prisma', 'model.prisma'), 'utf8');
  return [...src.matchAll(/^\s*model\s+(\w+)\s*\{/gm)].map((m) => m[1]!);
}

const SCALARS = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean', 'DateTime', 'Json', 'Bytes']);

/** model -> its scalar fields (the columns), from prisma/model.prisma. */
function modelColumns(): Map<string, string[]> {
  const src = readFileSync(join(root, 'prisma', 'model.prisma'), 'utf8');
  const out = new Map<string, string[]>();
  for (const [, model, body] of src.matchAll(/^\s*model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const fields = [...body!.matchAll(/^\s+(\w+)\s+(\w+)/gm)].filter((m) => SCALARS.has(m[2]!)).map((m) => m[1]!);
    out.set(model!, fields);
  }
  return out;
}

/** Runs a read-only query on a migrated test database, whichever the backend. */
async function query<T>(url: string, sql: string): Promise<T[]> {
  if (dbProviderOf(url) === 'sqlite') {
    const db = new BetterSqlite3(resolve(sqlitePathOf(url)), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  applied_steps_count: number;
}
const migrationRows = (url: string) =>
  query<MigrationRow>(url, 'SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name');

async function tableNames(url: string): Promise<string[]> {
  const rows =
    dbProviderOf(url) === 'sqlite'
      ? await query<{ name: string }>(url, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      : await query<{ name: string }>(url, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
  return rows.map((r) => r.name);
}

async function columnNames(url: string, table: string): Promise<string[]> {
  const rows =
    dbProviderOf(url) === 'sqlite'
      ? await query<{ name: string }>(url, `SELECT name FROM pragma_table_info('${table}')`)
      : await query<{ name: string }>(url, `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}'`);
  return rows.map((r) => r.name);
}

describe('planMigrations (pure)', () => {
  const all = [mig('001_a'), mig('002_b'), mig('003_c')];

  it('lists every migration on an empty history, in order', () => {
    expect(planMigrations(all, new Map()).map((m) => m.name)).toEqual(['001_a', '002_b', '003_c']);
  });

  it('lists only the ones not applied yet', () => {
    const applied = new Map([['001_a', all[0]!.checksum], ['002_b', all[1]!.checksum]]);
    expect(planMigrations(all, applied).map((m) => m.name)).toEqual(['003_c']);
  });

  it('lists nothing when everything is applied', () => {
    expect(planMigrations(all, new Map(all.map((m) => [m.name, m.checksum])))).toEqual([]);
  });

  it('fills a gap (an older migration that was never applied)', () => {
    const applied = new Map([['001_a', all[0]!.checksum], ['003_c', all[2]!.checksum]]);
    expect(planMigrations(all, applied).map((m) => m.name)).toEqual(['002_b']);
  });

  it('refuses when an applied migration was edited since (checksum mismatch), naming it', () => {
    const applied = new Map([['001_a', all[0]!.checksum], ['002_b', sha256('something else')]]);
    expect(() => planMigrations(all, applied)).toThrow(/002_b.*checksum mismatch/);
  });

  it('ignores applied names that no longer exist on disk', () => {
    const applied = new Map([['000_gone', 'x'], ['001_a', all[0]!.checksum]]);
    expect(planMigrations(all, applied).map((m) => m.name)).toEqual(['002_b', '003_c']);
  });
});

describe('compareSchema and schemaProblem (pure)', () => {
  const all = [mig('001_a'), mig('002_b')];
  const at = new Date('2026-11-27T00:00:00Z');
  const applied = (...ms: Migration[]) => ms.map((m) => ({ name: m.name, checksum: m.checksum, appliedAt: at }));

  it('current: every migration applied; no problem', () => {
    const s = compareSchema(all, applied(...all));
    expect(s).toEqual({ applied: [{ name: '001_a', appliedAt: at }, { name: '002_b', appliedAt: at }], pending: [], unknown: [], changed: [], state: 'current' });
    expect(schemaProblem(s)).toBeNull();
  });

  it('behind: pending ones named, and the command that applies them', () => {
    const s = compareSchema(all, applied(all[0]!));
    expect(s).toMatchObject({ pending: ['002_b'], state: 'behind' });
    expect(schemaProblem(s)).toMatch(/behind this version.*002_b.*run `sso db migrate`/);
  });

  it('ahead: a migration applied by a newer version is named; no downgrade is offered', () => {
    const s = compareSchema(all, applied(...all, mig('003_newer')));
    expect(s).toMatchObject({ unknown: [{ name: '003_newer', appliedAt: at }], state: 'ahead' });
    expect(schemaProblem(s)).toMatch(/migrated by a newer version of sso \(003_newer unknown to this one\).*never downgrades/);
  });

  it('ahead wins over behind (an older version that also lacks one of its own migrations)', () => {
    expect(compareSchema(all, applied(all[0]!, mig('003_newer'))).state).toBe('ahead');
  });

  it('changed: an applied migration whose file differs', () => {
    const s = compareSchema(all, [...applied(all[0]!), { name: '002_b', checksum: sha256('other'), appliedAt: at }]);
    expect(s).toMatchObject({ changed: ['002_b'], state: 'changed' });
    expect(schemaProblem(s)).toMatch(/002_b.*checksum mismatch/);
  });
});

describe('readMigrations', () => {
  it.each(['sqlite', 'postgresql'] as const)('reads the committed %s migrations with sha256 checksums of the files', (provider) => {
    const ms = readMigrations(migrationsDir(provider));
    expect(ms.map((m) => m.name)).toContain(INIT);
    for (const m of ms) {
      const file = readFileSync(join(root, 'prisma', provider, 'migrations', m.name, 'migration.sql'), 'utf8');
      expect(m.sql).toBe(file);
      expect(m.checksum).toBe(sha256(file));
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(ms.map((m) => m.name)).toEqual([...ms.map((m) => m.name)].sort());
  });

  it('refuses a missing folder and skips folders without migration.sql', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-migs-'));
    try {
      expect(() => readMigrations(join(dir, 'nope'))).toThrow(/no migrations folder at .*nope/);
      mkdirSync(join(dir, '002_second'));
      writeFileSync(join(dir, '002_second', 'migration.sql'), 'SELECT 2;');
      mkdirSync(join(dir, '001_first'));
      writeFileSync(join(dir, '001_first', 'migration.sql'), 'SELECT 1;');
      mkdirSync(join(dir, '003_empty'));
      writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "sqlite"');
      expect(readMigrations(dir).map((m) => m.name)).toEqual(['001_first', '002_second']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(`migrate() on ${backend}`, () => {
  const dbs: EmptyTestDatabase[] = [];
  const tmpDirs: string[] = [];
  const fresh = async () => {
    const d = await createEmptyTestDatabase();
    dbs.push(d);
    return d;
  };
  /** A copy of the committed migrations folder, to add migrations to. */
  const migrationsCopy = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-migs-'));
    tmpDirs.push(dir);
    cpSync(migrationsDir(backend), dir, { recursive: true });
    return dir;
  };
  const addMigration = (dir: string, name: string, sql: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  };

  afterEach(async () => {
    for (const d of dbs.splice(0)) await d.drop();
    for (const dir of tmpDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('applies every committed migration (init first) once on a fresh database, records each with the sha256 of its file; a second run applies nothing', async () => {
    const { url } = await fresh();
    const first = await migrate(url);
    expect(first).toEqual({ applied: COMMITTED, alreadyApplied: [] });

    const tables = await tableNames(url);
    expect(tables).toContain('_prisma_migrations');
    for (const model of modelNames()) expect(tables).toContain(model);

    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(COMMITTED);
    for (const r of rows) {
      const file = readFileSync(join(root, 'prisma', backend, 'migrations', r.migration_name, 'migration.sql'), 'utf8');
      expect(r).toMatchObject({ checksum: sha256(file), rolled_back_at: null });
      expect(Number(r.applied_steps_count)).toBe(1);
      expect(r.finished_at).not.toBeNull();
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    }

    const second = await migrate(url);
    expect(second).toEqual({ applied: [], alreadyApplied: COMMITTED });
    expect(await migrationRows(url)).toEqual(rows);
  });

  it('every model column exists in the migrated database', async () => {
    const { url } = await fresh();
    await migrate(url);
    for (const [model, fields] of modelColumns()) {
      const cols = await columnNames(url, model);
      expect({ model, missing: fields.filter((f) => !cols.includes(f)) }).toEqual({ model, missing: [] });
    }
  });

  it('two concurrent migrate() calls on one fresh database both succeed and apply once', async () => {
    const { url } = await fresh();
    const results = await Promise.all([migrate(url), migrate(url)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(COMMITTED);
    // one of them did the work, the other found it done
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, COMMITTED.length]);
    expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(COMMITTED);
  });

  it('four migrate() processes started at the same instant on one fresh database all succeed and apply once', async () => {
    // (on SQLite this includes the race to switch a new file to WAL)
    const { url } = await fresh();
    const startAt = Date.now() + 2500;
    const script = `
      import { migrate } from './src/db/migrate.ts';
      const [url, startAt] = process.argv.slice(1);
      await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
      process.stdout.write(JSON.stringify(await migrate(url)));
    `;
    const outs = await Promise.all(
      [1, 2, 3, 4].map(() => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, url, String(startAt)], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 })),
    );
    const results = outs.map((o) => JSON.parse(o.stdout) as { applied: string[]; alreadyApplied: string[] });
    expect(results.flatMap((r) => r.applied).sort()).toEqual(COMMITTED);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, COMMITTED.length]);
    expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(COMMITTED);
  }, 90_000);

  it('applies only a newly added migration on an up-to-date database', async () => {
    const { url } = await fresh();
    const dir = migrationsCopy();
    await migrate(url, dir);
    const sql = 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n';
    addMigration(dir, '20991231000000_extra', sql);
    expect(await migrate(url, dir)).toEqual({ applied: ['20991231000000_extra'], alreadyApplied: COMMITTED });
    expect(await tableNames(url)).toContain('Extra');
    const rows = await migrationRows(url);
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual([
      ...readMigrations(migrationsDir(backend)).map((m) => [m.name, m.checksum]),
      ['20991231000000_extra', sha256(sql)],
    ]);
  });

  it('refuses to run when an applied migration was edited, and changes nothing', async () => {
    const { url } = await fresh();
    const dir = migrationsCopy();
    await migrate(url, dir);
    const before = await migrationRows(url);
    writeFileSync(join(dir, INIT, 'migration.sql'), readFileSync(join(dir, INIT, 'migration.sql'), 'utf8') + '\n-- edited\n');
    addMigration(dir, '20991231000000_extra', 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);');
    await expect(migrate(url, dir)).rejects.toThrow(/20261127000000_init.*checksum mismatch/);
    expect(await migrationRows(url)).toEqual(before);
    expect(await tableNames(url)).not.toContain('Extra');
  });

  it('schemaStatus only reads: on an empty database everything is pending and nothing is created', async () => {
    const { url } = await fresh();
    const s = await schemaStatus(url);
    expect(s).toEqual({ applied: [], pending: COMMITTED, unknown: [], changed: [], state: 'behind' });
    if (backend === 'sqlite') expect(existsSync(sqlitePathOf(url))).toBe(false);
    else expect(await tableNames(url)).toEqual([]);
    await migrate(url);
    const after = await schemaStatus(url);
    expect(after.state).toBe('current');
    expect(after.applied.map((m) => m.name)).toEqual(COMMITTED);
    for (const m of after.applied) expect(Math.abs(m.appliedAt!.getTime() - Date.now())).toBeLessThan(120_000);
  });

  it('refuses a database migrated by a newer version (a migration it does not know), and changes nothing', async () => {
    const { url } = await fresh();
    const newer = migrationsCopy();
    addMigration(newer, '20991231000000_newer', 'CREATE TABLE "Newer" ("id" TEXT NOT NULL PRIMARY KEY);\n');
    await migrate(url, newer);
    const before = await migrationRows(url);
    // this version's migrations (the committed ones) against that database
    const outcome = await migrate(url).then(() => 'migrated', (err: Error) => err);
    expect(outcome).toBeInstanceOf(SchemaMismatchError);
    expect((outcome as SchemaMismatchError).message).toMatch(/migrated by a newer version of sso \(20991231000000_newer unknown to this one\)/);
    expect(await migrationRows(url)).toEqual(before);
    expect((await schemaStatus(url)).state).toBe('ahead');
  });

  it('a failing migration is rolled back and not recorded; fixing it lets it apply', async () => {
    const { url } = await fresh();
    const dir = migrationsCopy();
    await migrate(url, dir);
    addMigration(dir, '20991231000000_broken', 'CREATE TABLE "Half" ("id" TEXT NOT NULL PRIMARY KEY);\nINSERT INTO "NoSuchTable" ("id") VALUES (\'x\');\n');
    expect(readMigrations(dir).map((m) => m.name)).toEqual([...COMMITTED, '20991231000000_broken']);
    // (not `rejects.toThrow`: better-sqlite3's SqliteError can come from another test file's
    // module realm in the same jest worker, and then is not `instanceof Error` here)
    const outcome = await migrate(url, dir).then(
      async (resolved) => ({ resolved, tables: await tableNames(url), rows: await migrationRows(url) }),
      (err: Error) => ({ error: err.message }),
    );
    expect(outcome).toEqual({ error: expect.stringMatching(/NoSuchTable/) });
    expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(COMMITTED);
    expect(await tableNames(url)).not.toContain('Half');

    addMigration(dir, '20991231000000_broken', 'CREATE TABLE "Half" ("id" TEXT NOT NULL PRIMARY KEY);\n');
    expect((await migrate(url, dir)).applied).toEqual(['20991231000000_broken']);
    expect(await tableNames(url)).toContain('Half');
  });

  if (backend === 'sqlite') {
    it('SQLite: a migration marked sso:vacuum-after is followed by VACUUM (no free page, no byte of removed rows left)', async () => {
      const { url } = await fresh();
      const dir = migrationsCopy();
      await migrate(url, dir);
      const secret = 'removed-secret-value-0123456789';
      const rows = Array.from({ length: 400 }, (_, i) => `('${secret}-${i}')`).join(', ');
      addMigration(dir, '20991231000000_fill', `CREATE TABLE "Filler" ("v" TEXT NOT NULL);\nINSERT INTO "Filler" ("v") VALUES ${rows};\n`);
      await migrate(url, dir);
      addMigration(dir, '20991231000001_empty', 'DELETE FROM "Filler";\n');
      await migrate(url, dir);
      const file = resolve(sqlitePathOf(url));
      expect(readFileSync(file).includes(secret)).toBe(true); // a plain DELETE leaves the bytes
      expect((await query<{ n: number }>(url, 'SELECT freelist_count AS n FROM pragma_freelist_count'))[0]!.n).toBeGreaterThan(0);
      addMigration(dir, '20991231000002_vacuum', `${VACUUM_AFTER}\nDELETE FROM "Filler";\n`);
      expect((await migrate(url, dir)).applied).toEqual(['20991231000002_vacuum']);
      expect((await query<{ n: number }>(url, 'SELECT freelist_count AS n FROM pragma_freelist_count'))[0]!.n).toBe(0);
      expect(readFileSync(file).includes(secret)).toBe(false);
    });
  }
});

describe('schema drift', () => {
  it('the per-provider schemas match prisma/model.prisma (scripts/prisma-generate.mjs --check exits 0)', async () => {
    const { stdout, stderr } = await run(process.execPath, ['scripts/prisma-generate.mjs', '--check'], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } });
    // execFile rejects on a non-zero exit, so reaching here means exit 0
    expect(stderr).not.toMatch(/out of date/);
    expect(stdout).toBe('');
  });

  it('model.prisma declares (at least) the core models', () => {
    expect(modelNames()).toEqual(expect.arrayContaining(['Account', 'Client', 'OidcPayload', 'SigningKey']));
  });

  it.each(['sqlite', 'postgresql'] as const)('the committed %s migrations create a table for every model', (provider) => {
    const sql = readMigrations(migrationsDir(provider))
      .map((m) => m.sql)
      .join('\n');
    const created = [...sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?"(\w+)"/g)].map((m) => m[1]!);
    const models = modelNames();
    expect(models.length).toBeGreaterThan(0);
    for (const model of models) expect(created).toContain(model);
  });
});
