/**
 * The access policy as stored (on the backend TEST_BACKENDS selects) and on the command line:
 * `sso client add|update --allow-group --allow-department --allow-organization`, `--allow-everyone`,
 * `sso client show` and `list`; a group that is not a DN is refused with exit 2, naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

const GROUP = 'cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn';
const dataDir = mkdtempSync(join(tmpdir(), 'sso-access-cli-'));
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { NODE_ENV: 'test', DATABASE_URL: db.url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS };
}, 60_000);
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => { throw new Error('no secret expected'); } };
  const code = await main(['node', 'sso', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('sso client and the access policy', () => {
  let id = '';

  it('add stores the lists (cleaned: trimmed, duplicates as compared dropped); show and list print them', async () => {
    const r = await sso(['client', 'add', '--name', 'Kế toán', '--redirect-uri', 'https://ketoan.tinh.gov.vn/cb', '--json',
      '--allow-group', ` ${GROUP} `, '--allow-group', 'CN=Ke-Toan,OU=Groups,DC=tinh,DC=gov,DC=vn', '--allow-department', 'Văn phòng', '--allow-organization', 'Sở Tài chính']);
    expect(r.code).toBe(0);
    id = (JSON.parse(r.stdout) as { client_id: string }).client_id;
    const row = (await db.db.prisma.client.findUnique({ where: { id } }))!;
    expect(JSON.parse(row.allowGroups)).toEqual([GROUP]);
    expect(JSON.parse(row.allowDepartments)).toEqual(['Văn phòng']);
    expect(JSON.parse(row.allowOrganizations)).toEqual(['Sở Tài chính']);
    const shown = await sso(['client', 'show', id, '--json']);
    expect(JSON.parse(shown.stdout).access_policy).toEqual({ groups: [GROUP], departments: ['Văn phòng'], organizations: ['Sở Tài chính'] });
    const text = (await sso(['client', 'show', id])).stdout;
    expect(text).toMatch(new RegExp(`allow_group\\s+${GROUP}`));
    expect(text).toMatch(/allow_department\s+Văn phòng/);
    expect((await sso(['client', 'list'])).stdout).toContain(`groups "${GROUP}"; departments "Văn phòng"; organizations "Sở Tài chính"`);
  });

  it('update replaces only the lists given; --allow-everyone empties them all', async () => {
    const r = await sso(['client', 'update', id, '--allow-department', 'Phòng Kế hoạch', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).access_policy).toEqual({ groups: [GROUP], departments: ['Phòng Kế hoạch'], organizations: ['Sở Tài chính'] });
    const open = await sso(['client', 'update', id, '--allow-everyone']);
    expect(open.code).toBe(0);
    expect(open.stdout).toContain('access: everyone');
    const row = (await db.db.prisma.client.findUnique({ where: { id } }))!;
    expect([row.allowGroups, row.allowDepartments, row.allowOrganizations]).toEqual(['[]', '[]', '[]']);
  });

  it('refuses a group that is not a DN, and contradicting options, changing nothing', async () => {
    const bad = await sso(['client', 'update', id, '--allow-group', 'ke-toan']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--allow-group: "ke-toan" is not a DN');
    const both = await sso(['client', 'update', id, '--allow-everyone', '--allow-group', GROUP]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('contradict');
    expect((await db.db.prisma.client.findUnique({ where: { id } }))!.allowGroups).toBe('[]');
    const audit = await db.db.prisma.auditEvent.findMany({ where: { type: 'client.updated', clientId: id } });
    expect(audit.length).toBe(2);
  });
});
