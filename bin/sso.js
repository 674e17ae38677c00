#!/usr/bin/env node
// The `sso` command. Runs the JavaScript that scripts/build.mjs compiles from src/ into dist/
// (no TypeScript loader in the process); dist/ is rebuilt first when it is missing or older
// than src/ (a few milliseconds to check, ~0.6 s to build).
import { ensureBuilt } from '../scripts/build.mjs';

await ensureBuilt();
process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
