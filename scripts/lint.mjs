#!/usr/bin/env node
// `npm run lint`: the structural checks of src/, one line per problem (file:line:column: rule: message).
//   1. ESLint (eslint.config.js): import cycles between files, file and function lengths;
//   2. scripts/check-shape.mjs: cycles between the top-level folders of src/, files outside db/ and app/
//      importing the database client, and exceptions that no longer name anything.
// What is let through today is listed, each with its reason, in lint.exceptions.js.
// Exit 1 on any problem. `npm run lint -- --timing` also prints ESLint's time per rule.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { checkShape } from './check-shape.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const eslint = new ESLint({ cwd: ROOT, stats: process.argv.includes('--timing') });
const results = await eslint.lintFiles(['src']);
let eslintProblems = 0;
const times = new Map();
for (const r of results) {
  const file = relative(ROOT, r.filePath);
  for (const m of r.messages) {
    eslintProblems++;
    const rule = m.ruleId ?? (m.fatal ? 'parse-error' : 'eslint');
    console.log(`${file}:${m.line ?? 0}:${m.column ?? 0}: ${rule}: ${m.message}`);
  }
  for (const pass of r.stats?.times?.passes ?? []) {
    for (const [rule, t] of Object.entries(pass.rules ?? {})) times.set(rule, (times.get(rule) ?? 0) + t.total);
  }
}
const eslintMs = performance.now() - started;

const { EXCEPTIONS } = await import(pathToFileURL(join(ROOT, 'lint.exceptions.js')).href);
const shape = checkShape(ROOT, EXCEPTIONS);
for (const p of shape.problems) console.log(`${p.at}: ${p.rule}: ${p.message}`);
const totalMs = performance.now() - started;

for (const [rule, t] of [...times].sort((a, b) => b[1] - a[1])) console.log(`  ${rule}: ${(t / 1000).toFixed(2)} s`);
const problems = eslintProblems + shape.problems.length;
const s = (n) => (n === 1 ? '' : 's');
console.log(
  `lint: ${problems} problem${s(problems)} (ESLint ${eslintProblems} in ${results.length} files, ${(eslintMs / 1000).toFixed(1)} s; ` +
    `check-shape ${shape.problems.length}: ${shape.summary}) in ${(totalMs / 1000).toFixed(1)} s`,
);
process.exit(problems ? 1 : 0);
