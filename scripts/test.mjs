#!/usr/bin/env node
// The test command: the whole jest suite once per storage backend (SQLite, then PostgreSQL at
// 127.0.0.1:5432 unless TEST_BACKENDS says otherwise), then one line with the totals.
//   npm test                          both backends
//   TEST_BACKENDS=sqlite npm test     SQLite only
//   npm test -- test/oidc-flow.test.ts   extra arguments go to jest
// A test file named *.postgresql.test.ts runs in the PostgreSQL pass only (what SQLite has no
// equivalent of: a database server restarted, several processes on one server), and
// *.sqlite.test.ts in the SQLite pass only (what uses no test database and needs running once).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// tests that run the real `sso` command (bin/sso.js) run dist/: build it once, before jest's workers
await build();
const backends = (process.env.TEST_BACKENDS ?? 'sqlite,postgresql').split(',').map((s) => s.trim()).filter(Boolean);
const dir = mkdtempSync(join(tmpdir(), 'sso-jest-'));
let passed = 0;
let failed = 0;
let broken = false;
for (const backend of backends) {
  const out = join(dir, `${backend}.json`);
  console.log(`\n=== tests on ${backend} ===`);
  const others = ['sqlite', 'postgresql'].filter((b) => b !== backend);
  const ignore = ['/node_modules/', ...others.map((b) => `\\.${b}\\.test\\.ts$`)];
  const r = spawnSync(process.execPath, ['--experimental-vm-modules', join(root, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${out}`, ...ignore.flatMap((p) => ['--testPathIgnorePatterns', p]), ...(process.argv.length > 2 ? ['--passWithNoTests'] : []), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TEST_DATABASE: backend },
  });
  try {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    // a suite that failed to run (syntax error, crash in beforeAll) counts as a failure
    failed += j.numRuntimeErrorTestSuites;
    console.log(`${backend}: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numRuntimeErrorTestSuites} suites broken`);
  } catch {
    broken = true;
    console.log(`${backend}: jest produced no results (exit ${r.status})`);
  }
  if (r.status !== 0 && !broken && failed === 0) broken = true;
}
rmSync(dir, { recursive: true, force: true });
if (broken && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || broken ? 1 : 0);
