#!/usr/bin/env node
// Commit subjects are at most 72 characters (CONTRIBUTING.md, "Commit messages"), for every
// commit after 03a1fff, the first of the restructure: the subjects before it are long and stay
// as history. Skips, saying why, where it cannot tell: no git, not a repository, or a shallow
// clone that does not reach 03a1fff.
//   node scripts/check-commits.mjs          HEAD's history after 03a1fff
//   node scripts/check-commits.mjs <rev>    <rev>'s history after 03a1fff
// Exit 1 when a subject is too long; 0 when all fit or the check was skipped.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SINCE = '03a1fff';
const MAX = 72;
/**
 * Commits let through, each with its reason: shared history is not rewritten, so a subject over
 * the limit that branches were already cut from stays, named here.
 */
const KNOWN = new Map([
  ['1c0e667', 'committed (73 characters) before this check was on main; seven branches were cut after it'],
  ['9aed670', 'webauthn branch (73 characters); the branch is not rewritten (no rebase), named here instead'],
  ['a496891', 'webauthn branch (73 characters), the commit that named the one above; not rewritten either'],
]);
const head = process.argv[2] ?? 'HEAD';

const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
const skip = (why) => {
  console.log(`check-commits: skipped: ${why}`);
  process.exit(0);
};

const version = git('--version');
if (version.error) skip(`git is not available (${version.error.code ?? version.error.message})`);
if (git('rev-parse', '--git-dir').status !== 0) skip(`${ROOT} is not a git repository`);
const shallow = git('rev-parse', '--is-shallow-repository').stdout.trim() === 'true';
if (git('cat-file', '-e', `${SINCE}^{commit}`).status !== 0) {
  if (shallow) skip(`shallow clone without commit ${SINCE} (git fetch --unshallow to check)`);
  console.error(`check-commits: commit ${SINCE} is not in this repository, which is not shallow: was the history rewritten?`);
  process.exit(1);
}
if (git('merge-base', '--is-ancestor', SINCE, head).status !== 0) {
  console.error(`check-commits: ${head} does not descend from ${SINCE}, the first commit of the restructure`);
  process.exit(1);
}

// %x00 between commits: a subject may hold anything but a line break
const log = git('log', '--format=%h %s%x00', `${SINCE}..${head}`);
if (log.status !== 0) {
  console.error(`check-commits: git log failed: ${log.stderr.trim()}`);
  process.exit(1);
}
const commits = log.stdout
  .split('\0')
  .map((l) => l.trim())
  .filter(Boolean)
  .map((l) => ({ hash: l.slice(0, l.indexOf(' ')), subject: l.slice(l.indexOf(' ') + 1) }));
// characters as a person counts them (Vietnamese letters with their marks are one each)
const length = (s) => [...s.normalize('NFC')].length;
const long = commits.filter((c) => length(c.subject) > MAX && !KNOWN.has(c.hash.slice(0, 7)));
for (const c of commits) if (KNOWN.has(c.hash.slice(0, 7))) console.log(`${c.hash}: let through: ${KNOWN.get(c.hash.slice(0, 7))}`);
for (const c of long) console.log(`${c.hash}: subject has ${length(c.subject)} characters, over ${MAX}: ${c.subject}`);
console.log(`check-commits: ${commits.length} commits after ${SINCE}, ${long.length} with a subject over ${MAX} characters`);
process.exit(long.length ? 1 : 0);
