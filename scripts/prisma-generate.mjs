#!/usr/bin/env node
// Writes the per-provider Prisma schemas from prisma/model.prisma and generates both clients.
// Offline: Prisma's CLI wants a native schema engine for every command, but `generate` never
// runs it, so any existing file will do (see README, "Design").
//   node scripts/prisma-generate.mjs          write schemas + generate clients
//   node scripts/prisma-generate.mjs --check  exit 1 if a written schema differs from the model
//   node scripts/prisma-generate.mjs --schemas-only
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const providers = ['sqlite', 'postgresql'];

export function schemaFor(provider, model) {
  return `// GENERATED from prisma/model.prisma by scripts/prisma-generate.mjs. Do not edit.
generator client {
  provider               = "prisma-client"
  output                 = "../../src/db/generated/${provider}"
  moduleFormat           = "esm"
  importFileExtension    = "js"
}

datasource db {
  provider = "${provider}"
}

${model}`;
}

const model = readFileSync(join(root, 'prisma/model.prisma'), 'utf8');
const check = process.argv.includes('--check');
let drift = false;
for (const provider of providers) {
  const file = join(root, 'prisma', provider, 'schema.prisma');
  const want = schemaFor(provider, model);
  if (check) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== want) {
      console.error(`${file} is out of date with prisma/model.prisma: run npm run db:generate`);
      drift = true;
    }
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, want);
}
if (check) process.exit(drift ? 1 : 0);
if (!process.argv.includes('--schemas-only')) {
  // no engine download, no update check, no telemetry (Prisma's CLI reports to checkpoint.prisma.io unless told not to)
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
  for (const provider of providers) {
    execFileSync(join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', join('prisma', provider, 'schema.prisma')], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
