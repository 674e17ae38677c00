/**
 * The servers under test, each a child process of the scenario: this IdP (`node bin/sso.js
 * serve`, the real command, compiled JavaScript), the bare oidc-provider baseline
 * (bench/bare-provider.ts, compiled to JavaScript the same way), and the
 * query-counting runner (bench/counting-server.ts). Start-up time is spawn -> first 200 on the
 * readiness URL; RSS is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/ports.js';
import { TEST_SECRETS } from '../../test/helpers/server.js';
import { sleep } from './env.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `--import tsx` by URL: the children run in a cwd of their own, where 'tsx' does not resolve. */
const tsx = () => import.meta.resolve('tsx');

let bareBuilt: Promise<string> | undefined;
/**
 * bench/bare-provider.ts compiled to JavaScript (esbuild, as scripts/build.mjs compiles src/), so
 * the baseline runs without a TypeScript loader in its process, as this IdP does. Into .builds/,
 * beside node_modules, so its imports resolve.
 */
function bareProviderJs(): Promise<string> {
  bareBuilt ??= (async () => {
    const { build } = await import('esbuild');
    const out = join(ROOT, '.builds', 'bench', `bare-provider-${process.pid}.mjs`);
    await build({ entryPoints: [join(ROOT, 'bench', 'bare-provider.ts')], outfile: out, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
    process.once('exit', () => rmSync(out, { force: true }));
    return out;
  })();
  return bareBuilt;
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** ms from spawn to the first 200 on the readiness URL. */
  readyMs: number;
  /** Resident set size now, in MB. */
  rssMb(): number;
  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number;
  /** The child's stderr and stdout so far (for failures). */
  output(): string;
  child: ChildProcess;
  /** SIGTERM, wait for exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number((Number(m[1]) / 1024).toFixed(1));
}

/** utime + stime of a process from /proc/PID/stat, in ms (clock ticks are 100 Hz on Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command name, which is in parentheses and may contain spaces
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * CPU time used so far by the PostgreSQL backends serving one database (the server at 127.0.0.1
 * is local here; a backend's title is "postgres: USER DATABASE HOST(PORT) STATE"), in ms.
 * Deltas around a load run give the database's CPU per request, without other databases' work on
 * the same server. The shared background processes (WAL writer, checkpointer) are not counted.
 */
export function postgresCpuMs(databaseUrl: string): number {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const title = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!title.split(' ').includes(name)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}

/** Environment of an IdP instance: production mode, quiet logs, the test secrets. */
export function idpEnv(port: number, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    DEMO: 'false',
    ...TEST_SECRETS,
    ...extra,
  };
}

interface SpawnSpec {
  args: string[];
  env: Record<string, string>;
  port: number;
  readyPath: string;
  /** Keep stdin open (the counting runner reads commands from it). */
  stdin?: boolean;
}

async function spawnServer(spec: SpawnSpec): Promise<ServerProcess> {
  // a cwd of its own: no .env of the checkout is read, nothing is written into it
  const cwd = mkdtempSync(join(tmpdir(), 'sso-bench-cwd-'));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NODE_OPTIONS|DATABASE_URL|LDAP_|SYNC_|PORT$|ISSUER$|LOG_LEVEL$)/.test(k))) as Record<string, string>;
  const t0 = performance.now();
  const child = spawn(process.execPath, spec.args, { cwd, env: { ...base, ...spec.env }, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  if (!spec.stdin) child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  let exited: number | string | null = null;
  const exit = new Promise<void>((r) => child.once('exit', (code, signal) => { exited = signal ?? code; r(); }));
  const url = `http://127.0.0.1:${spec.port}`;
  const deadline = Date.now() + 120_000;
  let readyMs = 0;
  for (;;) {
    if (exited !== null) throw new Error(`server exited (${exited}) before it was ready:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after 120 s:\n${out.slice(-4000)}`);
    }
    try {
      const r = await fetch(url + spec.readyPath);
      await r.arrayBuffer();
      if (r.status === 200) {
        readyMs = performance.now() - t0;
        break;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(10);
  }
  return {
    url,
    port: spec.port,
    pid: child.pid!,
    readyMs,
    child,
    rssMb: () => rssMb(child.pid!),
    cpuMs: () => cpuMs(child.pid!),
    output: () => out,
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exit;
        clearTimeout(t);
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export interface IdpOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the server into this directory (read it with Chrome DevTools). */
  cpuProfDir?: string | undefined;
}

/** This IdP, exactly as deployed: `node bin/sso.js serve`. */
export async function startIdp(opts: IdpOptions): Promise<ServerProcess> {
  const port = await freePort();
  const prof = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  return spawnServer({ args: [...prof, join(ROOT, 'bin', 'sso.js'), 'serve'], env: idpEnv(port, opts.databaseUrl, opts.env), port, readyPath: '/readyz' });
}

export interface BareClient {
  client_id: string;
  client_secret?: string;
  grant_types: string[];
  redirect_uris: string[];
  response_types: string[];
  token_endpoint_auth_method?: string;
}

/** The baseline: oidc-provider with its in-memory adapter on its own Koa server (provider.listen). */
export async function startBareProvider(clients: BareClient[], cpuProfDir?: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  return spawnServer({
    args: [...prof, await bareProviderJs()],
    env: { NODE_ENV: 'production', PORT: String(port), BARE_CLIENTS: JSON.stringify(clients), COOKIE_KEYS: TEST_SECRETS.COOKIE_KEYS, ...env },
    port,
    readyPath: '/.well-known/openid-configuration',
  });
}

export interface QueryCounts {
  /** statements sent to the database, by "VERB Table" */
  byStatement: Record<string, number>;
  total: number;
}

export interface CountingServer extends ServerProcess {
  /** Zero the counters. */
  reset(): Promise<void>;
  counts(): Promise<QueryCounts>;
}

/** This IdP (startServer, same configuration) with every database statement counted. */
export async function startCountingIdp(opts: IdpOptions): Promise<CountingServer> {
  const port = await freePort();
  const s = await spawnServer({ args: ['--import', tsx(), join(ROOT, 'bench', 'counting-server.ts')], env: idpEnv(port, opts.databaseUrl, opts.env), port, readyPath: '/readyz', stdin: true });
  const lines = createInterface({ input: s.child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const ask = (cmd: string) => new Promise<string>((r) => { waiting.push(r); s.child.stdin!.write(`${cmd}\n`); });
  return {
    ...s,
    async reset() { await ask('reset'); },
    async counts() { return JSON.parse(await ask('report')) as QueryCounts; },
  };
}
