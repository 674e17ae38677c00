import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCALES, scopeDescription, translator, type Locale } from '../src/web/i18n/index.js';
import {
  DEFAULT_VIEWS_DIR,
  createRenderer,
  type BaseView,
  type ConsentView,
  type ErrorView,
  type LoggedOutView,
  type LoginView,
  type LogoutView,
} from '../src/web/render.js';

const renderer = createRenderer();

const HOSTILE_NAME = '<script>alert(1)</script>';
const HOSTILE_ATTR = '" autofocus onfocus="alert(1)';
const LOGOUT_FORM =
  '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="abc123"/></form>';

function base(locale: Locale, titleKey: Parameters<ReturnType<typeof translator>>[0]): BaseView {
  const t = translator(locale);
  return { t, locale, langSwitchUrl: `/interaction/uid1?lang=${locale === 'vi' ? 'en' : 'vi'}`, title: t(titleKey) };
}

function loginView(locale: Locale, extra: Partial<LoginView> = {}): LoginView {
  return {
    ...base(locale, 'title.login'),
    uid: 'uid1',
    action: '/interaction/uid1/login',
    csrfToken: 'csrf-token-123',
    login: '',
    client: { name: 'Cổng dịch vụ công' },
    forceReauth: false,
    ...extra,
  };
}

function consentView(locale: Locale, extra: Partial<ConsentView> = {}): ConsentView {
  const t = translator(locale);
  return {
    ...base(locale, 'title.consent'),
    action: '/interaction/uid1/confirm',
    abortAction: '/interaction/uid1/abort',
    csrfToken: 'csrf-token-123',
    client: { name: 'Hệ thống quản lý văn bản' },
    account: { displayName: 'Nguyễn Văn An' },
    scopes: ['openid', 'profile', 'email', 'custom:x'].map((name) => ({ name, description: scopeDescription(t, name) })),
    ...extra,
  };
}

function logoutView(locale: Locale, extra: Partial<LogoutView> = {}): LogoutView {
  return { ...base(locale, 'title.logout'), formHtml: LOGOUT_FORM, formId: 'op.logoutForm', ...extra };
}

function loggedOutView(locale: Locale, extra: Partial<LoggedOutView> = {}): LoggedOutView {
  return { ...base(locale, 'title.loggedOut'), ...extra };
}

function errorView(locale: Locale, extra: Partial<ErrorView> = {}): ErrorView {
  const t = translator(locale);
  return { ...base(locale, 'title.error'), message: t('error.server'), status: 500, ...extra };
}

/** Start tags with their (unquoted-value-stripped) attribute source. */
function startTags(html: string): { name: string; raw: string; attrs: Map<string, string> }[] {
  const tags: { name: string; raw: string; attrs: Map<string, string> }[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g)) {
    const attrs = new Map<string, string>();
    for (const a of (m[2] ?? '').matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      attrs.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '');
    }
    tags.push({ name: m[1]!.toLowerCase(), raw: m[0], attrs });
  }
  return tags;
}

function assertCspSafe(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<style/i);
  expect(html).not.toMatch(/javascript:/i);
  for (const tag of startTags(html)) {
    for (const attr of tag.attrs.keys()) {
      expect(`${tag.name} ${attr}`).not.toMatch(/ (style|on[a-z]+)$/);
    }
  }
  // Belt and braces, on the markup with quoted attribute values removed.
  const markupOnly = html.replace(/"[^"]*"/g, '""');
  expect(markupOnly).not.toMatch(/<[^>]*\sstyle\s*=/i);
  expect(markupOnly).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
}

function assertCommon(html: string, locale: Locale): void {
  const t = translator(locale);
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html).toContain(`<html lang="${locale}">`);
  expect(html).toContain('<meta charset="utf-8">');
  expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
  expect(html).toContain('<link rel="stylesheet" href="/assets/style.css">');
  expect(html).toContain(t('app.name'));
  expect(html).toMatch(/<main[^>]*>/);
  expect(html).toMatch(/<footer[^>]*>/);
  // Language switch link to the other locale, labelled in the other language.
  const other = locale === 'vi' ? 'en' : 'vi';
  const link = startTags(html).find((tag) => tag.name === 'a' && tag.attrs.get('class') === 'lang-switch');
  expect(link?.attrs.get('href')).toBe(`/interaction/uid1?lang=${other}`);
  expect(link?.attrs.get('hreflang')).toBe(other);
  expect(html).toContain(`>${locale === 'vi' ? 'English' : 'Tiếng Việt'}</a>`);
  // ids are unique
  const ids = startTags(html).flatMap((tag) => (tag.attrs.has('id') ? [tag.attrs.get('id')] : []));
  expect(new Set(ids).size).toBe(ids.length);
  assertCspSafe(html);
}

function assertLabels(html: string): void {
  const tags = startTags(html);
  const ids = new Set(tags.flatMap((tag) => (tag.attrs.has('id') ? [tag.attrs.get('id')!] : [])));
  const labelled = new Set<string>();
  for (const label of tags.filter((tag) => tag.name === 'label')) {
    const target = label.attrs.get('for');
    expect(target).toBeTruthy();
    expect(ids.has(target!)).toBe(true);
    labelled.add(target!);
  }
  for (const input of tags.filter((tag) => tag.name === 'input' && tag.attrs.get('type') !== 'hidden')) {
    expect(labelled.has(input.attrs.get('id') ?? '')).toBe(true);
  }
}

function csrfInputs(html: string): string[] {
  return startTags(html)
    .filter((tag) => tag.name === 'input' && tag.attrs.get('type') === 'hidden' && tag.attrs.get('name') === 'csrf')
    .map((tag) => tag.attrs.get('value') ?? '');
}

function formsOf(html: string) {
  return startTags(html).filter((tag) => tag.name === 'form');
}

describe.each(LOCALES.map((l) => [l]))('views (%s)', (locale) => {
  const t = translator(locale);

  describe('login', () => {
    it('renders the credentials form', () => {
      const html = renderer.render('login', loginView(locale));
      assertCommon(html, locale);
      assertLabels(html);
      expect(html).toContain(`<title>${t('title.login')} · ${t('app.name')}</title>`);
      expect(csrfInputs(html)).toEqual(['csrf-token-123']);
      const forms = formsOf(html);
      expect(forms).toHaveLength(1);
      expect(forms[0]!.attrs.get('method')).toBe('post');
      expect(forms[0]!.attrs.get('action')).toBe('/interaction/uid1/login');

      const tags = startTags(html);
      const login = tags.find((tag) => tag.name === 'input' && tag.attrs.get('name') === 'login')!;
      expect(login.attrs.get('id')).toBe('login');
      expect(login.attrs.get('autocomplete')).toBe('username');
      expect(login.attrs.get('autocapitalize')).toBe('none');
      expect(login.attrs.get('spellcheck')).toBe('false');
      expect(login.attrs.get('maxlength')).toBe('254');
      expect(login.attrs.has('required')).toBe(true);
      const password = tags.find((tag) => tag.name === 'input' && tag.attrs.get('name') === 'password')!;
      expect(password.attrs.get('type')).toBe('password');
      expect(password.attrs.get('autocomplete')).toBe('current-password');
      expect(password.attrs.get('maxlength')).toBe('256');
      expect(password.attrs.has('required')).toBe(true);

      expect(html).toContain(t('label.login'));
      expect(html).toContain(t('label.password'));
      expect(html).toContain(t('button.signIn'));
      expect(html).not.toContain('role="alert"');
      expect(html).not.toContain('<details');
    });

    it('shows the error in a role=alert element, escaped', () => {
      const html = renderer.render('login', loginView(locale, { error: `${t('error.invalidCredentials')} <img src=x>` }));
      assertCommon(html, locale);
      expect(html).toMatch(/<div[^>]*role="alert"[^>]*>[^<]*&lt;img src=x&gt;<\/div>/);
      expect(html).toContain(t('error.invalidCredentials'));
      expect(html).not.toContain('<img');
    });

    it('escapes a hostile client name and prefilled login', () => {
      const html = renderer.render(
        'login',
        loginView(locale, { client: { name: HOSTILE_NAME }, login: HOSTILE_ATTR, csrfToken: '"><x' }),
      );
      assertCommon(html, locale);
      assertLabels(html);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const login = startTags(html).find((tag) => tag.name === 'input' && tag.attrs.get('name') === 'login')!;
      expect(login.attrs.get('value')).toBe('&quot; autofocus onfocus=&quot;alert(1)');
      expect(csrfInputs(html)).toEqual(['&quot;&gt;&lt;x']);
    });

    it('offers "continue as" with an existing session', () => {
      const html = renderer.render(
        'login',
        loginView(locale, {
          session: { login: 'nva', displayName: 'Nguyễn Văn <b>An</b>' },
          continueAction: '/interaction/uid1/continue',
        }),
      );
      assertCommon(html, locale);
      assertLabels(html);
      expect(html).toContain(t('login.signedInAsWithLogin', { name: 'Nguyễn Văn &lt;b&gt;An&lt;/b&gt;', login: 'nva' }));
      expect(html).toContain(t('button.continueAs', { name: 'Nguyễn Văn &lt;b&gt;An&lt;/b&gt;' }));
      const forms = formsOf(html);
      expect(forms.map((f) => f.attrs.get('action'))).toEqual(['/interaction/uid1/continue', '/interaction/uid1/login']);
      expect(forms.every((f) => f.attrs.get('method') === 'post')).toBe(true);
      expect(csrfInputs(html)).toEqual(['csrf-token-123', 'csrf-token-123']);
      // "use another account" is a <details> holding the normal form
      expect(html).toMatch(
        new RegExp(`<details[^>]*>\\s*<summary>${t('button.useAnotherAccount')}</summary>\\s*<form[^>]*action="/interaction/uid1/login"`),
      );
      expect(html).toMatch(/<\/form>\s*<\/details>/);
      expect(html).not.toMatch(/<details[^>]* open/);
      // the login is not prefilled from the session for "another account"
      const login = startTags(html).find((tag) => tag.name === 'input' && tag.attrs.get('name') === 'login')!;
      expect(login.attrs.get('value')).toBe('');
    });

    it('opens "use another account" when there is an error', () => {
      const html = renderer.render(
        'login',
        loginView(locale, {
          session: { login: 'nva', displayName: 'An' },
          continueAction: '/interaction/uid1/continue',
          login: 'other',
          error: t('error.invalidCredentials'),
        }),
      );
      expect(html).toMatch(/<details[^>]* open>/);
      expect(html).toContain('role="alert"');
    });

    it('forces re-authentication with the login prefilled', () => {
      const html = renderer.render(
        'login',
        loginView(locale, {
          session: { login: 'nva', displayName: 'An' },
          continueAction: '/interaction/uid1/continue',
          forceReauth: true,
        }),
      );
      assertCommon(html, locale);
      assertLabels(html);
      expect(html).not.toContain('<details');
      expect(html).not.toContain('/interaction/uid1/continue');
      expect(html).not.toContain(t('button.continueAs', { name: 'An' }));
      const login = startTags(html).find((tag) => tag.name === 'input' && tag.attrs.get('name') === 'login')!;
      expect(login.attrs.get('value')).toBe('nva');
      expect(csrfInputs(html)).toEqual(['csrf-token-123']);
    });
  });

  describe('consent', () => {
    it('lists scopes and has allow and deny forms', () => {
      const html = renderer.render('consent', consentView(locale));
      assertCommon(html, locale);
      assertLabels(html);
      expect(html).toContain(t('consent.request', { client: 'Hệ thống quản lý văn bản' }));
      expect(html).toContain(t('login.signedInAs', { name: 'Nguyễn Văn An' }));
      expect(html).toContain(t('consent.explanation'));
      expect(html).toContain(t('consent.changeLater'));
      expect(html).toContain(t('scope.profile'));
      expect(html).toContain(t('scope.email'));
      expect(html).toContain('>custom:x</li>');
      const forms = formsOf(html);
      expect(forms.map((f) => f.attrs.get('action'))).toEqual(['/interaction/uid1/confirm', '/interaction/uid1/abort']);
      expect(forms.every((f) => f.attrs.get('method') === 'post')).toBe(true);
      expect(csrfInputs(html)).toEqual(['csrf-token-123', 'csrf-token-123']);
      expect(html).toContain(t('button.allow'));
      expect(html).toContain(t('button.deny'));
    });

    it('escapes a hostile client name, account name and scope', () => {
      const html = renderer.render(
        'consent',
        consentView(locale, {
          client: { name: HOSTILE_NAME },
          account: { displayName: HOSTILE_NAME },
          scopes: [{ name: HOSTILE_NAME, description: HOSTILE_NAME }],
        }),
      );
      assertCommon(html, locale);
      expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBe(3);
    });
  });

  describe('logout', () => {
    it('outputs the trusted form raw and references it from both buttons', () => {
      const html = renderer.render('logout', logoutView(locale, { client: { name: HOSTILE_NAME } }));
      assertCommon(html, locale);
      expect(html).toContain(LOGOUT_FORM);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const buttons = startTags(html).filter((tag) => tag.name === 'button');
      expect(buttons).toHaveLength(2);
      for (const b of buttons) {
        expect(b.attrs.get('form')).toBe('op.logoutForm');
        expect(b.attrs.get('type')).toBe('submit');
      }
      expect(buttons[0]!.attrs.get('name')).toBe('logout');
      expect(buttons[0]!.attrs.get('value')).toBe('yes');
      expect(buttons[1]!.attrs.has('name')).toBe(false);
      expect(buttons[1]!.attrs.has('value')).toBe(false);
      // buttons are outside the form
      expect(html.indexOf('</form>')).toBeLessThan(html.indexOf('<button'));
      expect(html).toContain(t('button.signOut'));
      expect(html).toContain(t('button.staySignedIn'));
    });

    it('renders without a client', () => {
      const html = renderer.render('logout', logoutView(locale));
      assertCommon(html, locale);
      expect(html).toContain(t('logout.question'));
    });

    it('escapes the form id', () => {
      const html = renderer.render('logout', logoutView(locale, { formId: '"><b>' }));
      expect(html).toContain('form="&quot;&gt;&lt;b&gt;"');
    });
  });

  describe('logged-out', () => {
    it('renders with and without client', () => {
      const plain = renderer.render('logged-out', loggedOutView(locale));
      assertCommon(plain, locale);
      expect(plain).toContain(t('loggedOut.text'));
      expect(plain).toContain(`<title>${t('title.loggedOut')} · ${t('app.name')}</title>`);
      const withClient = renderer.render('logged-out', loggedOutView(locale, { client: { name: HOSTILE_NAME } }));
      assertCommon(withClient, locale);
      expect(withClient).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });
  });

  describe('error', () => {
    it('shows the message, status and reference, escaped', () => {
      const html = renderer.render(
        'error',
        errorView(locale, { message: `${t('error.csrf')} <script>x</script>`, status: 403, requestId: 'req-<1>' }),
      );
      assertCommon(html, locale);
      expect(html).toContain(`${t('error.csrf')} &lt;script&gt;x&lt;/script&gt;`);
      expect(html).toContain(t('error.status', { status: 403 }));
      expect(html).toContain(t('error.reference', { id: 'req-&lt;1&gt;' }));
    });

    it('omits the reference when there is no request id', () => {
      const html = renderer.render('error', errorView(locale));
      assertCommon(html, locale);
      expect(html).toContain(t('error.server'));
      expect(html).not.toContain(t('error.reference', { id: '' }).slice(0, 10));
    });
  });
});

describe('createRenderer', () => {
  it('resolves the views directory from the project root', () => {
    expect(DEFAULT_VIEWS_DIR).toBe(path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'views'));
  });

  it('accepts an explicit views directory', () => {
    const html = createRenderer(DEFAULT_VIEWS_DIR).render('error', errorView('en'));
    expect(html).toContain('<html lang="en">');
  });

  it('rejects unknown view names', () => {
    expect(() => renderer.render('layout' as 'login', loginView('vi'))).toThrow(/Unknown view/);
    expect(() => renderer.render('../package.json' as 'login', loginView('vi'))).toThrow(/Unknown view/);
  });

  it('neutralises unsafe language switch URLs', () => {
    for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', '//evil.example/', '/\\evil.example', 'data:text/html,x']) {
      const html = renderer.render('error', { ...errorView('vi'), langSwitchUrl: bad });
      expect(html).toContain('href="?lang=en"');
      expect(html).not.toContain('evil');
    }
    const en = renderer.render('error', { ...errorView('en'), langSwitchUrl: 'javascript:x' });
    expect(en).toContain('href="?lang=vi"');
    const ok = renderer.render('error', { ...errorView('vi'), langSwitchUrl: 'https://sso.example.gov.vn/x?lang=en&a=1' });
    expect(ok).toContain('href="https://sso.example.gov.vn/x?lang=en&amp;a=1"');
  });
});

describe('template sources', () => {
  const files = readdirSync(DEFAULT_VIEWS_DIR).filter((f) => f.endsWith('.eta'));

  it('contain no inline script, style or event handlers', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const src = readFileSync(path.join(DEFAULT_VIEWS_DIR, file), 'utf8');
      // a script only from the product's own assets (the console's sign-out going on by itself), never inline
      expect(src).not.toMatch(/<script(?! src="\/assets\/(vendor\/)?[a-z-]+\.js"( defer)?><\/script>)/i);
      // the passkey button: @simplewebauthn/browser and public/webauthn.js; the SAML Response's auto-post: public/saml-post.js; all served by the product
      expect(src.match(/<script/gi)?.length ?? 0).toBeLessThanOrEqual(file === 'logout-continue.eta' || file === 'saml-post.eta' ? 1 : file === 'webauthn-scripts.eta' ? 2 : 0);
      expect(src).not.toMatch(/<style/i);
      expect(src).not.toMatch(/\sstyle\s*=/i);
      expect(src).not.toMatch(/\son[a-z]+\s*=/i);
    }
  });

  it('use raw output only for the layout body, the logout forms and a partial of these views', () => {
    const raw: string[] = [];
    for (const file of files) {
      const src = readFileSync(path.join(DEFAULT_VIEWS_DIR, file), 'utf8');
      for (const m of src.matchAll(/<%~\s*([^%]*?)\s*%>/g)) {
        // a partial (itself one of these views, escaped like them)
        const partial = /^include\('([\w-]+)', it\)$/.exec(m[1]!);
        if (!partial || !files.includes(`${partial[1]}.eta`)) raw.push(`${file}:${m[1]}`);
      }
    }
    expect(raw.sort()).toEqual(['layout.eta:it.body', 'logout-continue.eta:it.formHtml', 'logout.eta:it.formHtml']);
  });
});
