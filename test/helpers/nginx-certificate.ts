/**
 * deploy/nginx-sso-certificate.conf run by a real nginx (Debian's), in a throwaway prefix: the
 * certificate server as shipped (only its port, the certificate paths and the upstream put in),
 * and beside it a plain-HTTP server for the issuer's host (the test's ISSUER) that clears the
 * certificate header as nginx-sso.conf does. A self-signed server certificate for
 * sso.tinh.gov.vn; clients reach the certificate port with curl --resolve.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { canConnect, ROOT } from './sso-process.js';
import { PUBLIC_NAME, which } from './nginx-site.js';
import { until } from './until.js';

export const CERT_SITE = join(ROOT, 'deploy', 'nginx-sso-certificate.conf');

export interface CertificateProxy {
  /** The issuer's port (plain HTTP) and the certificate port (TLS, asks for a client certificate). */
  issuerPort: number;
  certPort: number;
  /** The server certificate the certificate port shows (curl --cacert). */
  serverCa: string;
  dir: string;
  stop(): Promise<void>;
}

/** The certificate server as shipped, with this machine's port, certificate and nothing else changed. */
export function certificateSiteFor(opts: { port: number; cert: string; key: string; name?: string }): string {
  const name = opts.name ?? PUBLIC_NAME;
  const out = readFileSync(CERT_SITE, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*listen \[::\]/.test(l))
    .join('\n')
    .replace('listen 8443 ssl http2;', `listen 127.0.0.1:${opts.port} ssl http2;`)
    .replaceAll(`${PUBLIC_NAME}:8443`, `${name}:${opts.port}`)
    .replace('/etc/ssl/sso/fullchain.pem', opts.cert)
    .replace('/etc/ssl/sso/privkey.pem', opts.key);
  for (const must of [`127.0.0.1:${opts.port} ssl`, `Host              ${name}:${opts.port}`, 'ssl_verify_client optional_no_ca', 'X-SSL-Client-Cert $ssl_client_escaped_cert', opts.cert]) {
    if (!out.includes(must)) throw new Error(`deploy/nginx-sso-certificate.conf changed shape: ${must} not found`);
  }
  return out;
}

/** `name`: the host the certificate port is reached by (default sso.tinh.gov.vn, through curl --resolve). */
export async function startCertificateProxy(upstreamPort: number, issuerPort: number, name?: string): Promise<CertificateProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'sso-nginx-cert-'));
  chmodSync(dir, 0o755);
  const temps = ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  for (const d of temps) {
    mkdirSync(join(dir, d));
    chmodSync(join(dir, d), 0o777);
  }
  const cert = join(dir, 'server.pem');
  const key = join(dir, 'server.key');
  const r = spawnSync(which('openssl'), ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${PUBLIC_NAME}`, '-addext', `subjectAltName=DNS:${PUBLIC_NAME}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  chmodSync(key, 0o644);
  const certPort = await freePort();
  writeFileSync(join(dir, 'certificate.conf'), certificateSiteFor({ port: certPort, cert, key, name }));
  writeFileSync(join(dir, 'nginx.conf'), [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 64; }',
    'http {',
    '  access_log off;',
    ...temps.map((d) => `  ${d === 'body' ? 'client_body' : d}_temp_path ${join(dir, d)};`),
    `  upstream sso { server 127.0.0.1:${upstreamPort}; keepalive 4; }`,
    '  server {',
    `    listen 127.0.0.1:${issuerPort};`,
    '    location / {',
    '      proxy_pass http://sso;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $http_host;',
    '      proxy_set_header X-Forwarded-For $remote_addr;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    '      proxy_set_header X-SSL-Client-Cert "";',
    '    }',
    '  }',
    `  include ${join(dir, 'certificate.conf')};`,
    '}',
    '',
  ].join('\n'));
  const nginx = which('nginx');
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf')];
  const t = spawnSync(nginx, [...args, '-t'], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`nginx -t failed: ${t.stdout}${t.stderr}`);
  const child: ChildProcess = spawn(nginx, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (d) => (errors += d));
  await until('nginx to accept connections', async () => (child.exitCode !== null ? Promise.reject(new Error(`nginx exited: ${errors}`)) : (await canConnect('127.0.0.1', certPort)) && canConnect('127.0.0.1', issuerPort)), 20_000, 50);
  return {
    issuerPort,
    certPort,
    serverCa: cert,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CurlAnswer {
  status: number;
  location: string;
  body: string;
}

/**
 * GET `url` on the certificate port with curl, as a browser holding `client` (a certificate and
 * its key) would; no redirect followed. Asynchronous: the server under test runs in this process.
 */
export function curlCertificate(p: CertificateProxy, url: string, client?: { cert: string; key: string }, lang = 'vi'): Promise<CurlAnswer> {
  const args = ['-sS', '--max-time', '20', '--resolve', `${PUBLIC_NAME}:${p.certPort}:127.0.0.1`, '--cacert', p.serverCa, '-H', `Accept-Language: ${lang}`, '-w', '\n%{http_code} %{redirect_url}'];
  if (client) args.push('--cert', client.cert, '--key', client.key);
  return new Promise((resolve, reject) => {
    const child = spawn(which('curl'), [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err}`));
      const end = out.lastIndexOf('\n');
      const [status, location] = out.slice(end + 1).split(' ');
      resolve({ status: Number(status), location: location ?? '', body: out.slice(0, end) });
    });
  });
}
