/**
 * The release tarball (`npm run package`) on a machine with no compiler and no network: it is
 * made into a temp dir, unpacked elsewhere, and run with a PATH that holds only `node` (no cc,
 * gcc, g++, make, python3, npm), in a network namespace of its own with only a loopback
 * interface (`unshare --net`), the release mounted read-only (as ProtectSystem=strict leaves
 * it), under strace: `sso --version`, `sso account add-local` (argon2
 * and better-sqlite3 load and work) and `sso serve` against a SQLite file, with the secrets read
 * through *_FILE settings, answering discovery and /readyz. strace records every connect() and
 * sendto()/sendmsg() with an address: none may leave the machine or look a name up (no download
 * attempt by Prisma, no telemetry, no DNS).
 *
 * Also: `npx sso` inside the checkout runs this project's command, with the network cut, an
 * empty npm cache and an unreachable registry; and package.json's engines field promises no
 * Node.js that a production dependency refuses. SQLite pass only.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './helpers/sso-process.js';
import { TEST_SECRETS } from './helpers/server.js';

/** npm's own range logic (semver, a dependency of the tree; no types of its own here). */
const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, dom: string): boolean; satisfies(version: string, range: string): boolean };
interface Closure { packages: string[]; problems: string[] }
interface LockPackage { engines?: { node?: string } }
const { productionClosure } = (await import(new URL('../scripts/package.mjs', import.meta.url).href)) as {
  productionClosure(lock: { packages: Record<string, LockPackage> }): Closure;
};

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; scripts: Record<string, string> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python', 'npm', 'node-gyp'];
/** `unshare` options for a new network namespace: root has the right; anyone else maps to root in a user namespace. */
const NETNS = process.getuid?.() === 0 ? ['--net'] : ['--map-root-user', '--net'];

/** The full path of a program on the test's own PATH (the children's PATH holds node alone). */
function which(name: string): string {
  const found = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed (.ci/run installs it)`);
  return found;
}

/** The lines of an strace log that look a name up (a name server's port 53, systemd-resolved). */
const lookups = (log: string) => readFileSync(log, 'utf8').split('\n').filter((l) => /htons\(53\)|\/run\/systemd\/resolve/.test(l));

let work: string;
let tarball: string;
let app: string;
let bin: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sso-package-test-'));
  const made = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--out', join(work, 'out')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (made.status !== 0) throw new Error(`npm run package failed (${made.status}): ${made.stderr}`);
  const made1 = readdirSync(join(work, 'out')).filter((f) => f.endsWith('.tar.gz'));
  expect(made1).toEqual([`sso-${pkg.version}-linux-x64-glibc-node${process.versions.node.split('.')[0]}.tar.gz`]);
  tarball = join(work, 'out', made1[0]!);
  mkdirSync(join(work, 'opt'));
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', join(work, 'opt')], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(untar.stderr);
  app = join(work, 'opt', `sso-${pkg.version}`);
  // the only program on PATH: node
  bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
}, 360_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the child runs, inside the namespace: brings loopback up, then the steps, then prints a JSON report. */
const DRIVER = `
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const [app, envFile, port] = process.argv.slice(2);
const sso = (args, input) => execFileSync(app + '/bin/sso.js', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
const report = {};
try { writeFileSync(app + '/probe', ''); report.installWrite = 'written'; } catch (err) { report.installWrite = err.code; }
report.version = sso(['--version']).trim();
// as docs/operations.md installs it: the schema first (only sso db migrate and sso serve change it)
report.migrated = sso(['--config', envFile, 'db', 'migrate']).trim();
report.added = JSON.parse(sso(['--config', envFile, 'account', 'add-local', '--login', 'canbo', '--name', 'Cán bộ', '--password-stdin', '--json'], 'mật khẩu dài 2026\\n'));
const child = spawn(app + '/bin/sso.js', ['serve', '--config', envFile], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const exited = new Promise((r) => child.once('exit', (code) => r(code)));
const end = Date.now() + 60_000;
while (!out.includes('"msg":"sso started"')) {
  if (Date.now() > end || child.exitCode !== null) { report.error = 'not started: ' + out.slice(-2000); break; }
  await new Promise((r) => setTimeout(r, 50));
}
if (!report.error) {
  const base = 'http://127.0.0.1:' + port;
  const disc = await fetch(base + '/.well-known/openid-configuration');
  report.discovery = { status: disc.status, issuer: (await disc.json()).issuer };
  const ready = await fetch(base + '/readyz');
  report.readyz = { status: ready.status, body: await ready.json() };
}
child.kill('SIGTERM');
report.exit = await exited;
report.output = out;
process.stdout.write(JSON.stringify(report));
`;

describe('the release tarball', () => {
  it('holds the program and the production dependencies only, built for linux-x64 glibc', () => {
    const info = JSON.parse(readFileSync(join(app, 'BUILD-INFO.json'), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ version: pkg.version, platform: 'linux', arch: 'x64', modules: process.versions.modules, node: process.version });
    expect(info.libc).toMatch(/^glibc \d+\.\d+/);
    expect(info.nativeModules).toEqual(['node_modules/argon2/build/Release/argon2.node', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node']);
    expect(existsSync(join(app, 'src'))).toBe(false);
    expect(existsSync(join(app, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(app, 'prisma', 'sqlite', 'migrations'))).toBe(true);
    // no dev tools, no Prisma CLI or engines, no compilers' inputs
    for (const p of ['prisma', 'typescript', 'jest', '@prisma/engines', 'eslint', 'tsx', '@swc/core', 'playwright-core', 'better-sqlite3/deps', 'better-sqlite3/src']) {
      expect([p, existsSync(join(app, 'node_modules', p))]).toEqual([p, false]);
    }
    expect(readFileSync(`${tarball}.sha256`, 'utf8')).toMatch(new RegExp(`^[0-9a-f]{64}  ${tarball.split('/').pop()!.replace(/\./g, '\\.')}\\n$`));
  });

  it('runs with no compiler on PATH and no network: --version, add-local (argon2), serve on SQLite', () => {
    // nothing but node on this PATH
    for (const c of COMPILERS) expect([c, existsSync(join(bin, c))]).toEqual([c, false]);
    const data = join(work, 'var');
    mkdirSync(data);
    writeFileSync(join(data, 'cookie_keys'), `${TEST_SECRETS.COOKIE_KEYS}\n`);
    writeFileSync(join(data, 'key_encryption_secret'), `${TEST_SECRETS.KEY_ENCRYPTION_SECRET}\n`);
    const port = 3000 + (process.pid % 1000);
    const envFile = join(data, 'sso.env');
    writeFileSync(envFile, [
      `PORT=${port}`, 'HOST=127.0.0.1', `ISSUER=http://127.0.0.1:${port}`, `DATABASE_URL=file:${join(data, 'sso.db')}`, `DATA_DIR=${data}`,
      `COOKIE_KEYS_FILE=${join(data, 'cookie_keys')}`, `KEY_ENCRYPTION_SECRET_FILE=${join(data, 'key_encryption_secret')}`, 'SYNC_INTERVAL=0', '',
    ].join('\n'));
    const driver = join(work, 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const trace = join(work, 'strace.log');
    const ip = ['/usr/sbin/ip', '/sbin/ip', '/bin/ip'].find((p) => existsSync(p));
    expect(ip).toBeDefined();
    // inside the new namespaces: loopback up (it starts down), the release mounted read-only (as
    // ProtectSystem=strict leaves it), then the driver with node alone on PATH
    const mount = which('mount');
    const script = `${ip} link set lo up && ${mount} --bind "$1" "$1" && ${mount} -o remount,bind,ro "$1" && shift && exec "$@"`;
    const r = spawnSync(which('strace'), ['-f', '-qq', '-o', trace, '-e', 'trace=connect,sendto,sendmsg', which('unshare'), ...NETNS, '--mount', '/bin/sh', '-c', script, 'sh', app, join(bin, 'node'), driver, app, envFile, String(port)], {
      cwd: data,
      env: { PATH: bin, HOME: data },
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (r.status !== 0) throw new Error(`driver exit ${r.status} (${r.error?.message ?? 'no spawn error'}): ${r.stderr}\n${r.stdout}`);
    const report = JSON.parse(r.stdout) as { installWrite: string; version: string; added: { login: string }; discovery: { status: number; issuer: string }; readyz: { status: number }; exit: number; error?: string; output: string };
    expect(report.error).toBeUndefined();
    expect(report.installWrite).toBe('EROFS');
    expect(report.version).toBe(pkg.version);
    expect(report.added.login).toBe('canbo');
    expect(report.discovery).toEqual({ status: 200, issuer: `http://127.0.0.1:${port}` });
    expect(report.readyz.status).toBe(200);
    expect(report.exit).toBe(0);
    expect(report.output).toContain('"mode":"production"');

    // every address the processes reached for: loopback only, no name server, no name lookup
    const lines = readFileSync(trace, 'utf8').split('\n').filter((l) => /(connect|sendto|sendmsg)\(/.test(l));
    const inet = lines.filter((l) => /sa_family=AF_INET6?\b/.test(l));
    expect(inet.length).toBeGreaterThan(0); // the driver's requests to the server: the trace works
    const outside = inet.filter((l) => !/inet_addr\("127\.0\.0\.1"\)|inet_pton\(AF_INET6, "(::1|::ffff:127\.0\.0\.1)"/.test(l));
    expect(outside).toEqual([]);
    // a name lookup goes to a name server (port 53, or systemd-resolved's socket) whether or not
    // it can be reached; glibc's nscd socket is also asked for user names (the audit trail's
    // actor), so it is no sign of one
    expect(lookups(trace)).toEqual([]);
  }, 240_000);
});

describe('npx sso inside the checkout', () => {
  it('runs this project\'s command: no network, an empty npm cache, an unreachable registry', () => {
    const cache = mkdtempSync(join(tmpdir(), 'sso-npx-cache-'));
    try {
      const r = spawnSync(which('unshare'), [...NETNS, which('npx'), 'sso', '--version'], {
        cwd: ROOT,
        env: { PATH: [dirname(which('npx')), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), HOME: cache, npm_config_cache: cache, npm_config_registry: 'http://127.0.0.1:9/', npm_config_update_notifier: 'false' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: `${pkg.version}\n` });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('a source install', () => {
  it('generating the Prisma clients (npm ci\'s postinstall) sends no telemetry and downloads nothing', () => {
    // on a copy, so the checkout's generated client is not rewritten under other tests
    const copy = mkdtempSync(join(tmpdir(), 'sso-generate-'));
    try {
      mkdirSync(join(copy, 'scripts'));
      cpSync(join(ROOT, 'scripts', 'prisma-generate.mjs'), join(copy, 'scripts', 'prisma-generate.mjs'));
      cpSync(join(ROOT, 'prisma'), join(copy, 'prisma'), { recursive: true });
      cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
      symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(copy, 'node_modules'));
      const trace = join(copy, 'strace.log');
      const r = spawnSync(which('strace'), ['-f', '-qq', '-o', trace, '-e', 'trace=connect,sendto,sendmsg', which('unshare'), ...NETNS, process.execPath, join(copy, 'scripts', 'prisma-generate.mjs')], {
        cwd: copy,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: copy },
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status !== 0) throw new Error(`prisma-generate exit ${r.status}: ${r.stderr}`);
      expect(existsSync(join(copy, 'src', 'db', 'generated', 'sqlite', 'client.ts'))).toBe(true);
      expect(lookups(trace)).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 150_000);

  it('npm ci runs no Prisma engine download (@prisma/engines\' install script is denied)', () => {
    const allow = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts;
    expect(allow['@prisma/engines']).toBe(false);
  });
});

describe('package.json', () => {
  it('promises no Node.js that a production dependency refuses (engines)', () => {
    const { packages, problems } = productionClosure(lock);
    expect(problems).toEqual([]);
    const refused = packages
      .filter((p) => lock.packages[p]?.engines?.node)
      .filter((p) => !semver.subset(pkg.engines.node, lock.packages[p]!.engines!.node!))
      .map((p) => `${p}: ${lock.packages[p]!.engines!.node}`);
    expect(refused).toEqual([]);
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('has a semantic version with its entry in CHANGELOG.md (Keep a Changelog)', () => {
    expect(pkg.version).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/);
    const log = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(log).toMatch(/^# Changelog\n/);
    expect(log).toContain('## [Unreleased]\n');
    const entry = new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - (\\d{4}-\\d{2}-\\d{2})$`, 'm').exec(log);
    expect(entry).not.toBeNull();
    // every release heading is "## [x.y.z] - YYYY-MM-DD", newest first
    const versions = [...log.matchAll(/^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/gm)].map((m) => m[1]!);
    expect(versions[0]).toBe(pkg.version);
    expect([...versions].sort((a, b) => (semver.satisfies(a, `>${b}`) ? -1 : 1))).toEqual(versions);
  });

  it('npm start keeps the demo; npm run package makes the release', () => {
    expect(pkg.scripts.start).toBe('node bin/sso.js serve --dev');
    expect(pkg.scripts.package).toBe('node scripts/package.mjs');
  });
});
