/** Which errors mean "the database is out of reach" (answered 503 and retried), and which do not. Pure. */
import { describe, expect, test } from '@jest/globals';
import { isDatabaseUnavailable } from '../src/db/errors.js';

/** A Prisma error as Prisma 7 throws it with a driver adapter (shapes copied from real failures). */
const prisma = (code: string, cause: Record<string, unknown>, message = 'Invalid `prisma.lease.findMany()` invocation:\n\n...') =>
  Object.assign(new Error(message), { code, meta: { driverAdapterError: { name: 'DriverAdapterError', cause } } });

describe('isDatabaseUnavailable', () => {
  test('outages, by code, SQLSTATE, cause or message; not query errors', () => {
    const outage = [
      Object.assign(new Error('x'), { code: 'P1001' }),
      Object.assign(new Error('x'), { code: 'P2024' }),
      new Error('wrapped', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) }),
      Object.assign(new Error('x'), { code: 'P2010', meta: { code: '57P03' } }),
      new Error('Connection terminated unexpectedly'),
      new Error('Invalid `prisma.client.findUnique()` invocation:\n\nDatabase error. Code: `57P01`. Message: `terminating connection due to administrator command`'),
    ];
    const notOutage = [
      Object.assign(new Error('Unique constraint failed'), { code: 'P2002' }),
      Object.assign(new Error('x'), { code: 'P2010', meta: { code: '23505' } }),
      new Error('syntax error at or near "SELEC"'),
      'Connection terminated',
      null,
    ];
    expect(outage.map((e) => isDatabaseUnavailable(e))).toEqual(outage.map(() => true));
    expect(notOutage.map((e) => isDatabaseUnavailable(e))).toEqual(notOutage.map(() => false));
  });

  test('PostgreSQL refusing connections: SQLSTATE classes 08 and 53, 55000, 57P01-57P03, through the adapter', () => {
    const pgCause = (code: string, message: string) => ({ originalCode: code, originalMessage: message, kind: 'postgres', code, severity: 'FATAL', message });
    const outage = {
      '55000 (model query)': prisma('P2039', pgCause('55000', 'database "sso" is not currently accepting connections'), 'Database error. Code: `55000`. Message: `database "sso" is not currently accepting connections`'),
      '55000 (raw query)': prisma('P2010', pgCause('55000', 'database "sso" is not currently accepting connections'), 'Raw query failed.'),
      '53300 (model query)': prisma('P2037', { originalCode: '53300', originalMessage: 'too many connections for role "sso_app"', kind: 'TooManyConnections', cause: 'too many connections for role "sso_app"' }),
      '53300 (raw query)': prisma('P2010', { originalCode: '53300', originalMessage: 'too many connections for role "sso_app"', kind: 'TooManyConnections', cause: 'x' }, 'Raw query failed.'),
      '53100 disk full': prisma('P2010', pgCause('53100', 'could not extend file'), 'Raw query failed.'),
      '53200 out of memory': prisma('P2039', pgCause('53200', 'out of memory'), 'x'),
      '08006 connection failure': prisma('P2010', pgCause('08006', 'connection failure'), 'x'),
      '57P01 admin shutdown': prisma('P2039', pgCause('57P01', 'terminating connection due to administrator command'), 'x'),
      '57P02 crash shutdown': prisma('P2039', pgCause('57P02', 'terminating connection because of crash of another server process'), 'x'),
      '57P03 cannot connect now': prisma('P2039', pgCause('57P03', 'the database system is starting up'), 'x'),
      'socket timeout': prisma('P2010', { kind: 'SocketTimeout' }, 'x'),
      'pg driver error itself': Object.assign(new Error('the database system is shutting down'), { code: '57P03', severity: 'FATAL' }),
    };
    const notOutage = {
      '55P03 lock not available': prisma('P2010', pgCause('55P03', 'could not obtain lock'), 'x'),
      '57014 query canceled': prisma('P2010', pgCause('57014', 'canceling statement due to statement timeout'), 'x'),
      '42P01 no such table': prisma('P2021', { kind: 'TableDoesNotExist', table: 'x' }, 'x'),
      '23505 unique': prisma('P2002', { kind: 'UniqueConstraintViolation' }, 'x'),
    };
    expect(Object.fromEntries(Object.entries(outage).map(([k, e]) => [k, isDatabaseUnavailable(e)]))).toEqual(Object.fromEntries(Object.keys(outage).map((k) => [k, true])));
    expect(Object.fromEntries(Object.entries(notOutage).map(([k, e]) => [k, isDatabaseUnavailable(e)]))).toEqual(Object.fromEntries(Object.keys(notOutage).map((k) => [k, false])));
  });

  test('SQLite busy or locked past the busy timeout: P1008 "Operation has timed out" and raw SQL\'s SQLITE_BUSY', () => {
    const busy = { originalCode: 'SQLITE_BUSY', originalMessage: 'database is locked', kind: 'SocketTimeout' };
    const outage = [
      prisma('P1008', busy, 'Invalid `prisma.lease.create()` invocation:\n\nOperation has timed out'),
      prisma('P2010', busy, 'Invalid `prisma.$executeRawUnsafe()` invocation:\n\nRaw query failed. Code: `SQLITE_BUSY`. Message: `database is locked`'),
      prisma('P2010', { originalCode: 'SQLITE_LOCKED', originalMessage: 'database table is locked', kind: 'sqlite', extendedCode: 6, message: 'database table is locked' }, 'x'),
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' }),
    ];
    const notOutage = [
      prisma('P2010', { originalCode: 'SQLITE_CONSTRAINT_CHECK', kind: 'sqlite', extendedCode: 275, message: 'CHECK constraint failed' }, 'x'),
      Object.assign(new Error('Transaction API error: Transaction already closed'), { code: 'P2028' }),
    ];
    expect(outage.map((e) => isDatabaseUnavailable(e))).toEqual(outage.map(() => true));
    expect(notOutage.map((e) => isDatabaseUnavailable(e))).toEqual(notOutage.map(() => false));
  });
});
