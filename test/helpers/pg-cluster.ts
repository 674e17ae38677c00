/**
 * A throwaway PostgreSQL cluster of its own (initdb in a temp dir, its own port on loopback), for
 * tests that stop and restart the database under a running IdP. The machine's shared
 * PostgreSQL is never touched: other test files use it at the same time.
 *
 *   const pg = await startPgCluster();        // ~1.5 s: initdb + start
 *   const url = await pg.createDatabase('sso');
 *   await pg.stop('immediate');               // a crash: no shutdown checkpoint, connections cut
 *   await pg.start();                         // same port, same data
 *   await pg.destroy();                       // stopped and removed (also on process exit)
 *
 * As root (CI), initdb and pg_ctl run as the postgres user (runuser); otherwise as the current
 * user. A watchdog shell holding a pipe from this process stops the cluster and removes its
 * directory if this process dies without cleaning up (a killed jest worker).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { realProcess } from './slapd.js';

function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN_DIR)');
  return join(root, versions[0]!, 'bin');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** argv that runs a PostgreSQL binary as the right user. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function run(bin: string, args: string[]): Promise<void> {
  const [cmd, argv] = pgCommand(bin, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${bin.split('/').pop()} ${args.join(' ')} exited ${code}: ${out.trim().slice(-1500)}`))));
  });
}

export interface PgCluster {
  readonly port: number;
  readonly dir: string;
  /** A postgresql:// URL for a database on this cluster. */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** fast: clean shutdown (connections are told); immediate: like a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
  destroy(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = binDir();
  const dir = await mkdtemp(join(tmpdir(), 'sso-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    spawnSync('chown', ['postgres', dir]);
    await chmod(dir, 0o700);
  }
  const port = await freePort();
  const pgCtl = join(bin, 'pg_ctl');
  let running = false;
  let destroyed = false;
  let watchdog: ChildProcess | undefined;

  const startArgs = () => ['-D', data, '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`, '-w', '-t', '30', 'start'];

  const stopNow = () => {
    if (!running) return;
    const [cmd, argv] = pgCommand(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(cmd, argv, { stdio: 'ignore' });
    running = false;
  };
  const onExit = () => {
    stopNow();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const proc = realProcess();
  proc.once('exit', onExit);

  const cluster: PgCluster = {
    port,
    dir,
    get running() {
      return running;
    },
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: cluster.url(), connectionTimeoutMillis: 5000 });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await c.end();
      }
      return cluster.url(name);
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await run(pgCtl, ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    async start() {
      if (running) return;
      await run(pgCtl, startArgs());
      running = true;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      proc.off('exit', onExit);
      try {
        await cluster.stop('immediate');
      } catch {
        stopNow();
      }
      const w = watchdog;
      watchdog = undefined;
      if (w && w.exitCode === null) {
        const gone = new Promise<void>((r) => w.once('exit', () => r()));
        w.ref();
        w.kill('SIGKILL');
        await gone;
      }
      (w?.stdin as Socket | null | undefined)?.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-N', '-E', 'UTF8', '--locale=C']);
    await cluster.start();
    // if this process dies without destroy(), the pipe closes and the watchdog cleans up
    const [cmd, argv] = pgCommand(pgCtl, ['-D', data, '-m', 'immediate', 'stop']);
    const script = `read _; ${[cmd, ...argv].map((a) => `'${a}'`).join(' ')} >/dev/null 2>&1; rm -rf '${dir}'`;
    const w = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'] });
    w.unref();
    (w.stdin as Socket).on('error', () => {});
    (w.stdin as Socket).unref();
    watchdog = w;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}
