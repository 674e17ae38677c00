#!/usr/bin/env node
// The `sso` command. Runs the JavaScript that scripts/build.mjs compiles from src/ into dist/
// (no TypeScript loader in the process); dist/ is rebuilt first when it is missing or older
// than src/ (a few milliseconds to check, ~0.6 s to build). A release (npm run package) has no
// src/ and is never rebuilt; it records the Node.js it was built for (BUILD-INFO.json), and
// another Node.js is told so plainly instead of failing to load the native modules.
import { existsSync, readFileSync } from 'node:fs';
import { BuildError, ensureBuilt, ROOT } from '../scripts/build.mjs';

/** A message and exit 1, never a stack trace, for what the operator must fix before anything runs. */
function refuse(message) {
  process.stderr.write(`sso: ${message}\n`);
  process.exit(1);
}

const infoFile = `${ROOT}/BUILD-INFO.json`;
if (existsSync(infoFile)) {
  const info = JSON.parse(readFileSync(infoFile, 'utf8'));
  if (info.modules !== process.versions.modules || info.platform !== process.platform || info.arch !== process.arch) {
    refuse(`this release of sso ${info.version} was built for Node.js ${info.node} on ${info.platform}-${info.arch} (native module ABI ${info.modules}); ` +
      `this is Node.js ${process.version} on ${process.platform}-${process.arch} (ABI ${process.versions.modules}). ` +
      `Run it with Node.js ${info.node.replace(/^v(\d+).*/, '$1')}.x, or use the release built for this Node.js.`);
  }
}
try {
  await ensureBuilt();
} catch (err) {
  if (err instanceof BuildError) refuse(err.message);
  throw err;
}
process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
