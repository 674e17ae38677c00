/**
 * The two PostgreSQL roles of the README ("Database schema and roles"), set up with the README's
 * own SQL: `sso_owner` owns the schema and runs `sso db migrate`; `sso_app` runs the server and
 * the other commands, may read and write rows, and may not change the schema. The server works
 * as `sso_app` (MIGRATE=false, and MIGRATE=true with nothing pending: no DDL); a migration
 * attempted as `sso_app` is refused by PostgreSQL and the message says which role should run it.
 *
 * PostgreSQL pass only, on a throwaway cluster of this test's own (roles are cluster-wide).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { main, type CliIO } from '../src/cli/main.js';
import { migrate, migrationsDir } from '../src/db/migrate.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { startTestServer, TEST_SECRETS } from './helpers/server.js';
import { Browser } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';

/** SQL text -> its statements (comments dropped), each run on its own (CREATE DATABASE may not run in a transaction). */
const statements = (sql: string) => sql.replace(/--.*$/gm, '').split(';').map((x) => x.trim()).filter(Boolean);

/** Runs statements one at a time as the superuser, on one database of the cluster. */
async function runAs(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const st of statements(sql)) await c.query(st);
  } finally {
    await c.end();
  }
}

/** The README's SQL block: the statements before `\c sso` (run on postgres) and after it (run on sso). */
function readmeSql(): { cluster: string; database: string } {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```sql\n(-- as a superuser, once[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README: the SQL block of "Database schema and roles" is missing');
  const [cluster, database] = block.split(/^\\c sso$/m);
  if (database === undefined) throw new Error('README: the SQL block has no \\c sso line');
  return { cluster: cluster!, database };
}

describe('PostgreSQL with an owner role and a runtime role', () => {
  let cluster: PgCluster;
  let ownerUrl: string;
  let appUrl: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'sso-roles-data-'));

  beforeAll(async () => {
    cluster = await startPgCluster();
    const sql = readmeSql();
    await runAs(cluster.url(), sql.cluster);
    await runAs(cluster.url('sso'), sql.database);
    const as = (role: string) => {
      const u = new URL(cluster.url('sso'));
      u.username = role;
      return u.toString();
    };
    ownerUrl = as('sso_owner');
    appUrl = as('sso_app');
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function sso(url: string, args: string[], stdin: string[] = []) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { NODE_ENV: 'test', DATABASE_URL: url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS },
      readSecret: async () => stdin.shift() ?? '',
    };
    const code = await main(['node', 'sso', ...args], io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  test('the owner migrates; the runtime role runs the commands and the server, and cannot change the schema', async () => {
    // before the owner migrates, the runtime role is told what to run
    const early = await sso(appUrl, ['client', 'list']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('run `sso db migrate`');

    expect((await sso(ownerUrl, ['db', 'migrate'])).stdout).toMatch(/^applied: /);
    expect(await sso(appUrl, ['db', 'status'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^database: postgresql; schema up to date/) });

    // the commands, as the runtime role: rows only
    expect((await sso(appUrl, ['account', 'add-local', '--login', 'quantri', '--name', 'Quản Trị Viên', '--password-stdin'], ['mat-khau-quan-tri-1'])).code).toBe(0);
    const added = await sso(appUrl, ['client', 'add', '--name', 'Một cửa', '--redirect-uri', 'http://127.0.0.1:9/cb', '--first-party', '--json']);
    expect(added.code).toBe(0);
    const client = JSON.parse(added.stdout) as { client_id: string; client_secret: string };
    for (const args of [['keys', 'rotate', '--immediate'], ['db', 'gc'], ['audit', 'verify']]) expect({ args, ...(await sso(appUrl, args)) }).toMatchObject({ args, code: 0, stderr: '' });

    // the server, as the runtime role, with MIGRATE=false and with MIGRATE=true (nothing pending: no DDL)
    for (const MIGRATE of ['false', 'true']) {
      const server = await startTestServer({ MIGRATE, DATABASE_POOL_SIZE: '2' }, { databaseUrl: appUrl });
      try {
        const browser = new Browser(server.issuer);
        const config = await rpConfig(server.issuer, client.client_id, client.client_secret);
        const page = await browser.go((await startAuth(config, 'http://127.0.0.1:9/cb', 'openid')).url.toString());
        const done = await submitLogin(browser, page.html, 'quantri', 'mat-khau-quan-tri-1');
        expect({ MIGRATE, leftTo: done.leftTo }).toEqual({ MIGRATE, leftTo: expect.stringMatching(/[?&]code=/) });
      } finally {
        await server.close();
      }
    }

    // a migration as the runtime role: PostgreSQL refuses the DDL, the message names the way out
    const dir = mkdtempSync(join(tmpdir(), 'sso-roles-migs-'));
    try {
      cpSync(migrationsDir('postgresql'), dir, { recursive: true });
      mkdirSync(join(dir, '20991231000000_extra'));
      writeFileSync(join(dir, '20991231000000_extra', 'migration.sql'), 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n');
      const refused = await migrate(appUrl, dir).then(() => 'applied', (e: Error) => e.message);
      expect(refused).toMatch(/^migration 20991231000000_extra failed: permission denied for schema public\. The role in DATABASE_URL may not change the schema: run `sso db migrate` with the role that owns it/);
      expect((await migrate(ownerUrl, dir)).applied).toEqual(['20991231000000_extra']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
