/**
 * Real SAML service providers for the tests, from Debian's packages: a pysaml2 SP
 * (test/fixtures/saml/pysaml2_sp.py on python3's wsgiref) and Apache with mod_auth_mellon
 * protecting a page. Each runs in the foreground in a temp dir; stop() kills it and removes the
 * dir, and a hook on the real process's exit kills one that was not stopped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { realProcess } from './slapd.js';
import { until } from './until.js';

export const PYTHON = process.env.SAML_PYTHON ?? '/usr/bin/python3';
const SCRIPT = resolve('test/fixtures/saml/pysaml2_sp.py');

export interface RunningSp {
  /** http://127.0.0.1:PORT */
  url: string;
  entityId: string;
  /** The SP's metadata, to register it. */
  metadata: string;
  dir: string;
  output: string[];
  stop(): Promise<void>;
}

function startProcess(cmd: string, args: string[], ready: (line: string) => boolean, output: string[], opts: { cwd?: string } = {}): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  const kill = () => child.kill('SIGKILL');
  realProcess().once('exit', kill);
  child.once('exit', () => realProcess().off('exit', kill));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${cmd} did not start: ${output.join('')}`)), 15_000);
    const onData = (d: Buffer) => {
      for (const l of String(d).split('\n').filter(Boolean)) {
        output.push(l);
        if (ready(l)) {
          clearTimeout(timer);
          ok(child);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${cmd} exited ${code}: ${output.join('\n')}`));
    });
  });
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return () => new Promise<void>((done) => {
    const finish = () => {
      rmSync(dir, { recursive: true, force: true });
      done();
    };
    if (child.exitCode !== null || child.signalCode !== null) return finish();
    child.once('exit', finish);
    child.kill('SIGTERM');
  });
}

/**
 * The pysaml2 SP, trusting the IdP metadata at `idpMetadataUrl` (fetched once, written to a file);
 * `soapSlo`: a SOAP SingleLogoutService URL for its metadata.
 */
export async function startPysaml2Sp(idpMetadataUrl: string, o: { soapSlo?: string; allowUnsolicited?: boolean } = {}): Promise<RunningSp> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sso-pysaml2-'));
  const idpFile = join(dir, 'idp.xml');
  writeFileSync(idpFile, await (await fetch(idpMetadataUrl)).text());
  const extra = [...(o.soapSlo ? [o.soapSlo] : []), ...(o.allowUnsolicited ? ['--allow-unsolicited'] : [])];
  const metadata = execFileSync(PYTHON, [SCRIPT, String(port), idpFile, dir, ...extra, '--metadata'], { encoding: 'utf8' });
  const output: string[] = [];
  const child = await startProcess(PYTHON, [SCRIPT, String(port), idpFile, dir, ...extra], (l) => l.includes('listening'), output);
  const url = `http://127.0.0.1:${port}`;
  return { url, entityId: `${url}/sp`, metadata, dir, output, stop: stopper(child, dir) };
}

const MODULES = '/usr/lib/apache2/modules';
export const APACHE_BIN = process.env.APACHE_BIN ?? '/usr/sbin/apache2';

function mellonConfig(dir: string, port: number): string {
  const mod = (name: string, file: string) => `LoadModule ${name} ${MODULES}/${file}`;
  return [
    `ServerRoot ${dir}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn auth_mellon:info',
    `Mutex file:${dir} default`,
    mod('mpm_prefork_module', 'mod_mpm_prefork.so'),
    mod('authn_core_module', 'mod_authn_core.so'),
    mod('authz_core_module', 'mod_authz_core.so'),
    mod('authz_user_module', 'mod_authz_user.so'),
    mod('mime_module', 'mod_mime.so'),
    mod('env_module', 'mod_env.so'),
    mod('include_module', 'mod_include.so'),
    mod('auth_mellon_module', 'mod_auth_mellon.so'),
    'User www-data',
    'Group www-data',
    `DocumentRoot ${dir}/www`,
    'TypesConfig /etc/mime.types',
    'AddType text/html .shtml',
    'AddOutputFilter INCLUDES .shtml',
    `<Directory ${dir}/www>`,
    '  Options +Includes',
    '  Require all granted',
    '</Directory>',
    '<Location />',
    '  MellonEndpointPath /mellon',
    `  MellonSPPrivateKeyFile ${dir}/sp.key`,
    `  MellonSPCertFile ${dir}/sp.crt`,
    `  MellonIdPMetadataFile ${dir}/idp.xml`,
    '  MellonSignatureMethod rsa-sha256',
    '  MellonSetEnv mail urn:oid:0.9.2342.19200300.100.1.3',
    '  MellonSecureCookie Off',
    // mellon's cookie test is SameSite=None, which Chromium refuses without Secure (plain http
    // here); in production (https) leave mellon's default
    '  SetEnv MELLON_DISABLE_SAMESITE 1',
    '</Location>',
    '<Location /protected>',
    '  AuthType Mellon',
    '  MellonEnable auth',
    '  Require valid-user',
    '</Location>',
    '',
  ].join('\n');
}

/** Apache with mod_auth_mellon protecting /protected/index.shtml (it shows the NameID and mail). */
export async function startMellon(idpMetadataUrl: string): Promise<RunningSp & { apacheLog(): string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sso-mellon-'));
  writeFileSync(join(dir, 'idp.xml'), await (await fetch(idpMetadataUrl)).text());
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=mellon-sp', '-keyout', join(dir, 'sp.key'), '-out', join(dir, 'sp.crt')], { stdio: 'pipe' });
  execFileSync('mkdir', ['-p', join(dir, 'www/protected')]);
  writeFileSync(join(dir, 'www/protected/index.shtml'), '<!doctype html><title>protected</title><p id="user"><!--#echo var="MELLON_NAME_ID" --></p><p id="mail"><!--#echo var="MELLON_mail" --></p>\n');
  writeFileSync(join(dir, 'httpd.conf'), mellonConfig(dir, port));
  execFileSync('chown', ['-R', 'www-data:www-data', dir]);
  execFileSync('chmod', ['755', dir]);
  const output: string[] = [];
  const child = spawn(APACHE_BIN, ['-X', '-f', join(dir, 'httpd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  realProcess().once('exit', kill);
  child.once('exit', () => realProcess().off('exit', kill));
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const log = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const metadata = await until('mod_auth_mellon serves its metadata', async () => {
    if (child.exitCode !== null) throw new Error(`apache2 exited ${child.exitCode}: ${output.join('')} ${log()}`);
    return fetch(`${url}/mellon/metadata`).then((r) => (r.ok ? r.text() : ''), () => '');
  }, 15_000, 50);
  const entityId = /entityID="([^"]+)"/.exec(metadata)?.[1] ?? '';
  return { url, entityId, metadata, dir, output, apacheLog: log, stop: stopper(child, dir) };
}
