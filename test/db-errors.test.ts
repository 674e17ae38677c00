/** Which errors mean "the database is out of reach" (answered 503 and retried), and which do not. Pure. */
import { describe, expect, test } from '@jest/globals';
import { isDatabaseUnavailable } from '../src/db/errors.js';

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
});
