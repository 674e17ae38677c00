/**
 * `sso sync` through registerSyncCommand, with a capturing io, the real configuration loader, a
 * real slapd (the Zimbra-like fixture) and the database TEST_DATABASE selects: exit codes, --json,
 * --history, progress output, usage errors.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/util/logger.js';
import { registerSyncCommand, SyncCommandExit, type SyncCommandIO } from '../src/cli/commands/sync.js';
import { acquireLease, releaseLease } from '../src/db/lease.js';
import { createSyncRepository } from '../src/db/repos/sync.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { ldifLine } from './fixtures/ldap/generate.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';

let slapd: Slapd;
let t: TestDatabase;
const ended: string[] = [];

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'zimbra' });
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await t?.drop();
  await slapd?.stop();
});

type Env = Record<string, string | undefined>;

const TEST_SECRETS = { COOKIE_KEYS: 'test-cookie-key-0123456789abcdefghijklmnop', KEY_ENCRYPTION_SECRET: 'test-key-encryption-secret-0123456789abcdef' };

function env(extra: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: t.url,
    ...TEST_SECRETS,
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: slapd.bindDn,
    LDAP_BIND_PASSWORD: slapd.bindPassword,
    LDAP_BASE_DN: slapd.baseDn,
    LDAP_PRESET: 'zimbra',
    LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
    LDAP_TIMEOUT_MS: '1000',
    // the fixture's entry without zimbraId is left out, so a clean run is a success
    LDAP_USER_FILTER: '(!(uid=thaopt))',
    SYNC_PAGE_SIZE: '10',
    // a small directory: one person of twelve is 8%
    SYNC_MAX_DISABLE_PERCENT: '10',
    ...extra,
  };
}

interface Run {
  code: number;
  out: string[];
  err: string[];
  /** Raw progress writes (TTY). */
  written: string;
}

async function sso(args: string[], opts: { env?: Env; tty?: boolean } = {}): Promise<Run> {
  const run: Run = { code: 0, out: [], err: [], written: '' };
  const io: SyncCommandIO = {
    out: (l) => run.out.push(l),
    err: (l) => run.err.push(l),
    ...(opts.tty ? { isTTY: true, write: (s: string) => void (run.written += s) } : {}),
  };
  // as src/cli/main.ts builds its program
  const program = new Command('sso').exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerSyncCommand(program, {
    io,
    getConfig: () => loadConfig(opts.env ?? env()),
    open: async () => ({ syncRepo: createSyncRepository(t.db.prisma) }),
    endAccess: async (id) => void ended.push(id),
    logger: createLogger('silent'),
    leaseWaitMs: 300,
  });
  try {
    await program.parseAsync(['node', 'sso', ...args]);
  } catch (err) {
    if (err instanceof SyncCommandExit) run.code = err.exitCode;
    else if (err instanceof CommanderError) run.code = err.exitCode === 0 ? 0 : 2;
    else {
      run.err.push(`sso: ${(err as Error).message}`);
      run.code = 1;
    }
  }
  return run;
}

const json = (r: Run) => {
  expect(r.out).toHaveLength(1);
  return JSON.parse(r.out[0]!) as Record<string, unknown>;
};

describe('sso sync', () => {
  test('--full --json: exit 0, one JSON object, the run record', async () => {
    const r = await sso(['sync', '--full', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    const o = json(r);
    expect(o).toMatchObject({ mode: 'full', dry_run: false, status: 'success', seen: 16, created: 16, updated: 0, disabled: 0, failed: 0, conflicts: 0, errors: [], message: null });
    expect(o.id).toEqual(expect.any(String));
    expect(new Date(o.started_at as string).getTime()).toBeLessThanOrEqual(new Date(o.finished_at as string).getTime());
    const rec = await t.db.prisma.syncRun.findUnique({ where: { id: o.id as string } });
    expect(rec).toMatchObject({ status: 'success', seen: 16, created: 16 });
  });

  test('partial (an unreadable entry): exit 3, the entry named; plain progress lines when not a terminal', async () => {
    const r = await sso(['sync', '--full'], { env: env({ LDAP_USER_FILTER: undefined }) });
    expect(r.code).toBe(3);
    expect(r.out[0]).toMatch(/^full sync: partial in \d+\.\d s$/);
    expect(r.out[1]).toMatch(/seen 17 +created 0 +updated 0 +disabled 0 +unchanged 16 +failed 1 +conflicts 0/);
    expect(r.out).toContain(`  entry: ${P.thao.dn}: missing zimbraId`);
    expect(r.err.some((l) => /^sso sync: listing \d+ entries/.test(l) || /^sso sync: listing \[/.test(l))).toBe(true);
    expect(r.err.some((l) => /^sso sync: applying/.test(l))).toBe(true);
    expect(r.written).toBe('');
  });

  test('a progress bar on a terminal, with an ETA from the previous full run', async () => {
    const r = await sso(['sync', '--full'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.written).toMatch(/\rlisting \[#*\.*\] +\d+% \d+\/~\d+ entries +[\d,]+\/s ETA \d+:\d\d/);
    expect(r.written).toMatch(/\rapplying \[/);
    expect(r.written.endsWith('\r\x1b[K')).toBe(true); // the bar is cleared before the summary
    expect(r.out[0]).toMatch(/^full sync: success/);
  });

  test('--dry-run: counts what would change, writes nothing', async () => {
    await slapd.ldapModify([ldifLine('dn', P.hung.dn), 'changetype: modify', 'replace: zimbraAccountStatus', 'zimbraAccountStatus: closed', '-', ''].join('\n'));
    const before = JSON.stringify(await t.db.prisma.account.findMany({ orderBy: { id: 'asc' } }));
    const r = await sso(['sync', '--full', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ dry_run: true, status: 'success', disabled: 1, message: expect.stringMatching(/dry run/) });
    expect(JSON.stringify(await t.db.prisma.account.findMany({ orderBy: { id: 'asc' } }))).toBe(before);
    const real = await sso(['sync', '--json']); // changed-only
    expect(real.code).toBe(0);
    expect(json(real)).toMatchObject({ mode: 'changed', disabled: 1 });
    expect(ended).toHaveLength(1);
  });

  test('refused: exit 4 above the safety threshold (--force applies), and when another sync is running', async () => {
    // accounts made a minute ago or less are not taken for gone (a first login during the listing)
    await t.db.prisma.account.updateMany({ data: { createdAt: new Date(Date.now() - 3_600_000) } });
    // two of the remaining active people deleted: 2 of 11 active accounts, above 10%
    await slapd.ldapModify([P.anh.dn, P.duc.dn].map((dn) => `${ldifLine('dn', dn)}\nchangetype: delete\n\n`).join(''));
    const r = await sso(['sync', '--full']);
    expect(r.code).toBe(4);
    expect(r.err.join('\n')).toMatch(/would disable 2 of \d+ active accounts .*SYNC_MAX_DISABLE_PERCENT=10%.*sso sync --full --force.*nothing applied/);
    const forced = await sso(['sync', '--full', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(json(forced)).toMatchObject({ status: 'success', disabled: 2, would_disable: 2, message: expect.stringMatching(/^forced: /) });

    await acquireLease(t.db.prisma, 'sync', 'sso-a.tinh.gov.vn:4242#run', 60_000);
    try {
      const busy = await sso(['sync']);
      expect(busy.code).toBe(4);
      expect(busy.err).toEqual([expect.stringMatching(/^sso sync: refused: another sync is running \(sso-a\.tinh\.gov\.vn:4242, lease until /)]);
      const busyJson = await sso(['sync', '--full', '--json']);
      expect(busyJson.code).toBe(4);
      expect(json(busyJson)).toMatchObject({ id: null, status: 'refused', busy: true, message: expect.stringMatching(/another sync is running/) });
    } finally {
      await releaseLease(t.db.prisma, 'sync', 'sso-a.tinh.gov.vn:4242#run');
    }
  });

  test('exit 1 when the directory does not answer', async () => {
    const r = await sso(['sync', '--full'], { env: env({ LDAP_URL: 'ldap://127.0.0.1:9', LDAP_TIMEOUT_MS: '500' }) });
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^full sync: failed/);
    expect(r.err.join('\n')).toMatch(/directory unreachable/);
    const j = await sso(['sync', '--json'], { env: env({ LDAP_URL: 'ldap://127.0.0.1:9', LDAP_TIMEOUT_MS: '500' }) });
    expect(j.code).toBe(1);
    expect(json(j)).toMatchObject({ mode: 'changed', status: 'failed' });
  });

  test.each([
    [['sync', '--history', '--full'], /--history lists runs/],
    [['sync', '--limit', '5'], /--limit and --all go with --history/],
    [['sync', '--all'], /--limit and --all go with --history/],
    [['sync', '--history', '--limit', '0'], /--limit.*whole number/],
    [['sync', '--history', '--limit', 'ten'], /--limit.*whole number/],
    [['sync', '--force'], /--force applies to a full sync/],
    [['sync', '--bogus'], /unknown option '--bogus'/],
  ])('usage: %j -> exit 2', async (args, message) => {
    const r = await sso(args);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(message);
    expect(r.out.filter((l) => l.trim())).toEqual([]);
  });

  test('exit 2 without a directory, or with a wrong configuration', async () => {
    const none = await sso(['sync'], { env: env({ LDAP_URL: undefined, DEMO: 'false' }) });
    expect(none.code).toBe(2);
    expect(none.err.join('\n')).toMatch(/no directory is configured \(LDAP_URL\)/);
    const bad = await sso(['sync'], { env: env({ SYNC_MAX_DISABLE_PERCENT: 'lots' }) });
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/SYNC_MAX_DISABLE_PERCENT/);
  });

  test('--history: the last runs as a table, or JSON', async () => {
    const r = await sso(['sync', '--history']);
    expect(r.code).toBe(0);
    const lines = r.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^STARTED +MODE +STATUS +SEEN +CREATED +UPDATED +DISABLED +UNCHANGED +FAILED +CONFLICTS +TOOK +MESSAGE$/);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +changed +failed /); // newest first
    expect(r.out.join('\n')).toMatch(/full \(dry\) +success/);
    const j = await sso(['sync', '--history', '--json', '--limit', '2']);
    expect(j.code).toBe(0);
    const runs = JSON.parse(j.out[0]!) as Record<string, unknown>[];
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ mode: 'changed', status: 'failed', errors: [expect.objectContaining({ kind: 'listing' })] });
    // idle changed-only runs (the server's every few seconds) only with --all
    await t.db.prisma.syncRun.create({ data: { id: 'idle-run', mode: 'changed', status: 'success', seen: 0, finishedAt: new Date(), startedAt: new Date(Date.now() + 1000) } });
    expect(JSON.parse((await sso(['sync', '--history', '--json', '--limit', '1'])).out[0]!)[0].id).not.toBe('idle-run');
    expect(JSON.parse((await sso(['sync', '--history', '--json', '--limit', '1', '--all'])).out[0]!)[0].id).toBe('idle-run');
    expect(Object.keys(runs[0]!)).toEqual(['id', 'mode', 'dry_run', 'status', 'started_at', 'finished_at', 'seen', 'created', 'updated', 'disabled', 'unchanged', 'failed', 'conflicts', 'message', 'errors', 'holder']);
  });
});
