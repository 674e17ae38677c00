/**
 * The failure floor (LOGIN_FAILURE_FLOOR_MS), with a fake clock and a fake sleep: every path by
 * which an attempt fails or is refused ends exactly at the floor after it began, by waiting
 * (sleep), whatever its own work took; a success and an empty form do not wait; an attempt that
 * took longer than the floor is not slowed further. The time distributions themselves are shown
 * by `npm run bench login-failures`, not by a timed test.
 */
import { describe, expect, test } from '@jest/globals';
import { createLoginUseCase } from '../src/login/attempt.js';
import type { Authenticate } from '../src/login/authenticate.js';
import type { CountedFailure, LoginThrottle } from '../src/db/repos/throttle.js';
import type { Decision } from '../src/domain/throttle.js';
import type { LoginResult } from '../src/login/types.js';
import type { AccountRecord } from '../src/accounts/claims.js';
import { createLogger } from '../src/util/logger.js';

const FLOOR = 400;
const until = new Date('2030-01-01T00:00:00Z');
const account = { id: 'acc-1', login: 'an', source: 'directory', externalId: 'z-1' } as AccountRecord;

/** A clock that only moves when someone works (`spend`) or sleeps. */
function fakeTime() {
  let now = 1_000;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    spend: (ms: number) => void (now += ms),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

function throttle(decisions: Record<string, Decision>, spend: (ms: number) => void): LoginThrottle {
  const counted = (keys: readonly string[]): CountedFailure => {
    const per = keys.map((key) => ({ key, windowStart: until, failures: 1, blockSet: null, decision: decisions[key] ?? { action: 'allow' as const } }));
    const worst = per.find((k) => k.decision.action === 'block') ?? per.find((k) => k.decision.action === 'delay');
    return { decision: worst ? { ...worst.decision, key: worst.key } : { action: 'allow' }, keys: per };
  };
  return {
    settings: { windowSeconds: 60, accountDelayAfter: 3, accountBlockAfter: 5, ipDelayAfter: 20, ipBlockAfter: 100, blockSeconds: 60, maxDelayMs: 1000 },
    check: async () => ({ action: 'allow' }),
    recordFailure: async (keys) => (spend(2), counted(keys)),
    undoFailure: async () => spend(1),
    recordSuccess: async () => spend(1),
    listBlocks: async () => [],
    clearBlocks: async () => 0,
    gc: async () => 0,
  };
}

/** A password check that takes `ms` of work (argon2, a search and a bind, a dummy bind) and gives `result`. */
function check(t: ReturnType<typeof fakeTime>, ms: number, result: LoginResult, entry = true): Authenticate {
  return async (_login, _password, guard) => {
    t.spend(ms / 2);
    if (entry) await guard?.({ externalId: 'z-1' } as never);
    t.spend(ms / 2);
    return result;
  };
}

const wrong: LoginResult = { ok: false, reason: 'invalid_credentials', detail: 'wrong password' };
const ctx = { ip: '203.0.113.9', clientId: 'app' };

async function attempt(t: ReturnType<typeof fakeTime>, authenticate: Authenticate, decisions: Record<string, Decision> = {}, input = { login: 'an', password: 'pw' }) {
  const login = createLoginUseCase({ throttle: throttle(decisions, t.spend), authenticate, mailDomains: [], logger: createLogger('silent'), failureFloorMs: FLOOR, sleep: t.sleep, clock: t.clock });
  const started = t.clock();
  const outcome = await login.attempt(input, ctx);
  return { outcome, took: t.clock() - started };
}

describe('the failure floor', () => {
  const paths: [string, (t: ReturnType<typeof fakeTime>) => Authenticate, Record<string, Decision>, string][] = [
    ['a local account, wrong password (an argon2 verify)', (t) => check(t, 60, wrong, false), {}, 'failure'],
    ['a directory account, wrong password (a search and a bind)', (t) => check(t, 12, wrong), {}, 'failure'],
    ['an unknown login (a search and a dummy bind)', (t) => check(t, 9, { ok: false, reason: 'invalid_credentials', detail: 'unknown login' }, false), {}, 'failure'],
    ['a locked entry, never bound (unverified)', (t) => check(t, 4, { ok: false, reason: 'locked', detail: 'lockout', unverified: true }, false), {}, 'failure'],
    ['a disabled account, right password', (t) => check(t, 15, { ok: false, reason: 'disabled', detail: 'closed' }), {}, 'failure'],
    ['the directory unreachable', (t) => check(t, 30, { ok: false, reason: 'unavailable', detail: 'down' }, false), {}, 'failure'],
    ['refused before the directory (a block)', (t) => check(t, 12, wrong), { 'login:an': { action: 'block', until } }, 'throttled'],
    ['refused before the bind (the entry blocked)', (t) => check(t, 12, wrong), { 'entry:z-1': { action: 'block', until } }, 'throttled'],
    ['delayed by the throttle, then wrong', (t) => check(t, 12, wrong), { 'login:an': { action: 'delay', ms: 150 } }, 'failure'],
  ];

  test.each(paths)('%s: answered exactly at the floor, by sleeping', async (_name, auth, decisions, kind) => {
    const t = fakeTime();
    const { outcome, took } = await attempt(t, auth(t), decisions);
    expect(outcome.kind).toBe(kind);
    expect(took).toBe(FLOOR);
    // the last sleep is the floor's: what was left of it after the work (and any throttle delay)
    expect(t.sleeps[t.sleeps.length - 1]).toBeGreaterThan(0);
    expect(t.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(FLOOR);
  });

  test('every failure path ends at the same instant after its start, whatever its own work', async () => {
    const took = await Promise.all(paths.map(async ([, auth, decisions]) => {
      const t = fakeTime();
      return (await attempt(t, auth(t), decisions)).took;
    }));
    expect(new Set(took)).toEqual(new Set([FLOOR]));
  });

  test('an attempt slower than the floor is not slowed further', async () => {
    const t = fakeTime();
    const { outcome, took } = await attempt(t, check(t, 900, { ok: false, reason: 'unavailable', detail: 'timeout' }, false));
    expect(outcome.kind).toBe('failure');
    expect(took).toBeGreaterThan(FLOOR);
    expect(t.sleeps).toEqual([]);
  });

  test('a success and an empty form do not wait', async () => {
    const t = fakeTime();
    const ok = await attempt(t, check(t, 12, { ok: true, account }));
    expect(ok.outcome.kind).toBe('success');
    expect(t.sleeps).toEqual([]);
    const empty = await attempt(t, check(t, 12, wrong), {}, { login: 'an', password: '' });
    expect(empty.outcome.kind).toBe('bad_request');
    expect(empty.took).toBe(0);
    expect(t.sleeps).toEqual([]);
  });

  test('a floor of 0 waits for nothing', async () => {
    const t = fakeTime();
    const login = createLoginUseCase({ throttle: throttle({}, t.spend), authenticate: check(t, 12, wrong), mailDomains: [], logger: createLogger('silent'), failureFloorMs: 0, sleep: t.sleep, clock: t.clock });
    expect((await login.attempt({ login: 'an', password: 'pw' }, ctx)).kind).toBe('failure');
    expect(t.sleeps).toEqual([]);
  });
});
