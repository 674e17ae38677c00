/** `sso account admin grant|revoke|list`: the console's local administrator flag from the command line. */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

let db: TestDatabase;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'sso-admin-cli-'));
  env = { NODE_ENV: 'test', DATABASE_URL: db.url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS };
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[], password?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => password ?? '' };
  const code = await main(['node', 'sso', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

it('grants, lists and revokes the flag; an unknown login fails with exit 1', async () => {
  expect((await sso(['account', 'add-local', '--login', 'quantri', '--name', 'Quản Trị', '--password-stdin'], 'mat-khau-quan-tri-1')).code).toBe(0);
  const grant = await sso(['account', 'admin', 'grant', 'QUANTRI']);
  expect(grant).toMatchObject({ code: 0, stdout: 'quantri administers the console' });
  const list = await sso(['account', 'admin', 'list', '--json']);
  expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ login: 'quantri', status: 'active', source: 'local' })]);
  expect((await sso(['account', 'admin', 'revoke', 'quantri'])).code).toBe(0);
  expect(JSON.parse((await sso(['account', 'admin', 'list', '--json'])).stdout)).toEqual([]);
  const unknown = await sso(['account', 'admin', 'grant', 'khongco']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no account with login "khongco"');
  expect((await sso(['account', 'admin', 'grant'])).code).toBe(2);

  const events = await db.db.prisma.auditEvent.findMany({ where: { type: 'account.admin_changed' }, orderBy: { seq: 'asc' } });
  expect(events.map((e) => e.outcome)).toEqual(['granted', 'revoked']);
  expect(events[0]!.actor).toMatch(/@/); // the operator's user@host
});
