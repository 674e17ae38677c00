import { describe, expect, it } from '@jest/globals';
import {
  LOCALES,
  messages,
  negotiateLocale,
  otherLocale,
  scopeDescription,
  translator,
  type Locale,
  type MessageKey,
} from '../src/web/i18n/index.js';

describe('negotiateLocale', () => {
  const base = { fallback: 'vi' as Locale };

  it('uses the fallback when nothing is given', () => {
    expect(negotiateLocale(base)).toBe('vi');
    expect(negotiateLocale({ fallback: 'en' })).toBe('en');
  });

  it('query wins over cookie and header', () => {
    expect(negotiateLocale({ ...base, query: 'en', cookie: 'vi', acceptLanguage: 'vi' })).toBe('en');
    expect(negotiateLocale({ fallback: 'en', query: 'vi', cookie: 'en', acceptLanguage: 'en' })).toBe('vi');
  });

  it('accepts a parsed query object with a lang property', () => {
    expect(negotiateLocale({ ...base, query: { lang: 'en' } })).toBe('en');
    expect(negotiateLocale({ fallback: 'en', query: { lang: 'vi-VN', other: 'x' } })).toBe('vi');
    expect(negotiateLocale({ ...base, query: { other: 'en' } })).toBe('vi');
  });

  it('cookie wins over header', () => {
    expect(negotiateLocale({ ...base, cookie: 'en', acceptLanguage: 'vi-VN,vi;q=0.9' })).toBe('en');
  });

  it('accepts region subtags and is case-insensitive', () => {
    expect(negotiateLocale({ ...base, query: 'en-US' })).toBe('en');
    expect(negotiateLocale({ ...base, query: 'EN' })).toBe('en');
    expect(negotiateLocale({ fallback: 'en', cookie: 'vi-VN' })).toBe('vi');
    expect(negotiateLocale({ fallback: 'en', cookie: 'vi_VN' })).toBe('vi');
  });

  it('parses Accept-Language with q-values', () => {
    expect(negotiateLocale({ ...base, acceptLanguage: 'en-US,en;q=0.9,vi;q=0.8' })).toBe('en');
    expect(negotiateLocale({ fallback: 'en', acceptLanguage: 'vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7' })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: 'vi;q=0.5, en;q=0.8' })).toBe('en');
    expect(negotiateLocale({ ...base, acceptLanguage: 'fr-FR, en;q=0.3' })).toBe('en');
    expect(negotiateLocale({ ...base, acceptLanguage: 'en;q=0.7, vi;q=0.7' })).toBe('en'); // tie: first wins
    expect(negotiateLocale({ fallback: 'en', acceptLanguage: 'de, fr;q=0.5' })).toBe('en');
    expect(negotiateLocale({ ...base, acceptLanguage: '*' })).toBe('vi');
  });

  it('treats q=0 as not acceptable', () => {
    expect(negotiateLocale({ ...base, acceptLanguage: 'en;q=0, fr' })).toBe('vi');
    expect(negotiateLocale({ fallback: 'en', acceptLanguage: 'vi;q=0' })).toBe('en');
    expect(negotiateLocale({ fallback: 'en', acceptLanguage: 'vi;q=0.000' })).toBe('en');
  });

  it('ignores malformed q-values', () => {
    expect(negotiateLocale({ ...base, acceptLanguage: 'en;q=abc' })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: 'en;q=2' })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: 'en;q=0.5;q=bad, vi;q=0.1' })).toBe('vi');
  });

  it('lets hostile input fall through', () => {
    const hostile: unknown[] = [
      ['en'],
      ['en', 'vi'],
      { lang: ['en'] },
      { toString: () => 'en' },
      42,
      null,
      true,
      '',
      'x'.repeat(100_000),
      'en'.padEnd(100, '-a'),
      'english',
      'en;drop table',
      '../../etc/passwd',
      '__proto__',
      'constructor',
      '<script>',
      'en\u0000',
    ];
    for (const value of hostile) {
      expect(negotiateLocale({ fallback: 'vi', query: value, cookie: value })).toBe('vi');
      expect(negotiateLocale({ fallback: 'en', query: value, cookie: value })).toBe('en');
    }
    const protoQuery = JSON.parse('{"__proto__": {"lang": "en"}}') as unknown;
    expect(negotiateLocale({ ...base, query: protoQuery })).toBe('vi');
    expect(negotiateLocale({ ...base, query: Object.create({ lang: 'en' }) as unknown })).toBe('vi');
  });

  it('falls through hostile query to cookie and header', () => {
    expect(negotiateLocale({ ...base, query: ['en'], cookie: 'en' })).toBe('en');
    expect(negotiateLocale({ ...base, query: 'zz', cookie: { a: 1 }, acceptLanguage: 'en' })).toBe('en');
  });

  it('ignores huge or garbage Accept-Language headers without throwing', () => {
    expect(negotiateLocale({ ...base, acceptLanguage: 'en,'.repeat(100_000) })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: ','.repeat(500) })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: ';;;q=;=,,' })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: 'x'.repeat(5000) + ',en' })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: 'x'.repeat(100) + ',en' })).toBe('en');
    expect(negotiateLocale({ ...base, acceptLanguage: 'en-' + 'a'.repeat(40) })).toBe('vi');
    expect(negotiateLocale({ ...base, acceptLanguage: 42 as unknown as string })).toBe('vi');
  });

  it('is fast on pathological input', () => {
    const start = Date.now();
    for (let i = 0; i < 200; i++) {
      negotiateLocale({ fallback: 'vi', query: 'a-'.repeat(17), cookie: 'a'.repeat(34), acceptLanguage: 'a-a;q=0.1,'.repeat(100) });
    }
    expect(Date.now() - start).toBeLessThan(1000);
  });
});

describe('messages', () => {
  it('has exactly the two locales', () => {
    expect([...LOCALES].sort()).toEqual(['en', 'vi']);
    expect(Object.keys(messages).sort()).toEqual(['en', 'vi']);
  });

  it('both dictionaries have the same keys', () => {
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.vi).sort());
  });

  it('has no empty strings', () => {
    for (const locale of LOCALES) {
      for (const [key, value] of Object.entries(messages[locale])) {
        expect(typeof value).toBe('string');
        expect(`${locale}:${key}:${value.trim().length > 0}`).toBe(`${locale}:${key}:true`);
      }
    }
  });

  it('uses the same placeholders in both locales', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(messages.vi) as MessageKey[]) {
      expect([key, names(messages.en[key])]).toEqual([key, names(messages.vi[key])]);
    }
  });

  it('has the required Vietnamese texts', () => {
    const t = translator('vi');
    expect(t('label.login')).toBe('Tên đăng nhập hoặc địa chỉ thư điện tử công vụ');
    expect(t('error.directoryUnavailable')).toContain('Hệ thống thư điện tử công vụ tạm thời không phản hồi, vui lòng thử lại sau ít phút');
    expect(t('app.name')).toBe('Đăng nhập một lần');
    expect(t('lang.switch')).toBe('English');
    expect(translator('en')('lang.switch')).toBe('Tiếng Việt');
    expect(translator('en')('label.login')).toBe('Username or official mail address');
    expect(translator('en')('app.name')).toBe('Single sign-on');
  });
});

describe('translator', () => {
  it('replaces placeholders', () => {
    expect(translator('en')('consent.request', { client: 'Mail' })).toBe('Mail requests access to your account');
    expect(translator('vi')('consent.request', { client: 'Thư' })).toBe('Thư yêu cầu quyền truy cập tài khoản của bạn');
    expect(translator('en')('error.tooManyAttempts', { wait: '15 minutes' })).toContain('wait 15 minutes and');
    expect(translator('vi')('error.tooManyAttempts', { wait: '5 phút' })).toContain('sau 5 phút.');
    expect(translator('en')('login.signedInAsWithLogin', { name: 'An', login: 'an' })).toBe('You are signed in as An (an)');
  });

  it('does not escape or re-interpret parameter values', () => {
    const t = translator('en');
    expect(t('login.signedInAs', { name: '<b>{login}</b> $& $1' })).toBe('You are signed in as <b>{login}</b> $& $1');
  });

  it('leaves unknown placeholders in place and ignores extra params', () => {
    const t = translator('en');
    expect(t('login.signedInAs')).toBe('You are signed in as {name}');
    expect(t('login.signedInAs', { other: 'x' })).toBe('You are signed in as {name}');
    expect(t('title.login', { name: 'x' })).toBe('Sign in');
  });

  it('does not use inherited properties as params', () => {
    const t = translator('en');
    expect(t('login.signedInAs', Object.create({ name: 'evil' }) as Record<string, string>)).toBe('You are signed in as {name}');
  });
});

describe('scopeDescription', () => {
  it('describes known scopes in both locales', () => {
    const vi = translator('vi');
    const en = translator('en');
    expect(scopeDescription(vi, 'profile')).toBe('Họ tên và tên đăng nhập');
    expect(scopeDescription(vi, 'email')).toBe('Địa chỉ thư điện tử công vụ');
    expect(scopeDescription(vi, 'phone')).toBe('Số điện thoại');
    expect(scopeDescription(vi, 'offline_access')).toBe('Duy trì quyền truy cập khi bạn không dùng ứng dụng');
    expect(scopeDescription(vi, 'organization')).toBe('Đơn vị công tác, chức vụ');
    for (const scope of ['openid', 'profile', 'email', 'phone', 'offline_access', 'organization', 'groups']) {
      expect(scopeDescription(vi, scope)).not.toBe(scope);
      expect(scopeDescription(en, scope)).not.toBe(scope);
      expect(scopeDescription(en, scope)).not.toBe(scopeDescription(vi, scope));
    }
  });

  it('falls back to the raw scope name', () => {
    const t = translator('vi');
    expect(scopeDescription(t, 'custom:read')).toBe('custom:read');
    expect(scopeDescription(t, 'constructor')).toBe('constructor');
    expect(scopeDescription(t, '__proto__')).toBe('__proto__');
    expect(scopeDescription(t, 'toString')).toBe('toString');
  });
});

describe('otherLocale', () => {
  it('flips the locale', () => {
    expect(otherLocale('vi')).toBe('en');
    expect(otherLocale('en')).toBe('vi');
  });
});
