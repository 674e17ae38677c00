/**
 * `sso` commands for looking after what exists: `client update`, `client delete`, `account
 * delete`; a misspelt setting reported instead of ignored in silence; and `sso audit export | head`
 * ending quietly (the real bin/sso.js, its standard output closed by the reader). On the database
 * TEST_DATABASE selects.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dataDir = mkdtempSync(join(tmpdir(), 'sso-cli-manage-'));
let t: TestDatabase;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  t = await createTestDatabase();
  env = { NODE_ENV: 'test', DATABASE_URL: t.url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS };
});
afterAll(async () => {
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[], extraEnv: Record<string, string> = {}, passwords: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env, ...extraEnv }, readSecret: async () => passwords.shift() ?? '' };
  const code = await main(['node', 'sso', ...args], io);
  return { code, out, stdout: out.join('\n'), stderr: err.join('\n') };
}

const unique = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const later = () => new Date(Date.now() + 3_600_000);

describe('sso client update', () => {
  it('changes the name, the redirect URIs, the logout URIs and the first-party flag; audited; the secret stays', async () => {
    const c = JSON.parse((await sso(['client', 'add', '--name', 'Cổng cũ', '--redirect-uri', 'https://cong.tinh.gov.vn/cb', '--json'])).stdout) as { client_id: string; client_secret: string };
    const before = await t.db.prisma.client.findUnique({ where: { id: c.client_id } });
    const r = await sso(['client', 'update', c.client_id, '--name', 'Cổng dịch vụ công', '--redirect-uri', 'https://dvc.tinh.gov.vn/cb', '--redirect-uri', 'https://dvc.tinh.gov.vn/cb2',
      '--post-logout-redirect-uri', 'https://dvc.tinh.gov.vn/', '--backchannel-logout-uri', 'https://dvc.tinh.gov.vn/logout', '--first-party', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toMatchObject({
      client_id: c.client_id, name: 'Cổng dịch vụ công', first_party: true, redirect_uris: ['https://dvc.tinh.gov.vn/cb', 'https://dvc.tinh.gov.vn/cb2'],
      post_logout_redirect_uris: ['https://dvc.tinh.gov.vn/'], backchannel_logout_uri: 'https://dvc.tinh.gov.vn/logout',
    });
    const after = (await t.db.prisma.client.findUnique({ where: { id: c.client_id } }))!;
    expect(after.secretHash).toBe(before!.secretHash);
    const audited = await t.db.prisma.auditEvent.findFirst({ where: { type: 'client.updated', clientId: c.client_id }, orderBy: { seq: 'desc' } });
    expect(JSON.parse(audited!.detail)).toMatchObject({ changed: ['name', 'redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri', 'first_party'], first_party: true });

    // only what is given changes; --no-first-party and the --clear-... options take things away
    const words = await sso(['client', 'update', c.client_id, '--no-first-party', '--clear-post-logout-redirect-uris', '--clear-backchannel-logout-uri']);
    expect(words.code).toBe(0);
    expect(words.stdout).toBe(`updated ${c.client_id}: Cổng dịch vụ công; redirect URIs https://dvc.tinh.gov.vn/cb https://dvc.tinh.gov.vn/cb2; post-logout (none); back-channel logout (none); asks for consent; release_group_dns false; home URL (none); logo (none); access: everyone`);
  });

  it('refuses nothing to change, contradictions and a bad URI (exit 2, nothing changed); an unknown id or the console client (exit 1 and 2)', async () => {
    const c = JSON.parse((await sso(['client', 'add', '--name', 'Giữ nguyên', '--redirect-uri', 'https://giu.tinh.gov.vn/cb', '--json'])).stdout) as { client_id: string };
    const row = await t.db.prisma.client.findUnique({ where: { id: c.client_id } });
    const cases: [string[], number, RegExp][] = [
      [[], 2, /nothing to change/],
      [['--post-logout-redirect-uri', 'https://a.tinh.gov.vn/', '--clear-post-logout-redirect-uris'], 2, /contradict/],
      [['--redirect-uri', 'http://giu.tinh.gov.vn/cb'], 2, /redirect URI http:\/\/giu\.tinh\.gov\.vn\/cb/],
      [['--redirect-uri', 'https://giu.tinh.gov.vn/cb#frag'], 2, /fragment/],
    ];
    for (const [args, code, message] of cases) {
      const r = await sso(['client', 'update', c.client_id, ...args]);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code, out: [] });
      expect(r.stderr).toMatch(message);
    }
    expect(await t.db.prisma.client.findUnique({ where: { id: c.client_id } })).toEqual(row);
    const unknown = await sso(['client', 'update', 'no-such-client', '--name', 'X']);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 1, stderr: 'sso: no client with id "no-such-client"' });
    const internal = await sso(['client', 'update', 'sso-console', '--name', 'X']);
    expect(internal.code).toBe(2);
    expect(internal.stderr).toContain('the IdP\'s own client');
  });
});

describe('sso client delete', () => {
  it('removes the application with its tokens, codes and grants, others untouched; audited; then it is unknown', async () => {
    const c = JSON.parse((await sso(['client', 'add', '--name', unique('Bỏ'), '--redirect-uri', 'https://bo.tinh.gov.vn/cb', '--json'])).stdout) as { client_id: string };
    const keep = JSON.parse((await sso(['client', 'add', '--name', unique('Giữ'), '--redirect-uri', 'https://giu.tinh.gov.vn/cb', '--json'])).stdout) as { client_id: string };
    const p = t.db.prisma;
    for (const [type, clientId] of [['AccessToken', c.client_id], ['RefreshToken', c.client_id], ['Grant', c.client_id], ['AuthorizationCode', c.client_id], ['AccessToken', keep.client_id]] as const) {
      await p.oidcPayload.create({ data: { type, id: randomUUID(), payload: '{}', clientId, expiresAt: later() } });
    }
    const r = await sso(['client', 'delete', c.client_id]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^deleted ${c.client_id} \\(Bỏ-\\w+\\); revoked 4 tokens, codes, grants and session entries$`));
    expect(await p.client.findUnique({ where: { id: c.client_id } })).toBeNull();
    expect(await p.oidcPayload.count({ where: { clientId: c.client_id } })).toBe(0);
    expect(await p.oidcPayload.count({ where: { clientId: keep.client_id } })).toBe(1);
    expect(await p.client.findUnique({ where: { id: keep.client_id } })).not.toBeNull();
    const audited = await p.auditEvent.findFirst({ where: { type: 'client.deleted', clientId: c.client_id } });
    expect(JSON.parse(audited!.detail)).toMatchObject({ revoked: 4, type: 'web' });

    const again = await sso(['client', 'delete', c.client_id]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: `sso: no client with id "${c.client_id}"` });
    expect((await sso(['client', 'delete', 'sso-console'])).code).toBe(2);
  });
});

describe('sso account delete', () => {
  it('a local account: its sessions, grants and tokens end, then it is gone (audited); its login can be used again', async () => {
    const login = unique('tamthoi');
    expect((await sso(['account', 'add-local', '--login', login, '--name', 'Tạm Thời', '--password-stdin'], {}, ['mat-khau-tam-thoi-1'])).code).toBe(0);
    const a = (await t.db.prisma.account.findUnique({ where: { login } }))!;
    const p = t.db.prisma;
    await p.oidcPayload.create({ data: { type: 'Session', id: randomUUID(), payload: JSON.stringify({ accountId: a.id }), accountId: a.id, uid: randomUUID(), expiresAt: later() } });
    await p.oidcPayload.create({ data: { type: 'Grant', id: randomUUID(), payload: '{}', accountId: a.id, clientId: 'some-app', expiresAt: later() } });

    const r = await sso(['account', 'delete', login, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ login, id: a.id, source: 'local', deleted: true, disabled: false, revoked: 2, queued: 0 });
    expect(await p.account.findUnique({ where: { id: a.id } })).toBeNull();
    expect(await p.oidcPayload.count({ where: { accountId: a.id } })).toBe(0);
    expect(await p.auditEvent.count({ where: { type: 'account.deleted', subject: a.id } })).toBe(1);

    expect((await sso(['account', 'delete', login])).stderr).toBe(`sso: no account with login "${login}"`);
    expect((await sso(['account', 'add-local', '--login', login, '--name', 'Người mới', '--password-stdin'], {}, ['mat-khau-nguoi-moi-1'])).code).toBe(0);
    expect((await p.account.findUnique({ where: { login } }))!.id).not.toBe(a.id);
  });

  it('a directory account is disabled, not deleted, and the command says so', async () => {
    const login = unique('annv');
    const a = await t.db.prisma.account.create({ data: { id: randomUUID(), login, displayName: 'Nguyễn Văn An', source: 'directory', externalId: randomUUID(), status: 'active' } });
    const r = await sso(['account', 'delete', login]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.out[0]).toBe(`${login} is a directory account: disabled, not deleted (the mail directory is its source; close it there). Revoked 0 sessions, grants and tokens`);
    expect(await t.db.prisma.account.findUnique({ where: { id: a.id } })).toMatchObject({ status: 'disabled' });
    expect(JSON.parse((await sso(['account', 'delete', login, '--json'])).stdout)).toMatchObject({ deleted: false, disabled: true, source: 'directory' });
  });
});

describe('settings that are not settings', () => {
  it('an unknown SSO_, LDAP_ or THROTTLE_ variable is reported on stderr, with the setting meant; the command still runs', async () => {
    const r = await sso(['client', 'list', '--json'], { LDAP_BSAE_DN: 'dc=tinh,dc=gov,dc=vn', THROTTLE_WINDOWS: '2h', SSO_FROBNICATE: '1', LDAP_BIND_PASSWORD_FILE: '/dev/null', OTHER_THING: 'x' });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      'sso: warning: LDAP_BSAE_DN is not a setting of sso and is ignored: did you mean LDAP_BASE_DN?',
      'sso: warning: SSO_FROBNICATE is not a setting of sso and is ignored',
      'sso: warning: THROTTLE_WINDOWS is not a setting of sso and is ignored: did you mean THROTTLE_WINDOW?',
    ]);
  });
});

describe('sso audit export | head', () => {
  it('ends quietly with exit 0 when the reader stops reading', async () => {
    const audit = (await import('../src/app/container.js')).openServices;
    const { loadConfig } = await import('../src/config/load.js');
    const s = await audit(loadConfig(env), { migrate: false });
    try {
      // far more than a pipe holds (64 KiB): the export is still writing when the reader leaves
      for (let i = 0; i < 400; i++) await s.audit.record({ type: 'client.updated', outcome: 'success', detail: { i, note: 'Sở Nội vụ '.repeat(80) } });
    } finally {
      await s.close();
    }
    const cwd = mkdtempSync(join(tmpdir(), 'sso-export-cwd-'));
    try {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'sso.js'), 'audit', 'export', '--since', '2000-01-01'], {
        cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      // read the first line, then close the pipe, as `head -1` does
      const first = await new Promise<string>((ok) => {
        let got = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          got += d;
          if (got.includes('\n')) {
            child.stdout.destroy();
            ok(got.slice(0, got.indexOf('\n')));
          }
        });
      });
      const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
      expect(JSON.parse(first)).toMatchObject({ seq: expect.any(Number) });
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
