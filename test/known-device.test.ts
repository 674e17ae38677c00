/**
 * The known-device cookie (login/known-device.ts) and what it changes in the login use case
 * (scripted ports): signed, verified with any cookie key, expiring, bounded, naming nobody; a
 * person on a known device is counted on the device's own keys, never on the account-wide or the
 * address keys, so those blocks never stop them. The whole path through a real server and
 * browser cookies is in throttle-devices.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { createKnownDevices, MAX_PERSONS } from '../src/login/known-device.js';
import { createLoginUseCase } from '../src/login/attempt.js';
import type { Authenticate } from '../src/login/authenticate.js';
import type { CountedFailure, LoginThrottle } from '../src/db/repos/throttle.js';
import type { Decision } from '../src/domain/throttle.js';
import type { AccountRecord } from '../src/accounts/claims.js';
import { createLogger } from '../src/util/logger.js';

const KEY_A = 'known-device-test-key-a-0123456789abcdef';
const KEY_B = 'known-device-test-key-b-0123456789abcdef';
const now = new Date('2026-03-01T08:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);

describe('the cookie', () => {
  const devices = createKnownDevices([KEY_A], 3600);

  test('remembers the persons who succeeded, and no one else; names nobody in clear', () => {
    const value = devices.remember(null, ['nguyen.van.a'], now);
    const d = devices.read(value, now)!;
    expect(d.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(devices.knows(d, 'nguyen.van.a')).toBe(true);
    expect(devices.knows(d, 'tran.thi.b')).toBe(false);
    expect(Buffer.from(value.split('.')[1]!, 'base64url').toString()).not.toContain('nguyen');
    // a second person on the same device: one id, both known
    const both = devices.read(devices.remember(d, ['tran.thi.b'], now), now)!;
    expect(both.id).toBe(d.id);
    expect(devices.knows(both, 'nguyen.van.a') && devices.knows(both, 'tran.thi.b')).toBe(true);
  });

  test('the same person on another device does not match (hashes are bound to the device)', () => {
    const one = devices.read(devices.remember(null, ['an'], now), now)!;
    const two = devices.read(devices.remember(null, ['an'], now), now)!;
    expect(one.id).not.toBe(two.id);
    expect(devices.knows({ id: two.id, persons: one.persons }, 'an')).toBe(false);
  });

  test('forged, tampered, foreign, expired or malformed values name no device', () => {
    const value = devices.remember(null, ['an'], now);
    const [v, body, sig] = value.split('.');
    const other = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { d: string; p: string[]; exp: number };
    const forged = Buffer.from(JSON.stringify({ ...other, exp: other.exp + 10_000 })).toString('base64url');
    expect(devices.read(`${v}.${forged}.${sig}`, now)).toBeNull();
    expect(devices.read(createKnownDevices([KEY_B], 3600).remember(null, ['an'], now), now)).toBeNull();
    expect(devices.read(value, later(3600))).toBeNull();
    for (const bad of [undefined, '', 'x', 'v1..', `v2.${body}.${sig}`, `${value}.extra`, 'v1.' + 'a'.repeat(2000) + '.b']) expect(devices.read(bad, now)).toBeNull();
  });

  test('signed with the newest key, read with any: a key rotation keeps known devices', () => {
    const old = createKnownDevices([KEY_A], 3600).remember(null, ['an'], now);
    const rotated = createKnownDevices([KEY_B, KEY_A], 3600);
    const d = rotated.read(old, now)!;
    expect(rotated.knows(d, 'an')).toBe(true);
    // re-signed with the new key at the next success; the old key can be dropped after that
    const renewed = rotated.remember(d, ['an'], now);
    const onlyNew = createKnownDevices([KEY_B], 3600);
    expect(onlyNew.knows(onlyNew.read(renewed, now), 'an')).toBe(true);
  });

  test(`at most ${MAX_PERSONS} persons per device, the most recent kept`, () => {
    let value = devices.remember(null, ['p0'], now);
    for (let i = 1; i <= MAX_PERSONS + 2; i++) value = devices.remember(devices.read(value, now), [`p${i}`], now);
    const d = devices.read(value, now)!;
    expect(d.persons).toHaveLength(MAX_PERSONS);
    expect(devices.knows(d, `p${MAX_PERSONS + 2}`)).toBe(true);
    expect(devices.knows(d, 'p0')).toBe(false);
    expect(value.length).toBeLessThan(600);
  });
});

describe('a login from a known device', () => {
  const until = new Date('2030-01-01T00:00:00Z');
  const account = { id: 'acc-1', login: 'an', source: 'directory', externalId: 'z-1' } as AccountRecord;
  const devices = createKnownDevices([KEY_A], 3600);

  function scripted(decisions: Record<string, Decision>) {
    const calls: string[] = [];
    const throttle: LoginThrottle = {
      settings: { windowSeconds: 60, accountDelayAfter: 3, accountBlockAfter: 5, ipDelayAfter: 20, ipBlockAfter: 100, blockSeconds: 60, maxDelayMs: 1000 },
      check: async () => ({ action: 'allow' }),
      recordFailure: async (keys): Promise<CountedFailure> => {
        calls.push(`count ${keys.join(',')}`);
        const per = keys.map((key) => ({ key, windowStart: until, failures: 1, blockSet: null, decision: decisions[key] ?? { action: 'allow' as const } }));
        const worst = per.find((k) => k.decision.action === 'block');
        return { decision: worst ? { ...worst.decision, key: worst.key } : { action: 'allow' }, keys: per };
      },
      undoFailure: async (c, only) => void calls.push(`undo ${(only ?? c.keys.map((k) => k.key)).join(',')}`),
      recordSuccess: async (keys) => void calls.push(`clear ${([] as string[]).concat(keys).join(',')}`),
      listBlocks: async () => [],
      clearBlocks: async () => 0,
      gc: async () => 0,
    };
    return { throttle, calls };
  }
  const ok: Authenticate = async (_l, _p, guard) => {
    await guard?.({ externalId: 'z-1' } as never);
    return { ok: true, account };
  };
  const ctx = { ip: '203.0.113.9', clientId: 'app' };
  // every account-wide and address key is blocked: an attacker's work
  const blocked: Record<string, Decision> = { 'login:an': { action: 'block', until }, 'ip:203.0.113.9': { action: 'block', until }, 'pair:203.0.113.9|an': { action: 'block', until }, 'entry:z-1': { action: 'block', until } };

  test('an unknown device is stopped by those blocks; the success of a known device is not, and counts only on its own keys', async () => {
    const unknown = scripted(blocked);
    const login = (t: LoginThrottle) => createLoginUseCase({ throttle: t, authenticate: ok, mailDomains: [], logger: createLogger('silent'), devices });
    expect(await login(unknown.throttle).attempt({ login: 'an', password: 'pw' }, ctx)).toMatchObject({ kind: 'throttled' });

    const cookie = devices.remember(null, ['an'], new Date());
    const known = scripted(blocked);
    const out = await login(known.throttle).attempt({ login: 'An', password: 'pw' }, { ...ctx, device: cookie });
    expect(out).toMatchObject({ kind: 'success', device: expect.any(String) });
    const id = devices.read(cookie, new Date())!.id;
    expect(known.calls).toEqual([`count device:${id}|an`, 'count known:z-1', `clear login:an,device:${id}|an,entry:z-1,known:z-1`]);
  });

  test('a known device for another person is an unknown device for this one', async () => {
    const cookie = devices.remember(null, ['someone.else'], new Date());
    const s = scripted(blocked);
    const out = await createLoginUseCase({ throttle: s.throttle, authenticate: ok, mailDomains: [], logger: createLogger('silent'), devices }).attempt({ login: 'an', password: 'pw' }, { ...ctx, device: cookie });
    expect(out).toMatchObject({ kind: 'throttled', keyType: 'account' });
  });

  test('its own limits still hold: the device, then its known devices together', async () => {
    const cookie = devices.remember(null, ['an'], new Date());
    const id = devices.read(cookie, new Date())!.id;
    const login = (d: Record<string, Decision>) => createLoginUseCase({ throttle: scripted(d).throttle, authenticate: ok, mailDomains: [], logger: createLogger('silent'), devices });
    expect(await login({ [`device:${id}|an`]: { action: 'block', until } }).attempt({ login: 'an', password: 'pw' }, { ...ctx, device: cookie })).toEqual({ kind: 'throttled', until, keyType: 'device' });
    expect(await login({ 'known:z-1': { action: 'block', until } }).attempt({ login: 'an', password: 'pw' }, { ...ctx, device: cookie })).toEqual({ kind: 'throttled', until, keyType: 'device' });
  });

  test('a success on an unknown device makes it known: the outcome carries the cookie to set', async () => {
    const s = scripted({});
    const out = await createLoginUseCase({ throttle: s.throttle, authenticate: ok, mailDomains: ['tinh.gov.vn'], logger: createLogger('silent'), devices }).attempt({ login: 'AN@tinh.gov.vn', password: 'pw' }, ctx);
    expect(out.kind).toBe('success');
    const d = devices.read((out as { device: string }).device, new Date())!;
    expect(devices.knows(d, 'an')).toBe(true);
  });
});
