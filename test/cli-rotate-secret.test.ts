/**
 * `sso client rotate-secret ID --overlap-until DATE` and `sso client end-secret-overlap ID`,
 * driven in-process against the real database: the new secret printed once, until when the old
 * one works, and a readable message with exit code 2 for a bad date, a past date, a date too
 * far ahead, a public client (nothing changed then).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { verifyClientSecrets } from '../src/clients/secret.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sso-cli-rotate-'));
let t: TestDatabase;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  t = await createTestDatabase();
  env = { NODE_ENV: 'test', DATABASE_URL: t.url, DEMO: 'false', COOKIE_KEYS: TEST_SECRETS.COOKIE_KEYS, KEY_ENCRYPTION_SECRET: TEST_SECRETS.KEY_ENCRYPTION_SECRET, DATA_DIR: dataDir };
});
afterAll(async () => {
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: () => Promise.reject(new Error('no prompt expected')) };
  const code = await main(['node', 'sso', ...args], io);
  return { code, out, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function addClient(type = 'service'): Promise<{ id: string; secret: string | null }> {
  const r = await sso(['client', 'add', '--name', `Ứng dụng ${type}`, '--type', type, ...(type === 'service' ? [] : ['--redirect-uri', type === 'native' ? 'vn.gov.app:/cb' : 'https://app.example.vn/cb']), '--json']);
  expect(r.code).toBe(0);
  const c = JSON.parse(r.stdout) as { client_id: string; client_secret: string | null };
  return { id: c.client_id, secret: c.client_secret };
}

const row = (id: string) => t.db.prisma.client.findUniqueOrThrow({ where: { id } });
const accepts = async (id: string, secret: string) => {
  const r = await row(id);
  return verifyClientSecrets(secret, { current: r.secretHash, previous: r.previousSecretHash, previousUntil: r.previousSecretUntil?.getTime() ?? null });
};
const vnIn = (days: number) => {
  const d = new Date(Date.now() + days * 86_400_000 + 7 * 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
};

describe('sso client rotate-secret --overlap-until', () => {
  it('dd/MM/yyyy HH:mm in Vietnam time: prints the new secret once and until when the old one works', async () => {
    const c = await addClient();
    const text = vnIn(7);
    const r = await sso(['client', 'rotate-secret', c.id, '--overlap-until', text]);
    expect(r.code).toBe(0);
    const fresh = /client_secret: (\S+)/.exec(r.stdout)?.[1];
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.stdout.split(fresh!)).toHaveLength(2);
    expect(r.stdout).toContain(`the previous secret is still accepted until ${text} (Asia/Ho_Chi_Minh;`);
    expect(await accepts(c.id, c.secret!)).toBe(true);
    expect(await accepts(c.id, fresh!)).toBe(true);
    const until = (await row(c.id)).previousSecretUntil!;
    expect(Math.abs(until.getTime() - (Date.now() + 7 * 86_400_000))).toBeLessThan(120_000);
  });

  it('an ISO time, --json; end-secret-overlap refuses the old secret from then on', async () => {
    const c = await addClient('web');
    const until = new Date(Date.now() + 86_400_000);
    until.setUTCSeconds(0, 0);
    const r = await sso(['client', 'rotate-secret', c.id, '--overlap-until', until.toISOString(), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { client_secret: string; overlap_until: string };
    expect(out.overlap_until).toBe(until.toISOString());
    expect(await accepts(c.id, c.secret!)).toBe(true);
    const end = await sso(['client', 'end-secret-overlap', c.id]);
    expect(end).toMatchObject({ code: 0, stdout: `the previous secret of ${c.id} is refused from now on` });
    expect(await accepts(c.id, c.secret!)).toBe(false);
    expect(await accepts(c.id, out.client_secret)).toBe(true);
    expect((await sso(['client', 'end-secret-overlap', c.id])).stdout).toBe(`${c.id} has no previous secret still accepted`);
  });

  it('without --overlap-until the old secret stops at once', async () => {
    const c = await addClient();
    const r = await sso(['client', 'rotate-secret', c.id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the previous secret no longer works');
    expect(await accepts(c.id, c.secret!)).toBe(false);
  });

  it.each([
    ['a bad date', 'mai nhé', /is not a date/],
    ['an impossible date', '31/02/2027 10:00', /is not a date/],
    ['a past date', '01/01/2020 08:00', /must be in the future/],
    ['a date too far ahead', vnIn(120), /at most 90 days ahead/],
  ])('%s -> exit 2, a readable message, nothing changed', async (_what, date, message) => {
    const c = await addClient();
    const before = await row(c.id);
    const r = await sso(['client', 'rotate-secret', c.id, '--overlap-until', date]);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.stderr).toMatch(message);
    expect((await row(c.id)).secretHash).toBe(before.secretHash);
  });

  it('a public client -> exit 2 naming it; an unknown one -> exit 1', async () => {
    const c = await addClient('native');
    const r = await sso(['client', 'rotate-secret', c.id, '--overlap-until', vnIn(1)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`"${c.id}" is a public \\(native\\) client and has no secret`));
    const none = await sso(['client', 'rotate-secret', 'no-such-client', '--overlap-until', vnIn(1)]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('sso: no client with id "no-such-client"');
  });
});
