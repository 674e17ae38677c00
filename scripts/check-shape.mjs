#!/usr/bin/env node
// The shape of src/ that ESLint cannot see file by file (docs/architecture.md), with Node alone:
//   folder-cycle  the top-level folders of src/ import one another without a cycle. A file
//                 src/a/... importing src/b/... is an edge a -> b (src/x.ts counts as folder x);
//                 every import counts, `import type` and `await import()` too: a type from a
//                 higher layer is a dependency on it all the same.
//   db-client     the storage seam is one folder: no file outside src/db/ and the composition
//                 root src/app/ (STORAGE_SEAM below) imports the database client:
//                 src/db/client.ts, the generated client (src/db/generated/), @prisma/client, or
//                 a binding named Prisma from anywhere. Use cases take repositories
//                 (src/db/repos/*.ts, their interfaces) from the composition root.
//   exceptions    every entry of lint.exceptions.js still names something that exists (the size
//                 entries are checked by ESLint, see scripts/lib/eslint-size-rules.mjs).
// What is allowed today is listed, with its reason, in lint.exceptions.js.
//   node scripts/check-shape.mjs            check; one line per problem (file:line: rule: ...)
//   node scripts/check-shape.mjs --graph    also print the folder graph (edge, imports, first import)
// Run by `npm run lint` (scripts/lint.mjs) after ESLint. Exit 1 on any problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importsOf } from './lib/imports.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The only top-level folders of src/ whose files may reach the database client. */
export const STORAGE_SEAM = ['db', 'app'];
const GENERATED = 'src/db/generated/';
const DB_CLIENT = 'src/db/client.ts';
const EXCEPTIONS_FILE = 'lint.exceptions.js';

/** src/**\/*.ts (generated code left out), as paths from the root with forward slashes. */
function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (`${p}/` !== GENERATED) walk(p);
      } else if (/\.(ts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk('src');
  return out.sort();
}

/** Where a relative specifier of `file` points, from the root: './a.js' -> src/x/a.ts when that exists. */
function target(root, file, specifier) {
  const p = relative(root, resolve(root, dirname(file), specifier)).split('\\').join('/');
  const ts = p.replace(/\.(m?)js$/, '.$1ts');
  if (ts !== p && existsSync(join(root, ts))) return ts;
  if (!/\.\w+$/.test(p) && existsSync(join(root, `${p}.ts`))) return `${p}.ts`;
  return p;
}

/** src/a/b.ts -> a; src/x.ts -> x; outside src/ -> null. */
export function folderOf(path) {
  const m = /^src\/([^/]+?)(\.[^/.]+)?(\/|$)/.exec(path);
  if (!m) return null;
  return m[3] === '/' ? m[1] + (m[2] ?? '') : m[1];
}

/** Every import of every source file, relative ones resolved to a path from the root. */
export function scan(root = ROOT) {
  const imports = [];
  const files = sourceFiles(root);
  for (const file of files) {
    for (const i of importsOf(readFileSync(join(root, file), 'utf8'))) {
      imports.push({ ...i, file, to: i.specifier.startsWith('.') ? target(root, file, i.specifier) : null });
    }
  }
  return { files, imports };
}

/** The folder graph: Map 'a -> b' -> the imports that make it (first one first). */
export function folderGraph(imports) {
  const edges = new Map();
  for (const i of imports) {
    if (!i.to) continue;
    const a = folderOf(i.file);
    const b = folderOf(i.to);
    if (!a || !b || a === b) continue;
    const key = `${a} -> ${b}`;
    if (!edges.has(key)) edges.set(key, []);
    edges.get(key).push(i);
  }
  return edges;
}

/** Strongly connected components of more than one node (Tarjan). */
function cyclicComponents(adjacency) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adjacency.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of [...adjacency.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** The shortest path from `from` to `to` within `nodes` (breadth first), or null. */
function shortestPath(adjacency, from, to, nodes) {
  const prev = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const v = queue.shift();
    if (v === to) {
      const path = [];
      for (let w = v; w !== null; w = prev.get(w)) path.unshift(w);
      return path;
    }
    for (const w of adjacency.get(v) ?? []) {
      if (nodes.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return null;
}

const where = (i) => `${i.file}:${i.line}`;

/** Cycles among folders once the listed edges are left out: one problem per distinct short cycle. */
function folderCycles(edges, listed) {
  const adjacency = new Map();
  for (const key of edges.keys()) {
    if (listed.has(key)) continue;
    const [a, b] = key.split(' -> ');
    if (!adjacency.has(a)) adjacency.set(a, []);
    if (!adjacency.has(b)) adjacency.set(b, []);
    adjacency.get(a).push(b);
  }
  for (const next of adjacency.values()) next.sort();
  const problems = [];
  for (const component of cyclicComponents(adjacency)) {
    const nodes = new Set(component);
    const seen = new Set();
    // each edge inside the component closes at least one cycle: report the shortest, once
    for (const a of component) {
      for (const b of adjacency.get(a)) {
        if (!nodes.has(b)) continue;
        const back = shortestPath(adjacency, b, a, nodes);
        const cycle = [a, ...back];
        const ring = cycle.slice(0, -1);
        const start = ring.indexOf([...ring].sort()[0]);
        const canonical = [...ring.slice(start), ...ring.slice(0, start)].join(' -> ');
        if (seen.has(canonical)) continue;
        seen.add(canonical);
        const steps = cycle.slice(0, -1).map((x, k) => edges.get(`${x} -> ${cycle[k + 1]}`)[0]);
        const first = steps[0];
        const how = steps.map((i) => `${where(i)} imports ${i.to.replace(/^src\//, '')}`).join('; ');
        problems.push({
          at: where(first),
          rule: 'folder-cycle',
          message: `folders ${cycle.join(' -> ')} form a cycle (${how}); folders depend one way (docs/architecture.md): move what both need down a layer, or list one edge in lint.exceptions.js with a reason`,
        });
      }
    }
  }
  return problems;
}

/** Imports of the database client from outside the storage seam, less the listed ones. */
function dbClientImports(imports, listed) {
  const problems = [];
  const used = new Set();
  for (const i of imports) {
    if (STORAGE_SEAM.includes(folderOf(i.file))) continue;
    let what = null;
    if (i.to === DB_CLIENT) what = DB_CLIENT;
    else if (i.to?.startsWith(GENERATED)) what = i.to;
    else if (i.specifier === '@prisma/client' || i.specifier.startsWith('@prisma/client/')) what = i.specifier;
    else if (i.names.includes('Prisma')) what = `Prisma from ${i.to ?? i.specifier}`;
    if (!what) continue;
    const key = `${i.file} ${what}`;
    if (listed.has(key)) {
      used.add(key);
      continue;
    }
    problems.push({
      at: where(i),
      rule: 'db-client',
      message: `${i.file} imports ${what}${i.typeOnly ? ' (types)' : ''}; only db/ and the composition root (app/) reach the database client; others take repositories (docs/architecture.md, "Storage"), or list the import in lint.exceptions.js with a reason`,
    });
  }
  return { problems, used };
}

/** Checks the shape of src/ against the exceptions; returns the problems and a summary. */
export function checkShape(root = ROOT, exceptions) {
  const { files, imports } = scan(root);
  const edges = folderGraph(imports);
  const problems = [];
  const ex = { fileLines: [], functionLines: [], folderEdges: [], dbClient: [], ...exceptions };
  const exceptionsText = existsSync(join(root, EXCEPTIONS_FILE)) ? readFileSync(join(root, EXCEPTIONS_FILE), 'utf8').split('\n') : [];
  /** Where an entry is written in lint.exceptions.js: the first line holding all of `parts` (key: 'value'). */
  const entryAt = (parts) => {
    const k = exceptionsText.findIndex((l) => Object.entries(parts).every(([key, v]) => l.includes(`${key}: '${v}'`)));
    return k < 0 ? EXCEPTIONS_FILE : `${EXCEPTIONS_FILE}:${k + 1}`;
  };

  for (const [kind, list] of Object.entries(ex)) {
    for (const e of list) {
      if (!e.why || !String(e.why).trim()) problems.push({ at: e.file ? entryAt({ file: e.file }) : EXCEPTIONS_FILE, rule: 'exceptions', message: `an entry of ${kind} has no reason (why): ${JSON.stringify(e)}` });
    }
  }
  const gone = (e, parts, what) => {
    if (!existsSync(join(root, e.file))) problems.push({ at: entryAt(parts), rule: 'exceptions', message: `${e.file} does not exist any more: remove its ${what} exception` });
  };
  for (const e of ex.fileLines) gone(e, { file: e.file }, 'file lines');
  for (const e of ex.functionLines) gone(e, { file: e.file, function: e.function }, `function lines (${e.function})`);
  for (const e of ex.dbClient) gone(e, { file: e.file, imports: e.imports }, 'db-client');

  const listedEdges = new Set(ex.folderEdges.map((e) => `${e.from} -> ${e.to}`));
  for (const e of ex.folderEdges) {
    const key = `${e.from} -> ${e.to}`;
    if (!edges.has(key)) problems.push({ at: entryAt({ from: e.from, to: e.to }), rule: 'exceptions', message: `no file imports along ${key} any more: remove that folder edge from the exceptions` });
  }
  problems.push(...folderCycles(edges, listedEdges));

  const listedDb = new Set(ex.dbClient.map((e) => `${e.file} ${e.imports}`));
  const db = dbClientImports(imports, listedDb);
  problems.push(...db.problems);
  for (const e of ex.dbClient) {
    if (!db.used.has(`${e.file} ${e.imports}`) && existsSync(join(root, e.file))) {
      problems.push({ at: entryAt({ file: e.file, imports: e.imports }), rule: 'exceptions', message: `${e.file} no longer imports ${e.imports}: remove its db-client exception` });
    }
  }

  const folders = new Set([...edges.keys()].flatMap((k) => k.split(' -> ')));
  return { problems, edges, summary: `${files.length} files, ${folders.size} folders, ${edges.size} folder edges (${listedEdges.size} listed), ${listedDb.size} listed db-client imports` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { EXCEPTIONS } = await import(pathToFileURL(join(ROOT, EXCEPTIONS_FILE)).href);
  const { problems, edges, summary } = checkShape(ROOT, EXCEPTIONS);
  if (process.argv.includes('--graph')) {
    for (const [key, list] of [...edges].sort(([a], [b]) => a.localeCompare(b))) console.log(`${key.padEnd(32)} ${String(list.length).padStart(3)}  ${where(list[0])}`);
  }
  for (const p of problems) console.log(`${p.at}: ${p.rule}: ${p.message}`);
  console.log(`check-shape: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${summary})`);
  process.exit(problems.length ? 1 : 0);
}
