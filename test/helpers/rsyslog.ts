/**
 * A real syslog receiver for tests: Debian's rsyslogd (with rsyslog-gnutls for TLS), started in
 * the foreground on a loopback port with a configuration of its own, writing each message it
 * receives as one line of a file (the fields rsyslog parsed, tab separated). Stoppable and
 * restartable on the same port (a receiver that is down for a while). And a throwaway CA made
 * with openssl, for the receiver's certificate.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { until } from './until.js';

export const RSYSLOGD = process.env.RSYSLOGD_BIN ?? '/usr/sbin/rsyslogd';

export interface TestCa {
  dir: string;
  /** The CA's certificate (what AUDIT_SYSLOG_CA_FILE names). */
  caFile: string;
  /** A server certificate for localhost and 127.0.0.1, issued by this CA, and its key. */
  certFile: string;
  keyFile: string;
}

/** A CA and a server certificate it issued (for DNS localhost and IP 127.0.0.1), in a temp dir. */
export function makeTestCa(name: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), `sso-ca-${name}-`));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${name} test CA`);
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { dir, caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

/** One message as rsyslog parsed it. */
export interface Received {
  pri: number;
  hostname: string;
  appName: string;
  msgid: string;
  structuredData: string;
  /** MSG, its BOM removed. */
  msg: string;
  /** The seq of our structured data, NaN when absent. */
  seq: number;
}

export interface Receiver {
  transport: 'tls' | 'tcp' | 'udp';
  port: number;
  /** The messages received so far (every start of this receiver appends to one file). */
  received(): Received[];
  /** Stops rsyslogd (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, and waits until it listens. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  close(): Promise<void>;
}

const FIELDS = '%pri%\\t%hostname%\\t%app-name%\\t%msgid%\\t%structured-data%\\t%msg%\\n';

function config(dir: string, transport: Receiver['transport'], port: number, cert?: TestCa): string {
  const tls = transport === 'tls'
    ? `global(defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${cert!.caFile}" defaultNetstreamDriverCertFile="${cert!.certFile}" defaultNetstreamDriverKeyFile="${cert!.keyFile}")\n`
    : '';
  const input = transport === 'udp'
    ? `module(load="imudp")\ninput(type="imudp" port="${port}" address="127.0.0.1")\n`
    : `module(load="imtcp"${transport === 'tls' ? ' streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"' : ''})\ninput(type="imtcp" port="${port}" address="127.0.0.1")\n`;
  return `global(workDirectory="${dir}" maxMessageSize="16k")\n${tls}${input}`
    + `template(name="fields" type="string" string="${FIELDS}")\n`
    + `*.* action(type="omfile" file="${join(dir, 'received.log')}" template="fields" flushInterval="0" asyncWriting="off")\n`;
}

/** True when something listens on 127.0.0.1:port (TCP) or is bound to it (UDP), read from /proc. */
function bound(transport: Receiver['transport'], port: number): boolean {
  const table = readFileSync(transport === 'udp' ? '/proc/net/udp' : '/proc/net/tcp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1] === local && (transport === 'udp' || f[3] === '0A');
  });
}

/** Starts rsyslogd receiving on a free loopback port; TLS with `cert` (issued by a test CA). */
export async function startReceiver(transport: Receiver['transport'], cert?: TestCa): Promise<Receiver> {
  const dir = mkdtempSync(join(tmpdir(), `sso-rsyslog-${transport}-`));
  const port = await freePort();
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, config(dir, transport, port, cert));
  const file = join(dir, 'received.log');
  let child: ChildProcess | null = null;
  let output = '';

  async function start(): Promise<void> {
    output = '';
    const c = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d) => (output += String(d)));
    c.stderr!.on('data', (d) => (output += String(d)));
    await until(`rsyslogd listening on ${transport} ${port}`, () => {
      if (c.exitCode !== null) throw new Error(`rsyslogd exited ${c.exitCode}: ${output}`);
      return bound(transport, port);
    }, 15_000, 20);
  }

  async function stop(): Promise<void> {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    // bounded: one that does not stop in 10 s is killed
    const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }

  await start();
  return {
    transport,
    port,
    received() {
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
        const [pri, hostname, appName, msgid, structuredData, ...rest] = line.split('\t');
        const msg = rest.join('\t').replace(/^\uFEFF/, '');
        const seq = Number(/ seq="(\d+)"/.exec(structuredData ?? '')?.[1] ?? NaN);
        return { pri: Number(pri), hostname: hostname!, appName: appName!, msgid: msgid!, structuredData: structuredData!, msg, seq };
      });
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
