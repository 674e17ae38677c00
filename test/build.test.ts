/**
 * scripts/build.mjs, on a small source tree of its own (never the project's dist, which other
 * tests' processes run): what it compiles, when it says dist is stale, that a rebuild swaps the
 * dist link and keeps the builds running processes may still load, and that processes starting
 * together build once between them.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BUILD = join(ROOT, 'scripts', 'build.mjs');
const run = promisify(execFile);

interface BuildModule {
  isStale(root: string): boolean;
  build(root: string): Promise<void>;
  ensureBuilt(root: string): Promise<void>;
}
const load = () => import(pathToFileURL(BUILD).href) as Promise<BuildModule>;

let root: string;
function tree() {
  root = mkdtempSync(join(tmpdir(), 'sso-build-test-'));
  mkdirSync(join(root, 'src', 'util'), { recursive: true });
  writeFileSync(join(root, 'src', 'main.ts'), "import { twice } from './util/twice.js';\nexport const answer: number = twice(21);\n");
  writeFileSync(join(root, 'src', 'util', 'twice.ts'), 'export function twice(n: number): number {\n  return n * 2;\n}\n');
  return root;
}
/** As if the last build had been made a minute ago: what was saved since is newer. */
const ageBuild = () => utimesSync(join(root, 'dist', '.built'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('scripts/build.mjs', () => {
  test('compiles the tree to runnable JavaScript behind the dist link, and knows when it is stale', async () => {
    const b = await load();
    tree();
    expect(b.isStale(root)).toBe(true);
    await b.build(root);
    expect(readlinkSync(join(root, 'dist'))).toMatch(/^\.builds\/\d+-\d+$/);
    const js = readFileSync(join(root, 'dist', 'util', 'twice.js'), 'utf8');
    expect(js).not.toContain(': number');
    expect(readdirSync(join(root, 'dist', 'util'))).toEqual(['twice.js', 'twice.js.map']);
    const mod = (await import(pathToFileURL(join(root, 'dist', 'main.js')).href)) as { answer: number };
    expect(mod.answer).toBe(42);
    expect(b.isStale(root)).toBe(false);

    ageBuild();
    expect(b.isStale(root)).toBe(true); // the files were saved after it
    await b.build(root);
    expect(b.isStale(root)).toBe(false);
    ageBuild();
    utimesSync(join(root, 'src', 'main.ts'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    utimesSync(join(root, 'src', 'util', 'twice.ts'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    for (const d of ['src', 'src/util']) utimesSync(join(root, d), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    expect(b.isStale(root)).toBe(false); // nothing saved since
    writeFileSync(join(root, 'src', 'util', 'twice.ts'), 'export function twice(n: number): number {\n  return n + n;\n}\n');
    expect(b.isStale(root)).toBe(true); // a changed file
    await b.build(root);
    expect(b.isStale(root)).toBe(false);
    ageBuild();
    for (const f of ['src/main.ts', 'src/util/twice.ts', 'src', 'src/util']) utimesSync(join(root, f), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    rmSync(join(root, 'src', 'util', 'twice.ts'));
    expect(b.isStale(root)).toBe(true); // a removed (or added) file: its folder changed
  });

  test('a rebuild swaps the link and keeps the last three builds', async () => {
    const b = await load();
    tree();
    const targets: string[] = [];
    for (let i = 0; i < 4; i++) {
      await b.build(root);
      targets.push(realpathSync(join(root, 'dist')));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(new Set(targets).size).toBe(4);
    const kept = readdirSync(join(root, '.builds')).map((n) => join(root, '.builds', n));
    expect(kept.map((p) => realpathSync(p)).sort()).toEqual(targets.slice(1).sort());
  });

  test('processes starting together on a stale tree build it once between them', async () => {
    tree();
    const script = `const m = await import(${JSON.stringify(pathToFileURL(BUILD).href)}); await m.ensureBuilt(${JSON.stringify(root)});`;
    await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 })));
    expect(readdirSync(join(root, '.builds'))).toHaveLength(1);
    expect(readdirSync(root).sort()).toEqual(['.builds', 'dist', 'src']); // the lock is gone
    const b = await load();
    expect(b.isStale(root)).toBe(false);
  }, 90_000);
});
