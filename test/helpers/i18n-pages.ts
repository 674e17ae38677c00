/**
 * Representative data for every page, for test/i18n-complete.test.ts: each page drawn with data
 * that shows as many of its texts as one drawing can (a new page must be added here), and a
 * renderer that has the province's brand set, so the helpdesk contact, the password help link
 * and the footer are drawn too.
 */
import { scopeDescription, translator, clientProblemSentence, syncStatusLabel, auditEventLabel, auditOutcomeLabel, type Locale, type TextKey } from '../../src/web/i18n/index.js';
import { createRenderer, DEFAULT_VIEWS_DIR, type ViewName } from '../../src/web/render.js';
import { pageHelpers } from '../../src/console/pages.js';
import { pageLocale } from '../../src/web/locale.js';
import { fieldProblems } from '../../src/clients/problems.js';
import { AUDIT_EVENT_TYPES } from '../../src/audit/events.js';
import { integrationValues } from '../../src/admin/integration-values.js';
import { auditRowsView } from '../../src/admin/audit-view.js';
import { sessionRows, signInRows } from '../../src/my-account/views.js';
import { waysOn } from '../../src/web/ways-on.js';
import type { ClientView } from '../../src/clients/service.js';

const HELP = { passwordHelpUrl: 'https://mail.tinh.gov.vn/doi-mat-khau', helpdeskContact: '0228 3852 000' };
export const renderer = createRenderer(DEFAULT_VIEWS_DIR, { ...HELP, footer: 'Ủy ban nhân dân tỉnh Nam Định' });

const LOGOUT_FORM = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="abc123"/></form>';
const NOW = new Date();
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

function common(locale: Locale, title: TextKey, path = '/admin') {
  const l = pageLocale({ path, query: locale, cookie: undefined, acceptLanguage: undefined, fallback: 'vi' });
  return { ...l, title: l.t(title), ...pageHelpers(l, NOW), csrf: 'c', me: { name: 'Nguyễn Văn An', login: 'annv' }, isAdmin: true, role: 'admin', flash: '' };
}

const client = {
  client_id: 'vanban', name: 'Quản lý văn bản', type: 'web', status: 'active', first_party: false, redirect_uris: ['https://vanban.tinh.gov.vn/cb'], post_logout_redirect_uris: [], backchannel_logout_uri: null, release_group_dns: false,
  home_url: 'https://vanban.tinh.gov.vn/', description: 'Văn bản đến, văn bản đi', logo_url: '/assets/client-logo/vanban', overlap_until: null,
  access_policy: { groups: ['cn=van-thu,ou=groups,dc=tinh,dc=gov,dc=vn'], departments: ['Văn phòng'], organizations: [] },
};
const syncRun = { mode: 'full', status: 'partial', dryRun: true, startedAt: minutesAgo(5), seen: 10, created: 1, updated: 2, disabled: 1, unchanged: 6, failed: 0, conflicts: 0, message: null };
const session = { uid: 's1', loginAt: minutesAgo(90), expiresAt: minutesAgo(-600), current: true, applications: [{ name: 'Quản lý văn bản' }] };
const application = { clientId: 'vanban', name: 'Quản lý văn bản', scopes: ['openid', 'email'], grantedAt: minutesAgo(3000) };
const person = { id: 'a1', displayName: 'Nguyễn Văn An', login: 'annv', email: 'annv@tinh.gov.vn', status: 'active', source: 'directory' };
const outcomes = ['success', 'invalid_credentials', 'disabled', 'granted', 'unblocked', 'partial'];

/** The application page's secret panel and integration values, as the route gives them. */
function clientExtras(overlapUntil: Date | null, done?: string) {
  return { secretPanel: { rotatable: true, overlapUntil, done }, integration: integrationValues('https://sso.tinh.gov.vn', client as unknown as ClientView) };
}

function myAccount(locale: Locale) {
  const t = translator(locale);
  const stored = [
    { uid: 's1', loginAt: minutesAgo(90), expiresAt: minutesAgo(-600), applications: [{ clientId: 'vanban', name: 'Quản lý văn bản', sid: 'x' }], userAgent: CHROME_ANDROID, address: '203.0.113.9', lastSeenAt: minutesAgo(1), current: true },
    { uid: 's2', loginAt: minutesAgo(3000), expiresAt: minutesAgo(-60), applications: [], userAgent: null, address: null, lastSeenAt: null, current: false },
  ];
  const events = [
    { seq: 3, at: minutesAgo(2), type: 'login.success' as const, outcome: 'success', clientId: 'vanban', ip: '203.0.113.9', userAgent: FIREFOX_WINDOWS, application: 'Quản lý văn bản' },
    { seq: 2, at: minutesAgo(20), type: 'login.failure' as const, outcome: 'invalid_credentials', clientId: null, ip: null, userAgent: null, application: null },
    { seq: 1, at: minutesAgo(30), type: 'login.failure' as const, outcome: 'throttled', clientId: 'vanban', ip: '198.51.100.7', userAgent: 'curl/8.5.0', application: 'Quản lý văn bản' },
    { seq: 0, at: minutesAgo(40), type: 'mfa.enrolled' as const, outcome: 'success', clientId: null, ip: null, userAgent: null, application: null },
    { seq: 0, at: minutesAgo(50), type: 'mfa.recovery_used' as const, outcome: 'success', clientId: null, ip: null, userAgent: null, application: null },
    { seq: 0, at: minutesAgo(60), type: 'mfa.reset' as const, outcome: 'success', clientId: null, ip: null, userAgent: null, application: null },
    { seq: 0, at: minutesAgo(70), type: 'mfa.failed' as const, outcome: 'wrong', clientId: 'vanban', ip: '203.0.113.9', userAgent: null, application: 'Quản lý văn bản' },
  ];
  const profile = { fromDirectory: true, name: 'Nguyễn Văn An', login: 'annv', email: 'annv@tinh.gov.vn', department: null, organization: 'Sở Nội vụ' };
  const applications = [{ ...application, scopes: ['email', 'profile'].map((sc) => scopeDescription(t, sc)) }];
  return { t, sessions: sessionRows(stored, t, locale, NOW), signIns: signInRows(events, t, locale, NOW), profile, applications };
}

/** Representative data for every page, showing as many of its texts as one drawing can. */
export const PAGES: Record<ViewName, (locale: Locale) => Record<string, unknown>[]> = {
  login: (locale) => [
    { ...common(locale, 'title.login', '/interaction/u'), uid: 'u', action: '/interaction/u/login', continueAction: '/interaction/u/continue', csrfToken: 'c', login: '', client: { name: 'Cổng dịch vụ công' }, forceReauth: false, rememberOffered: false, passkey: { action: '/interaction/u/passkey', optionsAction: '/interaction/u/passkey/options', browserScript: '/assets/vendor/simplewebauthn-browser.js' } },
    { ...common(locale, 'title.login', '/interaction/u'), uid: 'u', action: '/interaction/u/login', continueAction: '/interaction/u/continue', csrfToken: 'c', login: 'annv', client: { name: 'Cổng dịch vụ công' }, forceReauth: false, rememberOffered: true, error: translator(locale)('error.invalidCredentials'), helpdesk: translator(locale)('error.helpdeskContact', { contact: '0228 3852 000' }), session: { login: 'annv', displayName: 'Nguyễn Văn An' } },
    { ...common(locale, 'title.login', '/interaction/u'), uid: 'u', action: '/interaction/u/login', csrfToken: 'c', login: 'annv', client: { name: 'Cổng dịch vụ công' }, forceReauth: true, rememberOffered: false, error: translator(locale)('error.blockedAccount', { wait: '30 phút' }) },
    // the certificate login offered (CERT_FIRST_FACTOR), and one of its refusal pages (src/certificate/pages.ts)
    { ...common(locale, 'title.login', '/interaction/u'), uid: 'u', action: '/interaction/u/login', csrfToken: 'c', login: '', client: { name: 'Cổng dịch vụ công' }, forceReauth: false, rememberOffered: false, certificateUrl: 'https://sso.tinh.gov.vn:8443/certificate/u' },
  ],
  consent: (locale) => [{
    ...common(locale, 'title.consent', '/interaction/u'), action: '/interaction/u/confirm', abortAction: '/interaction/u/abort', csrfToken: 'c', client: { name: 'Hệ thống quản lý văn bản' }, account: { displayName: 'Nguyễn Văn An' },
    scopes: ['openid', 'profile', 'email', 'phone', 'offline_access', 'organization', 'groups'].map((name) => ({ name, description: scopeDescription(translator(locale), name) })),
  }],
  'saml-post': (locale) => [{ ...common(locale, 'saml.post.title', '/saml/callback'), app: 'Quản lý hồ sơ', action: 'https://hoso.tinh.gov.vn/saml/acs', samlResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=', relayState: '/start' }],
  'access-denied': (locale) => [{ ...common(locale, 'access.title', '/interaction/u'), action: '/interaction/u/access-back', csrfToken: 'c', client: { name: 'Quản lý văn bản' }, account: { name: 'Nguyễn Văn An' } }],
  'second-factor': (locale) => {
    const t = translator(locale);
    const base = { ...common(locale, 'mfa.title', '/interaction/u'), login: 'annv', client: { name: 'Cổng dịch vụ công' }, csrfToken: 'c', action: '/interaction/u/second-factor', enrolAction: '/interaction/u/second-factor/enrol', continueAction: '/interaction/u/second-factor/continue', cancelAction: '/interaction/u/second-factor/cancel' };
    const setup = { uri: 'otpauth://totp/SSO:annv?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=SSO', secret: 'JBSW Y3DP EHPK 3PXP', qr: 'data:image/svg+xml;base64,PHN2Zy8+' };
    return [
      { ...base, stage: 'verify', totp: true, stepUp: true, error: t('mfa.error.reused'), otherMethods: [{ href: '/interaction/u/second-factor/certificate/start', label: t('mfa.method.certificate') }], securityKey: { action: '/interaction/u/second-factor/webauthn', optionsAction: '/interaction/u/second-factor/webauthn/options', label: t('mfa.method.securityKey') }, rememberDays: 30 },
      { ...base, stage: 'verify', totp: false, error: t('mfa.error.securityKey'), otherMethods: [], securityKey: { action: '/interaction/u/second-factor/webauthn', optionsAction: '/interaction/u/second-factor/webauthn/options', label: t('mfa.method.securityKey') } },
      { ...base, title: t('mfa.enrol.title'), stage: 'enrol', setup, needsEnrolCode: true, deferAction: '/interaction/u/second-factor/later', error: t('mfa.error.enrolCode') },
      { ...base, title: t('mfa.codes.title'), stage: 'codes', codes: ['ABCDE-FGHJK', '12345-67890'] },
    ];
  },
  logout: (locale) => [{ ...common(locale, 'title.logout', '/session/end'), client: { name: 'Cổng dịch vụ công' }, formHtml: LOGOUT_FORM, formId: 'op.logoutForm' }],
  'logout-continue': (locale) => [{ ...common(locale, 'title.logout', '/session/end'), client: { name: 'Cổng dịch vụ công' }, formHtml: LOGOUT_FORM, formId: 'op.logoutForm' }],
  'logged-out': (locale) => [
    { ...common(locale, 'title.loggedOut', '/session/end/success'), client: { name: 'Cổng dịch vụ công' }, next: { ...waysOn({ status: 200 }, { clientId: 'dvc', clientName: 'Cổng dịch vụ công', redirectUris: ['https://dichvucong.tinh.gov.vn/cb'] }), todo: 'next.loggedOut' } },
    { ...common(locale, 'title.loggedOut', '/session/end/success'), next: { ...waysOn({ status: 200 }), todo: 'next.loggedOut' } },
  ],
  error: (locale) => {
    const known = { clientId: 'vanban', clientName: 'Quản lý văn bản', redirectUris: ['https://vanban.tinh.gov.vn/cb'] };
    return [
      { ...common(locale, 'title.error', '/auth'), status: 400, message: translator(locale)('oidc.error.invalid_redirect_uri'), code: 'invalid_redirect_uri', next: waysOn({ status: 400, protocolError: 'invalid_redirect_uri' }) },
      { ...common(locale, 'title.error', '/x'), status: 500, message: translator(locale)('error.server'), requestId: 'abc123', next: waysOn({ status: 500 }, known) },
      { ...common(locale, 'cert.title', '/certificate/u'), title: translator(locale)('cert.title'), status: 403, message: translator(locale)('cert.error.revoked'), code: 'cert_revoked', next: { todo: 'next.forbidden', back: { url: 'https://sso.tinh.gov.vn/interaction/u', name: translator(locale)('cert.loginPage') }, startOver: 'https://sso.tinh.gov.vn/account' } },
      ...([[400, 'error.csrf', undefined], [404, undefined, undefined], [403, undefined, undefined], [429, undefined, undefined], [400, undefined, undefined], [400, undefined, 'invalid_grant']] as const).map(([status, messageKey, protocolError]) => (
        { ...common(locale, 'title.error', '/x'), status, message: translator(locale)('error.notFound'), next: waysOn({ status, messageKey, protocolError }, known) }
      )),
    ];
  },
  'launcher/home': (locale) => [
    { ...common(locale, 'launcher.title', '/'), apps: [{ name: 'Quản lý văn bản', homeUrl: 'https://vanban.tinh.gov.vn/', logoUrl: '/assets/client-logo/vanban', description: 'Văn bản đến, văn bản đi' }, { name: 'Một cửa điện tử', homeUrl: 'https://motcua.tinh.gov.vn/', logoUrl: null, description: null }] },
    { ...common(locale, 'launcher.title', '/'), apps: [] },
  ],
  'launcher/welcome': (locale) => [{ ...common(locale, 'launcher.welcomeTitle', '/'), me: undefined }],
  'admin/dashboard': (locale) => [{
    ...common(locale, 'dashboard.title'), nav: 'dashboard', counts: { active: 10, disabled: 2 }, sessions: 4, lastSync: syncRun,
    deliveries: { failed: 1, retrying: 1, recent: [{ createdAt: minutesAgo(3), clientId: 'vanban', accountId: 'a1', lastError: null }] },
  }, { ...common(locale, 'dashboard.title'), nav: 'dashboard', counts: { active: 0, disabled: 0 }, sessions: 0, lastSync: null, deliveries: { failed: 0, retrying: 0, recent: [] } }],
  'admin/accounts': (locale) => [
    { ...common(locale, 'accounts.title'), nav: 'accounts', q: 'nguyen', statusFilter: 'active', result: { total: 1, page: 1, pages: 1, rows: [person] }, prev: null, next: '/admin/accounts?page=2' },
    { ...common(locale, 'accounts.title'), nav: 'accounts', q: '', statusFilter: '', result: { total: 0, page: 1, pages: 1, rows: [] }, prev: null, next: null },
  ],
  'admin/account': (locale) => [
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'active', source: 'directory' }, flash: translator(locale)('account.done.disabled'), claims: [{ name: 'email', value: 'annv@tinh.gov.vn' }], adminGrounds: 'group', helpdeskGrounds: 'local', sessions: [session], applications: [application] },
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'disabled', source: 'local' }, flash: translator(locale)('account.done.loggedOut'), claims: [], adminGrounds: 'local', helpdeskGrounds: 'group', sessions: [], applications: [] },
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'active', source: 'directory' }, claims: [], adminGrounds: null, helpdeskGrounds: null, sessions: [], applications: [], flash: translator(locale)('account.done.enabled') },
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'active', source: 'directory' }, claims: [], adminGrounds: null, helpdeskGrounds: null, sessions: [], applications: [], mfa: { totp: 'confirmed', confirmedAt: minutesAgo(60), recoveryLeft: 9 }, flash: translator(locale)('mfa.console.enrolCodeIssued', { login: 'annv', code: 'ABCDE-FGHJK', until: '10/12/2026 08:00' }) },
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'active', source: 'directory' }, claims: [], adminGrounds: null, helpdeskGrounds: null, sessions: [], applications: [], mfa: { totp: 'pending', confirmedAt: null, recoveryLeft: 0 }, flash: translator(locale)('mfa.console.resetDone', { login: 'annv' }) },
    { ...common(locale, 'accounts.title'), nav: 'accounts', account: { id: 'a1', displayName: 'Nguyễn Văn An', status: 'active', source: 'directory' }, claims: [], adminGrounds: null, helpdeskGrounds: null, sessions: [], applications: [], mfa: { totp: 'none', confirmedAt: null, recoveryLeft: 0 } },
  ],
  'admin/clients': (locale) => [
    { ...common(locale, 'clients.title'), nav: 'clients', clients: [{ ...client, internal: true }, { ...client, status: 'disabled', internal: false }], types: ['web', 'spa', 'native', 'service'] },
    { ...common(locale, 'clients.title'), nav: 'clients', clients: [], types: ['web'], flash: translator(locale)('clients.done.deleted', { name: 'Quản lý văn bản' }) },
    { ...common(locale, 'clients.title'), nav: 'clients', clients: [], types: ['web'], flash: `${translator(locale)('clients.done.added', { name: 'Quản lý văn bản' })} ${translator(locale)('clients.publicNoSecret')}` },
  ],
  'admin/client': (locale) => {
    const t = translator(locale);
    return [
      { ...common(locale, 'clients.title'), nav: 'clients', client, values: client, internal: false, flash: t('clients.done.disabled'), ...clientExtras(minutesAgo(-1440), 'overlap-ended') },
      { ...common(locale, 'clients.title'), nav: 'clients', client: { ...client, status: 'disabled', logo_url: null }, values: { ...client, backchannel_logout_uri: 'https://vanban.tinh.gov.vn/logout' }, internal: false, flash: t('clients.done.updated'), ...clientExtras(null) },
      { ...common(locale, 'clients.title'), nav: 'clients', client, internal: true, flash: t('clients.done.enabled') },
      // the access policy: everyone, and a refused group
      { ...common(locale, 'clients.title'), nav: 'clients', client, values: { ...client, access_policy: { groups: ['ke-toan'], departments: [], organizations: [] } }, internal: false, errors: [{ field: 'access_groups', message: t('clients.error.access.groups.not_dn', { value: 'ke-toan' }) }], ...clientExtras(null) },
      { ...common(locale, 'clients.title'), nav: 'clients', client, values: { ...client, access_policy: { groups: [], departments: [], organizations: [] } }, internal: false, ...clientExtras(null) },
    ];
  },
  'admin/secret': (locale) => [
    { ...common(locale, 'clients.secretTitle'), nav: 'clients', client, secret: 's3cr3t' },
    { ...common(locale, 'clients.secretTitle'), nav: 'clients', client, secret: null },
  ],
  'admin/client-rotate': (locale) => [
    { ...common(locale, 'clientSecret.rotateTitle'), nav: 'clients', client, maxDays: 30, choice: 'none', untilText: '' },
    ...['missing', 'invalid', 'past', 'too_far'].map((problem) => ({ ...common(locale, 'clientSecret.rotateTitle'), nav: 'clients', client, maxDays: 30, choice: 'date', untilText: '2026-12-31T17:00', error: `clientSecret.error.${problem}` })),
  ],
  'admin/client-secret-new': (locale) => [
    { ...common(locale, 'clientSecret.newTitle'), nav: 'clients', client, secret: 's3cr3t', overlapUntil: minutesAgo(-1440) },
    { ...common(locale, 'clientSecret.newTitle'), nav: 'clients', client, secret: null, overlapUntil: null },
  ],
  'admin/confirm': (locale) => (['clientDisable', 'clientEnable', 'clientDelete', 'accountDisable', 'accountLogout', 'mfaReset'] as const).map((key) => ({
    ...common(locale, `confirm.${key}.title`), nav: key.startsWith('client') ? 'clients' : 'accounts', question: translator(locale)(`confirm.${key}.question`, { name: 'Quản lý văn bản', login: 'annv' }),
    action: '/admin/clients/vanban/disable', back: '/admin/clients/vanban', danger: key !== 'clientEnable', alternatives: key === 'clientDisable' ? [{ href: '/admin/clients/vanban/secret', label: 'clientSecret.rotate' }] : [],
  })),
  'admin/sync': (locale) => {
    const t = translator(locale);
    const flash = t('sync.result', { status: syncStatusLabel('partial', t), seen: 10, created: 1, updated: 2, disabled: 1, unchanged: 6, failed: 0 });
    const by = [{ kind: 'person', text: 'Nguyễn Văn An' }, { kind: 'cli', text: 'may-chu-1' }, { kind: 'scheduled', text: '' }];
    return [
      { ...common(locale, 'sync.title'), nav: 'sync', flash: `${flash} ${t('sync.dry')}`, all: false, directory: true, interval: 300, runs: [syncRun, { ...syncRun, mode: 'changed', status: 'refused', dryRun: false }, { ...syncRun, status: 'failed' }].map((r, i) => ({ ...r, startedBy: by[i] })) },
      { ...common(locale, 'sync.title'), nav: 'sync', flash: t('sync.running'), all: true, directory: false, interval: 300, runs: [] },
    ];
  },
  'admin/audit': (locale) => {
    const t = translator(locale);
    const types = AUDIT_EVENT_TYPES.map((type) => ({ type, label: auditEventLabel(type, t) }));
    const clients = [{ id: 'vanban', name: 'Quản lý văn bản' }];
    const chain = AUDIT_EVENT_TYPES.map((type, i) => ({ seq: i + 1, at: minutesAgo(i * 7), type, outcome: outcomes[i % outcomes.length]!, actor: i % 2 ? 'console:annv' : 'annv', subject: 'a1', clientId: i % 3 ? 'vanban' : 'gone', ip: '203.0.113.9', detail: '{}', prevHash: '', hash: '' }));
    const rows = auditRowsView(chain, { accounts: [{ id: 'a1', login: 'annv', displayName: 'Nguyễn Văn An' }], clients: new Map([['vanban', 'Quản lý văn bản']]) }, { locale, now: NOW, label: (type, outcome) => auditEventLabel(type, t, outcome), outcome: (o) => auditOutcomeLabel(o, t) });
    return [
      { ...common(locale, 'audit.title'), nav: 'audit', form: { person: '', client: '', type: '', from: '', to: '', all: '' }, types, clients, quiet: true, exportQuery: '', newer: '/admin/audit?after=9', older: '/admin/audit?before=1', rows },
      { ...common(locale, 'audit.title'), nav: 'audit', form: { person: 'annv', client: 'vanban', type: 'login.success', from: '2026-12-01', to: '', all: '1' }, types, clients, quiet: false, exportQuery: 'person=annv', newer: null, older: null, rows: [] },
    ];
  },
  'admin/message': (locale) => {
    const t = translator(locale);
    const problems = fieldProblems('web', { name: '', redirectUris: ['http://evil.example/cb', 'myapp://cb', '/relative'], postLogoutRedirectUris: [], backchannelLogoutUri: 'https://x/#y' });
    return [
      { ...common(locale, 'console.error.title'), nav: 'clients', status: 400, message: t('console.error.invalid', { detail: problems.map((p) => clientProblemSentence(p, t)).join(' ') }), backLink: '/admin/clients' },
      { ...common(locale, 'title.forbidden'), nav: 'dashboard', status: 403, message: t('console.error.forbidden', { login: 'annv' }), homeLink: true, helpdeskLink: true },
      { ...common(locale, 'console.error.title'), nav: 'account', status: 401, message: t('console.error.signInAgain'), signInLink: true },
      { ...common(locale, 'me.title'), nav: 'account', message: t('me.done.loggedOut'), ok: true, signInLink: true },
      { ...common(locale, 'title.forbidden'), nav: 'dashboard', role: 'helpdesk', isAdmin: false, status: 403, message: t('helpdesk.error.forbidden', { login: 'annv' }), homeLink: true, helpdeskLink: true },
      { ...common(locale, 'console.error.title'), nav: 'audit', status: 400, message: t('auditView.error.badDate', { value: '31/02/2026', field: t('audit.from') }), backLink: '/admin/audit' },
      { ...common(locale, 'console.error.title'), nav: 'audit', status: 400, message: t('auditView.error.badRange'), backLink: '/admin/audit' },
    ];
  },
  'admin/saml': (locale) => [
    { ...common(locale, 'saml.console.title', '/admin/saml'), values: { metadata: 'https://sso.tinh.gov.vn/saml/metadata', entityId: 'https://sso.tinh.gov.vn/saml', sso: 'https://sso.tinh.gov.vn/saml/sso' }, sps: [{ id: 'taisan', name: 'Quản lý tài sản', entity_id: 'https://taisan.tinh.gov.vn/mellon/metadata', status: 'active', nameid: 'persistent', attributes: ['mail', 'displayName'], acs_urls: ['https://taisan.tinh.gov.vn/mellon/postResponse'], client_id: 'saml-taisan' }] },
    { ...common(locale, 'saml.console.title', '/admin/saml'), values: { metadata: 'https://sso.tinh.gov.vn/saml/metadata', entityId: 'https://sso.tinh.gov.vn/saml', sso: 'https://sso.tinh.gov.vn/saml/sso' }, sps: [] },
  ],
  'admin/throttle': (locale) => [
    {
      ...common(locale, 'throttle.title'), nav: 'throttle', done: 'unblocked', budget: { total: 10, windowMinutes: 15, unknownDevices: 5, knownDevices: 5, lockoutAfter: 10 },
      blocks: (['account', 'account_address', 'address', 'device'] as const).map((type, i) => ({ type, login: i === 2 ? null : 'annv', address: i === 1 || i === 2 ? '203.0.113.9' : null, unblockAddress: i === 2 ? '203.0.113.9' : null, failures: 5, blockedUntil: minutesAgo(-15), lastFailureAt: minutesAgo(2) })),
    },
    { ...common(locale, 'throttle.title'), nav: 'throttle', done: 'nothing', budget: { total: 10, windowMinutes: 15, unknownDevices: 5, knownDevices: 5, lockoutAfter: 0 }, blocks: [] },
  ],
  'admin/helpdesk': (locale) => [
    { ...common(locale, 'helpdesk.title'), nav: 'helpdesk', role: 'helpdesk', isAdmin: false, q: 'annv', result: { total: 2, page: 1, pages: 2, rows: [person, { ...person, id: 'a2', email: null, status: 'disabled' }] }, prev: null, next: '/admin/helpdesk?q=annv&page=2' },
    { ...common(locale, 'helpdesk.title'), nav: 'helpdesk', q: 'khong-co', result: { total: 0, page: 1, pages: 1, rows: [] }, prev: null, next: null },
    { ...common(locale, 'helpdesk.title'), nav: 'helpdesk', q: '', result: null, prev: null, next: null },
  ],
  'admin/helpdesk-person': (locale) => {
    const t = translator(locale);
    const directories = [{ kind: 'found', status: 'disabled' }, { kind: 'found', status: 'active' }, { kind: 'local' }, { kind: 'unconfigured' }, { kind: 'gone' }, { kind: 'unreachable' }];
    const reasons = ['invalid_credentials', 'disabled', 'locked', 'expired', 'password_expired', 'must_change_password', 'unavailable', 'conflict', 'throttled'];
    const failures = reasons.map((r, i) => ({ at: '05/12/2026 08:0' + i, ago: '2 ' + (locale === 'vi' ? 'giờ trước' : 'hours ago'), reason: t(`helpdesk.reason.${r}` as TextKey), ip: '203.0.113.9', application: i % 2 ? 'Quản lý văn bản' : '' }));
    const blocks = (['account', 'account_address', 'address', 'device'] as const).map((type) => ({ type, address: '203.0.113.9', failures: 5, until: '05/12/2026 09:15' }));
    return directories.map((directory, i) => ({
      ...common(locale, 'helpdesk.title'), nav: 'helpdesk', role: 'helpdesk', isAdmin: false, person: { ...person, status: i % 2 ? 'active' : 'disabled', source: i === 2 ? 'local' : 'directory', email: i ? person.email : null },
      directory, sessions: i, lastLogin: i ? '05/12/2026 08:00 (2 giờ trước)' : null, failures: i ? failures : [], blocks: i ? blocks : [], done: ['unblocked', 'nothing', 'loggedOut', undefined][i % 4],
    }));
  },
  'account/home': (locale) => {
    const { t, sessions, signIns, profile, applications } = myAccount(locale);
    return [
      { ...common(locale, 'me.title', '/account'), nav: 'account', isAdmin: false, role: null, done: 'revoked', profile, help: HELP, applications, sessions, signIns },
      { ...common(locale, 'me.title', '/account'), nav: 'account', isAdmin: false, role: null, done: 'sessionEnded', profile: { ...profile, fromDirectory: false, email: null }, help: {}, applications: [], sessions: [], signIns: [] },
      { ...common(locale, 'me.title', '/account'), nav: 'account', isAdmin: false, role: 'helpdesk', profile: { ...profile, department: 'Phòng Tổ chức', organization: null }, help: HELP, applications, sessions, signIns: signIns.map((s) => ({ ...s, result: t('me.activity.failure') })) },
    ];
  },
  'account/security': (locale) => {
    const t = translator(locale);
    const setup = { uri: 'otpauth://totp/SSO:annv?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=SSO', secret: 'JBSW Y3DP EHPK 3PXP', qr: 'data:image/svg+xml;base64,PHN2Zy8+' };
    const base = { ...common(locale, 'mfa.security.title', '/account/security'), nav: 'account', csrfToken: 'c', enrolAction: '/account/security/totp' };
    return [
      { ...base, mfaStatus: 'none' },
      { ...base, mfaStatus: 'none', setup, needsEnrolCode: true, error: t('mfa.error.expired') },
      { ...base, mfaStatus: 'confirmed', confirmedAt: minutesAgo(5), recoveryLeft: 10, codes: ['ABCDE-FGHJK'], enrolledNow: true },
    ];
  },
  'account/not-me': (locale) => [
    { ...common(locale, 'me.notMe.title', '/account/not-me'), nav: 'account', isAdmin: false, role: null, help: HELP, local: false },
    { ...common(locale, 'me.notMe.title', '/account/not-me'), nav: 'account', isAdmin: false, role: null, help: {}, local: true },
  ],
  'account/security-key-rename': (locale) => {
    const key = { id: '5f0c2b1e-8d7a-4c3b-9e2f-1a2b3c4d5e6f', name: 'Khóa USB màu xanh', method: 'hwk' };
    return [
      { ...common(locale, 'webauthn.rename.title', '/account/security-keys'), nav: 'account', isAdmin: false, role: null, key, name: key.name },
      { ...common(locale, 'webauthn.rename.title', '/account/security-keys'), nav: 'account', isAdmin: false, role: null, key, name: '', error: translator(locale)('webauthn.error.name') },
    ];
  },
  'account/security-keys': (locale) => {
    const keys = [
      { id: '5f0c2b1e-8d7a-4c3b-9e2f-1a2b3c4d5e6f', name: 'Khóa USB màu xanh', method: 'hwk', createdAt: new Date('2026-12-01T08:00:00Z'), lastUsedAt: new Date('2026-12-10T08:00:00Z') },
      { id: '6a1d3c2f-9e8b-4d4c-8f3a-2b3c4d5e6f70', name: 'Điện thoại của tôi', method: 'swk', createdAt: new Date('2026-12-02T08:00:00Z'), lastUsedAt: null },
    ];
    return [
      { ...common(locale, 'webauthn.title', '/account/security-keys'), nav: 'account', isAdmin: false, role: null, keys, passwordless: true, done: 'added', browserScript: '/assets/vendor/simplewebauthn-browser.js' },
      { ...common(locale, 'webauthn.title', '/account/security-keys'), nav: 'account', isAdmin: false, role: null, keys: [], passwordless: false, error: translator(locale)('webauthn.error.noChallenge'), name: 'Khóa', browserScript: '/assets/vendor/simplewebauthn-browser.js' },
    ];
  },
};
