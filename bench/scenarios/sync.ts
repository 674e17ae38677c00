/**
 * Benchmark scenario "sync": `sso sync` against a real slapd holding 50,000 generated civil
 * servants (BENCH_QUICK=1: 2,000), on SQLite and on PostgreSQL.
 *
 *   npx tsx bench/scenarios/sync.ts          (npm run bench runs it with the others)
 *
 * Per backend, on a fresh database each time: a full run that creates every account, a full run
 * with nothing changed, and a changed-only run with nothing changed. Each run is `node bin/sso.js
 * sync` (the real command as deployed: compiled JavaScript, configuration, services, audit trail,
 * deprovisioner) in its own process, timed from spawn to exit, with a preload that reports its peak
 * RSS (process.resourceUsage().maxRSS) on exit, so the memory is the sync's alone. The same-run baseline is the raw paged LDAP listing of the same entries
 * (ldapts, the same filter, attributes and page size, nothing parsed, no database), also in a
 * child process. Repeated (BENCH_SYNC_REPEAT, default 3; 1 when quick); medians are reported.
 *
 * The generated entries get modifyTimestamps spread over the two years before the load, as in a
 * live directory (slapadd would otherwise stamp every entry with the load time, and a
 * changed-only run would list them all again): so a changed-only run after a full one lists only
 * the few entries loaded last (the hand-written fixture).
 *
 * BENCH_SYNC_PROFILE=DIR writes a CPU profile of every sync child into DIR (node --cpu-prof);
 * BENCH_SYNC_NODE_OPTIONS gives the sso processes node options (to try V8 memory settings).
 * The last line of stdout is the report (bench/run.ts's contract); progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QUICK, progress } from '../lib/env.js';
import { median, round } from '../lib/stats.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(SELF, '../../..');
const PAGE_SIZE = 500;
const USAGE_PRELOAD = join(ROOT, 'bench', 'lib', 'usage-on-exit.mjs');
const USAGE_MARK = 'sso-bench-usage ';

interface ChildReport {
  ms: number;
  /** CPU time of the process (user + system), s: less dependent on what else the machine runs. */
  cpuS: number;
  maxRssMb: number;
  /** sso sync: its exit code and --json record; listing: the entries read. */
  exitCode?: number;
  run?: { status: string; seen: number; created: number; updated: number; unchanged: number; failed: number; disabled: number; started_at: string; finished_at: string };
  /** sso sync: the run itself, as recorded (started_at to finished_at: no process start, no opening). */
  runMs?: number;
  entries?: number;
  /** in-server changed-only runs: the duration of each, ms. */
  runsMs?: number[];
}

type ChildSpec =
  | { kind: 'server-changed'; runs: number; env: Record<string, string> }
  | { kind: 'list'; url: string; bindDn: string; bindPassword: string; baseDn: string };

// ---------------------------------------------------------------------------------------------
// Child processes: one sync, or the raw listing

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function childMain(spec: ChildSpec): Promise<ChildReport> {
  const t0 = performance.now();
  if (spec.kind === 'server-changed') {
    // what the server does every SYNC_INTERVAL: changed-only runs in a process that stays up
    const { loadConfig } = await import('../../src/config/load.js');
    const { openServices } = await import('../../src/app/container.js');
    const { openDirectory } = await import('../../src/directory/open.js');
    const { runSync } = await import('../../src/sync/run.js');
    const { createLogger } = await import('../../src/util/logger.js');
    const config = loadConfig(spec.env);
    const services = await openServices(config);
    const logger = createLogger('warn', process.stderr);
    const directory = await openDirectory(config.directory, logger);
    const runsMs: number[] = [];
    let run: ChildReport['run'];
    for (let k = 0; k < spec.runs; k++) {
      const t = performance.now();
      const r = await runSync({
        repo: services.syncRepo, directory: directory.connector!, mailDomains: directory.mailDomains, mode: 'changed',
        maxDisablePercent: config.sync.maxDisablePercent, pageSize: config.sync.pageSize, audit: services.audit, logger, holder: 'bench-server',
        endAccess: (id, reason) => services.deprovision.endAccess(id, reason),
      });
      runsMs.push(performance.now() - t);
      run = { status: r.status, seen: r.seen, created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed, disabled: r.disabled, started_at: r.startedAt.toISOString(), finished_at: r.finishedAt.toISOString() };
    }
    await directory.close();
    await services.close();
    return { ms: performance.now() - t0, cpuS: cpuSeconds(), maxRssMb: process.resourceUsage().maxRSS / 1024, run, runsMs };
  }
  if (spec.kind === 'list') {
    const { Client } = await import('ldapts');
    const { resolvePreset, searchAttributes } = await import('../../src/directory/ldap/presets.js');
    const preset = resolvePreset('zimbra', {}, undefined, undefined);
    const client = new Client({ url: spec.url, timeout: 60_000 });
    await client.bind(spec.bindDn, spec.bindPassword);
    let entries = 0;
    for await (const page of client.searchPaginated(spec.baseDn, {
      scope: 'sub', filter: preset.userFilter, attributes: searchAttributes(preset), paged: { pageSize: PAGE_SIZE },
    })) entries += page.searchEntries.length;
    await client.unbind();
    return { ms: performance.now() - t0, cpuS: cpuSeconds(), maxRssMb: process.resourceUsage().maxRSS / 1024, entries };
  }
  const unknown: never = spec;
  throw new Error(`unknown child: ${JSON.stringify(unknown)}`);
}

/** The child running now (stopped with the scenario). */
let running: ReturnType<typeof spawn> | undefined;

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
  /** spawn to exit */
  ms: number;
}

/** Runs `node ARGS` (with --cpu-prof when BENCH_SYNC_PROFILE is set) as the running child; its output once it has exited. */
function runNode(args: string[], env: NodeJS.ProcessEnv, label: string): Promise<Exited> {
  const profileDir = process.env.BENCH_SYNC_PROFILE;
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(resolve(profileDir), label)}`] : [];
  const t0 = performance.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, [...prof, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';

/** This file as a child (tsx): the raw listing, or changed-only runs in one process. */
async function runChild(spec: ChildSpec, label: string): Promise<ChildReport> {
  const r = await runNode(['--import', 'tsx', SELF], { ...process.env, NODE_OPTIONS: '', SYNC_BENCH_CHILD: JSON.stringify(spec) }, label);
  if (r.code !== 0) throw new Error(`${label}: child exited ${r.code}: ${r.stderr.slice(-2000)}`);
  try {
    return JSON.parse(lastLine(r.stdout)) as ChildReport;
  } catch {
    throw new Error(`${label}: no report from the child: ${r.stdout.slice(-500)} ${r.stderr.slice(-1000)}`);
  }
}

/**
 * `node bin/sso.js ARGS` exactly as deployed (compiled JavaScript, no TypeScript loader), with a
 * preload that reports its peak RSS and CPU time on exit; the time is spawn to exit.
 */
async function runSso(args: string[], env: Record<string, string>, label: string, nodeOptions = process.env.BENCH_SYNC_NODE_OPTIONS ?? ''): Promise<ChildReport> {
  const r = await runNode(['--import', pathToFileURL(USAGE_PRELOAD).href, join(ROOT, 'bin', 'sso.js'), ...args], { PATH: process.env.PATH ?? '', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...env }, label);
  if (r.code !== 0 && r.code !== 3) throw new Error(`${label}: sso ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  try {
    const usage = JSON.parse(lastLine(r.stderr.slice(r.stderr.lastIndexOf(USAGE_MARK) + USAGE_MARK.length))) as { maxRssMb: number; cpuS: number };
    const run = JSON.parse(lastLine(r.stdout)) as NonNullable<ChildReport['run']>;
    return { ms: r.ms, ...usage, exitCode: r.code, run, runMs: Date.parse(run.finished_at) - Date.parse(run.started_at) };
  } catch {
    throw new Error(`${label}: no report from sso: ${r.stdout.slice(-500)} ${r.stderr.slice(-1000)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The directory

/** GeneralizedTime, whole seconds. */
const generalizedTime = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * The generator's LDIF with a modifyTimestamp on every generated person: spread deterministically
 * over the two years before `loadedAt` minus a day.
 */
async function writeDirectory(file: string, n: number, loadedAt: Date): Promise<void> {
  const { generateLdifChunks } = await import('../../test/fixtures/ldap/generate.js');
  const out = createWriteStream(file);
  const span = 2 * 365 * 86_400_000;
  const newest = loadedAt.getTime() - 86_400_000;
  let i = 0;
  for (const chunk of generateLdifChunks(n, {}, 1000)) {
    const stamped = chunk.replace(/^zimbraId: .*$/gm, (line) => `${line}\nmodifyTimestamp: ${generalizedTime(new Date(newest - ((i++ * 7_919_993) % span)))}`);
    if (!out.write(stamped)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  if (i !== n) throw new Error(`expected ${n} generated people in the LDIF, stamped ${i}`);
}

// ---------------------------------------------------------------------------------------------
// The scenario

interface BackendRuns {
  create: ChildReport[];
  unchanged: ChildReport[];
  changed: ChildReport[];
  server: ChildReport[];
  /** The full runs again, on a fresh database, with the old generation capped (HEAP_CAP). */
  cappedCreate: ChildReport[];
  cappedUnchanged: ChildReport[];
}

/** The V8 heap cap README recommends for the sync job: the live heap of a 50,000-entry full sync stays near 50 MB. */
const HEAP_CAP = '--max-old-space-size=160';

const BACKENDS = [['sqlite', 'SQLite'], ['postgresql', 'PostgreSQL']] as const;
/** Changed-only runs in one server-like process: the first is cold (first queries, JIT), the rest are what runs every SYNC_INTERVAL. */
const SERVER_RUNS = 6;

async function parentMain(): Promise<void> {
  const { startSlapd } = await import('../../test/helpers/slapd.js');
  const { createEmptyTestDatabase } = await import('../../test/helpers/db.js');
  const { migrate } = await import('../../src/db/migrate.js');
  const n = QUICK ? 2_000 : 50_000;
  const repeat = Math.max(1, Number(process.env.BENCH_SYNC_REPEAT ?? (QUICK ? 1 : 3)) || 1);
  const dir = mkdtempSync(join(tmpdir(), 'sso-bench-sync-'));
  // stopped from outside (bench/run.ts's time limit, Ctrl-C): leave no directory or database behind
  // (slapd is stopped by test/helpers/slapd.ts's own exit hook)
  let current: { drop(): Promise<void> } | undefined;
  const stop = () => {
    running?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    void (current?.drop() ?? Promise.resolve()).finally(() => process.exit(143));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    progress(`sync: generating ${n.toLocaleString('en-US')} directory entries`);
    const ldif = join(dir, 'people.ldif');
    await writeDirectory(ldif, n, new Date());
    const slapd = await startSlapd({ fixture: 'zimbra', extraLdifFile: ldif });
    const syncEnv = (databaseUrl: string): Record<string, string> => ({
      NODE_ENV: 'test', DEMO: 'false', LOG_LEVEL: 'warn', DATA_DIR: dir, DATABASE_URL: databaseUrl,
      COOKIE_KEYS: 'bench-cookie-key-0123456789abcdefghijklmnopqrstuv', KEY_ENCRYPTION_SECRET: 'bench-key-encryption-secret-0123456789abcdef',
      LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn,
      LDAP_PRESET: 'zimbra', LDAP_MAIL_DOMAINS: 'tinh.gov.vn', SYNC_PAGE_SIZE: String(PAGE_SIZE),
    });
    /** fn with the environment of sso on a fresh, migrated database of the current TEST_DATABASE, dropped after. */
    const withFreshDatabase = async (fn: (env: Record<string, string>) => Promise<void>) => {
      const db = await createEmptyTestDatabase();
      current = db;
      try {
        await migrate(db.url);
        await fn(syncEnv(db.url));
      } finally {
        current = undefined;
        await db.drop();
      }
    };
    const listing: ChildReport[] = [];
    const fresh = (): BackendRuns => ({ create: [], unchanged: [], changed: [], server: [], cappedCreate: [], cappedUnchanged: [] });
    const byBackend: Record<'sqlite' | 'postgresql', BackendRuns> = { sqlite: fresh(), postgresql: fresh() };
    try {
      for (let r = 1; r <= repeat; r++) {
        progress(`sync: raw paged listing (${r}/${repeat})`);
        listing.push(await runChild({ kind: 'list', url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn }, 'listing'));
        for (const [backend] of BACKENDS) {
          process.env.TEST_DATABASE = backend;
          const runs = byBackend[backend];
          await withFreshDatabase(async (env) => {
            progress(`sync: ${backend}: sso sync --full, every account created (${r}/${repeat})`);
            runs.create.push(await runSso(['sync', '--full', '--json'], env, `${backend}-create`));
            progress(`sync: ${backend}: sso sync --full, nothing changed`);
            runs.unchanged.push(await runSso(['sync', '--full', '--json'], env, `${backend}-unchanged`));
            progress(`sync: ${backend}: sso sync (changed-only), nothing changed`);
            runs.changed.push(await runSso(['sync', '--json'], env, `${backend}-changed`));
            progress(`sync: ${backend}: ${SERVER_RUNS} changed-only runs in one process, as in the server`);
            runs.server.push(await runChild({ kind: 'server-changed', runs: SERVER_RUNS, env }, `${backend}-server`));
            const [c, u, ch, sv] = [runs.create.at(-1)!, runs.unchanged.at(-1)!, runs.changed.at(-1)!, runs.server.at(-1)!];
            progress(`sync: ${backend}: create ${round(c.ms / 1000)} s (${c.run!.created} created, ${round(c.maxRssMb)} MB), unchanged ${round(u.ms / 1000)} s, changed-only ${round(ch.ms / 1000)} s (${ch.run!.seen} listed), in-server changed-only ${sv.runsMs!.map((x) => round(x)).join(', ')} ms`);
            const changedWrote = (x: ChildReport) => x.run!.created + x.run!.updated + x.run!.disabled;
            if (c.run!.created < n || u.run!.unchanged < n || changedWrote(u) + changedWrote(ch) + changedWrote(sv) > 0) {
              throw new Error(`${backend}: unexpected counts: ${JSON.stringify({ create: c.run, unchanged: u.run, changed: ch.run, server: sv.run })}`);
            }
          });
          await withFreshDatabase(async (env) => {
            progress(`sync: ${backend}: the same two full runs with NODE_OPTIONS=${HEAP_CAP}`);
            runs.cappedCreate.push(await runSso(['sync', '--full', '--json'], env, `${backend}-capped-create`, HEAP_CAP));
            runs.cappedUnchanged.push(await runSso(['sync', '--full', '--json'], env, `${backend}-capped-unchanged`, HEAP_CAP));
            const [c, u] = [runs.cappedCreate.at(-1)!, runs.cappedUnchanged.at(-1)!];
            progress(`sync: ${backend}: capped: create ${round(c.ms / 1000)} s (${c.run!.created} created, ${round(c.maxRssMb)} MB), unchanged ${round(u.ms / 1000)} s (${round(u.maxRssMb)} MB)`);
            if (c.run!.created < n || u.run!.unchanged < n) throw new Error(`${backend}, capped: unexpected counts: ${JSON.stringify({ create: c.run, unchanged: u.run })}`);
          });
        }
      }
    } finally {
      await slapd.stop();
    }

    const seconds = (c: ChildReport) => c.ms / 1000;
    const rss = (c: ChildReport) => c.maxRssMb;
    const med = (xs: ChildReport[], f: (c: ChildReport) => number) => median(xs.map(f));
    /** The warm in-server runs (all but each process's first), ms. */
    const warm = (xs: ChildReport[]) => xs.flatMap((x) => x.runsMs!.slice(1));
    const listS = med(listing, seconds);
    const listRss = Math.max(...listing.map(rss));
    const size = n.toLocaleString('en-US');
    const listName = `paged LDAP listing alone (${size} entries)`;
    const results: unknown[] = [];
    const row = (name: string, value: number, unit: string, baseline: number, baselineName: string, target?: { text: string; max: number }) => {
      results.push({ name, value: round(value), unit, baseline: round(baseline), baselineName, ...(target ? { target: target.text, met: value <= target.max } : {}) });
    };
    const notes: string[] = [];
    for (const [backend, label] of BACKENDS) {
      const b = byBackend[backend];
      row(`full sync, ${size} entries, ${label}`, med(b.create, seconds), 's', listS, listName, { text: '<= 15 s', max: 15 });
      row(`full sync, nothing changed, ${size} entries, ${label}`, med(b.unchanged, seconds), 's', listS, listName, { text: '<= 15 s', max: 15 });
      row(`changed-only sync, nothing changed, in the server, ${label}`, median(warm(b.server)) / 1000, 's', listS, listName, { text: '<= 0.5 s', max: 0.5 });
      row(`sso sync (changed-only), nothing changed, whole command, ${label}`, med(b.changed, seconds), 's', listS, listName);
      row(`peak RSS, full sync, ${size} entries, ${label}`, Math.max(...b.create.map(rss), ...b.unchanged.map(rss)), 'MB', listRss, 'peak RSS of the listing process', { text: '<= 300 MB', max: 300 });
      row(`full sync, ${size} entries, ${label}, NODE_OPTIONS=${HEAP_CAP}`, med(b.cappedCreate, seconds), 's', listS, listName, { text: '<= 15 s', max: 15 });
      row(`peak RSS, full sync, ${size} entries, ${label}, NODE_OPTIONS=${HEAP_CAP}`, Math.max(...b.cappedCreate.map(rss), ...b.cappedUnchanged.map(rss)), 'MB', listRss, 'peak RSS of the listing process', { text: '<= 300 MB', max: 300 });
      row(`peak RSS, sso sync with nothing to do, ${label}`, Math.max(...b.changed.map(rss)), 'MB', listRss, 'peak RSS of the listing process');
      notes.push(
        `${label}: full create ${b.create.map((c) => round(seconds(c))).join(', ')} s (CPU ${b.create.map((c) => round(c.cpuS)).join(', ')} s), full unchanged ${b.unchanged.map((c) => round(seconds(c))).join(', ')} s (CPU ${b.unchanged.map((c) => round(c.cpuS)).join(', ')} s), peak RSS ${[...b.create, ...b.unchanged].map((c) => round(rss(c))).join(', ')} MB; in-server changed-only runs ${b.server.map((x) => x.runsMs!.map((m) => round(m)).join('/')).join('; ')} ms (the first of each process is cold), listing ${b.server[0]!.run!.seen} entries`,
        `${label}, NODE_OPTIONS=${HEAP_CAP}: full create ${b.cappedCreate.map((c) => round(seconds(c))).join(', ')} s, full unchanged ${b.cappedUnchanged.map((c) => round(seconds(c))).join(', ')} s, peak RSS ${[...b.cappedCreate, ...b.cappedUnchanged].map((c) => round(rss(c))).join(', ')} MB`,
      );
    }
    row(`paged LDAP listing alone, ${size} entries`, listS, 's', listS, 'itself');
    notes.push(
      `values: medians of ${repeat} repetition(s), each on a fresh database; peak RSS: the highest. Every full sync is \`sso sync --full\` (configuration, services, audit trail of every account created) in its own process; its time includes the process start (about ${round(Math.min(...BACKENDS.flatMap(([b]) => byBackend[b].changed.map(seconds))))} s, see the changed-only command)`,
      `listing alone: ${listing.map((l) => round(seconds(l))).join(', ')} s, ${listing[0]!.entries} entries, ${round(listRss)} MB`,
      `NODE_OPTIONS=${HEAP_CAP} caps V8's old generation: the live heap of a full sync stays near 50 MB whatever the directory's size (the listing is streamed), but with the default limit (about 4 GB here) V8 lets garbage reach a few hundred MB before collecting it; capped, it collects sooner, for about the same time`,
      `the generated entries carry modifyTimestamps spread over two years, so a changed-only run after a full one re-lists only the entries of the last listing's duration (here the hand-written fixture, loaded last)`,
    );
    process.stdout.write(`${JSON.stringify({ scenario: 'sync', title: `Directory sync: sso sync against slapd with ${size} generated entries`, results, notes })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.SYNC_BENCH_CHILD) {
  const report = await childMain(JSON.parse(process.env.SYNC_BENCH_CHILD) as ChildSpec);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  await parentMain();
}
