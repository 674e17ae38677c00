/** The console's texts and templates: both languages complete, no inline script or style, everything escaped. */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { consoleMessages, translator as consoleTranslator } from '../src/web/i18n/index.js';
import { createRenderer, DEFAULT_VIEWS_DIR } from '../src/web/render.js';
import { pageHelpers } from '../src/console/pages.js';
import { pageLocale } from '../src/web/locale.js';

const placeholders = (s: string) => [...s.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();

describe('console texts', () => {
  it('have the same keys and placeholders in Vietnamese and English, none empty', () => {
    const vi = consoleMessages.vi;
    const en = consoleMessages.en;
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
    for (const k of Object.keys(vi) as (keyof typeof vi)[]) {
      expect(vi[k].trim()).not.toBe('');
      expect(en[k].trim()).not.toBe('');
      expect(placeholders(en[k])).toEqual(placeholders(vi[k]));
    }
  });

  it('also know the login pages\' keys (the page chrome)', () => {
    expect(consoleTranslator('vi')('app.name')).toBe('Đăng nhập một lần');
    expect(consoleTranslator('en')('console.signedInAs', { name: 'An' })).toBe('Signed in as An');
  });
});

describe('console templates', () => {
  const files = ['admin', 'account'].flatMap((d) => readdirSync(path.join(DEFAULT_VIEWS_DIR, d)).filter((f) => f.endsWith('.eta')).map((f) => path.join(d, f)));

  it('contain no inline script, style or event handlers, and output raw only the layout body and partials', () => {
    // a script only as a static file of ours (public/, served at /assets), never inline
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const src = readFileSync(path.join(DEFAULT_VIEWS_DIR, file), 'utf8');
      expect(src.replace(/<script src="\/assets\/(vendor\/)?[a-z-]+\.js" defer><\/script>/g, '')).not.toMatch(/<script/i);
      expect(src).not.toMatch(/<style/i);
      expect(src).not.toMatch(/\sstyle\s*=/i);
      expect(src).not.toMatch(/\son[a-z]+\s*=/i);
      for (const m of src.matchAll(/<%~\s*([^%]*?)\s*%>/g)) expect(m[1]).toMatch(/^(it\.body|include\()/);
    }
  });

  it('escape what they show', () => {
    const render = createRenderer();
    const hostile = '<img src=x onerror=alert(1)>';
    const html = render.render('admin/accounts', {
      t: consoleTranslator('vi'),
      locale: 'vi',
      langSwitchUrl: '/admin/accounts?lang=en',
      title: 'Tài khoản',
      nav: 'accounts',
      isAdmin: true,
      csrf: 'c',
      me: { name: hostile, login: 'x' },
      ...pageHelpers(pageLocale({ path: '/admin/accounts', query: 'vi', cookie: undefined, acceptLanguage: undefined, fallback: 'vi' })),
      q: hostile,
      statusFilter: '',
      result: { total: 1, page: 1, pages: 1, rows: [{ id: '"><x', displayName: hostile, login: 'a', email: null, status: 'active', source: 'local' }] },
      prev: null,
      next: null,
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('href="/admin/accounts/%22%3E%3Cx"');
  });

  it('show times in Việt Nam time, relative times and durations in words, codes as sentences', () => {
    const locale = (lang: 'vi' | 'en') => pageLocale({ path: '/admin', query: lang, cookie: undefined, acceptLanguage: undefined, fallback: 'vi' });
    const now = new Date('2026-12-01T17:35:00Z');
    const vi = pageHelpers(locale('vi'), now);
    const en = pageHelpers(locale('en'), now);
    expect(en.time(new Date('2026-12-01T17:30:00Z'))).toBe('02/12/2026 00:30');
    expect(vi.time(null)).toBe('');
    expect(vi.ago(new Date('2026-12-01T17:30:00Z'))).toBe('5 phút trước');
    expect(en.ago(new Date('2026-12-01T17:30:00Z'))).toBe('5 minutes ago');
    expect(vi.duration(300)).toBe('5 phút');
    expect(vi.syncStatus('partial')).toBe('Thành công một phần');
    expect(en.syncStatus('success')).toBe('Succeeded');
    expect(vi.eventLabel('login.success')).toBe('Đăng nhập thành công');
    expect(vi.eventLabel('account.status_changed', 'disabled')).toBe('Khóa tài khoản');
    expect(vi.eventLabel('client.status_changed', 'disabled')).toBe('Tạm ngừng ứng dụng');
    expect(vi.eventLabel('something.new')).toBe('something.new');
    expect(vi.outcomeLabel('invalid_credentials')).toBe('Sai tên đăng nhập hoặc mật khẩu');
  });
});
