/**
 * The log's shape (src/util/logger.ts): JSON lines with the level as a name; what libraries print
 * routed into it (src/util/library-output.ts), oidc-provider's Node.js notice explained; the
 * User-Agent as logged (src/util/log-fields.ts).
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from '../src/util/logger.js';
import { classifyLibraryLine, routeLibraryOutput } from '../src/util/library-output.js';
import { USER_AGENT_MAX, userAgentOf } from '../src/util/log-fields.js';

function capture(level = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

describe('log lines', () => {
  test('the level is a name, beside the time, the service and the host', () => {
    const { logger, lines } = capture();
    logger.trace({ event: 'x.trace' }, 't');
    logger.debug({ event: 'x.debug' }, 'd');
    logger.info({ event: 'x.info' }, 'i');
    logger.warn({ event: 'x.warn' }, 'w');
    logger.error({ event: 'x.error' }, 'e');
    logger.fatal({ event: 'x.fatal' }, 'f');
    expect(lines.map((l) => l.level)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
    expect(lines[2]).toMatchObject({ service: 'sso', event: 'x.info', msg: 'i' });
    expect(typeof lines[2]!.host).toBe('string');
    expect(new Date(lines[2]!.time as string).toISOString()).toBe(lines[2]!.time);
  });

  test('secret-bearing fields stay redacted', () => {
    const { logger, lines } = capture();
    logger.info({ event: 'x', password: 'hunter2', nested: { client_secret: 's3cr3t' } }, 'm');
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|s3cr3t/);
  });
});

describe('what libraries print', () => {
  test("oidc-provider's Unsupported runtime notice becomes an info line that explains it", () => {
    const line = classifyLibraryLine('warn', '\u001b[31;1moidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.\u001b[0m', '20.19.2');
    expect(line.level).toBe('info');
    expect(line.fields).toMatchObject({ event: 'runtime.node_version', node: '20.19.2', source: 'oidc-provider' });
    expect(line.msg).toMatch(/Node\.js 22 or 24 LTS is recommended in production/);
  });

  test('other notices keep their level and name their library', () => {
    expect(classifyLibraryLine('warn', 'oidc-provider WARNING: something else')).toEqual({ level: 'warn', fields: { event: 'library.output', source: 'oidc-provider' }, msg: 'something else' });
    expect(classifyLibraryLine('info', 'oidc-provider NOTICE: a notice')).toMatchObject({ level: 'info', msg: 'a notice' });
    expect(classifyLibraryLine('info', 'prisma:warn pool is small')).toEqual({ level: 'warn', fields: { event: 'library.output', source: 'prisma' }, msg: 'pool is small' });
    expect(classifyLibraryLine('error', 'anything')).toEqual({ level: 'error', fields: { event: 'library.output', source: 'unknown' }, msg: 'anything' });
  });

  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  test('console.* and process warnings go through the logger, as JSON, until restored', () => {
    const { logger, lines } = capture('debug');
    const original = console.warn;
    restore = routeLibraryOutput(logger);
    console.warn('oidc-provider WARNING: %s', 'formatted');
    console.log('plain %d', 42);
    // what process.emitWarning() emits (jest's sandbox has a process of its own: emitted on it directly)
    process.emit('warning', Object.assign(new Error('old thing'), { name: 'DeprecationWarning', code: 'DEP0999' }));
    restore();
    restore = undefined;
    expect(console.warn).toBe(original);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', event: 'library.output', source: 'oidc-provider', msg: 'formatted' }),
      expect.objectContaining({ level: 'info', event: 'library.output', source: 'unknown', msg: 'plain 42' }),
      expect.objectContaining({ level: 'warn', event: 'node.warning', name: 'DeprecationWarning', warningCode: 'DEP0999', msg: 'old thing' }),
    ]);
  });
});

describe('the User-Agent as logged', () => {
  test('bounded, without control characters, absent when empty', () => {
    expect(userAgentOf('Mozilla/5.0 (X11; Linux x86_64)')).toBe('Mozilla/5.0 (X11; Linux x86_64)');
    expect(userAgentOf('evil\r\n{"level":"info"}')).toBe('evil  {"level":"info"}');
    expect(userAgentOf('x'.repeat(1000))).toHaveLength(USER_AGENT_MAX);
    expect(userAgentOf(undefined)).toBeUndefined();
    expect(userAgentOf('  ')).toBeUndefined();
    expect(userAgentOf(['first', 'second'])).toBe('first');
  });
});
