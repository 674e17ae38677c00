/**
 * The sync's pure decisions (src/domain/reconcile.ts): create / update / disable / re-enable /
 * unchanged / conflict for each directory state, the "disabled by the directory" marker, and the
 * safety check.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { DirectoryIdentity } from '../src/directory/types.js';
import { accountFields } from '../src/domain/account-link.js';
import { PENDING_PASSWORD_TEXT, decidePassword, readPasswordStamp, writePasswordStamp } from '../src/domain/password-stamp.js';
import {
  GONE_REASON,
  PENDING_MARKER_TEXT,
  directorySaysOff,
  disabledByDirectory,
  inStep,
  markDirectoryDisabled,
  readSyncMarker,
  reconcile,
  reconcileGone,
  shouldRefuse,
  withSyncMarker,
  type AccountSnapshot,
} from '../src/domain/reconcile.js';

const DOMAINS = ['tinh.gov.vn'];
const NOW = new Date('2026-11-27T08:00:00.123Z');

function identity(over: Partial<DirectoryIdentity> = {}): DirectoryIdentity {
  return {
    externalId: '3697cb59-ecdf-4672-8303-602ca5688b80',
    dn: 'uid=khaintm,ou=Sở Nội vụ,ou=people,dc=tinh,dc=gov,dc=vn',
    login: 'khaintm',
    email: 'khaintm@tinh.gov.vn',
    aliases: ['khai.nguyen@tinh.gov.vn'],
    displayName: 'Nguyễn Thị Minh Khai',
    givenName: 'Khai',
    familyName: 'Nguyễn',
    middleName: 'Thị Minh',
    phoneNumber: '0237 3852 111',
    status: 'active',
    organization: { organization: 'Sở Nội vụ', department: 'Sở Nội vụ', title: 'Giám đốc' },
    groups: ['Lãnh đạo Sở'],
    groupDns: ['cn=Lãnh đạo Sở,ou=groups,dc=tinh,dc=gov,dc=vn'],
    modifiedAt: new Date('2026-11-27T07:00:00Z'),
    passwordChanged: '20261101000000Z',
    passwordChangedAt: new Date('2026-11-01T00:00:00Z'),
    ...over,
  };
}

/** The account a previous sync (or login) would have written for this identity. */
function accountFor(i: DirectoryIdentity, over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  const f = accountFields(i, DOMAINS);
  const passwordStamp = writePasswordStamp({ ended: true, value: i.passwordChanged ?? null });
  return { id: 'acc-1', status: 'active', disabledAt: null, ...f, passwordStamp, ...over };
}

describe('reconcile', () => {
  test('a new person is created, active, with the columns accountFields gives', () => {
    const i = identity();
    const d = reconcile(i, null, null, { mailDomains: DOMAINS, now: NOW });
    expect(d.action).toBe('create');
    if (d.action !== 'create') return;
    expect(d.data).toMatchObject({ ...accountFields(i, DOMAINS), status: 'active', disabledAt: null });
  });

  test('an entry disabled in the directory is mirrored as a disabled account the sync may re-enable', () => {
    const i = identity({ status: 'disabled', statusDetail: 'zimbraAccountStatus=closed' });
    const d = reconcile(i, null, null, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'create', reason: 'directory: zimbraAccountStatus=closed', data: { status: 'disabled', disabledAt: NOW } });
    if (d.action !== 'create') return;
    expect(readSyncMarker(d.data.attributes)).toEqual({ ended: true, at: NOW.toISOString(), reason: 'directory: zimbraAccountStatus=closed' });
    expect(disabledByDirectory({ status: 'disabled', disabledAt: NOW, attributes: d.data.attributes })).toBe(true);
  });

  test('nothing changed: unchanged', () => {
    const i = identity();
    expect(reconcile(i, accountFor(i), accountFor(i), { mailDomains: DOMAINS, now: NOW })).toEqual({ action: 'unchanged', accountId: 'acc-1' });
  });

  test('attribute order and a marker do not count as changes', () => {
    const i = identity();
    const a = accountFor(i);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(a.attributes) as object).reverse()));
    expect(reconcile(i, { ...a, attributes: reordered }, null, { mailDomains: DOMAINS, now: NOW }).action).toBe('unchanged');
  });

  test('renamed, new mail, new phone, moved, new groups: update with the list of fields', () => {
    const before = identity();
    const after = identity({
      login: 'khai.ntm',
      displayName: 'Nguyễn Thị Minh Khải',
      email: 'khai.ntm@tinh.gov.vn',
      phoneNumber: '0912 000 111',
      organization: { organization: 'Sở Tài chính', department: 'Sở Tài chính', title: 'Giám đốc' },
      groups: [],
      aliases: [],
      dn: 'uid=khai.ntm,ou=Sở Tài chính,ou=people,dc=tinh,dc=gov,dc=vn',
    });
    const a = accountFor(before);
    const d = reconcile(after, a, null, { mailDomains: DOMAINS, now: NOW });
    expect(d.action).toBe('update');
    if (d.action !== 'update') return;
    // search (the folded name, login and addresses) follows the login, mail and name
    expect(d.changed.sort()).toEqual(['aliases', 'displayName', 'dn', 'email', 'groups', 'login', 'organization', 'phoneNumber', 'search'].sort());
    expect(d.data).toMatchObject({ login: 'khai.ntm', email: 'khai.ntm@tinh.gov.vn' });
  });

  test('groups the listing cannot say (LDAP_GROUPS=search) are kept from the account; the groups the listing says replace them', () => {
    const i = identity();
    const a = accountFor(i);
    const unknown = identity({ groups: [], groupDns: [], groupsKnown: false });
    expect(reconcile(unknown, a, a, { mailDomains: DOMAINS, now: NOW })).toEqual({ action: 'unchanged', accountId: 'acc-1' });
    expect(inStep(unknown, a, { mailDomains: DOMAINS })).toBe(true);
    const moved = reconcile({ ...unknown, phoneNumber: null }, a, a, { mailDomains: DOMAINS, now: NOW });
    expect(moved.action === 'update' && moved.changed).toEqual(['phoneNumber']);
    if (moved.action === 'update') expect(JSON.parse(moved.data.attributes!)).toMatchObject({ groups: i.groups, groupDns: i.groupDns });
    // a new account from such a listing has no groups until its first login
    const created = reconcile(unknown, null, null, { mailDomains: DOMAINS, now: NOW });
    expect(created.action === 'create' && JSON.parse(created.data.attributes)).toMatchObject({ groups: [], groupDns: [] });
    // memberOf (groups known) says none: removed
    const removed = reconcile(identity({ groups: [], groupDns: [] }), a, a, { mailDomains: DOMAINS, now: NOW });
    expect(removed.action === 'update' && removed.changed.sort()).toEqual(['groupDns', 'groups']);
  });

  test('mail moved outside the province domains: email_verified changes too', () => {
    const i = identity();
    const d = reconcile(identity({ email: 'khai@gmail.com' }), accountFor(i), null, { mailDomains: DOMAINS, now: NOW });
    expect(d.action === 'update' && d.changed.sort()).toEqual(['email', 'emailVerified', 'search']);
  });

  test.each([
    ['disabled', 'zimbraAccountStatus=closed'],
    ['disabled', 'zimbraAccountStatus=locked'],
    ['disabled', 'zimbraAccountStatus=maintenance'],
    ['disabled', 'zimbraAccountStatus=pending'],
    ['disabled', 'zimbraAccountStatus missing (can the service account read it?)'],
    ['expired', 'pwdEndTime=2026-01-01T00:00:00.000Z'],
  ] as const)('directory says %s (%s): an active account is disabled', (status, detail) => {
    const i = identity();
    const d = reconcile(identity({ status, statusDetail: detail }), accountFor(i), null, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'disable', accountId: 'acc-1', reason: `directory: ${detail}`, changed: ['status'], data: { status: 'disabled', disabledAt: NOW } });
    if (d.action !== 'disable') return;
    // endAccess not yet done: the marker says so until it is
    expect(readSyncMarker(d.data.attributes)).toEqual({ ended: false, at: NOW.toISOString(), reason: `directory: ${detail}` });
    expect(d.data.attributes).toContain(PENDING_MARKER_TEXT);
  });

  test('a temporary lockout does not disable', () => {
    const i = identity();
    expect(directorySaysOff('locked')).toBe(false);
    expect(reconcile(identity({ status: 'locked', statusDetail: 'zimbraAccountStatus=lockout' }), accountFor(i), null, { mailDomains: DOMAINS, now: NOW }).action).toBe('unchanged');
  });

  test('disabled by the directory, active there again: re-enabled', () => {
    const i = identity();
    const disabledAt = new Date('2026-11-20T00:00:00.456Z');
    const a = accountFor(i, { status: 'disabled', disabledAt, attributes: markDirectoryDisabled(accountFor(i).attributes, disabledAt, 'directory: zimbraAccountStatus=closed') });
    const d = reconcile(i, a, a, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'enable', changed: ['status'], data: { status: 'active', disabledAt: null } });
    if (d.action !== 'enable') return;
    expect(readSyncMarker(d.data.attributes!)).toBeNull();
    // a lockout right after re-activation re-enables too (the lockout is the directory's business)
    expect(reconcile(identity({ status: 'locked' }), a, a, { mailDomains: DOMAINS, now: NOW }).action).toBe('enable');
  });

  test('disabled by IT staff: stays disabled whatever the directory says', () => {
    const i = identity();
    // sso account disable: status + disabledAt, no marker
    const staff = accountFor(i, { status: 'disabled', disabledAt: new Date('2026-11-21T00:00:00Z') });
    expect(reconcile(i, staff, staff, { mailDomains: DOMAINS, now: NOW })).toMatchObject({ action: 'unchanged', note: expect.stringContaining('IT staff') });
    // disabled by the directory first, then again by IT staff (a new disabledAt): the marker is stale
    const t1 = new Date('2026-11-20T00:00:00.000Z');
    const stale = accountFor(i, { status: 'disabled', disabledAt: new Date('2026-11-22T00:00:00.000Z'), attributes: markDirectoryDisabled(accountFor(i).attributes, t1, 'directory: x') });
    expect(disabledByDirectory(stale)).toBe(false);
    expect(reconcile(i, stale, stale, { mailDomains: DOMAINS, now: NOW }).action).toBe('unchanged');
    // the directory changes the name meanwhile: updated, still disabled, no status change
    const d = reconcile(identity({ displayName: 'Nguyễn Thị Minh Khải' }), staff, staff, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'update', changed: ['displayName'] });
    expect(d.action === 'update' && d.data.status).toBeUndefined();
  });

  test('still disabled in the directory: fields updated, the marker kept', () => {
    const i = identity();
    const at = new Date('2026-11-20T00:00:00.000Z');
    const a = accountFor(i, { status: 'disabled', disabledAt: at, attributes: markDirectoryDisabled(accountFor(i).attributes, at, 'directory: closed') });
    const d = reconcile(identity({ status: 'disabled', phoneNumber: '0999 999 999' }), a, a, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'update', changed: ['phoneNumber'] });
    expect(d.action === 'update' && disabledByDirectory({ status: 'disabled', disabledAt: at, attributes: d.data.attributes! })).toBe(true);
  });

  test('a local account holds the login: conflict, never merged', () => {
    const local: AccountSnapshot = { ...accountFor(identity(), { id: 'local-1', source: 'local', externalId: null }) };
    const d = reconcile(identity(), null, local, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'conflict', accountId: 'local-1' });
    expect(d.action === 'conflict' && d.why).toMatch(/not linked/);
  });

  test('renamed to a login another account holds: conflict', () => {
    const other = accountFor(identity({ externalId: 'other', login: 'hungtv' }), { id: 'acc-2' });
    const d = reconcile(identity({ login: 'hungtv' }), accountFor(identity()), other, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'conflict', accountId: 'acc-2' });
  });

  test('gone from the directory: an active account is disabled, a disabled one left alone', () => {
    const a = accountFor(identity());
    const d = reconcileGone(a, NOW);
    expect(d).toMatchObject({ action: 'disable', reason: GONE_REASON, data: { status: 'disabled', disabledAt: NOW } });
    expect(reconcileGone({ ...a, status: 'disabled' }, NOW).action).toBe('unchanged');
  });

  test('marker helpers: malformed attributes read as no marker; removing keeps the rest', () => {
    expect(readSyncMarker('not json')).toBeNull();
    expect(readSyncMarker('{"sync":{"ended":"no"}}')).toBeNull();
    const withM = markDirectoryDisabled('{"dn":"x","groups":["a"]}', NOW, 'r', false);
    expect(JSON.parse(withM)).toEqual({ dn: 'x', groups: ['a'], sync: { ended: false, at: NOW.toISOString(), reason: 'r' } });
    expect(JSON.parse(withSyncMarker(withM, null))).toEqual({ dn: 'x', groups: ['a'] });
    // a display name cannot fake the pending marker: quotes inside strings are escaped
    expect(JSON.stringify({ displayName: PENDING_MARKER_TEXT })).not.toContain(PENDING_MARKER_TEXT);
  });
});

describe('inStep', () => {
  test('says "nothing to do" exactly when reconcile() says unchanged', () => {
    const statuses = ['active', 'locked', 'disabled', 'expired'] as const;
    const disabledAt = new Date('2026-11-20T00:00:00.000Z');
    const entry = fc.record({
      status: fc.constantFrom(...statuses),
      login: fc.constantFrom('khaintm', 'khai.ntm'),
      displayName: fc.constantFrom('Nguyễn Thị Minh Khai', 'Nguyễn Thị Minh Khải'),
      email: fc.constantFrom('khaintm@tinh.gov.vn', 'khai@gmail.com', null),
      groups: fc.constantFrom<string[]>([], ['Lãnh đạo Sở']),
      passwordChanged: fc.constantFrom('20261101000000Z', '20261202000000Z', null),
    });
    const account = fc.record({
      from: entry,
      status: fc.constantFrom('active', 'disabled'),
      // the marker: none, the directory's (at = disabledAt), or a stale one (IT staff disabled it since)
      marker: fc.constantFrom('none', 'directory', 'stale'),
      // the password stamp: none yet, settled, or pending (its end of access failed)
      stamp: fc.constantFrom('none', 'ended', 'pending'),
    });
    fc.assert(fc.property(entry, account, (e, a) => {
      const i = identity(e);
      const base = accountFor(identity(a.from));
      const attributes = a.marker === 'none' ? base.attributes : markDirectoryDisabled(base.attributes, a.marker === 'directory' ? disabledAt : NOW, 'directory: x');
      const was = readPasswordStamp(base.passwordStamp)!;
      const passwordStamp = a.stamp === 'none' ? null : writePasswordStamp({ ...was, ended: a.stamp === 'ended' });
      const linked: AccountSnapshot = { ...base, status: a.status, disabledAt: a.status === 'active' ? null : disabledAt, attributes, passwordStamp };
      const holder = linked.login === i.login ? linked : null;
      const unchanged = reconcile(i, linked, holder, { mailDomains: DOMAINS, now: NOW }).action === 'unchanged';
      expect(inStep(i, linked, { mailDomains: DOMAINS })).toBe(unchanged);
    }), { numRuns: 3000 });
  });
});

describe('a password changed in the directory', () => {
  const later = { passwordChanged: '20261205093000Z', passwordChangedAt: new Date('2026-12-05T09:30:00Z') };

  test('another value: the account stays active, its sessions end; the stamp is pending until they have', () => {
    const i = identity();
    const d = reconcile(identity(later), accountFor(i), null, { mailDomains: DOMAINS, now: NOW });
    expect(d).toMatchObject({ action: 'update', changed: ['password'], passwordChanged: true });
    if (d.action !== 'update') return;
    expect(d.data.status).toBeUndefined();
    expect(d.data.passwordStamp).toBe('{"ended":false,"value":"20261205093000Z"}');
    expect(d.data.passwordStamp!.startsWith(PENDING_PASSWORD_TEXT)).toBe(true);
  });

  test('no stamp yet (the first sync after an upgrade, an account made at a login): the value is recorded, nothing ends', () => {
    const i = identity();
    const d = reconcile(i, accountFor(i, { passwordStamp: null }), null, { mailDomains: DOMAINS, now: NOW });
    expect(d).toEqual(expect.objectContaining({ action: 'update', changed: ['password'] }));
    expect(d).not.toHaveProperty('passwordChanged');
    if (d.action === 'update') expect(readPasswordStamp(d.data.passwordStamp)).toEqual({ ended: true, value: '20261101000000Z' });
    // ... unless a changed-only listing shows the change is recent: at or after where it starts
    const recent = reconcile(identity(later), accountFor(i, { passwordStamp: null }), null, { mailDomains: DOMAINS, now: NOW, changedSince: new Date('2026-12-05T09:29:59Z') });
    expect(recent).toMatchObject({ action: 'update', passwordChanged: true });
    const old = reconcile(identity(later), accountFor(i, { passwordStamp: null }), null, { mailDomains: DOMAINS, now: NOW, changedSince: new Date('2026-12-05T09:30:01Z') });
    expect(old).not.toHaveProperty('passwordChanged');
  });

  test('a new account records the value; nothing to end', () => {
    const d = reconcile(identity(later), null, null, { mailDomains: DOMAINS, now: NOW, changedSince: new Date(0) });
    expect(d.action === 'create' && readPasswordStamp(d.data.passwordStamp)).toEqual({ ended: true, value: '20261205093000Z' });
  });

  test('the same value, or none (unreadable now): nothing; a disabled account, or the setting off: the value is followed, nothing ends', () => {
    const i = identity();
    expect(reconcile(i, accountFor(i), null, { mailDomains: DOMAINS, now: NOW }).action).toBe('unchanged');
    expect(reconcile(identity({ passwordChanged: null, passwordChangedAt: null }), accountFor(i), null, { mailDomains: DOMAINS, now: NOW }).action).toBe('unchanged');
    const off = reconcile(identity(later), accountFor(i), null, { mailDomains: DOMAINS, now: NOW, endSessionsOnPasswordChange: false });
    expect(off).toMatchObject({ action: 'update', changed: ['password'] });
    expect(off).not.toHaveProperty('passwordChanged');
    const disabled = reconcile(identity(later), accountFor(i, { status: 'disabled', disabledAt: NOW }), null, { mailDomains: DOMAINS, now: NOW });
    expect(disabled.action === 'update' && readPasswordStamp(disabled.data.passwordStamp)).toEqual({ ended: true, value: '20261205093000Z' });
    // disabled by the directory and changed at once: the disable ends everything
    const both = reconcile(identity({ ...later, status: 'disabled', statusDetail: 'zimbraAccountStatus=closed' }), accountFor(i), null, { mailDomains: DOMAINS, now: NOW });
    expect(both).toMatchObject({ action: 'disable', changed: ['password', 'status'] });
  });

  test('decidePassword: a pending stamp stays pending while its sessions may still be ended', () => {
    const pending = writePasswordStamp({ ended: false, value: 'v2' });
    const seen = { value: 'v2', at: null };
    expect(decidePassword(pending, seen, true, { endSessions: true })).toEqual({ stamp: pending, endAccess: false });
    expect(decidePassword(pending, seen, false, { endSessions: true })).toEqual({ stamp: writePasswordStamp({ ended: true, value: 'v2' }), endAccess: false });
    expect(decidePassword('not json', seen, true, { endSessions: true })).toEqual({ stamp: writePasswordStamp({ ended: true, value: 'v2' }), endAccess: false });
    // AD: pwdLastSet 0 (an administrator reset it: must change at next logon) is another value
    expect(decidePassword(writePasswordStamp({ ended: true, value: '133000000000000000' }), { value: '0', at: null }, true, { endSessions: true }).endAccess).toBe(true);
  });
});

describe('shouldRefuse', () => {
  const base = { activeBefore: 1000, wouldDisable: 10, maxDisablePercent: 5, listedCount: 990, complete: true };

  test('under the threshold: go', () => {
    expect(shouldRefuse(base)).toEqual({ refuse: false, reasons: [], percent: 1 });
    expect(shouldRefuse({ ...base, wouldDisable: 50 }).refuse).toBe(false); // exactly 5%: not more than
  });

  test('above the threshold: refused, unless forced', () => {
    const r = shouldRefuse({ ...base, wouldDisable: 51 });
    expect(r.refuse).toBe(true);
    expect(r.reasons).toEqual([expect.objectContaining({ code: 'threshold', overridable: true, message: expect.stringMatching(/51 of 1000 .*5\.1%.*SYNC_MAX_DISABLE_PERCENT=5%/) })]);
    expect(shouldRefuse({ ...base, wouldDisable: 51, force: true }).refuse).toBe(false);
  });

  test('incomplete, empty or mostly unreadable listings are refused even when forced', () => {
    expect(shouldRefuse({ ...base, complete: false, force: true })).toMatchObject({ refuse: true, reasons: [{ code: 'incomplete', overridable: false }] });
    expect(shouldRefuse({ ...base, listedCount: 0, wouldDisable: 1000, force: true })).toMatchObject({ refuse: true, reasons: [{ code: 'empty' }, { code: 'threshold' }] });
    expect(shouldRefuse({ ...base, listedCount: 0, activeBefore: 0, wouldDisable: 0 })).toMatchObject({ refuse: true, reasons: [{ code: 'empty' }] });
    expect(shouldRefuse({ ...base, listedCount: 10, failedCount: 990, force: true })).toMatchObject({ refuse: true, reasons: [{ code: 'unreadable' }] });
  });

  test('nothing active yet (first sync): nothing to protect', () => {
    expect(shouldRefuse({ activeBefore: 0, wouldDisable: 0, maxDisablePercent: 5, listedCount: 3000, complete: true }).refuse).toBe(false);
  });
});
