/**
 * What libraries print, as JSON log lines. oidc-provider, Prisma and Node itself write plain text
 * through console.* and process warnings; a log shipper would take each such line as a record of
 * its own, without level or event. routeLibraryOutput() sends them through the logger instead,
 * with `event` "library.output" (or "node.warning") and the library named in `source`.
 *
 * One line is known and reworded: oidc-provider 9 prints "WARNING: Unsupported runtime" on every
 * Node.js older than 22 (its own support policy). This product runs on Node.js 20.19 and later
 * (its test suite runs on Debian's Node.js 20), so the line becomes an info line,
 * `runtime.node_version`, saying so and recommending Node.js 22 or 24 LTS in production.
 */
import { format } from 'node:util';
import type { Logger } from './logger.js';

type ConsoleLevel = 'debug' | 'info' | 'warn' | 'error';

/** A line a library printed, as it is logged: the level, the fields besides msg, and msg. */
export interface LibraryLine {
  level: ConsoleLevel;
  fields: Record<string, unknown>;
  msg: string;
}

// the colour codes oidc-provider adds when stdout or stderr is a terminal
const ANSI = /\u001b\[[0-9;]*m/g;

/** Node's major version as a number. */
export function nodeMajor(version = process.versions.node): number {
  return Number(version.split('.')[0]);
}

/** How one printed line is logged. Pure. */
export function classifyLibraryLine(printed: ConsoleLevel, raw: string, node = process.versions.node): LibraryLine {
  const text = raw.replace(ANSI, '').trim();
  const oidc = /^oidc-provider (WARNING|NOTICE): ([\s\S]*)$/.exec(text);
  if (oidc) {
    const message = oidc[2]!;
    if (/^Unsupported runtime/i.test(message)) {
      return {
        level: 'info',
        fields: { event: 'runtime.node_version', node, recommended: 'Node.js 22 or 24 LTS', source: 'oidc-provider', library: message },
        msg: `Node.js ${node}: supported by this release (its test suite runs on Node.js 20); oidc-provider itself supports only Node.js 22 and later LTS releases, so Node.js 22 or 24 LTS is recommended in production`,
      };
    }
    return { level: oidc[1] === 'WARNING' ? 'warn' : 'info', fields: { event: 'library.output', source: 'oidc-provider' }, msg: message };
  }
  const prisma = /^prisma:(\w+)\s+([\s\S]*)$/.exec(text);
  if (prisma) {
    const level: ConsoleLevel = prisma[1] === 'error' ? 'error' : prisma[1] === 'warn' ? 'warn' : printed;
    return { level, fields: { event: 'library.output', source: 'prisma' }, msg: prisma[2]! };
  }
  return { level: printed, fields: { event: 'library.output', source: 'unknown' }, msg: text };
}

const METHODS = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug', trace: 'debug' } as const;
type Method = keyof typeof METHODS;

/**
 * Routes console.* and process warnings through `logger` until the returned function is called.
 * For the server process only: the CLI's other commands write for a person and keep the console.
 */
export function routeLibraryOutput(logger: Logger): () => void {
  const saved = new Map<Method, (...a: unknown[]) => void>();
  for (const m of Object.keys(METHODS) as Method[]) {
    saved.set(m, console[m]);
    console[m] = (...args: unknown[]) => {
      const line = classifyLibraryLine(METHODS[m], format(...args));
      logger[line.level](line.fields, line.msg);
    };
  }
  // Node prints warnings (deprecations, experimental features) through one default listener
  const defaults = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (w: Error & { code?: string }) => {
    logger.warn({ event: 'node.warning', name: w.name, warningCode: w.code, source: 'node' }, w.message);
  };
  process.on('warning', onWarning);
  return () => {
    for (const [m, f] of saved) console[m] = f;
    process.off('warning', onWarning);
    for (const l of defaults) process.on('warning', l);
  };
}
