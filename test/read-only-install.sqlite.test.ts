/**
 * An install directory the service cannot write: systemd's ProtectSystem=strict (a read-only
 * mount: EROFS) or a directory owned by another user (EACCES). bin/sso.js rebuilds dist/ when a
 * source is newer; when it cannot, it must say what to run, in one line, exit 1, with no stack
 * trace; with dist/ up to date it must run without writing anything. A copy of the project in a
 * temp dir (bin/, scripts/build.mjs, src/, package.json, node_modules linked), built there, is
 * mounted read-only in a mount namespace of its own (unshare), or run as `nobody` (setpriv).
 * Runs in the SQLite pass only (it uses no test database).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/sso-process.js';

let base: string;
let app: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sso-readonly-'));
  chmodSync(base, 0o755);
  app = join(base, 'sso');
  mkdirSync(join(app, 'scripts'), { recursive: true });
  for (const d of ['bin', 'src', 'views', 'public', 'prisma']) cpSync(join(ROOT, d), join(app, d), { recursive: true });
  cpSync(join(ROOT, 'scripts', 'build.mjs'), join(app, 'scripts', 'build.mjs'));
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(app, 'node_modules'));
  const built = spawnSync(process.execPath, [join(app, 'scripts', 'build.mjs')], { encoding: 'utf8', timeout: 120_000 });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  spawnSync('chmod', ['-R', 'a+rX', base]);
}, 180_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** `node bin/sso.js <args>` with the copy mounted read-only (a mount namespace of its own). */
function readOnly(args: string[]) {
  const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"`;
  // root maps to itself; anyone else becomes root of a user namespace of their own, which may mount
  const unshare = process.getuid?.() === 0 ? ['--mount'] : ['--map-root-user', '--mount'];
  return spawnSync('unshare', [...unshare, 'sh', '-c', script, 'sh', app, process.execPath, join(app, 'bin', 'sso.js'), ...args], {
    cwd: base,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: base },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** A source saved after the last build. */
function touchSource() {
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(app, 'src', 'cli', 'main.ts'), later, later);
}

test('read-only with dist/ up to date: sso --version runs and writes nothing', () => {
  const r = readOnly(['--version']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
});

test('read-only with a newer source: one line naming the directory and the command to run, exit 1, no stack', () => {
  touchSource();
  const r = readOnly(['--version']);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^sso: the compiled program \(dist\/\) is older than the sources in src\/, and .+ cannot be written by /);
  expect(r.stderr).toContain('(EROFS');
  expect(r.stderr).toContain(`cd ${app} && npm run build`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test('not writable by this user, with a newer source: the same message with EACCES', () => {
  touchSource();
  // root writes anywhere: it runs as `nobody`, to whom the copy is only readable; anyone else
  // runs as themselves on a copy made read-only for its owner too
  const asRoot = process.getuid?.() === 0;
  if (!asRoot) spawnSync('chmod', ['-R', 'a-w', app]);
  try {
    const [cmd, ...pre] = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const r = spawnSync(cmd!, [...pre, join(app, 'bin', 'sso.js'), '--version'], {
      cwd: base,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: base },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sso: the compiled program \(dist\/\) is older than the sources in src\/, and .+ cannot be written by (user \S+|uid \d+) \(EACCES/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  } finally {
    if (!asRoot) spawnSync('chmod', ['-R', 'u+w', app]);
  }
});
