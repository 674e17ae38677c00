/**
 * A test certification authority made with the real `openssl`: a root, an intermediate under
 * it (the province's CA file holds both), client certificates with the dates, subject UID and
 * e-mail a test asks for, a revocation list, and a foreign root. Everything in a temp dir.
 *
 *   const ca = makeTestCa();
 *   const c = ca.issue('annv', { email: 'annv@tinh.gov.vn' });   // { cert, key, pem }
 *   ca.revoke(c); ca.writeCrl();                                  // ca.crlFile
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Issued {
  cert: string;
  key: string;
  pem: string;
  serial: string;
}

function openssl(args: string[], cwd: string): string {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** openssl ca's date form, UTC: YYYYMMDDHHMMSSZ. */
const caDate = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

const CA_CONF = (dir: string, name: string) => `[ ca ]
default_ca = ca_default
[ ca_default ]
dir = ${dir}
database = ${dir}/${name}.index
serial = ${dir}/${name}.serial
new_certs_dir = ${dir}
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
default_crl_days = 1
[ any ]
commonName = supplied
countryName = optional
organizationName = optional
userId = optional
[ client ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
[ sub_ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = keyCertSign, cRLSign
`;

export interface TestCa {
  dir: string;
  /** Root and intermediate, PEM (CERT_CA_FILE). */
  caFile: string;
  /** The intermediate's CRL and the root's (CERT_CRL_FILE), after writeCrl(). */
  crlFile: string;
  /** A root of another CA and a certificate under it. */
  foreign(uid: string): Issued;
  /** `serial`: the certificate's serial number in hex (as openssl's serial file takes it), else random. */
  issue(uid: string, opts?: { email?: string; notBefore?: Date; notAfter?: Date; serial?: string }): Issued;
  revoke(c: Issued): void;
  /** Writes the CRLs; `nextUpdate` in hours (negative: already stale). */
  writeCrl(opts?: { hours?: number }): void;
  cleanup(): void;
}

function selfSigned(dir: string, name: string, subject: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign,cRLSign'], dir);
  writeFileSync(join(dir, `${name}.index`), '');
  writeFileSync(join(dir, `${name}.serial`), `${randomBytes(8).toString('hex')}\n`);
}

function sign(dir: string, ca: string, csr: string, out: string, ext: string, from: Date, to: Date): void {
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-keyfile', `${ca}.key`, '-cert', `${ca}.pem`, '-in', csr, '-out', out, '-extensions', ext, '-startdate', caDate(from), '-enddate', caDate(to), '-notext', '-preserveDN'], dir);
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'sso-test-ca-'));
  const confFor = (name: string) => writeFileSync(join(dir, 'ca.cnf'), CA_CONF(dir, name));
  selfSigned(dir, 'root', '/C=VN/O=Ban Co yeu Chinh phu (thu nghiem)/CN=Root CA thu nghiem');
  // the intermediate, signed by the root
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sub.key', '-out', 'sub.csr', '-subj', '/C=VN/O=Ban Co yeu Chinh phu (thu nghiem)/CN=CA chuyen dung thu nghiem'], dir);
  confFor('root');
  const day = 86_400_000;
  sign(dir, 'root', 'sub.csr', 'sub.pem', 'sub_ca', new Date(Date.now() - day), new Date(Date.now() + 20 * day));
  writeFileSync(join(dir, 'sub.index'), '');
  writeFileSync(join(dir, 'sub.serial'), `${randomBytes(8).toString('hex')}\n`);
  const caFile = join(dir, 'ca-file.pem');
  writeFileSync(caFile, readFileSync(join(dir, 'root.pem'), 'utf8') + readFileSync(join(dir, 'sub.pem'), 'utf8'));
  let n = 0;
  const issueUnder = (ca: string, uid: string, opts: { email?: string; notBefore?: Date; notAfter?: Date; serial?: string } = {}): Issued => {
    const base = join(dir, `c${++n}`);
    const args = ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/C=VN/O=So Noi vu/CN=Nguoi dung ${uid}/UID=${uid}`];
    if (opts.email) args.push('-addext', `subjectAltName=email:${opts.email}`);
    openssl(args, dir);
    confFor(ca);
    if (opts.serial) writeFileSync(join(dir, `${ca}.serial`), `${opts.serial}\n`);
    sign(dir, ca, `${base}.csr`, `${base}.pem`, 'client', opts.notBefore ?? new Date(Date.now() - day), opts.notAfter ?? new Date(Date.now() + 10 * day));
    const pem = readFileSync(`${base}.pem`, 'utf8');
    const serial = openssl(['x509', '-in', `${base}.pem`, '-noout', '-serial'], dir).trim().split('=')[1]!;
    return { cert: `${base}.pem`, key: `${base}.key`, pem, serial };
  };
  let foreignMade = false;
  return {
    dir,
    caFile,
    crlFile: join(dir, 'crl.pem'),
    issue: (uid, opts) => issueUnder('sub', uid, opts),
    foreign(uid) {
      if (!foreignMade) {
        selfSigned(dir, 'other', '/C=VN/O=Mot CA khac/CN=CA khac');
        foreignMade = true;
      }
      return issueUnder('other', uid);
    },
    revoke(c) {
      confFor('sub');
      openssl(['ca', '-config', 'ca.cnf', '-keyfile', 'sub.key', '-cert', 'sub.pem', '-revoke', c.cert], dir);
    },
    writeCrl(opts = {}) {
      const hours = opts.hours ?? 24;
      const parts: string[] = [];
      for (const ca of ['sub', 'root']) {
        confFor(ca);
        const out = join(dir, `${ca}.crl`);
        // a stale list: its nextUpdate in the past (openssl takes -crlhours, minimum 0; a negative one is written by -crl_nextupdate on 3.x)
        const when = hours >= 0 ? ['-crlhours', String(hours)] : ['-crl_lastupdate', caDate(new Date(Date.now() + (hours - 1) * 3_600_000)), '-crl_nextupdate', caDate(new Date(Date.now() + hours * 3_600_000))];
        openssl(['ca', '-config', 'ca.cnf', '-keyfile', `${ca}.key`, '-cert', `${ca}.pem`, '-gencrl', '-out', out, ...when], dir);
        parts.push(readFileSync(out, 'utf8'));
      }
      writeFileSync(join(dir, 'crl.pem'), parts.join(''));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
