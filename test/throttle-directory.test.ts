/**
 * The directory's own lockout is never reached through the IdP: a real slapd whose password
 * policy locks a person after 5 wrong binds (the OpenLDAP fixture: pwdMaxFailure 5 within
 * 300 s), DIRECTORY_LOCKOUT_AFTER=5 and throttle settings whose arithmetic allows at most
 * 2 + 2 = 4 guesses per person per window. Guessers at many addresses (through a trusted proxy,
 * in parallel bursts over two instances) and the person's own typos on a known device: the entry
 * counts at most 4 failed binds, is never locked, and the person still gets in. Start-up refuses
 * settings that would let 5 through.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from 'ldapts';
import { startSlapd, slapdEnv, type Slapd } from './helpers/slapd.js';
import { startTestServer, testServerEnv, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth } from './helpers/rp.js';
import { openldapPeople as P } from './fixtures/ldap/openldap.ldif.js';
import { ConfigError, loadConfig } from '../src/config/load.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const WRONG = 'doan-mat-khau';

let slapd: Slapd;
let env: Record<string, string>;
let one: TestServer;
let two: TestServer;
const clients = new Map<TestServer, { id: string; secret: string }>();

beforeAll(async () => {
  slapd = await startSlapd({ fixture: 'openldap' });
  env = slapdEnv(slapd, {
    LDAP_PRESET: 'openldap',
    LDAP_GROUPS: 'none',
    TRUST_PROXY: 'true',
    DIRECTORY_LOCKOUT_AFTER: '5',
    THROTTLE_WINDOW: '10m',
    THROTTLE_ACCOUNT_BLOCK_AFTER: '2',
    THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '1',
    THROTTLE_KNOWN_DEVICES_BLOCK_AFTER: '2',
    THROTTLE_DEVICE_BLOCK_AFTER: '2',
    THROTTLE_IP_BLOCK_AFTER: '1000',
    THROTTLE_MAX_DELAY_MS: '0',
    LOGIN_FAILURE_FLOOR_MS: '0',
  });
  one = await startTestServer(env);
  two = await startTestServer(env, { databaseUrl: one.config.databaseUrl });
  const c = await one.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] });
  for (const s of [one, two]) clients.set(s, { id: c.client.client_id, secret: c.clientSecret! });
});
afterAll(async () => {
  await two?.stop();
  await one?.stop();
  await slapd?.stop();
});

/** One attempt; `browser` undefined: a fresh one (an unknown device). */
async function attempt(s: TestServer, b: Browser | undefined, login: string, password: string, ip: string) {
  const c = clients.get(s)!;
  const browser = b ?? new Browser(s.issuer);
  const page = await browser.go((await startAuth(await rpConfig(s.issuer, c.id, c.secret), REDIRECT, 'openid')).url.toString());
  const res = await browser.request(formAction(page.html, 'password')!, { form: { csrf: inputValue(page.html, 'csrf')!, login, password }, headers: { 'x-forwarded-for': ip } });
  await res.arrayBuffer();
  return res.status;
}

/** The entry's password-policy state, read as the rootdn (operational attributes). */
async function policyState(dn: string) {
  const c = new Client({ url: slapd.url });
  try {
    await c.bind(slapd.rootDn, slapd.rootPassword);
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['pwdFailureTime', 'pwdAccountLockedTime'] });
    const e = searchEntries[0]!;
    const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    return { failures: list(e.pwdFailureTime).length, locked: list(e.pwdAccountLockedTime).length > 0 };
  } finally {
    await c.unbind();
  }
}

describe('the directory lockout (ppolicy: 5 wrong binds)', () => {
  test('is real: five wrong binds straight to slapd lock a person, and then even the right password fails', async () => {
    const c = new Client({ url: slapd.url });
    for (let i = 0; i < 5; i++) await expect(c.bind(P.son.dn, WRONG)).rejects.toThrow();
    await expect(c.bind(P.son.dn, P.son.password)).rejects.toThrow();
    expect(await policyState(P.son.dn)).toMatchObject({ locked: true });
  });

  test('is never reached through the IdP: guessers everywhere and the person\'s own typos stay below it', async () => {
    // the person's own computer: a known device after this success (its cookie is one.issuer's: the
    // test's two instances have two origins, where a real deployment has one behind its proxy)
    const own = new Browser(one.issuer);
    expect(await attempt(one, own, P.hung.login, P.hung.password, '192.0.2.10')).toBe(303);
    // 12 addresses, 3 guesses each, in parallel over two instances, each from an unknown device
    const guesses = Array.from({ length: 36 }, (_, i) => attempt(i % 2 ? one : two, undefined, i % 3 ? P.hung.login : `${P.hung.login}@tinh.gov.vn`, `${WRONG}-${i}`, `198.51.100.${10 + (i % 12)}`));
    const statuses = await Promise.all(guesses);
    expect(statuses.filter((s) => s === 401)).toHaveLength(2);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(await policyState(P.hung.dn)).toEqual({ failures: 2, locked: false });
    // the person mistypes once on their own computer (from another address): one more bind
    expect(await attempt(one, own, P.hung.login, WRONG, '192.0.2.11')).toBe(401);
    expect(await policyState(P.hung.dn)).toEqual({ failures: 3, locked: false });
    // a second typo on it: the device's limit (2), and the known devices' together (2)
    expect(await attempt(one, own, P.hung.login, `${WRONG}-2`, '192.0.2.12')).toBe(401);
    expect(await policyState(P.hung.dn)).toEqual({ failures: 4, locked: false });
    // everything is refused now, before any bind: the directory stays one short of its lockout
    expect(await attempt(one, own, P.hung.login, P.hung.password, '192.0.2.12')).toBe(429);
    expect(await attempt(two, undefined, P.hung.login, P.hung.password, '198.51.100.200')).toBe(429);
    expect(await policyState(P.hung.dn)).toEqual({ failures: 4, locked: false });
    // after IT staff lift the blocks (one more try each), the right password gets in, and both counts start again
    await one.services.throttleBlocks.unblock({ login: P.hung.login });
    expect(await attempt(one, own, P.hung.login, P.hung.password, '192.0.2.12')).toBe(303);
    expect(await policyState(P.hung.dn)).toEqual({ failures: 0, locked: false });
  });

  test('start-up refuses settings that would let the lockout be reached, with the arithmetic', () => {
    const bad = { ...testServerEnv(3000, one.config.databaseUrl, env), THROTTLE_ACCOUNT_BLOCK_AFTER: '3' };
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    expect(() => loadConfig(bad)).toThrow(/THROTTLE_ACCOUNT_BLOCK_AFTER \(3, unknown devices\) \+ THROTTLE_KNOWN_DEVICES_BLOCK_AFTER \(2, known devices\) = 5 guesses per person could reach the directory in one THROTTLE_WINDOW \(600 s\), which reaches DIRECTORY_LOCKOUT_AFTER \(5\)/);
  });
});
