/**
 * deploy/nginx-sso.conf run by a real nginx (Debian's), in a throwaway prefix: the site as
 * shipped, with only what a machine changes replaced (the listen ports, the certificate paths,
 * the instances), a self-signed certificate for sso.tinh.gov.vn, and an HTTPS client that
 * speaks to it as a browser on another address of this machine would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.js';
import { canConnect, ROOT } from './sso-process.js';
import { until } from './until.js';

export const PUBLIC_NAME = 'sso.tinh.gov.vn';
export const SITE = join(ROOT, 'deploy', 'nginx-sso.conf');

/** The full path of a program on the test's PATH (and sbin, where Debian puts nginx). */
export function which(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed (.ci/run installs it)`);
  return found;
}

/** The site as shipped, with this machine's ports, certificate and upstream put in. */
export function siteFor(opts: { tlsPort: number; httpPort: number; upstreamPort: number; cert: string; key: string }): string {
  const site = readFileSync(SITE, 'utf8');
  const out = site
    .split('\n')
    .filter((l) => !/^\s*listen \[::\]/.test(l)) // this machine's loopback only
    .join('\n')
    .replace(/listen 443 /g, `listen 127.0.0.1:${opts.tlsPort} `)
    .replace(/listen 80;/g, `listen 127.0.0.1:${opts.httpPort};`)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${opts.upstreamPort};`)
    .replace('/etc/ssl/sso/fullchain.pem', opts.cert)
    .replace('/etc/ssl/sso/privkey.pem', opts.key);
  for (const must of [`127.0.0.1:${opts.tlsPort} ssl`, `127.0.0.1:${opts.httpPort}`, `127.0.0.1:${opts.upstreamPort}`, opts.cert, opts.key]) {
    if (!out.includes(must)) throw new Error(`deploy/nginx-sso.conf changed shape: ${must} not put in`);
  }
  return out;
}

export interface Nginx {
  tlsPort: number;
  httpPort: number;
  ca: Buffer;
  dir: string;
  /** `nginx -t` on the configuration: status and output. */
  check: { status: number | null; output: string };
  stop(): Promise<void>;
}

/** A self-signed certificate for PUBLIC_NAME in `dir`. */
function certificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'fullchain.pem');
  const key = join(dir, 'privkey.pem');
  const r = spawnSync(which('openssl'), ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${PUBLIC_NAME}`, '-addext', `subjectAltName=DNS:${PUBLIC_NAME}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { cert, key };
}

/** Starts nginx with the site in front of 127.0.0.1:upstreamPort; resolves once it accepts TLS connections. */
export async function startNginx(upstreamPort: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'sso-nginx-'));
  chmodSync(dir, 0o755);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, d));
    chmodSync(join(dir, d), 0o777);
  }
  const { cert, key } = certificate(dir);
  const [tlsPort, httpPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'site.conf'), siteFor({ tlsPort, httpPort, upstreamPort, cert, key }));
  writeFileSync(join(dir, 'nginx.conf'), [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d === 'body' ? 'client_body' : d}_temp_path ${join(dir, d)};`),
    `  include ${join(dir, 'site.conf')};`,
    '}',
    '',
  ].join('\n'));
  const nginx = which('nginx');
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf')];
  const t = spawnSync(nginx, [...args, '-t'], { encoding: 'utf8' });
  const check = { status: t.status, output: `${t.stdout}${t.stderr}` };
  if (t.status !== 0) throw new Error(`nginx -t failed: ${check.output}`);
  const child: ChildProcess = spawn(nginx, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (d) => (errors += d));
  await until('nginx to accept connections', async () => (child.exitCode !== null ? Promise.reject(new Error(`nginx exited: ${errors}`)) : canConnect('127.0.0.1', tlsPort)), 20_000, 50);
  const ca = readFileSync(cert);
  return {
    tlsPort,
    httpPort,
    ca,
    dir,
    check,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request to nginx, as a browser would send it to https://sso.tinh.gov.vn, from `from` (a loopback address). */
export function viaNginx(n: Nginx, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; from?: string; servername?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1',
      port: n.tlsPort,
      path,
      method: opts.method ?? 'GET',
      servername: opts.servername ?? PUBLIC_NAME,
      ca: n.ca,
      localAddress: opts.from ?? '127.0.0.1',
      headers: { host: PUBLIC_NAME, ...(opts.headers ?? {}) },
      agent: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end(opts.body);
  });
}

/** One plain HTTP request to nginx's port 80 server. */
export function plainHttp(n: Nginx, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: n.httpPort, path, headers: { host: PUBLIC_NAME }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: '' }));
    });
    req.once('error', reject);
    req.end();
  });
}
