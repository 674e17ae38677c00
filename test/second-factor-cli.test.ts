/** `sso account mfa status|reset|enrol-code`: the helpdesk's tools from the command line, audited. */
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
  dataDir = mkdtempSync(join(tmpdir(), 'sso-mfa-cli-'));
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

it('status, an enrolment code shown once and stored hashed, a reset; each change audited', async () => {
  expect((await sso(['account', 'add-local', '--login', 'quantri', '--name', 'Quản Trị', '--password-stdin'], 'mat-khau-quan-tri-1')).code).toBe(0);
  expect((await sso(['account', 'admin', 'grant', 'quantri'])).code).toBe(0);
  const status = await sso(['account', 'mfa', 'status', 'quantri', '--json']);
  expect(JSON.parse(status.stdout)).toEqual({ login: 'quantri', totp: 'none', enrolled_at: null, recovery_codes_left: 0, required: true });
  const issued = await sso(['account', 'mfa', 'enrol-code', 'quantri']);
  expect(issued.code).toBe(0);
  const code = /: ([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(issued.stdout)![1]!;
  const rows = await db.db.prisma.mfaEnrolCode.findMany();
  expect(rows).toHaveLength(1);
  expect(rows[0]!.codeHash).not.toContain(code.replace('-', ''));
  const reset = await sso(['account', 'mfa', 'reset', 'quantri']);
  expect(reset).toMatchObject({ code: 0, stdout: 'quantri had no second factor; nothing else to remove' });
  expect(await db.db.prisma.mfaEnrolCode.count()).toBe(0);
  expect((await sso(['account', 'mfa', 'status', 'khongco'])).code).toBe(1);
  const events = await db.db.prisma.auditEvent.findMany({ where: { type: { startsWith: 'mfa.' } }, orderBy: { seq: 'asc' } });
  expect(events.map((e) => e.type)).toEqual(['mfa.enrol_code_issued', 'mfa.reset']);
  expect(events.every((e) => !e.detail.includes(code))).toBe(true);
  expect(events[0]!.actor).toMatch(/@/);
});

it('client add --require-mfa, update --no-require-mfa', async () => {
  const added = await sso(['client', 'add', '--name', 'Kế toán', '--redirect-uri', 'https://ketoan.tinh.gov.vn/cb', '--require-mfa', '--json']);
  expect(added.code).toBe(0);
  const id = (JSON.parse(added.stdout) as { client_id: string }).client_id;
  expect((await db.db.prisma.client.findUnique({ where: { id } }))!.requireMfa).toBe(true);
  const updated = await sso(['client', 'update', id, '--no-require-mfa', '--json']);
  expect(JSON.parse(updated.stdout)).toMatchObject({ require_mfa: false });
});
