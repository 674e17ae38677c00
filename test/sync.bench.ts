/**
 * Full-sync benchmark on a generated directory (not part of npm test; it refuses to run without SYNC_BENCH):
 *
 *   SYNC_BENCH=3000,50000 NODE_OPTIONS=--experimental-vm-modules npx jest --testMatch '<rootDir>/test/sync.bench.ts'
 *   (TEST_DATABASE=postgresql for PostgreSQL)
 *
 * For each size: slapd with the fixture plus N generated people, a fresh database, and a child
 * Node process (so its memory is the sync's alone, not jest's) that runs a full sync (every
 * account created), a second full sync (every account unchanged) and a changed-only sync,
 * sampling RSS and heap. The numbers are printed; the test asserts that memory does not grow
 * with the directory (a page of entries and a batch of accounts at a time).
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTestDatabase, testBackend } from './helpers/db.js';
import { startSlapd } from './helpers/slapd.js';
import { writeGeneratedLdif } from './fixtures/ldap/generate.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SIZES = (process.env.SYNC_BENCH ?? '').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
if (!SIZES.length) throw new Error('set SYNC_BENCH, e.g. SYNC_BENCH=3000,50000');
const bench = describe;

const CHILD = `
const url = (p) => ${JSON.stringify(pathToFileURL(ROOT).href)} + '/' + p;
const { openDatabase } = await import(url('src/db/client.ts'));
const { LdapConnector } = await import(url('src/directory/ldap/connector.ts'));
const { createLogger } = await import(url('src/util/logger.ts'));
const { runSync } = await import(url('src/sync/runner.ts'));
const cfg = JSON.parse(process.env.BENCH_CONFIG);
const db = await openDatabase(cfg.databaseUrl, { poolSize: 4 });
const logger = createLogger('silent');
const directory = new LdapConnector({ logger, settings: { kind: 'ldap', urls: [cfg.ldapUrl], startTls: false, tlsInsecure: false, bindDn: cfg.bindDn,
  bindPassword: cfg.bindPassword, baseDn: cfg.baseDn, preset: 'zimbra', loginAttributes: [], mailDomains: ['tinh.gov.vn'], attributeMap: {},
  timeoutMs: 10000, poolSize: 2, groups: { source: 'memberof', baseDn: cfg.baseDn, filter: '' } } });
const out = [];
for (const mode of ['full', 'full', 'changed']) {
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss, peakHeap = base.heapUsed, liveHeap = base.heapUsed, ticks = 0;
  const sample = () => { const m = process.memoryUsage(); peakRss = Math.max(peakRss, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed); };
  // the live set: heap after a full collection, every tenth batch
  const live = () => { sample(); if (++ticks % 10 === 0 && globalThis.gc) { globalThis.gc(); liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed); } };
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  const r = await runSync({ prisma: db.prisma, directory, mailDomains: ['tinh.gov.vn'], mode, maxDisablePercent: 5, pageSize: 500,
    endAccess: async () => {}, logger, holder: 'bench', onProgress: live });
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample();
  out.push({ mode, status: r.status, seen: r.seen, created: r.created, unchanged: r.unchanged, failed: r.failed, ms: Math.round(ms),
    perSecond: Math.round(r.seen / (ms / 1000)), baseRssMb: +(base.rss / 1048576).toFixed(1), peakRssMb: +(peakRss / 1048576).toFixed(1),
    baseHeapMb: +(base.heapUsed / 1048576).toFixed(1), peakHeapMb: +(peakHeap / 1048576).toFixed(1), liveHeapMb: +(liveHeap / 1048576).toFixed(1) });
}
out.push({ maxRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(1) });
await directory.close();
await db.close();
process.stdout.write(JSON.stringify(out));
`;

function runChild(config: Record<string, string>): Promise<Record<string, number | string>[]> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? res(JSON.parse(stdout) as Record<string, number | string>[]) : rej(new Error(`bench child exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

bench(`sync benchmark (${testBackend()})`, () => {
  const results: { n: number; runs: Record<string, number | string>[] }[] = [];

  test.each(SIZES)('full sync of %i generated entries', async (n) => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-sync-bench-'));
    const file = join(dir, 'generated.ldif');
    await writeGeneratedLdif(file, n);
    const slapd = await startSlapd({ fixture: 'zimbra', extraLdifFile: file });
    const t = await createTestDatabase();
    try {
      const runs = await runChild({ databaseUrl: t.url, ldapUrl: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn });
      results.push({ n, runs });
      console.log(`[${testBackend()}] ${n} generated entries:\n${runs.map((r) => JSON.stringify(r)).join('\n')}`);
      expect(runs[0]).toMatchObject({ mode: 'full', status: 'partial', created: n + 16, failed: 1 });
      expect(runs[1]).toMatchObject({ mode: 'full', unchanged: n + 16 });
    } finally {
      await t.drop();
      await slapd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);

  test('memory does not grow with the directory', () => {
    // The live heap (after a full collection) while syncing: what the sync holds, not garbage yet
    // to collect. Bounded: a page of entries and a batch of accounts at a time, plus Prisma's
    // debug ring buffer (the arguments of its last 100 debug calls, i.e. of the last few dozen
    // queries, kept whether DEBUG is on or not), which fills after ~50 batches and stays full.
    for (const r of results) {
      const growth = Math.max(...r.runs.slice(0, 3).map((x) => Number(x.liveHeapMb) - Number(x.baseHeapMb)));
      expect(growth).toBeLessThan(128);
    }
  });
});
