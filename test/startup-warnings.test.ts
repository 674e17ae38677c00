/**
 * What the server says at start about its configuration: a variable that looks like a setting
 * (SSO_, LDAP_, THROTTLE_) but is none is logged as a warning naming it and the setting most
 * likely meant, and the server starts anyway.
 */
import { expect, test } from '@jest/globals';
import { startTestServer } from './helpers/server.js';

test('a misspelt setting is logged at start, with the setting meant; the server runs', async () => {
  const server = await startTestServer({ THROTTLE_WINDOWS: '2h', SSO_FROBNICATE: '1' });
  try {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    const warnings = server.logs.filter((l) => l.includes('"event":"config.unknown_setting"')).map((l) => JSON.parse(l) as { name: string; msg: string });
    expect(warnings.map((w) => [w.name, w.msg])).toEqual([
      ['SSO_FROBNICATE', 'SSO_FROBNICATE is not a setting of sso and is ignored'],
      ['THROTTLE_WINDOWS', 'THROTTLE_WINDOWS is not a setting of sso and is ignored: did you mean THROTTLE_WINDOW?'],
    ]);
  } finally {
    await server.stop();
  }
});
