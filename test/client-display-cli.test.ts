/** `sso client add|update --home-url --description --logo-file --no-logo`: the app launcher's fields from the command line. */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { TEST_SECRETS } from './helpers/server.js';
import { pngSquare, SVG } from './helpers/images.js';

let db: TestDatabase;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'sso-client-display-'));
  env = { NODE_ENV: 'test', DATABASE_URL: db.url, DEMO: 'false', DATA_DIR: dataDir, ...TEST_SECRETS };
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sso(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, readSecret: async () => '' };
  const code = await main(['node', 'sso', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const file = (name: string, bytes: Buffer) => {
  const p = join(dataDir, name);
  writeFileSync(p, bytes);
  return p;
};

it('adds an application with a home URL, a description and a logo; updates and removes each; audited', async () => {
  const png = file('logo.png', pngSquare(16, [15, 47, 87]));
  const add = await sso(['client', 'add', '--id', 'hoso', '--name', 'Hồ sơ một cửa', '--redirect-uri', 'https://hoso.tinh.gov.vn/cb',
    '--home-url', 'https://hoso.tinh.gov.vn/', '--description', 'Tiếp nhận và trả kết quả hồ sơ', '--logo-file', png, '--json']);
  expect(add.code).toBe(0);
  const row = await db.db.prisma.client.findUniqueOrThrow({ where: { id: 'hoso' } });
  expect(row).toMatchObject({ homeUrl: 'https://hoso.tinh.gov.vn/', description: 'Tiếp nhận và trả kết quả hồ sơ', logoEtag: expect.stringMatching(/^".+"$/) });
  const logo = await db.db.prisma.clientLogo.findUniqueOrThrow({ where: { clientId: 'hoso' } });
  expect(logo.contentType).toBe('image/png');
  expect(Buffer.from(logo.data).equals(pngSquare(16, [15, 47, 87]))).toBe(true);

  const shown = JSON.parse((await sso(['client', 'update', 'hoso', '--description', 'Dịch vụ công', '--json'])).stdout);
  expect(shown).toMatchObject({ home_url: 'https://hoso.tinh.gov.vn/', description: 'Dịch vụ công', logo_url: expect.stringMatching(/^\/apps\/hoso\/logo\?v=/) });

  const cleared = await sso(['client', 'update', 'hoso', '--home-url', '', '--description', '', '--no-logo', '--json']);
  expect(cleared.code).toBe(0);
  expect(JSON.parse(cleared.stdout)).toMatchObject({ home_url: null, description: null, logo_url: null });
  expect(await db.db.prisma.clientLogo.count({ where: { clientId: 'hoso' } })).toBe(0);

  const events = await db.db.prisma.auditEvent.findMany({ where: { clientId: 'hoso', type: { in: ['client.created', 'client.updated'] } }, orderBy: { seq: 'asc' } });
  const details = events.map((e) => JSON.parse(e.detail ?? '{}') as Record<string, unknown>);
  expect(details[0]).toMatchObject({ home_url: 'https://hoso.tinh.gov.vn/', logo: { type: 'image/png' } });
  expect(details[1]!.changed).toEqual(['description']);
  expect(details[2]!.changed).toEqual(['home_url', 'description', 'logo']);
  expect(details[2]).toMatchObject({ logo: null });
});

it('refuses a bad home URL, an SVG, a missing or too large file and contradictions with exit 2, changing nothing', async () => {
  expect((await sso(['client', 'add', '--id', 'vanban', '--name', 'Văn bản', '--redirect-uri', 'https://vanban.tinh.gov.vn/cb'])).code).toBe(0);
  const cases: [string[], RegExp][] = [
    [['--home-url', 'http://vanban.tinh.gov.vn/'], /must use https/],
    [['--home-url', 'javascript:alert(1)'], /must use https/],
    [['--logo-file', file('logo.svg', SVG)], /SVG is not accepted/],
    [['--logo-file', join(dataDir, 'none.png')], /cannot read it \(ENOENT\)/],
    [['--logo-file', file('big.png', Buffer.concat([pngSquare(2, [0, 0, 0]), Buffer.alloc(300 * 1024)]))], /at most 256 KiB/],
    [['--logo-file', file('ok.png', pngSquare(2, [0, 0, 0])), '--no-logo'], /contradict/],
    [['--description', 'x'.repeat(201)], /at most 200 characters/],
  ];
  for (const [args, why] of cases) {
    const r = await sso(['client', 'update', 'vanban', ...args]);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.stderr).toMatch(why);
  }
  const bad = await sso(['client', 'add', '--name', 'X', '--redirect-uri', 'https://x.tinh.gov.vn/cb', '--home-url', 'ftp://x.tinh.gov.vn/']);
  expect(bad.code).toBe(2);
  expect(await db.db.prisma.client.findUniqueOrThrow({ where: { id: 'vanban' } })).toMatchObject({ homeUrl: null, description: null, logoEtag: null });
  expect(await db.db.prisma.client.count()).toBe(2);
});
