/**
 * A throwaway real nginx in front of a test server, as a province puts it in front of sso: it
 * passes the client's Host on, appends the address it saw to X-Forwarded-For and says the
 * scheme in X-Forwarded-Proto. Like an nginx configured only that far, it passes any other
 * header of the client's on as is (an X-Forwarded-Host the client forged, for instance).
 *
 *   const proxy = await startNginx(upstreamPort);      // proxy.url = http://127.0.0.1:PORT
 *   await proxy.stop();
 *
 * nginx runs in the foreground (`daemon off; master_process off;`) in a temp dir; stop() kills
 * it and removes the dir, and a hook on the real process's exit kills one that was not stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { realProcess } from './slapd.js';
import { until } from './until.js';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface Nginx {
  /** http://127.0.0.1:PORT, the proxy's address. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

function config(dir: string, port: number, upstream: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** nginx on a free loopback port (or `port`), proxying to 127.0.0.1:`upstream`. */
export async function startNginx(upstream: number, port?: number): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'sso-nginx-'));
  const listen = port ?? (await freePort());
  await writeFile(join(dir, 'nginx.conf'), config(dir, listen, upstream));
  const child: ChildProcess = spawn(NGINX_BIN, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.once('error', (e) => {
    exited = true;
    stderr += `${NGINX_BIN}: ${e.message} (the proxy tests need nginx: apt-get install -y nginx-light)\n`;
  });
  const onExit = () => {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  realProcess().once('exit', onExit);
  try {
    await until('nginx listening', async () => {
      if (exited) throw new Error(`nginx exited: ${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
      return canConnect(listen);
    }, 10_000, 20);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `http://127.0.0.1:${listen}`,
    port: listen,
    async stop() {
      realProcess().off('exit', onExit);
      if (!exited) {
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
