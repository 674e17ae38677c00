#!/usr/bin/env node
// `npm run package`: a release tarball for servers without a compiler or a network.
//
//   npm run package                       release/sso-<version>-linux-x64-glibc-node<major>.tar.gz
//   npm run package -- --out DIR          somewhere else
//
// It holds the compiled program (dist/, no src/: it is never rebuilt), the production
// node_modules of this checkout (the dependencies of package.json and theirs, as the lockfile
// resolves them: no dev tools, no Prisma CLI or engines, no compilers) with their native modules
// (argon2, better-sqlite3) as this machine built them, the migrations, views, public files,
// deploy/ and the docs. Run it on linux-x64 with glibc, with the Node.js major it was made with:
// BUILD-INFO.json records it, and bin/sso.js refuses another ABI with a plain message. Unpack
// and run; nothing is installed, compiled or downloaded (docs/operations.md, "Install").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { build, ROOT } from './build.mjs';

/** What a release holds besides dist/ and node_modules/. */
const FILES = ['bin', 'scripts/build.mjs', 'package.json', 'package-lock.json', 'prisma', 'views', 'public', 'deploy', 'docs', 'README.md', 'CHANGELOG.md', 'LICENSE', '.env.example'];
/** Left out of the prisma folder: the generated per-provider schemas' clients live in dist/. */
const SKIP = [/^prisma\/.*\.db(-journal|-wal|-shm)?$/];
/** Build leftovers of native modules: sources, object files, static libraries, test binaries. */
const NATIVE_LEFTOVERS = {
  'better-sqlite3': ['deps', 'src', 'build/Release/obj', 'build/Release/obj.target', 'build/Release/.deps', 'build/Release/sqlite3.a', 'build/Release/test_extension.node', 'build/deps'],
  // built here from source (build/Release), so the prebuilt binaries for other platforms go
  argon2: ['prebuilds', 'argon2', 'argon2.cpp', 'build/Release/obj.target', 'build/Release/.deps', 'build/Release/obj', 'build/Release/argon2.a'],
};

/** A reason not to make the release; thrown so that the staging folder is removed on the way out. */
class PackageError extends Error {}
function fail(message) {
  throw new PackageError(message);
}

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** glibc's version on this machine, or undefined (musl, or not Linux). */
function glibcVersion() {
  return process.report?.getReport?.().header?.glibcVersionRuntime;
}

/**
 * The production dependency closure, as lockfile paths (`node_modules/a`,
 * `node_modules/a/node_modules/b`): package.json's dependencies, each package's dependencies,
 * optional dependencies present on disk, and non-optional peers, resolved as Node does (the
 * nearest node_modules up the path).
 */
export function productionClosure(lock, exists = (p) => existsSync(join(ROOT, p))) {
  const P = lock.packages;
  const resolveFrom = (from, name) => {
    for (let p = from; ; ) {
      const key = `${p ? `${p}/` : ''}node_modules/${name}`;
      if (P[key]) return key;
      if (!p) return null;
      const i = p.lastIndexOf('/node_modules/');
      p = i < 0 ? '' : p.slice(0, i);
    }
  };
  const seen = new Set();
  const problems = [];
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    const m = P[key];
    const optional = new Set(Object.keys(m.optionalDependencies ?? {}));
    const wanted = [...Object.keys(m.dependencies ?? {}), ...optional];
    for (const peer of Object.keys(m.peerDependencies ?? {})) if (!m.peerDependenciesMeta?.[peer]?.optional) wanted.push(peer);
    for (const name of wanted) {
      const dep = resolveFrom(key, name);
      if (!dep || !exists(dep)) {
        // an optional dependency for another platform is neither in the lockfile's tree here nor on disk
        if (!optional.has(name) && !P[dep ?? '']?.optional) problems.push(`${key || 'package.json'} needs ${name}, which is not installed: run npm ci first`);
        continue;
      }
      visit(dep);
    }
  };
  visit('');
  seen.delete('');
  return { packages: [...seen].sort(), problems };
}

/** Is this file an ELF shared object for x86-64 linked against glibc's libc.so.6? */
function isLinuxX64Glibc(file) {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(20);
  try {
    readSync(fd, head, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  const elf64 = head.readUInt32BE(0) === 0x7f454c46 && head[4] === 2 && head[5] === 1;
  return elf64 && head.readUInt16LE(18) === 62 && readFileSync(file).includes('libc.so.6');
}

function nativeModules(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) nativeModules(p, out);
    else if (e.name.endsWith('.node')) out.push(p);
  }
  return out;
}

function copyPackages(packages, stage) {
  const src = realpathSync(join(ROOT, 'node_modules'));
  for (const key of packages) {
    const from = join(src, relative('node_modules', key));
    const to = join(stage, key);
    // a package's own nested node_modules come as packages of their own when they are needed
    cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: (f) => f === from || !relative(from, f).split('/').includes('node_modules') });
  }
  for (const [name, leftovers] of Object.entries(NATIVE_LEFTOVERS)) {
    for (const l of leftovers) rmSync(join(stage, 'node_modules', name, l), { recursive: true, force: true });
  }
}

function commitOf() {
  try {
    // the commit, with -dirty when the working tree had changes
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=40'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main() {
  const glibc = glibcVersion();
  if (process.platform !== 'linux' || process.arch !== 'x64' || !glibc) {
    fail(`a release is made on linux-x64 with glibc (its native modules are this machine's); this is ${process.platform}-${process.arch}${glibc ? '' : ' without glibc'}`);
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const { packages, problems } = productionClosure(lock);
  if (problems.length) fail(problems.join('\n  '));
  const major = process.versions.node.split('.')[0];
  const name = `sso-${pkg.version}`;
  const out = resolve(argValue('--out') ?? join(ROOT, 'release'));
  const tarball = join(out, `${name}-linux-x64-glibc-node${major}.tar.gz`);

  await build();
  const work = mkdtempSync(join(tmpdir(), 'sso-package-'));
  try {
    const stage = join(work, name);
    mkdirSync(stage);
    for (const f of FILES) {
      if (!existsSync(join(ROOT, f))) continue;
      cpSync(join(ROOT, f), join(stage, f), { recursive: true, filter: (p) => !SKIP.some((re) => re.test(relative(ROOT, p))) });
    }
    cpSync(realpathSync(join(ROOT, 'dist')), join(stage, 'dist'), { recursive: true });
    copyPackages(packages, stage);
    const natives = nativeModules(join(stage, 'node_modules'));
    const wrong = natives.filter((f) => !isLinuxX64Glibc(f));
    if (wrong.length) fail(`native modules not built for linux-x64 glibc: ${wrong.map((f) => relative(stage, f)).join(', ')}`);
    const info = {
      name: pkg.name,
      version: pkg.version,
      commit: commitOf(),
      builtAt: new Date().toISOString(),
      node: process.version,
      modules: process.versions.modules,
      napi: process.versions.napi,
      platform: process.platform,
      arch: process.arch,
      libc: `glibc ${glibc}`,
      nativeModules: natives.map((f) => relative(stage, f)).sort(),
      packages: packages.length,
    };
    writeFileSync(join(stage, 'BUILD-INFO.json'), JSON.stringify(info, null, 2) + '\n');
    // the release loads: its native modules and the CLI, from the staging folder, as a server would
    execFileSync(process.execPath, [join(stage, 'bin', 'sso.js'), '--version'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: dirname(process.execPath) } });
    execFileSync(process.execPath, ['-e', "require('better-sqlite3'); require('argon2')"], { cwd: stage, stdio: 'inherit' });
    mkdirSync(out, { recursive: true });
    execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', tarball, '-C', work, name]);
    const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    writeFileSync(`${tarball}.sha256`, `${sha}  ${tarball.split('/').pop()}\n`);
    const mb = (statSync(tarball).size / 1e6).toFixed(1);
    process.stdout.write(`${tarball} (${mb} MB, ${packages.length} packages, Node.js ${process.version}, glibc ${glibc})\nsha256 ${sha}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(new URL(import.meta.url).pathname)) {
  try {
    await main();
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    process.stderr.write(`npm run package: ${err.message}\n`);
    process.exitCode = 1;
  }
}
