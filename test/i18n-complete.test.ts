/**
 * Vietnamese everywhere a person reads: every text key has both translations; a Vietnamese text
 * that is the same as its English one fails unless all it holds are names (OpenID, URI, ...); and
 * every page, drawn in Vietnamese with representative data, holds no sentence of the English
 * catalogue. A new page must be added to PAGES (./helpers/i18n-pages.ts) with data that shows its texts.
 */
import { describe, expect, it } from '@jest/globals';
import { catalogues } from '../src/web/i18n/index.js';
import { CONSOLE_VIEW_NAMES, LAUNCHER_VIEW_NAMES, type ViewName } from '../src/web/render.js';
import { AUDIT_EVENT_TYPES } from '../src/audit/events.js';
import { PAGES, renderer } from './helpers/i18n-pages.js';

/** Names and notations that read the same in both languages. Nothing else may be the same. */
const SAME_IN_BOTH = ['OpenID Connect', 'OpenID', 'client_secret', 'client_id', 'client_credentials', 'redirect URI', 'URI', 'PKCE', 'S256', 'LDAP_URL', 'LDAP', 'JSON Lines', 'CSV', 'IP', 'DN', 'YYYY-MM-DD'];

/** What is left of a text once names, placeholders, digits and punctuation are taken out. */
function wordsBesidesNames(text: string): string {
  let rest = text.replace(/\{[A-Za-z0-9_]+\}/g, ' ');
  for (const name of SAME_IN_BOTH) rest = rest.split(name).join(' ');
  return rest.replace(/[\d\s\p{P}\p{S}]+/gu, '');
}

const vi = catalogues.vi as Readonly<Record<string, string>>;
const en = catalogues.en as Readonly<Record<string, string>>;

describe('every text key', () => {
  it('has a Vietnamese and an English text, with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
    const missing = Object.keys(vi).filter((k) => !vi[k]?.trim() || !en[k]?.trim());
    expect(missing).toEqual([]);
    const mismatched = Object.keys(vi).filter((k) => JSON.stringify(placeholders(vi[k]!)) !== JSON.stringify(placeholders(en[k]!)));
    expect(mismatched).toEqual([]);
  });

  it('is translated: a Vietnamese text equal to its English one holds nothing but names', () => {
    const untranslated = Object.keys(vi).filter((k) => vi[k] === en[k] && wordsBesidesNames(vi[k]!) !== '');
    expect(untranslated).toEqual([]);
  });

  it('the allow-list lets names through, not words', () => {
    expect(wordsBesidesNames('OpenID (client_id) {name}: URI')).toBe('');
    expect(wordsBesidesNames('Sign in')).not.toBe('');
  });
});

/** English sentences and long phrases (three words or more) of the catalogue, placeholders cut out. */
function englishPhrases(): { key: string; phrase: string }[] {
  const out: { key: string; phrase: string }[] = [];
  for (const [key, text] of Object.entries(en)) {
    if (vi[key] === text) continue; // names only (checked above)
    for (const part of text.split(/\{[A-Za-z0-9_]+\}|[.:;!?()“”"]\s*/)) {
      const phrase = part.trim().replace(/^[,–-]\s*|[,–-]$/g, '').trim();
      // a phrase the Vietnamese text quotes too (an example: "Nguyễn Văn An") is no English
      if (phrase.split(/\s+/).length >= 3 && !vi[key]!.includes(phrase)) out.push({ key, phrase });
    }
  }
  return out;
}

/** What a person reads on a page: its text and the attributes that are read out or shown. */
function readable(html: string): string {
  const attrs = [...html.matchAll(/\s(?:aria-label|title|alt|placeholder|data-label)="([^"]*)"/g)].map((m) => m[1]);
  const text = html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ');
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return decode([text, ...attrs].join(' ')).replace(/\s+/g, ' ');
}

describe('every page in Vietnamese', () => {
  const views = ['login', 'consent', 'logout', 'logout-continue', 'logged-out', 'error', ...CONSOLE_VIEW_NAMES, ...LAUNCHER_VIEW_NAMES] as ViewName[];
  const phrases = englishPhrases();

  it('has representative data here (add a new page to PAGES)', () => {
    expect(views.filter((v) => !Object.hasOwn(PAGES, v))).toEqual([]);
    expect(phrases.length).toBeGreaterThan(100);
  });

  it.each(views)('%s holds no sentence of the English catalogue', (view) => {
    const build = PAGES[view];
    expect(build).toBeDefined();
    for (const data of build!('vi')) {
      const html = renderer.render(view, data as never);
      const text = readable(html);
      const english = phrases.filter((p) => text.includes(p.phrase)).map((p) => `${p.key}: "${p.phrase}"`);
      expect(english).toEqual([]);
    }
  });

  it('shows codes as words: audit event types and outcomes, sync statuses, durations', () => {
    const audit = PAGES['admin/audit']('vi').map((d) => readable(renderer.render('admin/audit', d as never))).join(' ');
    for (const type of AUDIT_EVENT_TYPES) expect(audit).not.toMatch(new RegExp(`(^|\\s)${type.replace('.', '\\.')}(\\s|$)`));
    expect(audit).toContain('Đăng nhập thành công');
    expect(audit).toContain('Sai tên đăng nhập hoặc mật khẩu');
    expect(audit).not.toMatch(/invalid_credentials|unblocked/);
    const sync = PAGES['admin/sync']('vi').map((d) => readable(renderer.render('admin/sync', d as never))).join(' ');
    expect(sync).toContain('Thành công một phần');
    expect(sync).toContain('sau mỗi 5 phút');
    expect(sync).toContain('phút trước');
    expect(sync).not.toMatch(/\b(partial|refused|failed|success)\b|\d+ s\b/);
    const throttle = PAGES['admin/throttle']('vi').map((d) => readable(renderer.render('admin/throttle', d as never))).join(' ');
    expect(throttle).toContain('trong 15 phút');
    expect(throttle).toMatch(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
  });

  it.each(views)('%s in English does show the English catalogue (the check can see it)', (view) => {
    const text = PAGES[view]!('en').map((data) => readable(renderer.render(view, data as never))).join(' ');
    expect(phrases.some((p) => text.includes(p.phrase))).toBe(true);
  });
});
