/**
 * Who the audit trail names for a command run as root without sudo: the operator names
 * themselves with SSO_ACTOR or `sso --actor NAME` (validated), recorded beside the OS account.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { actorNameProblem, operatorActor } from '../src/audit/actor.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

let db: TestDatabase;
let dataDir: string;
let base: Record<string, string>;
const OS = `${userInfo().username}@${hostname()}`;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'sso-cli-actor-'));
  base = { NODE_ENV: 'test', DATABASE_URL: db.url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS };
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[], env: Record<string, string> = {}, password = 'mat-khau-nhan-vien-1') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...base, ...env }, readSecret: async () => password };
  const code = await main(['node', 'sso', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The actor of the newest audit event of `type`. */
async function lastActor(type: string): Promise<string | null | undefined> {
  const [e] = await db.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'desc' }, take: 1 });
  return e?.actor;
}

describe('the operator in the audit trail', () => {
  it('without a name: the OS account and host, as before', async () => {
    expect((await sso(['account', 'add-local', '--login', 'nhanvien', '--name', 'Nhân Viên', '--password-stdin'])).code).toBe(0);
    expect(await lastActor('account.created')).toBe(OS);
  });

  it('SSO_ACTOR names the operator, beside the OS account that ran the command', async () => {
    expect((await sso(['account', 'disable', 'nhanvien'], { SSO_ACTOR: ' Nguyễn Văn Quản ' })).code).toBe(0);
    expect(await lastActor('account.status_changed')).toBe(`Nguyễn Văn Quản (${OS})`);
    // an empty SSO_ACTOR is as good as unset
    expect((await sso(['account', 'enable', 'nhanvien'], { SSO_ACTOR: '' })).code).toBe(0);
    expect(await lastActor('account.status_changed')).toBe(OS);
  });

  it('--actor, before or after the command, wins over SSO_ACTOR; sudo names the OS account', async () => {
    expect((await sso(['--actor', 'tran.b', 'account', 'disable', 'nhanvien'], { SSO_ACTOR: 'someone-else' })).code).toBe(0);
    expect(await lastActor('account.status_changed')).toBe(`tran.b (${OS})`);
    expect((await sso(['account', 'enable', 'nhanvien', '--actor', 'le.c'], { SUDO_USER: 'lec' })).code).toBe(0);
    expect(await lastActor('account.status_changed')).toBe(`le.c (lec@${hostname()})`);
    // NFD input is recorded in NFC
    expect((await sso(['account', 'disable', 'nhanvien', '--actor', 'Phạm Thị D'.normalize('NFD')])).code).toBe(0);
    expect(await lastActor('account.status_changed')).toBe(`Phạm Thị D (${OS})`);
  });

  it('refuses a name that is empty, too long or not printable: exit 2, a message, nothing done', async () => {
    const before = await db.db.prisma.auditEvent.count();
    const status = async () => (await db.db.prisma.account.findFirst({ where: { login: 'nhanvien' } }))!.status;
    const was = await status();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--actor', '', 'account', 'enable', 'nhanvien'], {}, /^sso: --actor: must not be empty$/],
      [['--actor', '   ', 'account', 'enable', 'nhanvien'], {}, /^sso: --actor: must not be empty$/],
      [['account', 'enable', 'nhanvien', '--actor', 'x'.repeat(65)], {}, /^sso: --actor: must be at most 64 characters$/],
      [['account', 'enable', 'nhanvien', '--actor', 'a\nb'], {}, /^sso: --actor: must be printable text on one line/],
      [['account', 'enable', 'nhanvien'], { SSO_ACTOR: '\u001b[31mroot' }, /^sso: SSO_ACTOR: must be printable text on one line/],
      [['account', 'enable', 'nhanvien'], { SSO_ACTOR: 'a\u202eb' }, /^sso: SSO_ACTOR: must be printable text on one line/],
    ];
    for (const [args, env, message] of cases) {
      const r = await sso(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    expect(await db.db.prisma.auditEvent.count()).toBe(before);
    expect(await status()).toBe(was);
    // 64 characters is fine
    expect((await sso(['account', 'enable', 'nhanvien', '--actor', 'ệ'.repeat(64)])).code).toBe(0);
  });

  it('sso --help lists --actor', async () => {
    const r = await sso(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--actor <name>/);
  });
});

describe('actorNameProblem and operatorActor (pure)', () => {
  it('takes printable names of up to 64 characters', () => {
    expect(actorNameProblem('Nguyễn Văn A (Sở TT&TT)')).toBeNull();
    expect(actorNameProblem('a\tb')).toMatch(/printable/);
    expect(actorNameProblem('a\u2028b')).toMatch(/printable/);
    expect(operatorActor(undefined, { SUDO_USER: 'an' })).toBe(`an@${hostname()}`);
    expect(operatorActor('  an.nv ', { SUDO_USER: 'root' })).toBe(`an.nv (root@${hostname()})`);
  });
});
