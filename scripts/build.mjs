#!/usr/bin/env node
// Compiles src/**/*.ts to JavaScript (same layout, ES modules for Node 20, source maps), so the
// IdP and the sso command run without a TypeScript loader in the process (measured on
// `sso sync --history`: 212 -> 174 MB peak RSS, 1.19 -> 0.89 s). Type-checking is `npm run
// typecheck` (tsc); this only strips types, file by file, with esbuild (under a second).
//
// dist is a symbolic link to the newest build in .builds/: a new build is made beside the old
// ones and the link is swapped in one rename, so a process starting meanwhile sees a whole tree,
// and one already running keeps loading its own (Node resolves the link to the build's real path).
//   node scripts/build.mjs            build now
//   ensureBuilt()                     build when dist is missing or older than src (bin/sso.js)
// A release (npm run package) has a dist/ folder and no src/: it is never rebuilt. An install
// directory the user cannot write (ProtectSystem=strict, a read-only mount, another owner) with
// a stale dist gets a BuildError saying what to run, instead of a stack trace.
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Builds kept: the newest, and the ones before it that running processes may still load from. */
const KEEP = 3;

const paths = (root) => ({ src: join(root, 'src'), dist: join(root, 'dist'), builds: join(root, '.builds'), lock: join(root, '.builds.lock') });

function walk(dir, out = { files: [], dirs: [dir] }) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      out.dirs.push(p);
      walk(p, out);
    } else if (e.name.endsWith('.ts')) out.files.push(p);
  }
  return out;
}

/** Why dist/ cannot be brought up to date here; `message` says what to do (bin/sso.js prints it). */
export class BuildError extends Error {}

/** Errors of a file system that will not take a write. */
const CANNOT_WRITE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** Is dist older than any source (or missing)? A stat per source file and folder: milliseconds. */
export function isStale(root = ROOT) {
  const { src, dist } = paths(root);
  // a release: dist/ is all there is
  if (!existsSync(src)) return !existsSync(join(dist, '.built'));
  let built;
  try {
    // the stamp was set to the build's start in whole ms; stored as seconds, it may read back a hair below
    built = Math.round(statSync(join(dist, '.built')).mtimeMs);
  } catch {
    return true;
  }
  // a changed file changes its own time; a removed or added one, its folder's
  const { files, dirs } = walk(src);
  // whole milliseconds: the stamp is Date.now() at the start of the build, a file's time is finer
  return [...files, ...dirs].some((f) => Math.floor(statSync(f).mtimeMs) > built);
}

/** Compiles src into a new build and points dist at it. */
export async function build(root = ROOT) {
  const { src, dist, builds } = paths(root);
  const { build: esbuild } = await import('esbuild');
  const started = Date.now();
  const name = `${started}-${process.pid}`;
  const out = join(builds, name);
  mkdirSync(builds, { recursive: true });
  await esbuild({ entryPoints: walk(src).files, outdir: out, outbase: src, format: 'esm', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' });
  // stamped with the time the build started: a source saved during the build is newer
  writeFileSync(join(out, '.built'), `${new Date(started).toISOString()}\n`);
  utimesSync(join(out, '.built'), started / 1000, started / 1000);
  try {
    if (!lstatSync(dist).isSymbolicLink()) rmSync(dist, { recursive: true, force: true }); // a folder left by an older layout
  } catch {
    /* no dist yet */
  }
  const link = `${dist}.${process.pid}`;
  rmSync(link, { force: true });
  symlinkSync(join('.builds', name), link);
  renameSync(link, dist);
  for (const old of readdirSync(builds).sort().slice(0, -KEEP)) rmSync(join(builds, old), { recursive: true, force: true });
}

/** Builds when stale, one process at a time (the others wait for it): for bin/sso.js. */
export async function ensureBuilt(root = ROOT) {
  if (!isStale(root)) return;
  if (!existsSync(paths(root).src)) throw new BuildError(`${join(root, 'dist')} is missing and there is no src/ to build it from: unpack the release again`);
  try {
    await buildOnce(root);
  } catch (err) {
    if (!CANNOT_WRITE.has(err?.code)) throw err;
    const user = whoami();
    throw new BuildError(
      `the compiled program (dist/) is ${existsSync(join(root, 'dist')) ? 'older than the sources in src/' : 'missing'}, and ${root} cannot be written by ${user} ` +
        `(${err.code} on ${err.path ?? root}). Build it as the owner of the install directory: cd ${root} && npm run build ` +
        '(a release made with npm run package needs no build).',
    );
  }
}

function whoami() {
  try {
    return `user ${userInfo().username}`;
  } catch {
    return `uid ${process.getuid?.()}`;
  }
}

async function buildOnce(root) {
  const { lock } = paths(root);
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // a builder that died leaves its lock: after a minute it is taken over
      if (waited > 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(100);
      if (!isStale(root)) return;
    }
  }
  try {
    if (isStale(root)) await build(root);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await build();
