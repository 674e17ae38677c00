/**
 * The login use case with scripted ports (pure logic; the whole path against a real directory
 * and database is in throttle.test.ts and directory-login.test.ts): which outcome each case
 * gives, which counts are taken back, and that a refused attempt never reaches the password check.
 */
import { describe, expect, test } from '@jest/globals';
import { createLoginUseCase } from '../src/login/attempt.js';
import type { Authenticate } from '../src/login/authenticate.js';
import type { CountedFailure, LoginThrottle } from '../src/db/repos/throttle.js';
import type { Decision } from '../src/domain/throttle.js';
import { Login } from '../src/domain/login.js';
import { createLogger } from '../src/util/logger.js';
import type { AccountRecord } from '../src/accounts/claims.js';

const until = new Date('2030-01-01T00:00:00Z');
const account = { id: 'acc-1', login: 'an.nv', source: 'directory' } as AccountRecord;

/** A throttle that answers `decisions[key]` (allow by default) and records every call. */
function scriptedThrottle(decisions: Record<string, Decision> = {}) {
  const calls: string[] = [];
  const counted = (keys: readonly string[]): CountedFailure => {
    const per = keys.map((key) => ({ key, windowStart: until, failures: 1, blockSet: null, decision: decisions[key] ?? { action: 'allow' as const } }));
    const worst = per.find((k) => k.decision.action === 'block') ?? per.find((k) => k.decision.action === 'delay');
    return { decision: worst ? { ...worst.decision, key: worst.key } : { action: 'allow' }, keys: per };
  };
  const throttle: LoginThrottle = {
    settings: { windowSeconds: 60, accountDelayAfter: 3, accountBlockAfter: 5, ipDelayAfter: 20, ipBlockAfter: 100, blockSeconds: 60, maxDelayMs: 1000 },
    check: async () => ({ action: 'allow' }),
    recordFailure: async (keys) => {
      calls.push(`count ${keys.join(',')}`);
      return counted(keys);
    },
    undoFailure: async (c, only) => void calls.push(`undo ${(only ?? c.keys.map((k) => k.key)).join(',')}`),
    recordSuccess: async (keys) => void calls.push(`clear ${([] as string[]).concat(keys).join(',')}`),
    listBlocks: async () => [],
    clearBlocks: async () => 0,
    gc: async () => 0,
  };
  return { throttle, calls };
}

function useCase(throttle: LoginThrottle, authenticate: Authenticate, slept: number[] = []) {
  return createLoginUseCase({ throttle, authenticate, mailDomains: ['tinh.gov.vn'], logger: createLogger('silent'), sleep: async (ms) => void slept.push(ms) });
}

const ctx = { ip: '203.0.113.9', clientId: 'app' };

describe('Login (value)', () => {
  test('canonical once: NFC, trimmed, lower case; our mail domain names the same person', () => {
    const l = Login.of('  Nguye\u0302\u0303n.An@TINH.gov.vn ', ['@tinh.gov.vn']);
    expect(l.canonical).toBe('nguyễn.an@tinh.gov.vn');
    expect(l.person).toBe('nguyễn.an');
    expect(l.usable).toBe(true);
    expect(Login.of('an@gmail.com', ['tinh.gov.vn']).person).toBe('an@gmail.com');
    expect(Login.of('a b').problem).toMatch(/spaces/);
    expect(Login.of('x'.repeat(255)).problem).toMatch(/254/);
    expect(Login.of('   ').problem).toBe('is empty');
  });
});

describe('attempt', () => {
  test('an empty login or password is a bad request: nothing counted, nothing checked', async () => {
    const { throttle, calls } = scriptedThrottle();
    let checked = 0;
    const login = useCase(throttle, async () => (checked++, { ok: true, account }));
    expect(await login.attempt({ login: '  ', password: 'x' }, ctx)).toEqual({ kind: 'bad_request' });
    expect(await login.attempt({ login: 'an', password: '' }, ctx)).toEqual({ kind: 'bad_request' });
    expect(calls).toEqual([]);
    expect(checked).toBe(0);
  });

  test('a blocked login or address is refused before any password check, and the attempt is taken back', async () => {
    const { throttle, calls } = scriptedThrottle({ 'ip:203.0.113.9': { action: 'block', until } });
    let checked = 0;
    const out = await useCase(throttle, async () => (checked++, { ok: true, account })).attempt({ login: 'An@tinh.gov.vn', password: 'pw' }, ctx);
    expect(out).toEqual({ kind: 'throttled', until, keyType: 'address' });
    expect(checked).toBe(0);
    expect(calls).toEqual(['count login:an,pair:203.0.113.9|an,ip:203.0.113.9', 'undo login:an,pair:203.0.113.9|an,ip:203.0.113.9']);
  });

  test('a delay is waited out, then the password is checked; a success clears the person and takes the address count back', async () => {
    const { throttle, calls } = scriptedThrottle({ 'login:an': { action: 'delay', ms: 700 } });
    const slept: number[] = [];
    const authenticate: Authenticate = async (_l, _p, guard) => {
      await guard?.({ externalId: 'zimbra-1' } as never);
      return { ok: true, account };
    };
    const out = await useCase(throttle, authenticate, slept).attempt({ login: 'an', password: 'pw' }, ctx);
    expect(out).toEqual({ kind: 'success', account, amr: ['pwd'] });
    expect(slept).toEqual([700]);
    expect(calls).toEqual(['count login:an,pair:203.0.113.9|an,ip:203.0.113.9', 'count entry:zimbra-1', 'clear login:an,pair:203.0.113.9|an,entry:zimbra-1,known:zimbra-1', 'undo ip:203.0.113.9']);
  });

  test('the entry blocked: refused before the bind', async () => {
    const { throttle, calls } = scriptedThrottle({ 'entry:zimbra-1': { action: 'block', until } });
    let bound = false;
    const authenticate: Authenticate = async (_l, _p, guard) => {
      await guard?.({ externalId: 'zimbra-1' } as never);
      bound = true;
      return { ok: true, account };
    };
    expect(await useCase(throttle, authenticate).attempt({ login: 'an', password: 'pw' }, ctx)).toEqual({ kind: 'throttled', until, keyType: 'account' });
    expect(bound).toBe(false);
    expect(calls).toEqual(['count login:an,pair:203.0.113.9|an,ip:203.0.113.9', 'count entry:zimbra-1']);
  });

  test('a wrong password stays counted; an unreachable directory is taken back', async () => {
    const wrong = scriptedThrottle();
    expect(await useCase(wrong.throttle, async () => ({ ok: false, reason: 'invalid_credentials', detail: 'wrong password' })).attempt({ login: 'an', password: 'pw' }, ctx)).toEqual({ kind: 'failure', reason: 'invalid_credentials' });
    expect(wrong.calls).toEqual(['count login:an,pair:203.0.113.9|an,ip:203.0.113.9']);
    const down = scriptedThrottle();
    expect(await useCase(down.throttle, async () => ({ ok: false, reason: 'unavailable', detail: 'down' })).attempt({ login: 'an', password: 'pw' }, ctx)).toEqual({ kind: 'failure', reason: 'unavailable' });
    expect(down.calls).toEqual(['count login:an,pair:203.0.113.9|an,ip:203.0.113.9', 'undo login:an,pair:203.0.113.9|an,ip:203.0.113.9']);
  });

  test('an error in the password check takes every count back and is thrown on', async () => {
    const { throttle, calls } = scriptedThrottle();
    const authenticate: Authenticate = async (_l, _p, guard) => {
      await guard?.({ externalId: 'zimbra-1' } as never);
      throw new Error('database gone');
    };
    await expect(useCase(throttle, authenticate).attempt({ login: 'an', password: 'pw' }, ctx)).rejects.toThrow('database gone');
    expect(calls).toEqual(['count login:an,pair:203.0.113.9|an,ip:203.0.113.9', 'count entry:zimbra-1', 'undo login:an,pair:203.0.113.9|an,ip:203.0.113.9', 'undo entry:zimbra-1']);
  });
});
