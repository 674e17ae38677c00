/**
 * The IdP as `sso serve` runs it (loadConfig + startServer, same environment), with every
 * statement sent to the database counted, by verb and table: pg's Client.query (PostgreSQL,
 * what @prisma/adapter-pg calls) and better-sqlite3's prepared-statement runs (SQLite). For
 * measuring round trips per request only; throughput is always measured on `sso serve` itself.
 *
 * Commands on stdin, one per line: `reset` (answers `ok`), `report` (answers one JSON line).
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { startServer } from '../src/app/server.js';
import { createLogger } from '../src/util/logger.js';

let counts = new Map<string, number>();

/** "SELECT OidcPayload", "INSERT AuditEvent", "BEGIN" ... from a statement's text. */
export function statementKey(sql: string): string {
  const s = sql.trim();
  const verb = (/^\s*(\w+)/.exec(s)?.[1] ?? '?').toUpperCase();
  const table = /\b(?:FROM|INTO|UPDATE)\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?/i.exec(s)?.[1];
  return table ? `${verb} ${table}` : verb;
}

function count(sql: unknown): void {
  const text = typeof sql === 'string' ? sql : (sql as { text?: string } | null)?.text ?? '?';
  const k = statementKey(text);
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

const pgQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  count(args[0]);
  return pgQuery.apply(this, args);
} as typeof pg.Client.prototype.query;

const probe = new Database(':memory:');
const stmtProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
probe.close();
for (const m of ['run', 'all', 'get', 'iterate']) {
  const orig = stmtProto[m]!;
  stmtProto[m] = function counted(this: { source: string }, ...args: unknown[]) {
    count(this.source);
    return orig.apply(this, args);
  };
}

const config = loadConfig(process.env);
const running = await startServer(config, createLogger(config.logLevel, process.stderr));
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === 'reset') {
    counts = new Map();
    process.stdout.write('ok\n');
  } else if (line.trim() === 'report') {
    const byStatement = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
    process.stdout.write(`${JSON.stringify({ byStatement, total: [...counts.values()].reduce((a, b) => a + b, 0) })}\n`);
  }
});
const stop = () => { rl.close(); void running.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
