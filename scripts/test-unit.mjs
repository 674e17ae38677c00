#!/usr/bin/env node
// `npm run test:unit`: the test files that need no slapd, no PostgreSQL, no Chromium, no server
// and no other process (parsers, policies, renderers, config, ...), run once with jest, then one
// line with the totals, as `npm test` ends.
//   npm run test:unit                       run them
//   npm run test:unit -- --list             which files, and why each other file is left out
//   npm run test:unit -- -t 'preset'        other arguments go to jest
// A file is left out when it, or a test file it imports (helpers, fixtures), imports one of
// NEEDS below, so a new test file is sorted by what it uses, not by a list kept by hand. The
// run points PostgreSQL, slapd and Chromium at nothing (UNREACHABLE below), so a file that
// reaches one anyway fails here instead of passing only where the services happen to be.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importsOf } from './lib/imports.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What a unit test may not import (directly or through a test file), and why. Type-only imports run nothing and do not count. */
const NEEDS = {
  'test/helpers/db.ts': 'a test database',
  'test/helpers/server.ts': 'a running server',
  'test/helpers/slapd.ts': 'slapd',
  'test/helpers/pg-cluster.ts': 'a PostgreSQL cluster',
  'test/helpers/browser-chromium.ts': 'Chromium',
  'test/helpers/rp.ts': 'a relying party (an HTTP server)',
  'src/app/server.ts': 'a running server',
  'src/db/client.ts': 'a database',
  'src/db/migrate.ts': 'a database',
  'node:child_process': 'another process (the sso command, a build, a benchmark)',
  child_process: 'another process',
  'playwright-core': 'a browser',
};

/** Where the services point during the run: nowhere. */
const UNREACHABLE = {
  TEST_DATABASE: 'sqlite',
  TEST_PG_ADMIN_URL: 'postgresql://postgres@127.0.0.1:1/postgres',
  SLAPD_BIN: '/nonexistent/slapd',
  SLAPADD_BIN: '/nonexistent/slapadd',
  LDAPMODIFY_BIN: '/nonexistent/ldapmodify',
  CHROMIUM_BIN: '/nonexistent/chromium',
};

function testFiles(dir = 'test') {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

/** What `file` imports at run time: paths from the root for relative specifiers, else the specifier. */
function runtimeImports(file) {
  return importsOf(readFileSync(join(ROOT, file), 'utf8'))
    .filter((i) => !i.typeOnly)
    .map((i) => {
      if (!i.specifier.startsWith('.')) return i.specifier;
      const p = relative(ROOT, resolve(ROOT, dirname(file), i.specifier)).split('\\').join('/');
      const ts = p.replace(/\.js$/, '.ts');
      return existsSync(join(ROOT, ts)) ? ts : p;
    });
}

/** Why `file` is no unit test (the chain of imports to what it needs), or null. */
function needs(file, seen = new Set()) {
  seen.add(file);
  for (const dep of runtimeImports(file)) {
    if (NEEDS[dep]) return `needs ${NEEDS[dep]} (${[file, dep].join(' -> ')})`;
    // follow test files only (helpers, fixtures): src/ is what is under test
    if (dep.startsWith('test/') && dep.endsWith('.ts') && !seen.has(dep) && existsSync(join(ROOT, dep))) {
      const why = needs(dep, seen);
      if (why) return why.replace('(', `(${file} -> `);
    }
  }
  return null;
}

export function selectUnitTests() {
  const unit = [];
  const other = [];
  for (const file of testFiles()) {
    const why = file.endsWith('.postgresql.test.ts') ? 'runs on PostgreSQL only' : needs(file);
    if (why) other.push({ file, why });
    else unit.push(file);
  }
  return { unit, other };
}

const args = process.argv.slice(2);
const { unit, other } = selectUnitTests();
if (args.includes('--list')) {
  for (const f of unit) console.log(`unit   ${f}`);
  for (const o of other) console.log(`other  ${o.file}: ${o.why}`);
  console.log(`${unit.length} unit test files, ${other.length} others`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'sso-jest-unit-'));
const out = join(dir, 'unit.json');
console.log(`\n=== unit tests: ${unit.length} files (npm run test:unit -- --list says which and why) ===`);
const r = spawnSync(process.execPath, ['--experimental-vm-modules', join(ROOT, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${out}`, ...args, '--runTestsByPath', ...unit], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, ...UNREACHABLE },
});
let passed = 0;
let failed = 0;
try {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  passed = j.numPassedTests;
  // a suite that failed to run (syntax error, crash in beforeAll) counts as a failure
  failed = j.numFailedTests + j.numRuntimeErrorTestSuites;
  console.log(`unit: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numRuntimeErrorTestSuites} suites broken`);
} catch {
  console.log(`unit: jest produced no results (exit ${r.status})`);
}
rmSync(dir, { recursive: true, force: true });
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
