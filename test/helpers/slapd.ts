/**
 * A throwaway real OpenLDAP server (slapd, Debian's 2.5) for tests, loaded with a fixture.
 *
 *   const ldap = await startSlapd({ fixture: 'zimbra', tls: true });
 *   // ldap.url = ldap://127.0.0.1:PORT, ldap.ldapsUrl = ldaps://localhost:PORT2, ldap.caFile
 *   // ldap.bindDn / ldap.bindPassword: the read-only service account
 *   await ldap.ldapModify('dn: uid=x,...\nchangetype: modify\n...');  // as the rootdn
 *   await ldap.restart();  // same ports, same data
 *   await ldap.stop();     // process gone, temp dir removed
 *
 * How it works: a fresh temp dir with slapd.conf (Debian core/cosine/inetorgperson/nis schemas +
 * test/fixtures/ldap/zimbra.schema, back_mdb, memberof overlay, and for the openldap fixture the
 * ppolicy overlay, whose schema is built into the module in 2.5), the fixture loaded with
 * `slapadd -q` before start, then `slapd -d 0` as a child process in the foreground on loopback
 * ports picked free. Ready = a rootdn bind succeeds.
 *
 * memberOf: slapadd does not run overlays, so memberOf is written into the LDIF before loading
 * (the fixtures and the generator carry it; groups given in `extraLdif` are resolved here, against
 * the fixture and extraLdif together). After start, the live memberof overlay maintains it for
 * changes made with ldapModify. `extraLdifFile` is loaded as is (no memberOf resolution). Every
 * loaded entry carries modifyTimestamp = LOADED_AT, long ago (see there).
 *
 * Limits as in Debian's default: a non-paged search returns at most 500 entries
 * (SizeLimitExceeded); a paged search (RFC 2696) may return everything (size.prtotal=unlimited).
 *
 * Access: the service account reads everything but userPassword; anyone may bind (auth) against
 * userPassword; a person reads their own entry; the rootdn (cn=admin,<base>) writes. Anonymous
 * reads only the root DSE and the subschema.
 *
 * Nothing outlives the test process: stop() kills slapd (SIGTERM, SIGKILL after 3 s) and removes
 * the temp dir; a process 'exit' hook does the same for instances not stopped; and a tiny shell
 * watchdog per instance, holding a pipe from this process, kills slapd and removes the dir if this
 * process dies without running its exit hook (SIGKILL, jest worker killed).
 *
 * TLS (tls: true): a test CA and a server certificate for CN=localhost with subjectAltName
 * DNS:localhost, IP:127.0.0.1 are made with openssl once per process and reused. LDAPS listens on
 * ldapsUrl; StartTLS works on url. Clients must trust caFile: `tlsOptions: { ca: [pem] }`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import vm from 'node:vm';
import { Client } from 'ldapts';
import { ldifLine, type LdapFixture } from '../fixtures/ldap/generate.js';
import { OPENLDAP_FIXTURE } from '../fixtures/ldap/openldap.ldif.js';
import { ZIMBRA_FIXTURE } from '../fixtures/ldap/zimbra.ldif.js';
import { freePort } from './ports.js';

export const SLAPD_BIN = process.env.SLAPD_BIN ?? '/usr/sbin/slapd';
export const SLAPADD_BIN = process.env.SLAPADD_BIN ?? '/usr/sbin/slapadd';
export const LDAPMODIFY_BIN = process.env.LDAPMODIFY_BIN ?? 'ldapmodify';
const SCHEMA_DIR = process.env.SLAPD_SCHEMA_DIR ?? '/etc/ldap/schema';
const MODULE_DIR = process.env.SLAPD_MODULE_DIR ?? '/usr/lib/ldap';
const ZIMBRA_SCHEMA = fileURLToPath(new URL('../fixtures/ldap/zimbra.schema', import.meta.url));

/**
 * Each instance's rootdn password is its own: the readiness probe binds with it, so a probe that
 * reaches another test's slapd (one that took the port this one failed to bind, in the moment
 * before this one exits) fails instead of passing for this instance.
 */
const rootPasswordOf = () => `root-${randomBytes(9).toString('hex')}`;

export interface StartSlapdOptions {
  fixture: 'zimbra' | 'openldap';
  /** More LDIF content records (no changetype), loaded with the fixture by slapadd. */
  extraLdif?: string;
  /** A (large) LDIF file loaded after the fixture by slapadd, as is (no memberOf resolution). */
  extraLdifFile?: string;
  tls?: boolean;
}

export interface Slapd {
  /** ldap://127.0.0.1:PORT (StartTLS available when tls). */
  url: string;
  /** ldaps://localhost:PORT2 when tls, else ''. */
  ldapsUrl: string;
  baseDn: string;
  /** The read-only service account cn=sso-service,ou=system,<base>. */
  bindDn: string;
  bindPassword: string;
  /** The rootdn (not an entry; bypasses ACLs and limits). */
  rootDn: string;
  rootPassword: string;
  /** PEM file of the test CA when tls, else ''. */
  caFile: string;
  /** The temp dir (slapd.conf, db/, slapd.log). Removed by stop(). */
  dir: string;
  fixture: LdapFixture;
  /** Runs `ldapmodify -a` as the rootdn: records without changetype are adds. */
  ldapModify(ldif: string): Promise<void>;
  stop(): Promise<void>;
  /** Stops the process only (data kept) and starts it again on the same ports. */
  restart(): Promise<void>;
  /** pid of the slapd process (changes on restart; after stop(), the pid it had). */
  readonly pid: number;
}

// ---------------------------------------------------------------------------------------------
// Per-process state, kept on the real process object: under jest each test file has its own module
// registry and a sandboxed `process` whose 'exit' never fires; the real one is reached through vm.
// ---------------------------------------------------------------------------------------------

interface Live {
  pid(): number | undefined;
  watchdogPid(): number | undefined;
  dir: string;
}
interface ProcessState {
  live: Set<Live>;
  tls?: Promise<TlsMaterial>;
  tlsDir?: string;
}
const STATE_KEY = Symbol.for('sso.test.slapd.state');

/** The real process object (under jest, `process` is a sandboxed copy whose exit event never fires). */
export function realProcess(): NodeJS.Process {
  try {
    const p = vm.runInThisContext('process') as NodeJS.Process;
    if (p && typeof p.on === 'function') return p;
  } catch {
    /* fall through */
  }
  return process;
}

function state(): ProcessState {
  const proc = realProcess() as NodeJS.Process & { [STATE_KEY]?: ProcessState };
  let s = proc[STATE_KEY];
  if (!s) {
    const st: ProcessState = { live: new Set() };
    s = st;
    proc[STATE_KEY] = st;
    proc.once('exit', () => {
      for (const l of st.live) {
        for (const pid of [l.watchdogPid(), l.pid()]) {
          try {
            if (pid) proc.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        try {
          fs.rmSync(l.dir, { recursive: true, force: true });
        } catch {
          /* ignore */
        }
      }
      if (st.tlsDir) fs.rmSync(st.tlsDir, { recursive: true, force: true });
    });
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------


function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; secret?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(`${cmd} not found: the LDAP tests need slapd, ldap-utils and openssl (apt-get install -y slapd ldap-utils openssl)`) : e),
    );
    child.once('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.filter((a) => a !== opts.secret).join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`));
    });
    child.stdin.on('error', () => {}); // EPIPE when the command fails early
    child.stdin.end(opts.input ?? '');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Case/space-insensitive DN comparison key (good enough for our own LDIF). */
function dnKey(dn: string): string {
  return dn
    .replace(/\\([,+"\\<>;=# ])/g, (_, c: string) => `\\${c.charCodeAt(0).toString(16)}`)
    .replace(/\s*(?<!\\),\s*/g, ',')
    .replace(/\s*=\s*/g, '=')
    .toLowerCase();
}

function decodeValue(sep: string, raw: string): string {
  return sep === '::' ? Buffer.from(raw.trim(), 'base64').toString('utf8') : raw.replace(/^ /, '');
}

/**
 * Adds memberOf (what the memberof overlay computes) to every entry named as `member` of a
 * groupOfNames in the LDIF. Existing memberOf values are kept, not duplicated.
 */
export function withMemberOf(ldif: string): string {
  const text = ldif.replace(/\r\n/g, '\n').replace(/\n /g, ''); // unfold
  // one file is made of several LDIF texts: drop their `version: 1` lines
  const records = text.split(/\n(?:[ \t]*\n)+/).filter((r) => r.trim() !== '' && !/^version:\s*1\s*$/.test(r.trim()));
  const parsed = records.map((r) => {
    const lines = r.split('\n');
    let dn = '';
    const members: string[] = [];
    const memberOf = new Set<string>();
    for (const line of lines) {
      const m = /^([A-Za-z0-9;.-]+)(::?)(.*)$/.exec(line);
      if (!m) continue;
      const attr = m[1]!.toLowerCase();
      if (attr !== 'dn' && attr !== 'member' && attr !== 'memberof') continue;
      const value = decodeValue(m[2]!, m[3]!);
      if (attr === 'dn') dn = value;
      else if (attr === 'member') members.push(value);
      else memberOf.add(dnKey(value));
    }
    return { text: r, dn, members, memberOf };
  });
  const groupsOf = new Map<string, string[]>();
  for (const rec of parsed) {
    for (const m of rec.members) {
      const k = dnKey(m);
      const list = groupsOf.get(k);
      if (list) list.push(rec.dn);
      else groupsOf.set(k, [rec.dn]);
    }
  }
  return (
    parsed
      .map((rec) => {
        const add = (groupsOf.get(dnKey(rec.dn)) ?? []).filter((g) => !rec.memberOf.has(dnKey(g)));
        return add.length ? `${rec.text}\n${add.map((g) => ldifLine('memberOf', g)).join('\n')}` : rec.text;
      })
      .join('\n\n') + '\n'
  );
}

/**
 * When the loaded entries were last changed: long before any test runs, as in a real directory
 * whose people were created and edited over the years. Without it every entry's modifyTimestamp
 * is the load time, a few seconds before the test's own changes, and a changed-only sync (which
 * reaches back the length of its last listing below its high-water mark) would find all of them
 * changed whenever the machine is slow.
 */
export const LOADED_AT = '20260101000000Z';

/** A line-by-line stamper: createTimestamp / modifyTimestamp = LOADED_AT on each entry that has none. */
function timestampStamper() {
  let isEntry = false;
  let stamped = false;
  return (line: string, out: string[]) => {
    if (line.trim() === '') {
      if (isEntry && !stamped) out.push(`createTimestamp: ${LOADED_AT}`, `modifyTimestamp: ${LOADED_AT}`);
      isEntry = false;
      stamped = false;
    } else if (/^dn::?/i.test(line)) isEntry = true;
    else if (/^(modifyTimestamp|createTimestamp):/i.test(line)) stamped = true;
    out.push(line);
  };
}

/** The stamper over a stream (large LDIF files, for slapadd). */
function loadTimestamps(): Transform {
  let rest = '';
  const onLine = timestampStamper();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      const out: string[] = [];
      for (const l of lines) onLine(l.replace(/\r$/, ''), out);
      cb(null, out.length ? `${out.join('\n')}\n` : '');
    },
    flush(cb) {
      const out: string[] = [];
      if (rest) onLine(rest, out);
      onLine('', out);
      cb(null, `${out.join('\n')}\n`);
    },
  });
}

/** The stamper over a whole LDIF text. Pure. */
export function withLoadTimestamps(ldif: string): string {
  const onLine = timestampStamper();
  const out: string[] = [];
  for (const l of ldif.replace(/\r\n/g, '\n').split('\n')) onLine(l, out);
  onLine('', out);
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// TLS material: once per process
// ---------------------------------------------------------------------------------------------

interface TlsMaterial {
  caFile: string;
  caPem: string;
  certFile: string;
  keyFile: string;
}

async function makeTls(dir: string): Promise<TlsMaterial> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req', '-x509', '-new', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/O=SSO tinh test/CN=SSO Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { cwd: dir });
  await run('openssl', ['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], { cwd: dir });
  await writeFile(
    join(dir, 'server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${Date.now().toString(16)}`,
    '-days', '30', '-out', 'server.pem', '-extfile', 'server.ext',
  ], { cwd: dir });
  return {
    caFile: join(dir, 'ca.pem'),
    caPem: await readFile(join(dir, 'ca.pem'), 'utf8'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
}

/** The per-process test CA and server certificate (made on first use). */
export function testTls(): Promise<TlsMaterial> {
  const st = state();
  if (!st.tls) {
    st.tls = (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sso-slapd-tls-'));
      st.tlsDir = dir;
      return makeTls(dir);
    })();
    st.tls.catch(() => {
      st.tls = undefined;
    });
  }
  return st.tls;
}

// ---------------------------------------------------------------------------------------------
// slapd.conf
// ---------------------------------------------------------------------------------------------

function slapdConf(o: { dir: string; fixture: LdapFixture; ppolicy: boolean; tls?: TlsMaterial; maxsize: number; rootPassword: string }): string {
  const base = o.fixture.baseDn;
  const q = (s: string) => `"${s}"`;
  return [
    '# generated by test/helpers/slapd.ts',
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${join(SCHEMA_DIR, `${s}.schema`)}`),
    `include ${ZIMBRA_SCHEMA}`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'moduleload memberof',
    ...(o.ppolicy ? ['moduleload ppolicy'] : []),
    `pidfile ${join(o.dir, 'slapd.pid')}`,
    `argsfile ${join(o.dir, 'slapd.args')}`,
    // Debian's default limit (500) for plain searches; paged searches may return everything
    'sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited',
    ...(o.tls
      ? [`TLSCACertificateFile ${o.tls.caFile}`, `TLSCertificateFile ${o.tls.certFile}`, `TLSCertificateKeyFile ${o.tls.keyFile}`]
      : []),
    'access to dn.base="" by * read',
    'access to dn.base="cn=Subschema" by * read',
    '',
    'database mdb',
    `suffix ${q(base)}`,
    `rootdn ${q(`cn=admin,${base}`)}`,
    `rootpw ${o.rootPassword}`,
    `directory ${join(o.dir, 'db')}`,
    `maxsize ${o.maxsize}`,
    'index objectClass,entryUUID,uid,mail,member,zimbraId,zimbraMailAlias,zimbraMailDeliveryAddress,modifyTimestamp eq',
    'access to attrs=userPassword',
    '  by self write',
    '  by * auth',
    'access to *',
    `  by dn.exact=${q(o.fixture.serviceAccount.dn)} read`,
    '  by self read',
    '  by * none',
    'overlay memberof',
    ...(o.ppolicy ? ['overlay ppolicy', `ppolicy_default ${q(`cn=default,ou=policies,${base}`)}`] : []),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The instance
// ---------------------------------------------------------------------------------------------

const FIXTURES: Record<StartSlapdOptions['fixture'], LdapFixture> = {
  zimbra: ZIMBRA_FIXTURE as LdapFixture,
  openldap: OPENLDAP_FIXTURE as LdapFixture,
};

const WATCHDOG = 'read _; kill -TERM "$1" 2>/dev/null; sleep 2; kill -KILL "$1" 2>/dev/null; rm -rf "$2"';

/** The IdP's LDAP_* settings for this slapd (Zimbra preset, the province's mail domain), `extra` winning. */
export function slapdEnv(s: Pick<Slapd, 'url' | 'bindDn' | 'bindPassword' | 'baseDn'>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LDAP_URL: s.url,
    LDAP_BIND_DN: s.bindDn,
    LDAP_BIND_PASSWORD: s.bindPassword,
    LDAP_BASE_DN: s.baseDn,
    LDAP_PRESET: 'zimbra',
    LDAP_MAIL_DOMAINS: 'tinh.gov.vn',
    ...extra,
  };
}

export async function startSlapd(opts: StartSlapdOptions): Promise<Slapd> {
  const fixture = FIXTURES[opts.fixture];
  if (!fixture) throw new Error(`unknown fixture ${String(opts.fixture)}`);
  if (!fs.existsSync(SLAPD_BIN)) throw new Error(`${SLAPD_BIN} not found: install slapd and ldap-utils (apt-get install -y slapd ldap-utils)`);
  const st = state();
  const tls = opts.tls ? await testTls() : undefined;
  const dir = await mkdtemp(join(tmpdir(), `sso-slapd-${opts.fixture}-`));

  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let alive = false;
  const live: Live = { pid: () => (alive ? child?.pid : undefined), watchdogPid: () => watchdog?.pid, dir };
  st.live.add(live);

  const rootDn = `cn=admin,${fixture.baseDn}`;
  const rootPassword = rootPasswordOf();
  let port = 0;
  let tlsPort = 0;

  const killWatchdog = async () => {
    const w = watchdog;
    watchdog = undefined;
    if (!w || w.exitCode !== null || w.signalCode !== null) {
      (w?.stdin as Socket | null)?.destroy();
      return;
    }
    const gone = new Promise<void>((r) => w.once('exit', () => r()));
    w.ref(); // keep the event loop alive until the exit is seen
    w.kill('SIGKILL');
    await gone;
    (w.stdin as Socket | null)?.destroy();
  };

  const killSlapd = async () => {
    await killWatchdog();
    const c = child;
    if (!c || !alive) return;
    c.ref(); // keep the event loop alive until the exit is seen
    c.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (alive) c.kill('SIGKILL');
    }, 3000);
    await exited;
    clearTimeout(timer);
  };

  const launch = async (): Promise<void> => {
    const urls = [`ldap://127.0.0.1:${port}/`, ...(tls ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])].join(' ');
    const log = fs.openSync(join(dir, 'slapd.log'), 'a');
    const c = spawn(SLAPD_BIN, ['-f', join(dir, 'slapd.conf'), '-h', urls, '-d', '0'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child = c;
    alive = true;
    let exitInfo = '';
    exited = new Promise<void>((resolve) => {
      c.once('exit', (code, signal) => {
        alive = false;
        exitInfo = `code ${code} signal ${signal}`;
        resolve();
      });
      c.once('error', () => {
        alive = false;
        resolve();
      });
    });
    c.unref();
    if (c.pid) {
      const w = spawn('/bin/sh', ['-c', WATCHDOG, 'slapd-watchdog', String(c.pid), dir], { stdio: ['pipe', 'ignore', 'ignore'] });
      w.unref();
      (w.stdin as Socket).on('error', () => {});
      (w.stdin as Socket).unref();
      watchdog = w;
    }
    const deadline = Date.now() + 5000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!alive) break;
      const client = new Client({ url: `ldap://127.0.0.1:${port}`, connectTimeout: 500, timeout: 1000 });
      try {
        await client.bind(rootDn, rootPassword);
        await client.unbind().catch(() => {});
        return;
      } catch (e) {
        lastError = e;
        await client.unbind().catch(() => {});
      }
      await sleep(15);
    }
    const logText = await readFile(join(dir, 'slapd.log'), 'utf8').catch(() => '');
    await killSlapd();
    throw new Error(
      `slapd did not become ready on ${urls} (${alive ? 'timeout' : `exited: ${exitInfo}`}): ${logText.trim().slice(-2000) || String(lastError)}`,
    );
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killSlapd();
    st.live.delete(live);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await mkdir(join(dir, 'db'));
    let extraSize = 0;
    if (opts.extraLdifFile) extraSize = fs.statSync(opts.extraLdifFile).size;
    // mdb's map is sparse: only the pages used take space
    const maxsize = Math.max(104857600, Math.ceil((extraSize * 12) / 1048576) * 1048576);
    await writeFile(join(dir, 'slapd.conf'), slapdConf({ dir, fixture, ppolicy: opts.fixture === 'openldap', tls, maxsize, rootPassword }));
    const ldif = opts.extraLdif ? withMemberOf(`${fixture.ldif}\n${opts.extraLdif}`) : fixture.ldif;
    await writeFile(join(dir, 'fixture.ldif'), withLoadTimestamps(ldif));
    await run(SLAPADD_BIN, ['-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'fixture.ldif')]);
    if (opts.extraLdifFile) {
      await pipeline(fs.createReadStream(opts.extraLdifFile), loadTimestamps(), fs.createWriteStream(join(dir, 'extra.ldif')));
      await run(SLAPADD_BIN, ['-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'extra.ldif')]);
    }

    // free ports can be taken between the probe and slapd's bind: retry with new ones
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      tlsPort = tls ? await freePort() : 0;
      while (tls && tlsPort === port) tlsPort = await freePort();
      try {
        await launch();
        break;
      } catch (e) {
        if (attempt >= 3 || !/Address already in use|errno=98/.test(String(e))) throw e;
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: tls ? `ldaps://localhost:${tlsPort}` : '',
    baseDn: fixture.baseDn,
    bindDn: fixture.serviceAccount.dn,
    bindPassword: fixture.serviceAccount.password,
    rootDn,
    rootPassword,
    caFile: tls?.caFile ?? '',
    dir,
    fixture,
    get pid() {
      return child?.pid ?? 0;
    },
    async ldapModify(ldif: string) {
      if (stopped) throw new Error('slapd is stopped');
      await run(LDAPMODIFY_BIN, ['-x', '-a', '-H', `ldap://127.0.0.1:${port}`, '-D', rootDn, '-w', rootPassword], { input: ldif, secret: rootPassword });
    },
    stop,
    async restart() {
      if (stopped) throw new Error('slapd is stopped');
      await killSlapd();
      await launch();
    },
  };
}
