/**
 * docs/operations.md and deploy/, followed as a province's IT team would (SQLite pass only):
 *
 * - deploy/sso.service passes `systemd-analyze verify` with nothing printed, and has what the
 *   docs promise (its own user, ProtectSystem=strict, the data folder writable, a restart
 *   policy, secrets through LoadCredential and the *_FILE settings).
 * - deploy/nginx-sso.conf passes `nginx -t` and, run by a real nginx, sets the forwarded
 *   headers instead of passing the client's on, drops a wrong Host, limits /metrics and
 *   /readyz, and redirects HTTP; in front of a real sso with TRUST_PROXY=true a login works and
 *   is counted against the browser's own address, not a forged one, while TRUST_PROXY=false
 *   (the pitfall) breaks the authorization request.
 * - The SQLite backup and restore blocks of the docs, run as written while `sso serve` runs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_SETTINGS } from '../src/config/schema.js';
import { freePort, startTestServer, TEST_SECRETS, type TestServer } from './helpers/server.js';
import { PUBLIC_NAME, startNginx, plainHttp, viaNginx, which, type Answer, type Nginx } from './helpers/nginx-site.js';
import { ROOT } from './helpers/sso-process.js';
import { docBlock, servicePrelude } from './helpers/ops-docs.js';
import { until } from './helpers/until.js';
import { formAction, inputValue } from './helpers/browser.js';

const UNIT = readFileSync(join(ROOT, 'deploy', 'sso.service'), 'utf8');
/** A browser on another address of this machine than nginx's own (127.0.0.1). */
const BROWSER = '127.0.0.2';

/** Values of a directive in the unit (every line `Name=value`). */
const unitValues = (name: string) => UNIT.split('\n').filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1));

describe('deploy/sso.service', () => {
  it('passes systemd-analyze verify with nothing printed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-unit-'));
    try {
      // the unit names Debian's /usr/bin/node; a machine whose node is elsewhere checks that path
      const file = join(dir, 'sso.service');
      writeFileSync(file, UNIT.replaceAll('/usr/bin/node ', `${process.execPath} `));
      const r = spawnSync(which('systemd-analyze'), ['verify', file], { encoding: 'utf8' });
      expect({ status: r.status, output: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as its own user, read-only but for its data, restarting, with secrets from credentials', () => {
    expect(unitValues('User')).toEqual(['sso']);
    expect(unitValues('ProtectSystem')).toEqual(['strict']);
    expect(unitValues('ReadWritePaths')).toEqual(['/var/lib/sso']);
    expect(unitValues('StateDirectory')).toEqual(['sso']);
    expect(unitValues('Restart')).toEqual(['on-failure']);
    expect(unitValues('NoNewPrivileges')).toEqual(['yes']);
    expect(unitValues('ExecStart')).toEqual(['/usr/bin/node /opt/sso/bin/sso.js serve --config /etc/sso/sso.env']);
    // each credential is read through a *_FILE setting sso knows, from the service's own folder
    const creds = unitValues('LoadCredential').map((v) => v.split(':')[0]!);
    expect(creds).toEqual(['cookie_keys', 'key_encryption_secret']);
    for (const c of creds) {
      const setting = c.toUpperCase();
      expect((SECRET_SETTINGS as readonly string[]).includes(setting)).toBe(true);
      expect(unitValues('Environment')).toContain(`${setting}_FILE=%d/${c}`);
    }
  });
});

describe('deploy/sso-cli', () => {
  it('runs sso as the service does: user sso, LoadCredential for each secret, *_FILE settings, no secret in its arguments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-cli-wrapper-'));
    try {
      // systemd-run stands in: it prints the arguments it was given, one a line (no systemd here)
      writeFileSync(join(dir, 'systemd-run'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
      const creds = join(dir, 'credentials');
      spawnSync('mkdir', [creds]);
      writeFileSync(join(creds, 'cookie_keys'), TEST_SECRETS.COOKIE_KEYS);
      writeFileSync(join(creds, 'ldap_bind_password'), 'bí-mật-ldap');
      const r = spawnSync('bash', [join(ROOT, 'deploy', 'sso-cli'), 'keys', 'list', '--json'], {
        env: { PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, SSO_CREDENTIALS: creds },
        input: '',
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      const args = r.stdout.trimEnd().split('\n');
      const unit = /^--unit=(sso-cli-\d+-\d+)$/.exec(args.find((a) => a.startsWith('--unit='))!)![1]!;
      expect(args).toEqual([
        '--quiet', '--wait', '--collect', '--pipe', `--unit=${unit}`, '-p', 'User=sso', '-p', 'Group=sso', '-p', 'WorkingDirectory=/var/lib/sso', '-E', 'NODE_ENV=production',
        '-p', `LoadCredential=cookie_keys:${creds}/cookie_keys`, '-E', `COOKIE_KEYS_FILE=/run/credentials/${unit}.service/cookie_keys`,
        '-p', `LoadCredential=ldap_bind_password:${creds}/ldap_bind_password`, '-E', `LDAP_BIND_PASSWORD_FILE=/run/credentials/${unit}.service/ldap_bind_password`,
        '/usr/bin/node', '/opt/sso/bin/sso.js', '--config', '/etc/sso/sso.env', 'keys', 'list', '--json',
      ]);
      expect(r.stdout).not.toContain(TEST_SECRETS.COOKIE_KEYS);
      expect(r.stdout).not.toContain('bí-mật-ldap');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An upstream that answers with the request's headers and the address it came from. */
async function echoServer(): Promise<{ port: number; seen: Record<string, unknown>[]; server: Server }> {
  const seen: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const r = { path: req.url, from: req.socket.remoteAddress, headers: req.headers };
    seen.push(r);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(r));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, seen, server };
}

describe('deploy/nginx-sso.conf, in front of a header echo', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let nginx: Nginx;
  beforeAll(async () => {
    echo = await echoServer();
    nginx = await startNginx(echo.port);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => echo?.server.close(r));
  });

  it('passes nginx -t', () => {
    expect(nginx.check.status).toBe(0);
    expect(nginx.check.output).toMatch(/syntax is ok/);
  });

  it('sets the forwarded headers itself: the client\'s forged ones never reach the upstream', async () => {
    const r = await viaNginx(nginx, '/auth?x=1', {
      from: BROWSER,
      headers: {
        'X-Forwarded-For': '6.6.6.6',
        'X-Real-IP': '6.6.6.6',
        'X-Forwarded-Proto': 'http',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Port': '1',
        Forwarded: 'for=6.6.6.6;proto=http;host=evil.example',
        'X-Original-URL': '/admin',
      },
    });
    expect(r.status).toBe(200);
    const got = JSON.parse(r.body) as { path: string; headers: Record<string, string> };
    expect(got.path).toBe('/auth?x=1');
    expect(got.headers).toMatchObject({
      host: PUBLIC_NAME,
      'x-forwarded-for': BROWSER,
      'x-real-ip': BROWSER,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': PUBLIC_NAME,
      'x-forwarded-port': String(nginx.tlsPort),
    });
    expect(got.headers.forwarded).toBeUndefined();
    expect(got.headers['x-original-url']).toBeUndefined();
    expect(JSON.stringify(got)).not.toContain('6.6.6.6');
  });

  it('drops a request for another Host, and refuses TLS for another name', async () => {
    const before = echo.seen.length;
    await expect(viaNginx(nginx, '/', { headers: { host: 'evil.example' } })).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(viaNginx(nginx, '/', { servername: 'evil.example', headers: { host: 'evil.example' } })).rejects.toThrow(/alert|handshake|ECONNRESET|unrecognized name/i);
    expect(echo.seen.length).toBe(before);
  });

  it('answers /metrics and /readyz only for the monitoring network; /healthz for anyone', async () => {
    const from = async (addr: string, path: string): Promise<number> => (await viaNginx(nginx, path, { from: addr })).status;
    expect(await from(BROWSER, '/metrics')).toBe(403);
    expect(await from(BROWSER, '/readyz')).toBe(403);
    expect(await from(BROWSER, '/healthz')).toBe(200);
    expect(await from('127.0.0.1', '/metrics')).toBe(200);
    expect(await from('127.0.0.1', '/readyz')).toBe(200);
  });

  it('redirects plain HTTP to https on the public name', async () => {
    const r: Answer = await plainHttp(nginx, '/.well-known/openid-configuration');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://${PUBLIC_NAME}/.well-known/openid-configuration`);
  });
});

describe('a real sso behind deploy/nginx-sso.conf', () => {
  const REDIRECT = 'https://app.tinh.gov.vn/callback';
  const LOGIN = 'tran.van.b';

  /** The authorization request's path, with PKCE. */
  function authPath(clientId: string): string {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT,
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return `/auth?${q}`;
  }

  /** Cookies of a response, as a request header (name=value; ...). */
  const cookiesOf = (r: Answer) => (r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

  async function behind(trustProxy: boolean): Promise<{ sso: TestServer; nginx: Nginx; clientId: string }> {
    const sso = await startTestServer({ TRUST_PROXY: String(trustProxy), ISSUER: `https://${PUBLIC_NAME}`, THROTTLE_ACCOUNT_DELAY_AFTER: '100', THROTTLE_IP_DELAY_AFTER: '100' });
    const c = await sso.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    await sso.services.accounts.addLocal({ login: LOGIN, password: 'mật khẩu đúng 2026', displayName: 'Trần Văn B' });
    const nginx = await startNginx(sso.address.port);
    return { sso, nginx, clientId: c.client.client_id };
  }

  it('TRUST_PROXY=true: the login page opens, and a failed login counts against the browser\'s address', async () => {
    const { sso, nginx, clientId } = await behind(true);
    try {
      const auth = await viaNginx(nginx, authPath(clientId), { from: BROWSER });
      expect(auth.status).toBe(303);
      expect(auth.headers.location).toMatch(/\/interaction\//);
      expect(auth.headers['set-cookie']?.some((c) => /;\s*secure/i.test(c))).toBe(true);
      const page = await viaNginx(nginx, new URL(auth.headers.location!, `https://${PUBLIC_NAME}`).pathname, { from: BROWSER, headers: { cookie: cookiesOf(auth) } });
      expect(page.status).toBe(200);
      const action = formAction(page.body, 'password')!;
      const csrf = inputValue(page.body, 'csrf')!;
      const cookie = [cookiesOf(auth), cookiesOf(page)].filter(Boolean).join('; ');
      const failed = await viaNginx(nginx, action, {
        method: 'POST',
        from: BROWSER,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '6.6.6.6' },
        body: new URLSearchParams({ csrf, login: LOGIN, password: 'sai' }).toString(),
      });
      expect(failed.status).toBe(401);
      const events = await until('the failed login in the audit trail', async () => {
        const rows = await sso.services.audit.list({ type: 'login.failure' });
        return rows.length ? rows : undefined;
      });
      expect(events.map((e) => e.ip)).toEqual([BROWSER]);
    } finally {
      await nginx.stop();
      await sso.stop();
    }
  }, 60_000);

  it('TRUST_PROXY=false (the pitfall) with an https ISSUER: start-up refuses, naming both settings', async () => {
    await expect(behind(false)).rejects.toThrow(/TRUST_PROXY: must be true when ISSUER is https:\/\//);
  }, 60_000);
});

describe('SQLite backup and restore, as docs/operations.md says', () => {
  it('an online .backup and VACUUM INTO while sso serves; the restore brings the database back to the copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-backup-'));
    try {
      const data = join(dir, 'var-lib-sso');
      const backups = join(dir, 'var-backups-sso');
      const conf = join(dir, 'sso.env');
      spawnSync('mkdir', ['-p', data]);
      writeFileSync(join(dir, 'cookie_keys'), TEST_SECRETS.COOKIE_KEYS);
      writeFileSync(join(dir, 'kes'), TEST_SECRETS.KEY_ENCRYPTION_SECRET);
      const port = await freePort();
      writeFileSync(conf, [
        `PORT=${port}`, 'HOST=127.0.0.1', `ISSUER=http://127.0.0.1:${port}`, `DATA_DIR=${data}`, `DATABASE_URL=file:${data}/sso.db`,
        `COOKIE_KEYS_FILE=${join(dir, 'cookie_keys')}`, `KEY_ENCRYPTION_SECRET_FILE=${join(dir, 'kes')}`, 'SYNC_INTERVAL=0', '',
      ].join('\n'));
      const place = (block: string) => block.replaceAll('/var/lib/sso', data).replaceAll('/var/backups/sso', backups);
      const script = `${servicePrelude(dir, conf)}
systemctl start
echo 'mật khẩu một 2026' | $SSO account add-local --login truoc.sao.luu --name 'Trước sao lưu' --password-stdin >/dev/null
echo '--- backup'
${place(docBlock('sqlite-backup'))}
echo '--- after'
echo 'mật khẩu hai 2026' | $SSO account add-local --login sau.sao.luu --name 'Sau sao lưu' --password-stdin >/dev/null
ls "${backups}" | wc -l
${place(docBlock('sqlite-restore'))}
echo '--- restored'
$SSO account list --json
systemctl stop
`;
      const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
      if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      const [, backup, after, restored] = r.stdout.split(/^--- \w+\n/m);
      expect(backup!.trim()).toBe('ok'); // PRAGMA integrity_check of the newest copy
      expect(after!.trim()).toBe('2'); // the .backup and the VACUUM INTO copies
      const logins = (JSON.parse(restored!) as { login: string }[]).map((a) => a.login);
      expect(logins).toContain('truoc.sao.luu');
      expect(logins).not.toContain('sau.sao.luu');
      expect(r.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
