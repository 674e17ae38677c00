/**
 * The throttle's rules beyond the single counter (pure): the keys of each source, per-person
 * counters that count while failures keep coming and block for a whole window (so any period of
 * the window holds at most the limit), trusted networks (IPv4, IPv6, validated), the arithmetic
 * that keeps the guesses reaching the directory below its lockout, and the start-up refusals.
 */
import { describe, expect, test } from '@jest/globals';
import {
  accountKey,
  addressKey,
  afterFailure,
  decide,
  deviceKey,
  isTrustedAddressKey,
  keyType,
  limitsFor,
  pairKey,
  parseKey,
  type Counter,
  type ThrottleSettings,
} from '../src/domain/throttle.js';
import { directoryBudget } from '../src/domain/throttle-budget.js';
import { networkContains, parseAddress, parseNetwork, parseNetworkList } from '../src/domain/networks.js';
import { ConfigError, parseEnv } from '../src/config/load.js';
import { Login } from '../src/domain/login.js';
import { messages, throttleConsoleMessages, translator } from '../src/web/i18n/index.js';
import { BLOCKED_PAGES } from '../src/interaction/login.js';

const S: ThrottleSettings = {
  windowSeconds: 3600,
  accountDelayAfter: 100,
  accountBlockAfter: 5,
  ipDelayAfter: 20,
  ipBlockAfter: 100,
  blockSeconds: 900,
  maxDelayMs: 0,
};
const t0 = new Date('2026-03-01T08:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('keys', () => {
  test('each source has its key; a pair or device key splits at its first "|" whatever the login holds', () => {
    const l = Login.of('Nguyen.Van.A@tinh.gov.vn', ['tinh.gov.vn']);
    expect(accountKey(l)).toBe('login:nguyen.van.a');
    expect(pairKey(l, '198.51.100.7')).toBe('pair:198.51.100.7|nguyen.van.a');
    expect(pairKey(l, '2001:db8:1:2::99')).toBe('pair:2001:db8:1:2::/64|nguyen.van.a');
    expect(deviceKey('AbC_-9', l)).toBe('device:AbC_-9|nguyen.van.a');
    expect(parseKey(pairKey('a|b', '198.51.100.7'))).toEqual({ type: 'account_address', prefix: 'pair:', address: '198.51.100.7', person: 'a|b' });
    expect(parseKey('device:AbC|x')).toMatchObject({ type: 'device', deviceId: 'AbC', person: 'x' });
    expect(parseKey('entry:z-1')).toMatchObject({ type: 'account', entryId: 'z-1' });
    expect(parseKey('known:z-1')).toMatchObject({ type: 'device', entryId: 'z-1' });
    expect(parseKey(addressKey('::ffff:10.1.2.3'))).toMatchObject({ type: 'address', address: '10.1.2.3' });
    expect(['login:a', 'entry:a', 'pair:1.2.3.4|a', 'ip:1.2.3.4', 'device:x|a', 'known:a'].map(keyType)).toEqual(['account', 'account', 'account_address', 'address', 'device', 'device']);
  });

  test('limits by key: the account, one address of it, a device, its known devices, an address', () => {
    const s: ThrottleSettings = { ...S, accountAddressBlockAfter: 3, deviceBlockAfter: 2, knownDevicesBlockAfter: 4 };
    expect(limitsFor('login:a', s)).toEqual({ delayAfter: 100, blockAfter: 5, windowLong: true });
    expect(limitsFor('entry:a', s).blockAfter).toBe(5);
    expect(limitsFor('pair:1.2.3.4|a', s).blockAfter).toBe(3);
    expect(limitsFor('device:x|a', s).blockAfter).toBe(2);
    expect(limitsFor('known:a', s).blockAfter).toBe(4);
    expect(limitsFor('ip:1.2.3.4', s)).toEqual({ delayAfter: 20, blockAfter: 100 });
    // unset: one address of an account gets 4, never more than the account itself
    expect(limitsFor('pair:1.2.3.4|a', S).blockAfter).toBe(4);
    expect(limitsFor('pair:1.2.3.4|a', { ...S, accountBlockAfter: 2 }).blockAfter).toBe(2);
  });
});

describe('per-person counters: at most the limit in any period of the window', () => {
  const L = limitsFor('pair:1.2.3.4|a', { ...S, accountAddressBlockAfter: 3 });

  test('the failure reaching the limit blocks until a window after it; the block then ends with the count', () => {
    let c: Counter | null = null;
    c = afterFailure(c, at(0), L, S);
    c = afterFailure(c, at(600), L, S);
    c = afterFailure(c, at(3000), L, S);
    expect(c).toEqual({ failures: 3, windowStart: at(0), lastFailureAt: at(3000), blockedUntil: at(6600) });
    expect(decide(c, at(6599), L, S)).toEqual({ action: 'block', until: at(6600) });
    // over: counts as zero, a fresh period
    expect(decide(c, at(6600), L, S)).toEqual({ action: 'allow' });
    expect(afterFailure(c, at(6600), L, S)).toMatchObject({ failures: 1, windowStart: at(6600), blockedUntil: null });
  });

  test('failures spaced just under a window apart keep counting (no fixed window to slip past)', () => {
    let c: Counter | null = null;
    for (const s of [0, 3599, 7198]) c = afterFailure(c, at(s), L, S);
    expect(c).toMatchObject({ failures: 3, blockedUntil: at(7198 + 3600) });
    // a whole window of quiet: the count is over
    const quiet = afterFailure({ failures: 2, windowStart: at(0), lastFailureAt: at(100), blockedUntil: null }, at(3700), L, S);
    expect(quiet).toMatchObject({ failures: 1, windowStart: at(3700) });
  });

  test('brute force over a day: no period of the window ever holds more than the limit', () => {
    // one guess every 7 minutes, each let through when not blocked
    let c: Counter | null = null;
    const through: number[] = [];
    for (let s = 0; s < 86_400; s += 420) {
      if (decide(c, at(s), L, S).action === 'block') continue;
      through.push(s);
      c = afterFailure(c, at(s), L, S);
    }
    for (const start of through) expect(through.filter((s) => s >= start && s < start + 3600).length).toBeLessThanOrEqual(3);
    expect(through.length).toBeGreaterThan(3);
  });

  test('an address keeps its fixed window and its short block (one guess per block period after it)', () => {
    const A = limitsFor('ip:1.2.3.4', { ...S, ipBlockAfter: 2 });
    let c = afterFailure(null, at(0), A, S);
    c = afterFailure(c, at(1), A, S);
    expect(c).toEqual({ failures: 2, windowStart: at(0), blockedUntil: at(901) });
  });
});

describe('trusted networks', () => {
  test('parse IPv4 and IPv6 CIDRs, single addresses, mapped IPv4; refuse the malformed with a reason', () => {
    expect(parseNetwork('10.1.0.0/16').text).toBe('10.1.0.0/16');
    expect(parseNetwork('2001:DB8:1::/48').text).toBe('2001:db8:1::/48');
    expect(parseNetwork('203.0.113.7').text).toBe('203.0.113.7/32');
    expect(parseNetwork('::ffff:10.0.0.0/104').text).toBe('10.0.0.0/8');
    expect(() => parseNetwork('10.1.2.3/16')).toThrow(/host bits set: did you mean 10.1.0.0\/16/);
    expect(() => parseNetwork('10.1.0.0/33')).toThrow(/prefix length/);
    expect(() => parseNetwork('tinh.gov.vn')).toThrow(/not an IPv4 or IPv6 network/);
    expect(() => parseNetwork('300.1.1.1')).toThrow(/not an IPv4/);
    expect(() => parseNetworkList('10.0.0.0/8, 2001:db8::/32 bad/1 1.2.3.4/x')).toThrow(/bad\/1.*1\.2\.3\.4\/x/);
    expect(parseNetworkList(' 10.0.0.0/8,,192.168.0.0/16 ')).toHaveLength(2);
  });

  test('containment, IPv4-mapped addresses as IPv4', () => {
    const n = parseNetwork('10.1.0.0/16');
    expect(networkContains(n, parseAddress('10.1.255.3')!)).toBe(true);
    expect(networkContains(n, parseAddress('::ffff:10.1.0.9')!)).toBe(true);
    expect(networkContains(n, parseAddress('10.2.0.1')!)).toBe(false);
    expect(parseAddress('fe80::1%eth0')).toMatchObject({ family: 6 });
    expect(parseAddress('not an address')).toBeNull();
  });

  test('an address key in a trusted network gets the factor; an IPv6 /64 when the whole /64 is inside', () => {
    const s: ThrottleSettings = { ...S, trustedNetworks: parseNetworkList('10.1.0.0/16 2001:db8:1::/48'), trustedFactor: 20 };
    expect(isTrustedAddressKey(addressKey('10.1.2.3'), s)).toBe(true);
    expect(limitsFor(addressKey('10.1.2.3'), s)).toEqual({ delayAfter: 400, blockAfter: 2000 });
    expect(limitsFor(addressKey('10.9.2.3'), s)).toEqual({ delayAfter: 20, blockAfter: 100 });
    expect(isTrustedAddressKey(addressKey('2001:db8:1:5::77'), s)).toBe(true);
    expect(isTrustedAddressKey(addressKey('2001:db8:2::1'), s)).toBe(false);
    expect(isTrustedAddressKey(addressKey(undefined), s)).toBe(false);
    // the per-person keys of a trusted address keep their own limits
    expect(limitsFor(pairKey('a', '10.1.2.3'), s).blockAfter).toBe(4);
  });
});

describe('the directory lockout arithmetic', () => {
  test('unknown devices + known devices, below the lockout', () => {
    const b = directoryBudget({ ...S, knownDevicesBlockAfter: 4 }, 10);
    expect(b).toMatchObject({ unknownDevices: 5, knownDevices: 4, total: 9, ok: true });
    expect(directoryBudget({ ...S, knownDevicesBlockAfter: 5 }, 10)).toMatchObject({ total: 10, ok: false });
    expect(directoryBudget({ ...S, knownDevicesBlockAfter: 50 }, 0).ok).toBe(true);
  });

  const env = (extra: Record<string, string>) => ({ NODE_ENV: 'test', COOKIE_KEYS: 'k'.repeat(32), KEY_ENCRYPTION_SECRET: 's'.repeat(32), ...extra });
  const ldap = { LDAP_URL: 'ldap://127.0.0.1:389', LDAP_BIND_DN: 'cn=sso', LDAP_BIND_PASSWORD: 'x', LDAP_BASE_DN: 'dc=tinh' };
  const problems = (extra: Record<string, string>) => {
    try {
      parseEnv(env(extra));
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  test('start-up refuses settings that let the directory lock a person out, showing the arithmetic', () => {
    expect(problems(ldap)).toEqual([]);
    const [p] = problems({ ...ldap, THROTTLE_ACCOUNT_BLOCK_AFTER: '6', THROTTLE_KNOWN_DEVICES_BLOCK_AFTER: '4' });
    expect(p).toBe('DIRECTORY_LOCKOUT_AFTER: THROTTLE_ACCOUNT_BLOCK_AFTER (6, unknown devices) + THROTTLE_KNOWN_DEVICES_BLOCK_AFTER (4, known devices) = 10 guesses per person could reach the directory in one THROTTLE_WINDOW (3600 s), which reaches DIRECTORY_LOCKOUT_AFTER (10): the directory would lock the person out itself. Lower them so that the sum is at most 9, or set DIRECTORY_LOCKOUT_AFTER to the directory\'s real limit (0: it has none)');
    expect(problems({ ...ldap, THROTTLE_ACCOUNT_BLOCK_AFTER: '6', DIRECTORY_LOCKOUT_AFTER: '11' })).toEqual([]);
    expect(problems({ ...ldap, THROTTLE_ACCOUNT_BLOCK_AFTER: '60', DIRECTORY_LOCKOUT_AFTER: '0' })).toEqual([]);
    // without a directory there is no lockout to reach
    expect(problems({ THROTTLE_ACCOUNT_BLOCK_AFTER: '1000' })).toEqual([]);
  });

  test('trusted networks, the helpdesk contact and the session cookie are validated at start', () => {
    expect(problems({ THROTTLE_TRUSTED_NETWORKS: '10.1.0.0/16, 10.2.3.4/16, x' })).toEqual(['THROTTLE_TRUSTED_NETWORKS: "10.2.3.4/16" has host bits set: did you mean 10.2.0.0/16?; "x" is not an IPv4 or IPv6 network such as 10.1.0.0/16 or 2001:db8:1::/48']);
    expect(problems({ THROTTLE_TRUSTED_NETWORKS: '2001:db8:1:2:3::/80' })[0]).toMatch(/counted by \/64/);
    expect(problems({ THROTTLE_TRUSTED_FACTOR: '0' })[0]).toMatch(/^THROTTLE_TRUSTED_FACTOR/);
    expect(problems({ HELPDESK_CONTACT: 'Phòng CNTT\n0228' })[0]).toMatch(/^HELPDESK_CONTACT: must be one line/);
    expect(problems({ SESSION_COOKIE: 'forever' })[0]).toMatch(/^SESSION_COOKIE/);
    const c = parseEnv(env({ THROTTLE_TRUSTED_NETWORKS: '10.1.0.0/16', HELPDESK_CONTACT: ' Phòng CNTT – 0228 3xxx xxx ' }));
    expect(c.throttle.trustedNetworks!.map((n) => n.text)).toEqual(['10.1.0.0/16']);
    expect(c.login).toMatchObject({ helpdeskContact: 'Phòng CNTT – 0228 3xxx xxx', sessionCookie: 'browser', directoryLockoutAfter: 10 });
    expect(c.throttle).toMatchObject({ accountAddressBlockAfter: 4, deviceBlockAfter: 3, knownDevicesBlockAfter: 4, trustedFactor: 20 });
  });
});

describe('texts', () => {
  const placeholders = (t: string) => [...t.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();

  test('the console page\'s texts: both languages, the same placeholders, none empty', () => {
    const { vi, en } = throttleConsoleMessages;
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
    for (const k of Object.keys(vi) as (keyof typeof vi)[]) {
      expect(vi[k].trim() && en[k].trim()).toBeTruthy();
      expect(placeholders(en[k])).toEqual(placeholders(vi[k]));
    }
  });

  test('one blocked sentence per kind of limit, distinct, each saying when to try again, none accusing', () => {
    for (const locale of ['vi', 'en'] as const) {
      const t = translator(locale);
      const sentences = Object.values(BLOCKED_PAGES).map((k) => t(k, { wait: locale === 'vi' ? '7 phút' : '7 minutes' }));
      expect(new Set(sentences).size).toBe(4);
      for (const s of sentences) expect(s).toContain(locale === 'vi' ? 'Vui lòng thử lại sau 7 phút' : 'Please wait 7 minutes and try again');
      for (const s of sentences) expect(s).not.toMatch(/Bạn đã đăng nhập sai|You have entered|too many failed sign-in attempts/i);
    }
    expect(messages.vi['error.cannotSignIn']).toBe('Không đăng nhập được. Nếu bạn chắc chắn mật khẩu đúng, hãy liên hệ bộ phận hỗ trợ.');
  });
});
