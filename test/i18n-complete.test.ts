/**
 * Vietnamese everywhere a person reads: every text key has both translations; a Vietnamese text
 * that is the same as its English one fails unless all it holds are names (OpenID, URI, ...); and
 * every page, drawn in Vietnamese with representative data, holds no sentence of the English
 * catalogue. A new page must be added to PAGES below with data that shows its texts.
 */
import { describe, expect, it } from '@jest/globals';
import { catalogues, scopeDescription, translator, type Locale, type TextKey } from '../src/web/i18n/index.js';
import { CONSOLE_VIEW_NAMES, createRenderer, type ViewName } from '../src/web/render.js';
import { pageHelpers } from '../src/console/pages.js';
import { pageLocale } from '../src/web/locale.js';
import { clientProblemSentence } from '../src/web/i18n/index.js';
import { fieldProblems } from '../src/clients/problems.js';
import { AUDIT_EVENT_TYPES } from '../src/audit/events.js';

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

const renderer = createRenderer();
const LOGOUT_FORM = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="abc123"/></form>';
const NOW = new Date();
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

function common(locale: Locale, title: TextKey, path = '/admin') {
  const l = pageLocale({ path, query: locale, cookie: undefined, acceptLanguage: undefined, fallback: 'vi' });
  return { ...l, title: l.t(title), ...pageHelpers(l, NOW), csrf: 'c', me: { name: 'Nguyễn Văn An', login: 'annv' }, isAdmin: true };
}

const client = { client_id: 'vanban', name: 'Quản lý văn bản', type: 'web', status: 'active', first_party: false, redirect_uris: ['https://vanban.tinh.gov.vn/cb'], post_logout_redirect_uris: [], backchannel_logout_uri: null, release_group_dns: false };
const syncRun = { mode: 'full', status: 'partial', dryRun: true, startedAt: minutesAgo(5), seen: 10, created: 1, updated: 2, disabled: 1, unchanged: 6, failed: 0, conflicts: 0, message: null };
const session = { uid: 's1', loginAt: minutesAgo(90), expiresAt: minutesAgo(-600), current: true, applications: [{ name: 'Quản lý văn bản' }] };
const application = { clientId: 'vanban', name: 'Quản lý văn bản', scopes: ['openid', 'email'], grantedAt: minutesAgo(3000) };

/** Representative data for every page, showing as many of its texts as one drawing can. */
const PAGES: Record<ViewName, (locale: Locale) => Record<string, unknown>[]> = {
  login: (locale) => [
    { ...common(locale, 'title.login', '/interaction/u'), uid: 'u', action: '/interaction/u/login', continueAction: '/interaction/u/continue', csrfToken: 'c', login: 'annv', client: { name: 'Cổng dịch vụ công' }, forceReauth: false, rememberOffered: true, error: translator(locale)('error.invalidCredentials'), helpdesk: translator(locale)('error.helpdeskContact', { contact: '0228 3852 000' }), session: { login: 'annv', displayName: 'Nguyễn Văn An' } },
    { ...common(locale, 'title.login', '/interaction/u'), uid: 'u', action: '/interaction/u/login', csrfToken: 'c', login: 'annv', client: { name: 'Cổng dịch vụ công' }, forceReauth: true, rememberOffered: false, error: translator(locale)('error.blockedAccount', { wait: '30 phút' }) },
  ],
  consent: (locale) => [{
    ...common(locale, 'title.consent', '/interaction/u'), action: '/interaction/u/confirm', abortAction: '/interaction/u/abort', csrfToken: 'c', client: { name: 'Hệ thống quản lý văn bản' }, account: { displayName: 'Nguyễn Văn An' },
    scopes: ['openid', 'profile', 'email', 'phone', 'offline_access', 'organization', 'groups'].map((name) => ({ name, description: scopeDescription(translator(locale), name) })),
  }],
  logout: (locale) => [{ ...common(locale, 'title.logout', '/session/end'), client: { name: 'Cổng dịch vụ công' }, formHtml: LOGOUT_FORM, formId: 'op.logoutForm' }],
  'logged-out': (locale) => [{ ...common(locale, 'title.loggedOut', '/session/end/success'), client: { name: 'Cổng dịch vụ công' } }],
  error: (locale) => [
    { ...common(locale, 'title.error', '/auth'), status: 400, message: translator(locale)('oidc.error.invalid_redirect_uri'), code: 'invalid_redirect_uri' },
    { ...common(locale, 'title.error', '/x'), status: 500, message: translator(locale)('error.server'), requestId: 'abc123' },
  ],
  'admin/dashboard': (locale) => [{
    ...common(locale, 'dashboard.title'), nav: 'dashboard', counts: { active: 10, disabled: 2 }, sessions: 4, lastSync: syncRun,
    deliveries: { failed: 1, retrying: 1, recent: [{ createdAt: minutesAgo(3), clientId: 'vanban', accountId: 'a1', lastError: null }] },
  }, { ...common(locale, 'dashboard.title'), nav: 'dashboard', counts: { active: 0, disabled: 0 }, sessions: 0, lastSync: null, deliveries: { failed: 0, retrying: 0, recent: [] } }],
  'admin/accounts': (locale) => [
    { ...common(locale, 'accounts.title'), nav: 'accounts', q: 'nguyen', statusFilter: 'active', result: { total: 1, page: 1, pages: 1, rows: [{ id: 'a1', displayName: 'Nguyễn Văn An', login: 'annv', email: 'annv@tinh.gov.vn', status: 'active', source: 'directory' }] }, prev: null, next: '/admin/accounts?page=2' },
    { ...common(locale, 'accounts.title'), nav: 'accounts', q: '', statusFilter: '', result: { total: 0, page: 1, pages: 1, rows: [] }, prev: null, next: null },
  ],
  'admin/account': (locale) => [
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'active', source: 'directory' }, done: 'disabled', claims: [{ name: 'email', value: 'annv@tinh.gov.vn' }], adminGrounds: 'group', sessions: [session], applications: [application] },
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'disabled', source: 'local' }, done: 'loggedOut', claims: [], adminGrounds: 'local', sessions: [], applications: [] },
  ],
  'admin/clients': (locale) => [
    { ...common(locale, 'clients.title'), nav: 'clients', clients: [{ ...client, internal: true }, { ...client, status: 'disabled', internal: false }], types: ['web', 'spa', 'native', 'service'] },
    { ...common(locale, 'clients.title'), nav: 'clients', clients: [], types: ['web'] },
  ],
  'admin/client': (locale) => [
    { ...common(locale, 'clients.title'), nav: 'clients', client, internal: false, done: 'disabled' },
    { ...common(locale, 'clients.title'), nav: 'clients', client: { ...client, status: 'disabled' }, internal: false, done: 'updated' },
    { ...common(locale, 'clients.title'), nav: 'clients', client, internal: true },
  ],
  'admin/secret': (locale) => [
    { ...common(locale, 'clients.secretTitle'), nav: 'clients', client, secret: 's3cr3t' },
    { ...common(locale, 'clients.secretTitle'), nav: 'clients', client, secret: null },
  ],
  'admin/sync': (locale) => [
    { ...common(locale, 'sync.title'), nav: 'sync', result: { ...syncRun, status: 'success' }, running: true, directory: true, interval: 300, runs: [syncRun, { ...syncRun, mode: 'changed', status: 'refused', dryRun: false }, { ...syncRun, status: 'failed' }] },
    { ...common(locale, 'sync.title'), nav: 'sync', directory: false, interval: 300, runs: [] },
  ],
  'admin/audit': (locale) => [
    {
      ...common(locale, 'audit.title'), nav: 'audit', form: { person: '', client: '', type: '', from: '', to: '' }, types: [...AUDIT_EVENT_TYPES], exportQuery: '', newer: null, older: '/admin/audit?before=1',
      rows: AUDIT_EVENT_TYPES.map((type, i) => ({ seq: i + 1, at: minutesAgo(i * 7), type, outcome: ['success', 'invalid_credentials', 'disabled', 'granted', 'unblocked', 'partial'][i % 6], actor: 'console:annv', subject: 'a1', clientId: 'vanban', ip: '203.0.113.9' })),
    },
    { ...common(locale, 'audit.title'), nav: 'audit', form: { person: 'annv', client: '', type: 'login.success', from: '2026-12-01', to: '' }, types: [...AUDIT_EVENT_TYPES], exportQuery: 'person=annv', newer: null, older: null, rows: [] },
  ],
  'admin/message': (locale) => {
    const t = translator(locale);
    const problems = fieldProblems('web', { name: '', redirectUris: ['http://evil.example/cb', 'myapp://cb', '/relative'], postLogoutRedirectUris: [], backchannelLogoutUri: 'https://x/#y' });
    return [
      { ...common(locale, 'console.error.title'), nav: 'clients', status: 400, message: t('console.error.invalid', { detail: problems.map((p) => clientProblemSentence(p, t)).join(' ') }), backLink: '/admin/clients' },
      { ...common(locale, 'title.forbidden'), nav: 'dashboard', status: 403, message: t('console.error.forbidden', { login: 'annv' }), homeLink: true },
      { ...common(locale, 'console.error.title'), nav: 'account', status: 401, message: t('console.error.signInAgain'), signInLink: true },
      { ...common(locale, 'me.title'), nav: 'account', message: t('me.done.loggedOut'), ok: true, signInLink: true },
    ];
  },
  'admin/throttle': (locale) => [
    {
      ...common(locale, 'throttle.title'), nav: 'throttle', done: 'unblocked', budget: { total: 10, windowMinutes: 15, unknownDevices: 5, knownDevices: 5, lockoutAfter: 10 },
      blocks: (['account', 'account_address', 'address', 'device'] as const).map((type, i) => ({ type, login: i === 2 ? null : 'annv', address: i === 1 || i === 2 ? '203.0.113.9' : null, unblockAddress: i === 2 ? '203.0.113.9' : null, failures: 5, blockedUntil: minutesAgo(-15), lastFailureAt: minutesAgo(2) })),
    },
    { ...common(locale, 'throttle.title'), nav: 'throttle', done: 'nothing', budget: { total: 10, windowMinutes: 15, unknownDevices: 5, knownDevices: 5, lockoutAfter: 0 }, blocks: [] },
  ],
  'account/home': (locale) => [
    { ...common(locale, 'me.title', '/account'), nav: 'account', isAdmin: false, done: 'revoked', applications: [application], sessions: [session] },
    { ...common(locale, 'me.title', '/account'), nav: 'account', isAdmin: false, applications: [], sessions: [] },
  ],
};

/** What a person reads on a page: its text and the attributes that are read out or shown. */
function readable(html: string): string {
  const attrs = [...html.matchAll(/\s(?:aria-label|title|alt|placeholder|data-label)="([^"]*)"/g)].map((m) => m[1]);
  const text = html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ');
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return decode([text, ...attrs].join(' ')).replace(/\s+/g, ' ');
}

describe('every page in Vietnamese', () => {
  const views = ['login', 'consent', 'logout', 'logged-out', 'error', ...CONSOLE_VIEW_NAMES] as ViewName[];
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
