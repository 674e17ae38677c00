/**
 * The `sso` command line: main() driven in-process with a capturing io against the real database
 * TEST_DATABASE selects (clients, accounts, keys, db maintenance, configuration and usage errors),
 * plus one run of bin/sso.js as a real subprocess.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../src/cli/main.js';
import { verifyPassword } from '../src/accounts/password.js';
import { verifyClientSecret } from '../src/clients/secret.js';
import { openDatabase, type Db } from '../src/db/client.js';
import { migrationsDir, readMigrations } from '../src/db/migrate.js';
import { createKeyStore } from '../src/keys/store.js';
import { createSigningKeyRepository } from '../src/db/repos/signing-keys.js';
import { createEmptyTestDatabase, createTestDatabase, testBackend, type EmptyTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const backend = testBackend();
const B64URL_256 = /^[A-Za-z0-9_-]{43,}$/;

/**
 * Asserts a PHC string is argon2id v=19 with m=19456 KiB, t=2, p=1 (OWASP's minimum). The
 * parameters are compared as a set: node-argon2 0.45 writes them as m,p,t rather than the
 * reference implementation's m,t,p (`$argon2id$v=19$m=19456,t=2,p=1$`).
 */
function expectArgon2id(hash: string | null | undefined): void {
  const m = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$([A-Za-z0-9+/]{22,})\$([A-Za-z0-9+/]{43,})$/.exec(hash ?? '');
  expect(m).not.toBeNull();
  const params = Object.fromEntries(m![1]!.split(',').map((kv) => kv.split('=') as [string, string]));
  expect(params).toEqual({ m: '19456', t: '2', p: '1' });
}
const PASSWORD = 'correct horse battery staple';
const DAY_MS = 86_400_000;

type Env = Record<string, string | undefined>;

interface Run {
  code: number;
  /** Each io.out call, in order. */
  out: string[];
  /** Each io.err call, in order. */
  err: string[];
  /** The questions readSecret was asked. */
  prompts: string[];
  stdout: string;
  stderr: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'sso-cli-data-'));
const cleanups: (() => Promise<void>)[] = [];

function envFor(databaseUrl: string, extra: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DEMO: 'false',
    COOKIE_KEYS: TEST_SECRETS.COOKIE_KEYS,
    KEY_ENCRYPTION_SECRET: TEST_SECRETS.KEY_ENCRYPTION_SECRET,
    DATA_DIR: dataDir,
    ...extra,
  };
}

/** Runs `sso <args>` in-process; `passwords` are what readSecret answers, in order. */
async function sso(env: Env, args: string[], passwords: string[] = []): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const queue = [...passwords];
  const io: CliIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env,
    readSecret: async (q) => {
      prompts.push(q);
      const pw = queue.shift();
      if (pw === undefined) throw new Error(`test bug: readSecret called with no password queued (${args.join(' ')})`);
      return pw;
    },
  };
  const code = await main(['node', 'sso', ...args], io);
  return { code, out, err, prompts, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The single JSON document a --json command printed. */
function json<T>(r: Run): T {
  expect(r.out).toHaveLength(1);
  return JSON.parse(r.out[0]!) as T;
}

/** Fails with the command's stderr in the message, so a failing command explains itself. */
function ok(r: Run): Run {
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return r;
}

async function freshDb(): Promise<TestDatabase> {
  const d = await createTestDatabase();
  cleanups.push(() => d.drop());
  return d;
}

async function freshEmptyDb(): Promise<EmptyTestDatabase> {
  const d = await createEmptyTestDatabase();
  cleanups.push(() => d.drop());
  return d;
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

interface ClientOut { client_id: string; client_secret: string | null; type: string }
interface ClientListRow { client_id: string; name: string; type: string; status: string; first_party: boolean; redirect_uris: string[] }
interface AccountListRow { id: string; login: string; name: string; email: string | null; status: string; source: string }
interface KeyListRow {
  kid: string; alg: string; state: string; signing: boolean; published: boolean; signs_until: string | null; published_until: string | null; since: string | null;
  status: string; activated_at: string | null; retire_after: string | null;
}
interface RotateOut { created: { kid: string; alg: string }[]; retiring: string[]; activate_at: string; retire_after: string }

/** The shared database most tests use (each with unique names). */
let t: TestDatabase;
let prisma: Db;
let env: Env;

beforeAll(async () => {
  t = await freshDb();
  prisma = t.db.prisma;
  env = envFor(t.url);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`sso CLI on ${backend}`, () => {
  it('drives the backend the suite was started for', () => {
    expect(t.db.provider).toBe(backend);
  });

  describe('client', () => {
    it('add --json prints exactly one JSON object with client_id and a 256-bit base64url secret; only a hash is stored', async () => {
      const r = ok(await sso(env, ['client', 'add', '--name', 'Cổng dịch vụ công', '--redirect-uri', 'https://dvc.example.vn/cb', '--json']));
      const c = json<ClientOut>(r);
      expect(Object.keys(c).sort()).toEqual(['client_id', 'client_secret', 'type']);
      expect(c.type).toBe('web');
      expect(c.client_id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(c.client_secret).toMatch(B64URL_256);
      expect(Buffer.from(c.client_secret!, 'base64url').length).toBeGreaterThanOrEqual(32);

      const row = await prisma.client.findUnique({ where: { id: c.client_id } });
      expect(row).not.toBeNull();
      expect(row!.name).toBe('Cổng dịch vụ công');
      expect(row!.type).toBe('web');
      expect(row!.status).toBe('active');
      expect(JSON.parse(row!.redirectUris)).toEqual(['https://dvc.example.vn/cb']);
      expect(row!.secretHash).toBeTruthy();
      expect(row!.secretHash).not.toBe(c.client_secret);
      expect(row!.secretHash).not.toContain(c.client_secret!);
      expect(verifyClientSecret(c.client_secret, row!.secretHash)).toBe(true);
      expect(verifyClientSecret(c.client_secret + 'x', row!.secretHash)).toBe(false);
    });

    it('two clients get different ids and secrets', async () => {
      const a = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', 'A', '--redirect-uri', 'https://a.example.vn/cb', '--json'])));
      const b = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', 'B', '--redirect-uri', 'https://b.example.vn/cb', '--json'])));
      expect(a.client_id).not.toBe(b.client_id);
      expect(a.client_secret).not.toBe(b.client_secret);
    });

    it('without --json prints the id, the secret and that it is shown once', async () => {
      const r = ok(await sso(env, ['client', 'add', '--name', 'Text', '--redirect-uri', 'https://text.example.vn/cb']));
      const id = /client_id:\s+(\S+)/.exec(r.stdout)?.[1];
      const secret = /client_secret:\s+(\S+)/.exec(r.stdout)?.[1];
      expect(id).toBeDefined();
      expect(secret).toMatch(B64URL_256);
      expect(r.stdout).toMatch(/shown once/);
      const row = await prisma.client.findUnique({ where: { id: id! } });
      expect(verifyClientSecret(secret, row!.secretHash)).toBe(true);
    });

    it('--type spa gives client_secret null and stores no hash', async () => {
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', 'SPA', '--type', 'spa', '--redirect-uri', 'https://spa.example.vn/cb', '--json'])));
      expect(c.client_secret).toBeNull();
      expect(c.type).toBe('spa');
      const row = await prisma.client.findUnique({ where: { id: c.client_id } });
      expect(row!.type).toBe('spa');
      expect(row!.secretHash).toBeNull();
    });

    it('--type spa without --json says it is a public client with no secret', async () => {
      const r = ok(await sso(env, ['client', 'add', '--name', 'SPA text', '--type', 'spa', '--redirect-uri', 'https://spa2.example.vn/cb']));
      expect(r.stdout).toMatch(/public client: no secret/);
      expect(r.stdout).not.toMatch(/client_secret/);
    });

    it('--type service works without redirect URIs and has a secret', async () => {
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', 'Batch job', '--type', 'service', '--json'])));
      expect(c.type).toBe('service');
      expect(c.client_secret).toMatch(B64URL_256);
      const row = await prisma.client.findUnique({ where: { id: c.client_id } });
      expect(JSON.parse(row!.redirectUris)).toEqual([]);
      expect(verifyClientSecret(c.client_secret, row!.secretHash)).toBe(true);
    });

    it('--type service with a redirect URI -> exit 2', async () => {
      const before = await prisma.client.count();
      const r = await sso(env, ['client', 'add', '--name', 'Bad service', '--type', 'service', '--redirect-uri', 'https://svc.example.vn/cb', '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/service client has no redirect URIs/);
      expect(r.out).toEqual([]);
      expect(await prisma.client.count()).toBe(before);
    });

    it('--id chooses the client_id; a duplicate id -> exit 1', async () => {
      const id = unique('portal');
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--id', id, '--name', 'Portal', '--redirect-uri', 'https://portal.example.vn/cb', '--json'])));
      expect(c.client_id).toBe(id);
      const r = await sso(env, ['client', 'add', '--id', id, '--name', 'Portal again', '--redirect-uri', 'https://portal.example.vn/cb', '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`a client with id "${id}" already exists`);
      expect(r.out).toEqual([]);
    });

    it('a web client with an http (non-loopback) redirect URI -> exit 2 naming the URI; nothing stored', async () => {
      const before = await prisma.client.count();
      const r = await sso(env, ['client', 'add', '--name', 'Insecure', '--redirect-uri', 'http://example.com/cb', '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toContain('http://example.com/cb');
      expect(r.stderr).toMatch(/https/);
      expect(await prisma.client.count()).toBe(before);
    });

    it('a redirect URI with a fragment -> exit 2 naming the URI', async () => {
      const before = await prisma.client.count();
      const r = await sso(env, ['client', 'add', '--name', 'Fragment', '--redirect-uri', 'https://app.example.vn/cb#frag', '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toContain('https://app.example.vn/cb#frag');
      expect(r.stderr).toMatch(/fragment/);
      expect(await prisma.client.count()).toBe(before);
    });

    it('a web client with no redirect URI -> exit 2', async () => {
      const r = await sso(env, ['client', 'add', '--name', 'No URI', '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--redirect-uri is required/);
    });

    it('an unknown --type -> exit 2 naming the value and the choices', async () => {
      const before = await prisma.client.count();
      const r = await sso(env, ['client', 'add', '--name', 'Desktop', '--type', 'desktop', '--redirect-uri', 'https://d.example.vn/cb', '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toContain('desktop');
      expect(r.stderr).toMatch(/web, spa, native, service/);
      expect(await prisma.client.count()).toBe(before);
    });

    it('list --json lists the clients with their type, status and redirect URIs (never a secret)', async () => {
      const name = unique('Listed');
      const web = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', name, '--redirect-uri', 'https://l1.example.vn/cb', '--redirect-uri', 'https://l2.example.vn/cb', '--first-party', '--json'])));
      const spa = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', `${name} SPA`, '--type', 'spa', '--redirect-uri', 'https://l3.example.vn/cb', '--json'])));
      const r = ok(await sso(env, ['client', 'list', '--json']));
      const rows = json<ClientListRow[]>(r);
      expect(rows.length).toBe(await prisma.client.count());
      const w = rows.find((x) => x.client_id === web.client_id);
      const s = rows.find((x) => x.client_id === spa.client_id);
      expect(w).toMatchObject({ name, type: 'web', status: 'active', first_party: true, redirect_uris: ['https://l1.example.vn/cb', 'https://l2.example.vn/cb'] });
      expect(s).toMatchObject({ name: `${name} SPA`, type: 'spa', status: 'active', first_party: false, redirect_uris: ['https://l3.example.vn/cb'] });
      expect(r.stdout).not.toContain(web.client_secret!);
      expect(r.stdout).not.toMatch(/secret/i);
    });

    it('--release-group-dns at add, and update --[no-]release-group-dns: the groups_dn claim, stored and audited', async () => {
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', unique('Văn bản'), '--redirect-uri', 'https://vb.example.vn/cb', '--release-group-dns', '--json'])));
      const listed = async () => json<(ClientListRow & { release_group_dns: boolean })[]>(ok(await sso(env, ['client', 'list', '--json']))).find((x) => x.client_id === c.client_id)!;
      expect((await listed()).release_group_dns).toBe(true);
      expect(ok(await sso(env, ['client', 'update', c.client_id, '--no-release-group-dns'])).stdout).toMatch(new RegExp(`^updated ${c.client_id}: .*; release_group_dns false(; .*)?$`));
      expect((await prisma.client.findUnique({ where: { id: c.client_id } }))!.releaseGroupDns).toBe(false);
      expect(json<{ release_group_dns: boolean }>(ok(await sso(env, ['client', 'update', c.client_id, '--release-group-dns', '--json']))).release_group_dns).toBe(true);
      expect((await listed()).release_group_dns).toBe(true);
      // nothing to change, or no such client: a clear message, nothing written
      const none = await sso(env, ['client', 'update', c.client_id]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/nothing to change: give .*--release-group-dns or --no-release-group-dns/);
      const missing = await sso(env, ['client', 'update', 'no-such-client', '--release-group-dns']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/no client with id "no-such-client"/);
      const events = await prisma.auditEvent.findMany({ where: { type: 'client.updated', clientId: c.client_id }, orderBy: { seq: 'asc' } });
      expect(events.map((e) => (JSON.parse(e.detail) as { release_group_dns: boolean }).release_group_dns)).toEqual([false, true]);
    });

    it('list without --json prints a table with a header and one line per client', async () => {
      const name = unique('Tabled');
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', name, '--redirect-uri', 'https://tab.example.vn/cb', '--json'])));
      const r = ok(await sso(env, ['client', 'list']));
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(/^CLIENT_ID\s+NAME\s+TYPE\s+STATUS\s+FIRST_PARTY\s+REDIRECT_URIS\s+ACCESS$/);
      expect(lines).toHaveLength((await prisma.client.count()) + 1);
      const line = lines.find((l) => l.startsWith(c.client_id));
      expect(line).toContain(name);
      expect(line).toContain('https://tab.example.vn/cb');
    });

    it('rotate-secret prints a new secret; the old one stops verifying at once', async () => {
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', unique('Rotating'), '--redirect-uri', 'https://rot.example.vn/cb', '--json'])));
      const r = json<{ client_id: string; client_secret: string }>(ok(await sso(env, ['client', 'rotate-secret', c.client_id, '--json'])));
      expect(r.client_id).toBe(c.client_id);
      expect(r.client_secret).toMatch(B64URL_256);
      expect(r.client_secret).not.toBe(c.client_secret);
      const row = await prisma.client.findUnique({ where: { id: c.client_id } });
      expect(verifyClientSecret(r.client_secret, row!.secretHash)).toBe(true);
      expect(verifyClientSecret(c.client_secret, row!.secretHash)).toBe(false);
      expect(row!.secretHash).not.toContain(r.client_secret);

      const text = ok(await sso(env, ['client', 'rotate-secret', c.client_id]));
      const third = /client_secret:\s+(\S+)/.exec(text.stdout)?.[1];
      expect(third).toMatch(B64URL_256);
      expect(third).not.toBe(r.client_secret);
      expect(text.stdout).toMatch(/shown once/);
      const row2 = await prisma.client.findUnique({ where: { id: c.client_id } });
      expect(verifyClientSecret(third, row2!.secretHash)).toBe(true);
      expect(verifyClientSecret(r.client_secret, row2!.secretHash)).toBe(false);
    });

    it('rotate-secret on a spa client -> exit 2 and no secret is created', async () => {
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', unique('Public'), '--type', 'spa', '--redirect-uri', 'https://pub.example.vn/cb', '--json'])));
      const r = await sso(env, ['client', 'rotate-secret', c.client_id, '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toContain(c.client_id);
      expect(r.stderr).toMatch(/public/);
      expect((await prisma.client.findUnique({ where: { id: c.client_id } }))!.secretHash).toBeNull();
    });

    it('disable: list shows it disabled and its tokens are revoked; enable brings it back', async () => {
      const c = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', unique('Disabled'), '--redirect-uri', 'https://dis.example.vn/cb', '--json'])));
      const other = json<ClientOut>(ok(await sso(env, ['client', 'add', '--name', unique('Bystander'), '--redirect-uri', 'https://by.example.vn/cb', '--json'])));
      const later = new Date(Date.now() + 3_600_000);
      const tokenId = randomUUID();
      const otherTokenId = randomUUID();
      await prisma.oidcPayload.create({ data: { type: 'AccessToken', id: tokenId, payload: '{}', clientId: c.client_id, expiresAt: later } });
      await prisma.oidcPayload.create({ data: { type: 'AccessToken', id: otherTokenId, payload: '{}', clientId: other.client_id, expiresAt: later } });

      const r = ok(await sso(env, ['client', 'disable', c.client_id]));
      expect(r.stdout).toBe(`disabled ${c.client_id}`);
      const rows = json<ClientListRow[]>(ok(await sso(env, ['client', 'list', '--json'])));
      expect(rows.find((x) => x.client_id === c.client_id)?.status).toBe('disabled');
      expect(rows.find((x) => x.client_id === other.client_id)?.status).toBe('active');
      expect(await prisma.oidcPayload.findUnique({ where: { type_id: { type: 'AccessToken', id: tokenId } } })).toBeNull();
      expect(await prisma.oidcPayload.findUnique({ where: { type_id: { type: 'AccessToken', id: otherTokenId } } })).not.toBeNull();

      const e = ok(await sso(env, ['client', 'enable', c.client_id]));
      expect(e.stdout).toBe(`enabled ${c.client_id}`);
      const again = json<ClientListRow[]>(ok(await sso(env, ['client', 'list', '--json'])));
      expect(again.find((x) => x.client_id === c.client_id)?.status).toBe('active');
    });

    it.each([
      ['rotate-secret', ['client', 'rotate-secret']],
      ['disable', ['client', 'disable']],
      ['enable', ['client', 'enable']],
    ])('%s on an unknown client id -> exit 1 naming it', async (_name, cmd) => {
      const id = unique('no-such-client');
      const r = await sso(env, [...cmd, id]);
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.stderr).toBe(`sso: no client with id "${id}"`);
      expect(await prisma.client.findUnique({ where: { id } })).toBeNull();
    });
  });

  describe('account', () => {
    const NAME = 'Nguyễn Văn A';

    async function addLocal(login: string, extra: string[] = [], pw = PASSWORD): Promise<Run> {
      return sso(env, ['account', 'add-local', '--login', login, '--name', NAME, '--password-stdin', ...extra], [pw]);
    }

    it('add-local --password-stdin creates an active local account; the password is stored as argon2id', async () => {
      const login = unique('canbo');
      const r = ok(await addLocal(login, ['--email', `${login}@Example.VN`, '--phone', '+84 912 345 678']));
      expect(r.prompts).toEqual(['']);
      expect(r.stdout).toMatch(new RegExp(`^created local account ${login} \\(id [0-9a-f-]{36}\\)$`));
      const a = await prisma.account.findUnique({ where: { login } });
      expect(a).not.toBeNull();
      expect(a!.displayName).toBe(NAME);
      expect(a!.email).toBe(`${login}@example.vn`);
      expect(a!.phoneNumber).toBe('+84 912 345 678');
      expect(a!.source).toBe('local');
      expect(a!.status).toBe('active');
      // argon2id with OWASP parameters: this also proves the argon2 native binary loads and works
      expectArgon2id(a!.passwordHash);
      expect(a!.passwordHash).not.toContain(PASSWORD);
      expect(await verifyPassword(a!.passwordHash!, PASSWORD)).toBe(true);
      expect(await verifyPassword(a!.passwordHash!, PASSWORD + '!')).toBe(false);
    });

    it('add-local --json prints one JSON object; the login is normalized and a decomposed name stored as NFC', async () => {
      const base = unique('CanBo.B');
      const r = ok(await sso(env, ['account', 'add-local', '--login', `  ${base} `, '--name', NAME.normalize('NFD'), '--password-stdin', '--json'], [PASSWORD]));
      const out = json<{ id: string; login: string }>(r);
      expect(out.login).toBe(base.toLowerCase());
      const a = await prisma.account.findUnique({ where: { id: out.id } });
      expect(a!.login).toBe(base.toLowerCase());
      expect(a!.displayName).toBe(NAME.normalize('NFC'));
      expect(a!.displayName).toBe(NAME);
    });

    it('without --password-stdin asks for the password with a prompt', async () => {
      const login = unique('prompted');
      const r = ok(await sso(env, ['account', 'add-local', '--login', login, '--name', NAME], [PASSWORD]));
      expect(r.prompts).toEqual(['Password: ']);
      const a = await prisma.account.findUnique({ where: { login } });
      expect(await verifyPassword(a!.passwordHash!, PASSWORD)).toBe(true);
    });

    it('a duplicate login (in any case) -> exit 1 and the first account is untouched', async () => {
      const login = unique('dup');
      ok(await addLocal(login));
      const first = await prisma.account.findUnique({ where: { login } });
      const r = await addLocal(login.toUpperCase(), [], 'another password entirely');
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.stderr).toContain(`an account with login "${login}" already exists`);
      expect(await prisma.account.count({ where: { login } })).toBe(1);
      expect((await prisma.account.findUnique({ where: { login } }))!.passwordHash).toBe(first!.passwordHash);
    });

    it('a short password -> exit 2 and no account', async () => {
      const login = unique('short');
      const r = await addLocal(login, [], 'short');
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toMatch(/password must be at least 12 characters/);
      expect(await prisma.account.findUnique({ where: { login } })).toBeNull();
    });

    it('an empty password -> exit 2 and no account', async () => {
      const login = unique('empty');
      const r = await addLocal(login, [], '');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no password given/);
      expect(await prisma.account.findUnique({ where: { login } })).toBeNull();
    });

    it('add-local without --name -> exit 2 (missing required option) and no password is asked', async () => {
      const login = unique('noname');
      const r = await sso(env, ['account', 'add-local', '--login', login, '--password-stdin'], [PASSWORD]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/required option '--name <name>' not specified/);
      expect(r.prompts).toEqual([]);
      expect(await prisma.account.findUnique({ where: { login } })).toBeNull();
    });

    it('list --json lists accounts (no password hashes); --status filters', async () => {
      const login = unique('listed');
      ok(await addLocal(login, ['--email', `${login}@example.vn`]));
      const r = ok(await sso(env, ['account', 'list', '--json']));
      const rows = json<AccountListRow[]>(r);
      expect(rows.length).toBe(await prisma.account.count());
      const mine = rows.find((x) => x.login === login);
      expect(mine).toEqual({ id: expect.any(String), login, name: NAME, email: `${login}@example.vn`, status: 'active', source: 'local' });
      expect(r.stdout).not.toContain('$argon2id$');
      const logins = rows.map((x) => x.login);
      expect(logins).toEqual([...logins].sort());

      const disabled = json<AccountListRow[]>(ok(await sso(env, ['account', 'list', '--status', 'disabled', '--json'])));
      expect(disabled.every((x) => x.status === 'disabled')).toBe(true);
      expect(disabled.some((x) => x.login === login)).toBe(false);

      const bad = await sso(env, ['account', 'list', '--status', 'gone', '--json']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('gone');
    });

    it('set-password replaces the hash; the old password stops working', async () => {
      const login = unique('setpw');
      ok(await addLocal(login));
      const before = (await prisma.account.findUnique({ where: { login } }))!.passwordHash!;
      const next = 'một mật khẩu mới rất dài';
      const r = ok(await sso(env, ['account', 'set-password', login, '--password-stdin'], [next]));
      expect(r.stdout).toBe(`password changed for ${login}`);
      const after = (await prisma.account.findUnique({ where: { login } }))!.passwordHash!;
      expect(after).not.toBe(before);
      expectArgon2id(after);
      expect(await verifyPassword(after, next)).toBe(true);
      expect(await verifyPassword(after, PASSWORD)).toBe(false);
    });

    it('set-password with a short password -> exit 2 and the hash is unchanged', async () => {
      const login = unique('setshort');
      ok(await addLocal(login));
      const before = (await prisma.account.findUnique({ where: { login } }))!.passwordHash;
      const r = await sso(env, ['account', 'set-password', login, '--password-stdin'], ['tiny']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/at least 12 characters/);
      expect((await prisma.account.findUnique({ where: { login } }))!.passwordHash).toBe(before);
    });

    it('set-password on a directory account -> exit 1 (its password lives in the mail system)', async () => {
      const login = unique('dir');
      await prisma.account.create({ data: { id: randomUUID(), login, displayName: 'Trần Thị B', source: 'directory', externalId: randomUUID(), status: 'active' } });
      const r = await sso(env, ['account', 'set-password', login, '--password-stdin'], [PASSWORD]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/directory account/);
      expect((await prisma.account.findUnique({ where: { login } }))!.passwordHash).toBeNull();
    });

    it('disable: status disabled, and its sessions, grants and tokens are deleted and counted; others kept', async () => {
      const login = unique('leaver');
      const other = unique('stayer');
      ok(await addLocal(login));
      ok(await addLocal(other));
      const a = (await prisma.account.findUnique({ where: { login } }))!;
      const b = (await prisma.account.findUnique({ where: { login: other } }))!;
      const later = new Date(Date.now() + 3_600_000);
      const sessionId = randomUUID();
      const grantId = randomUUID();
      const tokenId = randomUUID();
      const otherSession = randomUUID();
      await prisma.oidcPayload.create({ data: { type: 'Session', id: sessionId, payload: JSON.stringify({ accountId: a.id }), accountId: a.id, uid: randomUUID(), expiresAt: later } });
      await prisma.oidcPayload.create({ data: { type: 'Grant', id: grantId, payload: '{}', accountId: a.id, clientId: 'some-app', expiresAt: later } });
      // a token found only through its grant (no accountId column)
      await prisma.oidcPayload.create({ data: { type: 'AccessToken', id: tokenId, payload: '{}', grantId, clientId: 'some-app', expiresAt: later } });
      await prisma.oidcPayload.create({ data: { type: 'Session', id: otherSession, payload: '{}', accountId: b.id, expiresAt: later } });

      const r = ok(await sso(env, ['account', 'disable', login]));
      expect(r.stdout).toBe(`disabled ${login}; revoked 3 sessions, grants and tokens`);
      const after = (await prisma.account.findUnique({ where: { login } }))!;
      expect(after.status).toBe('disabled');
      expect(after.disabledAt).toBeInstanceOf(Date);
      expect(await prisma.oidcPayload.count({ where: { id: { in: [sessionId, grantId, tokenId] } } })).toBe(0);
      expect(await prisma.oidcPayload.findUnique({ where: { type_id: { type: 'Session', id: otherSession } } })).not.toBeNull();
      expect((await prisma.account.findUnique({ where: { login: other } }))!.status).toBe('active');

      const list = json<AccountListRow[]>(ok(await sso(env, ['account', 'list', '--status', 'disabled', '--json'])));
      expect(list.find((x) => x.login === login)?.status).toBe('disabled');

      const en = ok(await sso(env, ['account', 'enable', login]));
      expect(en.stdout).toBe(`enabled ${login}`);
      const back = (await prisma.account.findUnique({ where: { login } }))!;
      expect(back.status).toBe('active');
      expect(back.disabledAt).toBeNull();
      const active = json<AccountListRow[]>(ok(await sso(env, ['account', 'list', '--status', 'active', '--json'])));
      expect(active.find((x) => x.login === login)?.status).toBe('active');
    });

    it('disable with nothing to revoke reports 0', async () => {
      const login = unique('quiet');
      ok(await addLocal(login));
      const r = ok(await sso(env, ['account', 'disable', login]));
      expect(r.stdout).toBe(`disabled ${login}; revoked 0 sessions, grants and tokens`);
    });

    it('logout ends the sessions of an account that stays enabled', async () => {
      const login = unique('logout');
      ok(await addLocal(login));
      const a = (await prisma.account.findUnique({ where: { login } }))!;
      const s1 = randomUUID();
      const s2 = randomUUID();
      const later = new Date(Date.now() + 3_600_000);
      await prisma.oidcPayload.create({ data: { type: 'Session', id: s1, payload: '{}', accountId: a.id, expiresAt: later } });
      await prisma.oidcPayload.create({ data: { type: 'Session', id: s2, payload: '{}', accountId: a.id, expiresAt: later } });
      const r = ok(await sso(env, ['account', 'logout', login.toUpperCase()]));
      expect(r.stdout).toBe(`revoked 2 sessions, grants and tokens of ${login}`);
      expect(await prisma.oidcPayload.count({ where: { accountId: a.id } })).toBe(0);
      expect((await prisma.account.findUnique({ where: { login } }))!.status).toBe('active');
    });

    it.each([
      ['set-password', ['account', 'set-password'], [PASSWORD], ['--password-stdin']],
      ['disable', ['account', 'disable'], [], []],
      ['enable', ['account', 'enable'], [], []],
      ['logout', ['account', 'logout'], [], []],
    ])('%s on an unknown login -> exit 1 naming it', async (_name, cmd, pws, extra) => {
      const login = unique('nobody');
      const r = await sso(env, [...cmd, login, ...extra], pws);
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.stderr).toBe(`sso: no account with login "${login}"`);
      expect(await prisma.account.findUnique({ where: { login } })).toBeNull();
    });
  });

  describe('keys', () => {
    it('rotate --immediate: the new keys sign at once; the old ones stay published until retire_after', async () => {
      const k = await freshDb();
      const kenv = envFor(k.url);
      // what a server does on first start
      const store = createKeyStore(createSigningKeyRepository(k.db.prisma), { secret: TEST_SECRETS.KEY_ENCRYPTION_SECRET, algs: ['ES256', 'RS256'] });
      const oldKids = await store.ensure();
      expect(oldKids).toHaveLength(2);

      const initial = json<KeyListRow[]>(ok(await sso(kenv, ['keys', 'list', '--json'])));
      expect(initial.map((x) => x.kid).sort()).toEqual([...oldKids].sort());
      expect(initial.every((x) => x.signing && x.published && x.status === 'active' && x.retire_after === null)).toBe(true);

      const t0 = Date.now();
      const rot = json<RotateOut>(ok(await sso(kenv, ['keys', 'rotate', '--immediate', '--json'])));
      const t1 = Date.now();
      expect(rot.created.map((x) => x.alg).sort()).toEqual(['ES256', 'RS256']);
      expect([...rot.retiring].sort()).toEqual([...oldKids].sort());
      const activateAt = Date.parse(rot.activate_at);
      expect(activateAt).toBeGreaterThanOrEqual(t0);
      expect(activateAt).toBeLessThanOrEqual(t1);
      // KEY_ROTATION_GRACE defaults to 1d
      expect(Date.parse(rot.retire_after) - activateAt).toBe(DAY_MS);
      const newKids = rot.created.map((x) => x.kid);

      const list = json<KeyListRow[]>(ok(await sso(kenv, ['keys', 'list', '--json'])));
      expect(list).toHaveLength(4);
      for (const kid of newKids) {
        expect(list.find((x) => x.kid === kid)).toMatchObject({ status: 'active', signing: true, published: true, retire_after: null, activated_at: rot.activate_at });
      }
      for (const kid of oldKids) {
        expect(list.find((x) => x.kid === kid)).toMatchObject({ status: 'retiring', signing: false, published: true, retire_after: rot.retire_after });
      }
      // one signing key per algorithm
      for (const alg of ['ES256', 'RS256']) expect(list.filter((x) => x.alg === alg && x.signing)).toHaveLength(1);

      // the CLI sealed the new private keys with KEY_ENCRYPTION_SECRET: the server can open them
      const current = await store.current();
      expect(current.jwks.map((j) => j.kid).sort()).toEqual([...newKids, ...oldKids].sort());
      expect(current.jwks.slice(0, 2).map((j) => j.kid).sort()).toEqual([...newKids].sort());
      expect(current.jwks.every((j) => typeof j.d === 'string')).toBe(true);

      const text = ok(await sso(kenv, ['keys', 'list']));
      const lines = text.stdout.split('\n');
      expect(lines[0]).toMatch(/^KID\s+ALG\s+STATE\s+UNTIL$/);
      expect(lines).toHaveLength(5);
      const retireAfter = rot.retire_after.replace(/\.\d+Z$/, 'Z');
      for (const kid of newKids) expect(lines.find((l) => l.startsWith(kid))).toMatch(/\ssigning now\s+signs until the next rotation; published until the next rotation$/);
      for (const kid of oldKids) expect(lines.find((l) => l.startsWith(kid))).toMatch(new RegExp(`\\spublished only\\s+published until ${retireAfter} \\(verifies tokens it signed; signs nothing\\)$`));
    });

    it('rotate without --immediate: the new keys are published but sign only after KEY_ACTIVATION_DELAY', async () => {
      const k = await freshDb();
      const kenv = envFor(k.url);
      const store = createKeyStore(createSigningKeyRepository(k.db.prisma), { secret: TEST_SECRETS.KEY_ENCRYPTION_SECRET, algs: ['ES256', 'RS256'] });
      const oldKids = await store.ensure();

      const t0 = Date.now();
      const rot = json<RotateOut>(ok(await sso(kenv, ['keys', 'rotate', '--json'])));
      const t1 = Date.now();
      const activateAt = Date.parse(rot.activate_at);
      // KEY_ACTIVATION_DELAY defaults to 2m
      expect(activateAt).toBeGreaterThanOrEqual(t0 + 120_000);
      expect(activateAt).toBeLessThanOrEqual(t1 + 120_000);
      expect(Date.parse(rot.retire_after) - activateAt).toBe(DAY_MS);
      expect([...rot.retiring].sort()).toEqual([...oldKids].sort());
      const newKids = rot.created.map((x) => x.kid);
      expect(newKids).toHaveLength(2);

      const list = json<KeyListRow[]>(ok(await sso(kenv, ['keys', 'list', '--json'])));
      for (const kid of newKids) {
        const row = list.find((x) => x.kid === kid)!;
        expect(row).toMatchObject({ status: 'active', signing: false, published: true, activated_at: rot.activate_at });
        expect(Date.parse(row.activated_at!)).toBeGreaterThan(Date.now());
      }
      // the old keys keep signing until the new ones activate, and stay published after
      for (const kid of oldKids) {
        expect(list.find((x) => x.kid === kid)).toMatchObject({ signing: true, published: true, retire_after: rot.retire_after });
      }
      const current = await store.current();
      expect([...current.set.signing.values()].map((x) => x.kid).sort()).toEqual([...oldKids].sort());
      const later = await store.current(new Date(activateAt + 1000));
      expect([...later.set.signing.values()].map((x) => x.kid).sort()).toEqual([...newKids].sort());

      // in words: the old keys sign until the new ones take over; the new ones are next
      const words = ok(await sso(kenv, ['keys', 'list'])).stdout.split('\n');
      const short = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');
      for (const kid of oldKids) expect(words.find((l) => l.startsWith(kid))).toMatch(new RegExp(`\\ssigning now\\s+signs until ${short(rot.activate_at)}; published until ${short(rot.retire_after)}$`));
      for (const kid of newKids) expect(words.find((l) => l.startsWith(kid))).toMatch(new RegExp(`\\snext\\s+signs from ${short(rot.activate_at)}; published until the next rotation$`));
      for (const kid of oldKids) expect(list.find((x) => x.kid === kid)).toMatchObject({ state: 'signing', signs_until: rot.activate_at, published_until: rot.retire_after });
      for (const kid of newKids) expect(list.find((x) => x.kid === kid)).toMatchObject({ state: 'next', signs_until: null, published_until: null });

      const text = ok(await sso(kenv, ['keys', 'rotate', '--immediate']));
      expect(text.stdout).toMatch(/^new keys .+ \(ES256\), .+ \(RS256\) sign from \S+; old keys published until \S+$/);
    });

    it('revoke: the key is neither published nor signing at once, a new key signs in its place, the list says REVOKED and when; again changes nothing', async () => {
      const k = await freshDb();
      const kenv = envFor(k.url, { KEY_REFRESH_INTERVAL: '20s' });
      const store = createKeyStore(createSigningKeyRepository(k.db.prisma), { secret: TEST_SECRETS.KEY_ENCRYPTION_SECRET, algs: ['ES256', 'RS256'] });
      const [es] = await store.ensure();
      const es256 = (await store.list()).find((x) => x.kid === es)!;
      expect(es256.alg).toBe('ES256');

      const t0 = Date.now();
      const r = json<{ kid: string; alg: string; revoked_at: string; already_revoked: boolean; replacement: { kid: string; alg: string }; servers_by: string }>(
        ok(await sso(kenv, ['keys', 'revoke', es256.kid, '--reason', 'khóa bị lộ', '--json'])),
      );
      expect(r).toMatchObject({ kid: es256.kid, alg: 'ES256', already_revoked: false, replacement: { alg: 'ES256' } });
      expect(Date.parse(r.servers_by) - Date.parse(r.revoked_at)).toBe(20_000);
      expect(Date.parse(r.revoked_at)).toBeGreaterThanOrEqual(t0);

      const now = await store.current();
      expect(now.set.published.map((x) => x.kid)).not.toContain(es256.kid);
      expect(now.set.signing.get('ES256')!.kid).toBe(r.replacement.kid);
      const list = json<KeyListRow[]>(ok(await sso(kenv, ['keys', 'list', '--json'])));
      expect(list.find((x) => x.kid === es256.kid)).toMatchObject({ state: 'revoked', status: 'revoked', signing: false, published: false, since: r.revoked_at });
      expect(list.find((x) => x.kid === r.replacement.kid)).toMatchObject({ state: 'signing', published: true });
      const text = ok(await sso(kenv, ['keys', 'list'])).stdout.split('\n');
      expect(text.find((l) => l.startsWith(es256.kid))).toMatch(/\sREVOKED\s+revoked at \S+Z: not published, not trusted$/);

      const audited = await k.db.prisma.auditEvent.findMany({ where: { type: 'keys.revoked' } });
      expect(audited).toHaveLength(1);
      expect(JSON.parse(audited[0]!.detail)).toMatchObject({ kid: es256.kid, alg: 'ES256', reason: 'khóa bị lộ', replacement: r.replacement, previous_status: 'active' });

      const words = ok(await sso(kenv, ['keys', 'revoke', r.replacement.kid]));
      expect(words.out[0]).toMatch(new RegExp(`^revoked ${r.replacement.kid} \\(ES256\\) at \\S+; new key \\S+ \\(ES256\\) signs in its place$`));
      expect(words.out[1]).toMatch(/^running servers stop publishing and trusting it at their next key refresh, by \S+ \(KEY_REFRESH_INTERVAL 20 s\)\.$/);
      const again = ok(await sso(kenv, ['keys', 'revoke', es256.kid]));
      expect(again.out).toEqual([`key ${es256.kid} (ES256) was already revoked at ${r.revoked_at.replace(/\.\d+Z$/, 'Z')}; nothing changed`]);
      expect(await k.db.prisma.auditEvent.count({ where: { type: 'keys.revoked' } })).toBe(2);

      const unknown = await sso(kenv, ['keys', 'revoke', 'no-such-kid']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('sso: no signing key with kid "no-such-kid" (sso keys list shows them)');
    });

    it('KEY_ACTIVATION_DELAY and KEY_ROTATION_GRACE from the environment are honoured', async () => {
      const k = await freshDb();
      const kenv = envFor(k.url, { KEY_ACTIVATION_DELAY: '10m', KEY_ROTATION_GRACE: '2d' });
      const t0 = Date.now();
      const rot = json<RotateOut>(ok(await sso(kenv, ['keys', 'rotate', '--json'])));
      const activateAt = Date.parse(rot.activate_at);
      expect(activateAt - t0).toBeGreaterThanOrEqual(600_000);
      expect(activateAt - t0).toBeLessThan(600_000 + 30_000);
      expect(Date.parse(rot.retire_after) - activateAt).toBe(2 * DAY_MS);
    });
  });

  describe('db', () => {
    it('migrate applies the migrations to an empty database, then says it is up to date', async () => {
      const e = await freshEmptyDb();
      const denv = envFor(e.url);
      const names = readMigrations(migrationsDir(backend)).map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      const first = ok(await sso(denv, ['db', 'migrate']));
      expect(first.stdout).toBe(`applied: ${names.join(', ')}`);
      const second = ok(await sso(denv, ['db', 'migrate']));
      expect(second.stdout).toBe('database is up to date');
    });

    it('migrate on the already-migrated shared database says it is up to date', async () => {
      const r = ok(await sso(env, ['db', 'migrate']));
      expect(r.out).toEqual(['database is up to date']);
    });

    it('status reads without changing anything: exit 1 with every migration pending on an empty database, exit 0 once migrated', async () => {
      const e = await freshEmptyDb();
      const denv = envFor(e.url);
      const names = readMigrations(migrationsDir(backend)).map((m) => m.name);
      const before = await sso(denv, ['db', 'status', '--json']);
      expect(before.code).toBe(1);
      expect(JSON.parse(before.out[0]!)).toEqual({ provider: backend, state: 'behind', applied: [], pending: names, unknown: [], changed: [], problem: expect.stringContaining('run `sso db migrate`') });
      const text = await sso(denv, ['db', 'status']);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(`pending (${names.length}), applied by sso db migrate:\n  ${names[0]}`);
      // status changed nothing: still all pending
      expect((await sso(denv, ['db', 'status', '--json'])).code).toBe(1);
      ok(await sso(denv, ['db', 'migrate']));
      const after = ok(await sso(denv, ['db', 'status']));
      expect(after.out[0]!.split('\n')[0]).toBe(`database: ${backend}; schema up to date`);
      expect(after.stdout).toContain(`applied (${names.length}):`);
    });

    it('every other command refuses a schema that is behind, says to run sso db migrate, and changes nothing', async () => {
      const e = await freshEmptyDb();
      const denv = envFor(e.url);
      for (const args of [['client', 'list', '--json'], ['account', 'list'], ['keys', 'list'], ['db', 'gc'], ['audit', 'list'], ['client', 'add', '--name', 'X', '--redirect-uri', 'https://x.example.vn/cb']]) {
        const r = await sso(denv, args);
        expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 1, out: [] });
        expect(r.stderr).toMatch(/^sso: the database schema is behind this version of sso \(\d+ migrations not applied: .*\): run `sso db migrate`/);
      }
      const status = await sso(denv, ['db', 'status', '--json']);
      expect(JSON.parse(status.out[0]!)).toMatchObject({ state: 'behind', applied: [] });
    });

    it('a database migrated by a newer version is refused by every command, sso db migrate included', async () => {
      const g = await freshDb();
      const genv = envFor(g.url);
      const applied = await g.db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT COUNT(*) AS n FROM _prisma_migrations');
      const newer = '20991231000000_from_a_newer_version';
      await g.db.prisma.$executeRawUnsafe(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('${randomUUID()}', '${'0'.repeat(64)}', '${newer}', CURRENT_TIMESTAMP, 1)`);
      for (const args of [['client', 'list'], ['db', 'migrate'], ['db', 'gc']]) {
        const r = await sso(genv, args);
        expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 1, out: [] });
        expect(r.stderr).toContain(`the database was migrated by a newer version of sso (${newer} unknown to this one)`);
      }
      const status = await sso(genv, ['db', 'status']);
      expect(status.code).toBe(1);
      expect(status.stdout).toContain(`applied by a newer version, unknown to this one (1):\n  ${newer}`);
      const after = await g.db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT COUNT(*) AS n FROM _prisma_migrations');
      expect(Number(after[0]!.n)).toBe(Number(applied[0]!.n) + 1);
    });

    it('gc removes expired rows, keeps live ones and retires keys past retire_after', async () => {
      const g = await freshDb();
      const p = g.db.prisma;
      const genv = envFor(g.url);
      const expired = randomUUID();
      const live = randomUUID();
      const forever = randomUUID();
      await p.oidcPayload.create({ data: { type: 'AccessToken', id: expired, payload: '{}', expiresAt: new Date(Date.now() - 60_000) } });
      await p.oidcPayload.create({ data: { type: 'AccessToken', id: live, payload: '{}', expiresAt: new Date(Date.now() + 3_600_000) } });
      await p.oidcPayload.create({ data: { type: 'Session', id: forever, payload: '{}', expiresAt: null } });
      const oldKid = randomUUID();
      const liveKid = randomUUID();
      await p.signingKey.create({ data: { kid: oldKid, alg: 'ES256', status: 'retiring', encryptedJwk: 'x', activatedAt: new Date(Date.now() - 3 * DAY_MS), retireAfter: new Date(Date.now() - 60_000) } });
      await p.signingKey.create({ data: { kid: liveKid, alg: 'ES256', status: 'retiring', encryptedJwk: 'x', activatedAt: new Date(Date.now() - DAY_MS), retireAfter: new Date(Date.now() + 3_600_000) } });

      const r = ok(await sso(genv, ['db', 'gc']));
      expect(r.out).toEqual(['removed 1 expired rows; retired 1 keys']);
      const left = await p.oidcPayload.findMany({ select: { id: true } });
      expect(left.map((x) => x.id).sort()).toEqual([live, forever].sort());
      expect((await p.signingKey.findUnique({ where: { kid: oldKid } }))!.status).toBe('retired');
      expect((await p.signingKey.findUnique({ where: { kid: oldKid } }))!.retiredAt).toBeInstanceOf(Date);
      expect((await p.signingKey.findUnique({ where: { kid: liveKid } }))!.status).toBe('retiring');

      const again = ok(await sso(genv, ['db', 'gc']));
      expect(again.out).toEqual(['removed 0 expired rows; retired 0 keys']);
    });
  });

  describe('configuration errors (exit 2)', () => {
    it('NODE_ENV=production without secrets names COOKIE_KEYS and KEY_ENCRYPTION_SECRET and generates nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sso-cli-prod-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const penv: Env = { NODE_ENV: 'production', DATABASE_URL: t.url, DEMO: 'false', DATA_DIR: dir };
      const before = await prisma.client.count();
      const r = await sso(penv, ['client', 'add', '--name', 'Prod', '--redirect-uri', 'https://prod.example.vn/cb', '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toMatch(/^sso: invalid configuration/);
      expect(r.stderr).toContain('COOKIE_KEYS');
      expect(r.stderr).toContain('KEY_ENCRYPTION_SECRET');
      expect(readdirSync(dir)).toEqual([]);
      expect(await prisma.client.count()).toBe(before);
    });

    it('PORT=abc names PORT', async () => {
      const r = await sso(envFor(t.url, { PORT: 'abc' }), ['db', 'migrate']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toMatch(/^sso: invalid configuration/);
      expect(r.stderr).toMatch(/- PORT: /);
    });

    it('a DATABASE_URL that is neither file: nor postgresql:// names DATABASE_URL', async () => {
      const r = await sso(envFor('mysql://localhost/sso'), ['account', 'list', '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('DATABASE_URL');
    });

    it('test mode without secrets generates development secrets in DATA_DIR instead of failing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sso-cli-dev-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const r = ok(await sso({ NODE_ENV: 'test', DATABASE_URL: t.url, DEMO: 'false', DATA_DIR: dir }, ['account', 'list', '--json']));
      expect(Array.isArray(json<unknown[]>(r))).toBe(true);
      expect(existsSync(join(dir, 'dev-secrets.json'))).toBe(true);
    });
  });

  describe('usage errors (exit 2) and help', () => {
    it('an unknown command -> exit 2', async () => {
      const r = await sso(env, ['frobnicate']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    });

    it('an unknown subcommand -> exit 2', async () => {
      const r = await sso(env, ['client', 'remove', 'x']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown command 'remove'/);
    });

    it('a missing required option -> exit 2 naming it; nothing stored', async () => {
      const before = await prisma.client.count();
      const r = await sso(env, ['client', 'add', '--redirect-uri', 'https://x.example.vn/cb', '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.stderr).toMatch(/required option '--name <name>' not specified/);
      expect(await prisma.client.count()).toBe(before);
    });

    it('a missing argument -> exit 2', async () => {
      const r = await sso(env, ['account', 'disable']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/missing required argument 'login'/);
    });

    it('an unknown option -> exit 2', async () => {
      const r = await sso(env, ['client', 'list', '--yaml']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown option '--yaml'/);
    });

    it('--help exits 0 and lists the commands', async () => {
      const r = await sso(env, ['--help']);
      expect(r.code).toBe(0);
      for (const c of ['serve', 'db', 'keys', 'account', 'client']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    });
  });

  describe('bin/sso.js as a subprocess', () => {
    it('client add --json prints exactly one line of JSON; --help exits 0 and lists the commands', async () => {
      const e = await freshDb();
      const childEnv: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        DATABASE_URL: e.url,
        DEMO: 'false',
        COOKIE_KEYS: TEST_SECRETS.COOKIE_KEYS,
        KEY_ENCRYPTION_SECRET: TEST_SECRETS.KEY_ENCRYPTION_SECRET,
        DATA_DIR: dataDir,
      };
      const add = spawnSync(process.execPath, ['bin/sso.js', 'client', 'add', '--name', 'X', '--redirect-uri', 'https://app.example.vn/cb', '--json'], {
        cwd: ROOT,
        env: childEnv,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(add.error).toBeUndefined();
      if (add.status !== 0) throw new Error(`exit ${add.status} (signal ${add.signal})\nstdout: ${add.stdout}\nstderr: ${add.stderr}`);
      const lines = add.stdout.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe('');
      const c = JSON.parse(lines[0]!) as ClientOut;
      expect(c.client_id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(c.client_secret).toMatch(B64URL_256);
      expect(c.type).toBe('web');

      // the client really is in that database, and the printed secret verifies against its hash
      const rows = json<ClientListRow[]>(ok(await sso(envFor(e.url), ['client', 'list', '--json'])));
      expect(rows.map((x) => x.client_id)).toEqual([c.client_id]);
      expect(rows[0]).toMatchObject({ name: 'X', redirect_uris: ['https://app.example.vn/cb'] });
      const opened = await openDatabase(e.url, { poolSize: 1 });
      try {
        const row = await opened.prisma.client.findUnique({ where: { id: c.client_id } });
        expect(verifyClientSecret(c.client_secret, row!.secretHash)).toBe(true);
      } finally {
        await opened.close();
      }

      const help = spawnSync(process.execPath, ['bin/sso.js', '--help'], { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 });
      expect(help.error).toBeUndefined();
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^Usage: sso /m);
      for (const cmd of ['serve', 'db', 'keys', 'account', 'client']) expect(help.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }, 150_000);
  });
});
