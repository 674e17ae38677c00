/**
 * `npm run bench [scenario ...]`: runs every bench/scenarios/*.ts (or those named), each as its
 * own child process, one after another (never in parallel, so each has the cores to itself and
 * its RSS and CPU are its own). Each scenario prints its report as the last line of stdout;
 * progress goes to stderr. Writes docs/benchmarks.json and docs/benchmarks.md (BENCH_OUT=dir
 * writes elsewhere). Naming scenarios re-runs those and keeps the others' last reports.
 *
 *   npm run bench                  everything
 *   npm run bench -- token login   two scenarios
 *   BENCH_QUICK=1 npm run bench    a smoke run of seconds per scenario
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseScenarioOutput, renderMarkdown, type BenchFile, type MachineInfo, type ScenarioRecord } from './lib/report.js';
import { PG_ADMIN_URL, QUICK } from './lib/env.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = join(ROOT, 'bench', 'scenarios');
const OUT = resolve(process.env.BENCH_OUT ?? join(ROOT, 'docs'));
/** A scenario still running after this is stopped and reported failed (BENCH_TIMEOUT_MIN, minutes). */
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MIN ?? (QUICK ? 3 : 20)) * 60_000;

function available(): string[] {
  return readdirSync(SCENARIOS).filter((f) => f.endsWith('.ts')).map((f) => basename(f, '.ts')).sort();
}

async function postgresVersion(): Promise<string> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const r = await c.query<{ v: string }>('SELECT version() AS v');
    return r.rows[0]!.v.split(' on ')[0]!;
  } catch (err) {
    return `unreachable (${(err as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function slapdVersion(): string {
  // slapd -VV prints its version on stderr
  const r = spawnSync(process.env.SLAPD_BIN ?? '/usr/sbin/slapd', ['-VV'], { encoding: 'utf8' });
  const m = /slapd ([\d.]+\S*)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? `OpenLDAP slapd ${m[1]}` : 'not installed';
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return `${m[1]} (${os.type()} ${os.release()})`;
  } catch {
    /* not Linux */
  }
  return `${os.type()} ${os.release()}`;
}

const load1 = () => Number(os.loadavg()[0]!.toFixed(2));

function runScenario(name: string): Promise<ScenarioRecord> {
  const file = join(SCENARIOS, `${name}.ts`);
  const ranAt = new Date().toISOString();
  const before = load1();
  const t0 = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`exited ${signal ?? code}${performance.now() - t0 >= TIMEOUT_MS ? ` (timed out after ${TIMEOUT_MS / 1000} s)` : ''}`));
      try {
        const report = parseScenarioOutput(stdout);
        resolveRun({ ...report, ranAt, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), load: [before, load1()] });
      } catch (err) {
        reject(err);
      }
    });
  });
}

async function main(): Promise<number> {
  const all = available();
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !all.includes(a));
  if (unknown.length) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; available: ${all.join(', ')}\n`);
    return 2;
  }
  const names = asked.length ? asked : all;
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg().map((x) => Number(x.toFixed(2)));
  const cpus = os.cpus();
  const machineBase = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGb: Math.round(os.totalmem() / 2 ** 30),
    os: osName(),
    node: process.version,
    postgresql: await postgresVersion(),
    slapd: slapdVersion(),
    quick: QUICK,
  };

  const jsonFile = join(OUT, 'benchmarks.json');
  // a partial run keeps the last reports of the scenarios it did not run
  let kept: ScenarioRecord[] = [];
  if (asked.length && existsSync(jsonFile)) {
    try {
      kept = (JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchFile).scenarios.filter((s) => !names.includes(s.scenario));
    } catch {
      kept = [];
    }
  }
  const done: ScenarioRecord[] = [];
  const failures: BenchFile['failures'] = [];
  for (const name of names) {
    process.stderr.write(`\n=== bench: ${name}${QUICK ? ' (quick)' : ''} ===\n`);
    try {
      const r = await runScenario(name);
      done.push(r);
      process.stderr.write(`${name}: ${r.results.map((x) => `${x.name} ${x.value} ${x.unit}${x.met === false ? ' (target missed)' : ''}`).join('; ')}\n`);
    } catch (err) {
      failures.push({ scenario: name, error: (err as Error).message });
      process.stderr.write(`${name}: FAILED: ${(err as Error).message}\n`);
    }
  }
  const machine: MachineInfo = { ...machineBase, loadBefore, loadAfter: os.loadavg().map((x) => Number(x.toFixed(2))) };
  const order = (s: ScenarioRecord) => all.indexOf(s.scenario);
  const run: BenchFile = { startedAt, finishedAt: new Date().toISOString(), machine, scenarios: [...kept, ...done].sort((a, b) => order(a) - order(b)), failures };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(OUT, 'benchmarks.md'), renderMarkdown(run));
  process.stderr.write(`\nwrote ${jsonFile} and ${join(OUT, 'benchmarks.md')}\n`);
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
