import { describe, expect, it } from '@jest/globals';
import asn1 from 'asn1';
import { EqualityFilter, FilterParser } from 'ldapts';
import type { DirectoryIdentity, EntryResult } from '../src/directory/types.js';
import { isValidFilter } from '../src/directory/ldap/filter.js';
import {
  ATTRIBUTE_KEYS,
  changedSinceFilter,
  formatGeneralizedTime,
  parseAttributeMap,
  PresetConfigError,
  resolvePreset,
  searchAttributes,
  type Preset,
} from '../src/directory/ldap/presets.js';
import { entryToIdentity, type EntryOptions } from '../src/directory/ldap/entry.js';
import { objectGuidToUuid, uuidToObjectGuid } from '../src/directory/ldap/attributes.js';
import { cleanText, normalizeEmail, normalizePhone } from '../src/directory/ldap/text.js';
import { fileTimeToDate, parseGeneralizedTime } from '../src/directory/ldap/time.js';
import { parseDn } from '../src/domain/dn.js';
import { AD_BIND_CODES, adBindFailure } from '../src/directory/ldap/ad-errors.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const zimbra = resolvePreset('zimbra');
const openldap = resolvePreset('openldap');
const ad = resolvePreset('activedirectory');

type RawEntry = Record<string, unknown> & { dn: string };

function map(entry: RawEntry, preset: Preset, opts: Partial<EntryOptions> = {}): EntryResult {
  return entryToIdentity(entry, preset, { mailDomains: ['sonoivu.tinh.gov.vn', 'tinh.gov.vn'], now: NOW, ...opts });
}

function ok(entry: RawEntry, preset: Preset, opts: Partial<EntryOptions> = {}): DirectoryIdentity {
  const r = map(entry, preset, opts);
  if (!r.ok) throw new Error(`expected an identity, got error: ${r.error}`);
  return r.identity;
}

function err(entry: RawEntry, preset: Preset, opts: Partial<EntryOptions> = {}): string {
  const r = map(entry, preset, opts);
  if (r.ok) throw new Error('expected an error result');
  return r.error;
}

// --- recorded entries (as ldapts 8 returns them: single values as strings, several as arrays) ---

const zimbraEntry = (over: Record<string, unknown> = {}): RawEntry => ({
  dn: 'uid=an.nv,ou=people,dc=sonoivu,dc=tinh,dc=gov,dc=vn',
  zimbraId: '8d6c0a6e-2f5b-4f7c-9d1e-0a1b2c3d4e5f',
  uid: 'an.nv',
  zimbraMailDeliveryAddress: 'An.NV@sonoivu.tinh.gov.vn',
  mail: ['an.nv@sonoivu.tinh.gov.vn', 'NguyenVanAn@sonoivu.tinh.gov.vn'],
  zimbraMailAlias: ['nguyenvanan@sonoivu.tinh.gov.vn', 'an.nguyen@tinh.gov.vn'],
  displayName: 'Nguyễn Văn An',
  cn: 'an.nv',
  sn: 'an.nv', // what zmprov writes when no name is given
  givenName: [],
  telephoneNumber: '(0236) 3822-123',
  mobile: '0912 345 678',
  ou: 'Phòng Tổ chức cán bộ',
  company: 'Sở Nội vụ',
  title: 'Chuyên viên',
  zimbraAccountStatus: 'active',
  modifyTimestamp: '20261120083000Z',
  zimbraPasswordModifiedTime: '20261101083000Z',
  ...over,
});

const openldapEntry = (over: Record<string, unknown> = {}): RawEntry => ({
  dn: 'uid=binh.tt,ou=people,ou=Ph\\C3\\B2ng K\\E1\\BA\\BF ho\\E1\\BA\\A1ch\\2C t\\C3\\A0i ch\\C3\\ADnh,o=S\\E1\\BB\\9F T\\C3\\A0i ch\\C3\\ADnh,dc=tinh,dc=gov,dc=vn',
  entryUUID: '5f0c7b3e-1d2a-4c6b-8e9f-102132435465',
  uid: 'binh.tt',
  mail: ['binh.personal@gmail.com', 'Binh.TT@stc.tinh.gov.vn'],
  cn: ['Trần Thị Bình', 'Bình Trần'],
  sn: 'Trần',
  givenName: 'Bình',
  telephoneNumber: '+84 236 3822 456',
  memberOf: [
    'cn=Lãnh đạo,ou=groups,dc=tinh,dc=gov,dc=vn',
    'cn=can-bo+ou=x,ou=groups,dc=tinh,dc=gov,dc=vn',
    'cn=Lãnh đạo,ou=groups,dc=tinh,dc=gov,dc=vn',
    'not a dn',
    'cn=Ph\\C3\\B2ng IT\\2C m\\E1\\BA\\A1ng,ou=groups,dc=tinh,dc=gov,dc=vn',
  ],
  modifyTimestamp: '20261126093015.25Z',
  pwdChangedTime: '20261102090000Z',
  ...over,
});

// GUID bytes as AD sends them, and the canonical text: first three groups byte-reversed
const GUID_BYTES = Buffer.from([0x4d, 0x35, 0x2a, 0x4e, 0x25, 0x7d, 0x3e, 0x48, 0x9c, 0x44, 0x8e, 0x3c, 0x3d, 0x8f, 0x8e, 0x5b]);
const GUID_TEXT = '4e2a354d-7d25-483e-9c44-8e3c3d8f8e5b';

/** FILETIME (100 ns since 1601) of a date, as AD writes it. */
const fileTime = (d: Date) => ((BigInt(d.getTime()) + 11_644_473_600_000n) * 10_000n).toString();

const adEntry = (over: Record<string, unknown> = {}): RawEntry => ({
  dn: 'CN=Nguyễn Văn An,OU=Phòng Hành chính,OU=Users,OU=Sở Nội vụ,DC=tinh,DC=local',
  objectGUID: GUID_BYTES,
  sAMAccountName: 'AnNV',
  userPrincipalName: 'annv@tinh.local',
  mail: 'AnNV@tinh.gov.vn',
  displayName: 'Nguyễn Văn An',
  cn: 'Nguyễn Văn An',
  givenName: 'An',
  sn: 'Nguyễn',
  telephoneNumber: '0236.3822.789',
  company: 'UBND tỉnh',
  employeeID: 'NV-00123',
  memberOf: ['CN=GG-SoNoiVu,OU=Groups,DC=tinh,DC=local', 'CN=VPN Users,OU=Groups,DC=tinh,DC=local'],
  userAccountControl: '512',
  lockoutTime: '0',
  accountExpires: '9223372036854775807',
  whenChanged: '20261125101010.0Z',
  pwdLastSet: '133761456000000000',
  uSNChanged: '123456',
  ...over,
});

// ------------------------------------------------------------------------------------------------

describe('presets', () => {
  it('zimbra defaults', () => {
    expect(zimbra.name).toBe('zimbra');
    expect(zimbra.userFilter).toBe('(objectClass=zimbraAccount)');
    expect(zimbra.attributes.id).toBe('zimbraId');
    expect(zimbra.attributes.login).toBe('uid');
    expect(zimbra.attributes.mail).toEqual(['zimbraMailDeliveryAddress', 'mail']);
    expect(zimbra.attributes.aliases).toEqual(['zimbraMailAlias', 'mail']);
    expect(zimbra.loginAttributes).toEqual(['uid']);
    expect(zimbra.mailAttributes).toEqual(['zimbraMailDeliveryAddress', 'mail', 'zimbraMailAlias']);
    expect(zimbra.attributes.phone).toEqual(['telephoneNumber', 'mobile']);
    expect(zimbra.modifiedAttribute).toBe('modifyTimestamp');
    expect(zimbra.binaryAttributes).toEqual([]);
  });

  it('openldap defaults', () => {
    expect(openldap.userFilter).toBe('(objectClass=inetOrgPerson)');
    expect(openldap.attributes.id).toBe('entryUUID');
    expect(openldap.attributes.login).toBe('uid');
    expect(openldap.mailAttributes).toEqual(['mail']);
    expect(openldap.statusAttributes).toContain('pwdAccountLockedTime');
    expect(openldap.modifiedAttribute).toBe('modifyTimestamp');
  });

  it('activedirectory defaults', () => {
    expect(ad.userFilter).toBe('(&(objectCategory=person)(objectClass=user))');
    expect(ad.attributes.id).toBe('objectGUID');
    expect(ad.attributes.login).toBe('sAMAccountName');
    expect(ad.loginAttributes).toEqual(['sAMAccountName', 'userPrincipalName']);
    expect(ad.mailAttributes).toEqual(['mail']);
    expect(ad.binaryAttributes).toEqual(['objectGUID']);
    expect(ad.modifiedAttribute).toBe('whenChanged');
    expect(ad.statusAttributes).toEqual(expect.arrayContaining(['userAccountControl', 'lockoutTime', 'accountExpires']));
  });

  it('every preset filter is well-formed and parsed by ldapts', () => {
    for (const p of [zimbra, openldap, ad]) {
      expect(isValidFilter(p.userFilter)).toBe(true);
      expect(() => FilterParser.parseString(p.userFilter)).not.toThrow();
    }
  });

  it('searchAttributes lists everything needed once, operational attributes included', () => {
    const z = searchAttributes(zimbra);
    expect(z).toEqual(expect.arrayContaining(['zimbraId', 'uid', 'zimbraMailDeliveryAddress', 'mail', 'zimbraMailAlias', 'displayName', 'cn', 'sn', 'givenName', 'telephoneNumber', 'mobile', 'ou', 'title', 'memberOf', 'modifyTimestamp', 'zimbraAccountStatus']));
    expect(new Set(z.map((x) => x.toLowerCase())).size).toBe(z.length);
    expect(searchAttributes(openldap)).toEqual(expect.arrayContaining(['entryUUID', 'pwdAccountLockedTime', 'modifyTimestamp']));
    expect(searchAttributes(ad)).toEqual(expect.arrayContaining(['objectGUID', 'sAMAccountName', 'userPrincipalName', 'userAccountControl', 'lockoutTime', 'accountExpires', 'whenChanged', 'uSNChanged']));
    expect(searchAttributes(ad)).not.toContain('*');
    // when the password last changed: asked for by name (pwdChangedTime is operational)
    expect(searchAttributes(zimbra)).toContain('zimbraPasswordModifiedTime');
    expect(searchAttributes(openldap)).toContain('pwdChangedTime');
    expect(searchAttributes(ad)).toContain('pwdLastSet');
  });

  it('presets are frozen', () => {
    expect(Object.isFrozen(zimbra)).toBe(true);
    expect(Object.isFrozen(zimbra.attributes.mail)).toBe(true);
    expect(() => (zimbra.loginAttributes as string[]).push('mail')).toThrow();
  });

  it('unknown preset name', () => {
    expect(() => resolvePreset('exchange' as never)).toThrow(PresetConfigError);
  });
});

describe('resolvePreset overrides', () => {
  it('LDAP_ATTRIBUTE_MAP: one name or a list per key', () => {
    const p = resolvePreset('openldap', { department: 'departmentNumber', phone: ['mobile', 'homePhone'], memberOf: [] });
    expect(p.attributes.department).toEqual(['departmentNumber']);
    expect(p.attributes.phone).toEqual(['mobile', 'homePhone']);
    expect(p.attributes.memberOf).toEqual([]);
    expect(p.attributes.id).toBe('entryUUID');
    expect(searchAttributes(p)).toContain('departmentNumber');
    expect(searchAttributes(p)).not.toContain('memberOf');
  });

  it('passwordChanged: another attribute, or none', () => {
    const p = resolvePreset('openldap', { passwordChanged: 'sambaPwdLastSet' });
    expect(searchAttributes(p)).toContain('sambaPwdLastSet');
    expect(searchAttributes(p)).not.toContain('pwdChangedTime');
    expect(ok(openldapEntry({ sambaPwdLastSet: '1764000000' }), p)).toMatchObject({ passwordChanged: '1764000000', passwordChangedAt: null });
    const off = resolvePreset('zimbra', { passwordChanged: [] });
    expect(searchAttributes(off)).not.toContain('zimbraPasswordModifiedTime');
    expect(ok(zimbraEntry(), off)).toMatchObject({ passwordChanged: null, passwordChangedAt: null });
  });

  it('id and login overrides; mail overrides flow into mailAttributes', () => {
    const p = resolvePreset('openldap', { id: 'employeeNumber', login: 'cn', mail: ['mail', 'otherMailbox'] });
    expect(p.attributes.id).toBe('employeeNumber');
    expect(p.loginAttributes).toEqual(['cn']);
    expect(p.mailAttributes).toEqual(['mail', 'otherMailbox']);
    // a renamed AD id is no longer binary
    expect(resolvePreset('activedirectory', { id: 'employeeID' }).binaryAttributes).toEqual([]);
  });

  it('parses the JSON of LDAP_ATTRIBUTE_MAP', () => {
    expect(parseAttributeMap('{"department":"departmentNumber"}')).toEqual({ department: ['departmentNumber'] });
    expect(parseAttributeMap('')).toEqual({});
    expect(parseAttributeMap(undefined)).toEqual({});
    expect(() => parseAttributeMap('{department:1}')).toThrow(/LDAP_ATTRIBUTE_MAP: not valid JSON/);
    expect(() => parseAttributeMap('["x"]')).toThrow(PresetConfigError);
    expect(() => parseAttributeMap('"x"')).toThrow(PresetConfigError);
  });

  it('unknown keys and bad names fail with a clear message', () => {
    expect(() => resolvePreset('zimbra', { departement: 'ou' } as never)).toThrow('LDAP_ATTRIBUTE_MAP: unknown key "departement" (known: id, login, mail');
    expect(() => resolvePreset('zimbra', { department: 'ou)(x=*' })).toThrow(/LDAP_ATTRIBUTE_MAP: "department": .* is not a valid attribute name/);
    expect(() => resolvePreset('zimbra', { department: 42 } as never)).toThrow(PresetConfigError);
    expect(() => resolvePreset('zimbra', { phone: ['mobile', ''] })).toThrow(PresetConfigError);
    expect(() => resolvePreset('zimbra', { id: ['a', 'b'] })).toThrow('"id" must name exactly one attribute');
    expect(() => resolvePreset('zimbra', { login: [] })).toThrow('"login" must name exactly one attribute');
    expect(() => resolvePreset('zimbra', { modified: [] })).toThrow(PresetConfigError);
    expect(() => resolvePreset('zimbra', { mail: Array.from({ length: 20 }, (_, i) => `m${i}`) })).toThrow(PresetConfigError);
    expect(() => resolvePreset('zimbra', ['ou'] as never)).toThrow(PresetConfigError);
    expect(ATTRIBUTE_KEYS).toHaveLength(15);
  });

  it('LDAP_USER_FILTER is ANDed to the preset filter', () => {
    const p = resolvePreset('zimbra', {}, '(!(zimbraIsSystemAccount=TRUE))');
    expect(p.userFilter).toBe('(&(objectClass=zimbraAccount)(!(zimbraIsSystemAccount=TRUE)))');
    expect(resolvePreset('zimbra', {}, '  ').userFilter).toBe('(objectClass=zimbraAccount)');
    expect(() => resolvePreset('zimbra', {}, 'zimbraIsSystemAccount=TRUE')).toThrow(/LDAP_USER_FILTER/);
    expect(() => resolvePreset('zimbra', {}, '(a=1))(|(b=*)')).toThrow(/LDAP_USER_FILTER/);
  });

  it('LDAP_LOGIN_ATTRIBUTES replaces the login attributes; empty keeps the preset', () => {
    expect(resolvePreset('zimbra', {}, undefined, ['uid', 'employeeNumber']).loginAttributes).toEqual(['uid', 'employeeNumber']);
    expect(resolvePreset('activedirectory', {}, undefined, []).loginAttributes).toEqual(['sAMAccountName', 'userPrincipalName']);
    expect(resolvePreset('activedirectory', {}, undefined, ['sAMAccountName', 'samaccountname']).loginAttributes).toEqual(['sAMAccountName']);
    expect(() => resolvePreset('zimbra', {}, undefined, ['uid', 'bad name'])).toThrow(/LDAP_LOGIN_ATTRIBUTES/);
  });

  it('accepts the Record<string, string> the configuration loader produces', () => {
    const fromConfig: Record<string, string> = { title: 'personalTitle' };
    expect(resolvePreset('openldap', fromConfig).attributes.title).toEqual(['personalTitle']);
  });
});

describe('changed-only listing filter', () => {
  const since = new Date('2026-11-27T01:02:03.987Z');
  it('uses the preset attribute and the GeneralizedTime form the directory wants', () => {
    expect(changedSinceFilter(zimbra, since)).toBe('(modifyTimestamp>=20261127010203Z)');
    expect(changedSinceFilter(openldap, since)).toBe('(modifyTimestamp>=20261127010203Z)');
    expect(changedSinceFilter(ad, since)).toBe('(whenChanged>=20261127010203.0Z)');
    expect(formatGeneralizedTime(new Date('0999-01-02T03:04:05Z'))).toBe('09990102030405Z');
    expect(() => formatGeneralizedTime(new Date(NaN))).toThrow();
    expect(parseGeneralizedTime(formatGeneralizedTime(since))?.toISOString()).toBe('2026-11-27T01:02:03.000Z');
  });
});

// ------------------------------------------------------------------------------------------------

describe('Zimbra entries', () => {
  it('maps a complete entry', () => {
    expect(ok(zimbraEntry(), zimbra)).toEqual({
      externalId: '8d6c0a6e-2f5b-4f7c-9d1e-0a1b2c3d4e5f',
      dn: 'uid=an.nv,ou=people,dc=sonoivu,dc=tinh,dc=gov,dc=vn',
      login: 'an.nv',
      email: 'an.nv@sonoivu.tinh.gov.vn',
      aliases: ['an.nguyen@tinh.gov.vn', 'nguyenvanan@sonoivu.tinh.gov.vn'],
      displayName: 'Nguyễn Văn An',
      givenName: 'An',
      familyName: 'Nguyễn',
      middleName: 'Văn',
      phoneNumber: '0236 3822 123',
      status: 'active',
      organization: { department: 'Phòng Tổ chức cán bộ', organization: 'Sở Nội vụ', title: 'Chuyên viên' },
      groups: [],
      groupDns: [],
      modifiedAt: new Date('2026-11-20T08:30:00Z'),
      passwordChanged: '20261101083000Z',
      passwordChangedAt: new Date('2026-11-01T08:30:00Z'),
    });
  });

  it.each([
    ['active', 'active', undefined],
    ['locked', 'disabled', 'zimbraAccountStatus=locked'],
    ['closed', 'disabled', 'zimbraAccountStatus=closed'],
    ['maintenance', 'disabled', 'zimbraAccountStatus=maintenance'],
    ['pending', 'disabled', 'zimbraAccountStatus=pending'],
    ['lockout', 'locked', 'zimbraAccountStatus=lockout'],
    ['Active', 'active', undefined],
  ])('zimbraAccountStatus=%s -> %s', (value, status, detail) => {
    const id = ok(zimbraEntry({ zimbraAccountStatus: value }), zimbra);
    expect(id.status).toBe(status);
    expect(id.statusDetail).toBe(detail);
  });

  it('an absent, repeated or unknown zimbraAccountStatus fails closed', () => {
    const missing = ok(zimbraEntry({ zimbraAccountStatus: undefined }), zimbra);
    expect(missing.status).toBe('disabled');
    expect(missing.statusDetail).toMatch(/zimbraAccountStatus missing/);
    expect(ok(zimbraEntry({ zimbraAccountStatus: [] }), zimbra).status).toBe('disabled');
    expect(ok(zimbraEntry({ zimbraAccountStatus: ['active', 'closed'] }), zimbra).status).toBe('disabled');
    expect(ok(zimbraEntry({ zimbraAccountStatus: ['active', 'active'] }), zimbra).status).toBe('active');
    const unknown = ok(zimbraEntry({ zimbraAccountStatus: 'frozen\u0000' }), zimbra);
    expect(unknown.status).toBe('disabled');
    expect(unknown.statusDetail).toBe('zimbraAccountStatus=frozen (unknown value)');
  });

  it('a lockout is over once the lockout duration has passed (when known)', () => {
    const e = zimbraEntry({ zimbraAccountStatus: 'lockout', zimbraPasswordLockoutLockedTime: '20261126220000Z' });
    expect(ok(e, zimbra).status).toBe('locked');
    expect(ok(e, zimbra, { lockoutDurationMs: 60 * 60_000 }).status).toBe('active');
    expect(ok(e, zimbra, { lockoutDurationMs: 3 * 60 * 60_000 }).status).toBe('locked');
  });

  it('missing zimbraId or uid: an error result naming the attribute', () => {
    const r = map(zimbraEntry({ zimbraId: undefined }), zimbra);
    expect(r).toEqual({ ok: false, dn: 'uid=an.nv,ou=people,dc=sonoivu,dc=tinh,dc=gov,dc=vn', error: 'missing zimbraId' });
    expect(err(zimbraEntry({ zimbraId: [] }), zimbra)).toBe('missing zimbraId');
    expect(err(zimbraEntry({ zimbraId: '   ' }), zimbra)).toBe('missing zimbraId');
    expect(err(zimbraEntry({ uid: undefined }), zimbra)).toBe('missing uid');
    expect(err(zimbraEntry({ uid: '' }), zimbra)).toBe('missing uid');
  });

  it('aliases: every other address, lower case, unique, sorted; invalid ones dropped', () => {
    const id = ok(zimbraEntry({ zimbraMailAlias: ['B@tinh.gov.vn', 'b@tinh.gov.vn', 'not an address', 'a@tinh.gov.vn', 'AN.NV@sonoivu.tinh.gov.vn'] }), zimbra);
    expect(id.email).toBe('an.nv@sonoivu.tinh.gov.vn');
    expect(id.aliases).toEqual(['a@tinh.gov.vn', 'b@tinh.gov.vn', 'nguyenvanan@sonoivu.tinh.gov.vn']);
  });

  it('falls back to mail when zimbraMailDeliveryAddress is absent', () => {
    const id = ok(zimbraEntry({ zimbraMailDeliveryAddress: undefined, mail: ['x@gmail.com', 'an.nv@sonoivu.tinh.gov.vn'] }), zimbra);
    // among several values, an address in a province domain is preferred
    expect(id.email).toBe('an.nv@sonoivu.tinh.gov.vn');
    expect(id.aliases).toContain('x@gmail.com');
  });

  it('attribute names are matched whatever their case', () => {
    const e: RawEntry = { dn: 'uid=x,ou=people,dc=t,dc=vn', ZIMBRAID: 'id-1', UID: 'X', ZimbraAccountStatus: 'active', DISPLAYNAME: 'Lê Văn Tám' };
    const id = ok(e, zimbra);
    expect(id.externalId).toBe('id-1');
    expect(id.login).toBe('x');
    expect(id.status).toBe('active');
    expect(id.displayName).toBe('Lê Văn Tám');
  });

  it('takes the department from the agency ou in the DN, never from the generic ou=people', () => {
    const filed = ok(zimbraEntry({ ou: undefined, dn: 'uid=an.nv,ou=Phòng A,ou=people,dc=tinh,dc=gov,dc=vn' }), zimbra);
    expect(filed.organization.department).toBe('Phòng A');
    const stock = ok(zimbraEntry({ ou: undefined, dn: 'uid=an.nv,ou=people,dc=tinh,dc=gov,dc=vn' }), zimbra);
    expect(stock.organization.department).toBeUndefined();
  });

  it('a placeholder cn/sn equal to the login is not a name', () => {
    const id = ok(zimbraEntry({ displayName: undefined }), zimbra);
    expect(id.displayName).toBe('an.nv');
    expect(id.givenName).toBeNull();
    expect(id.familyName).toBeNull();
    expect(id.middleName).toBeNull();
  });
});

describe('OpenLDAP entries', () => {
  it('maps a complete entry (DN escapes, names, groups, mail preference)', () => {
    expect(ok(openldapEntry(), openldap, { mailDomains: ['stc.tinh.gov.vn'] })).toEqual({
      externalId: '5f0c7b3e-1d2a-4c6b-8e9f-102132435465',
      dn: openldapEntry().dn,
      login: 'binh.tt',
      email: 'binh.tt@stc.tinh.gov.vn',
      aliases: ['binh.personal@gmail.com'],
      displayName: 'Trần Thị Bình',
      givenName: 'Bình',
      familyName: 'Trần',
      middleName: 'Thị',
      phoneNumber: '+84 236 3822 456',
      status: 'active',
      organization: { department: 'Phòng Kế hoạch, tài chính', organization: 'Sở Tài chính' },
      groups: ['Lãnh đạo', 'Phòng IT, mạng', 'can-bo'],
      // each group once (by DN normalisation), as the directory wrote it; not-a-DN values left out
      groupDns: [
        'cn=Lãnh đạo,ou=groups,dc=tinh,dc=gov,dc=vn',
        'cn=Ph\\C3\\B2ng IT\\2C m\\E1\\BA\\A1ng,ou=groups,dc=tinh,dc=gov,dc=vn',
        'cn=can-bo+ou=x,ou=groups,dc=tinh,dc=gov,dc=vn',
      ],
      modifiedAt: new Date('2026-11-26T09:30:15.250Z'),
      passwordChanged: '20261102090000Z',
      passwordChangedAt: new Date('2026-11-02T09:00:00Z'),
    });
  });

  it('without a province address the first value is the primary address', () => {
    expect(ok(openldapEntry(), openldap, { mailDomains: [] }).email).toBe('binh.personal@gmail.com');
  });

  it('pwdAccountLockedTime 000001010000Z is an administrator lock: disabled', () => {
    const id = ok(openldapEntry({ pwdAccountLockedTime: '000001010000Z' }), openldap);
    expect(id.status).toBe('disabled');
    expect(id.statusDetail).toMatch(/000001010000Z/);
  });

  it('any other pwdAccountLockedTime is a temporary lock', () => {
    const e = openldapEntry({ pwdAccountLockedTime: '20261126233000Z' });
    const id = ok(e, openldap);
    expect(id.status).toBe('locked');
    expect(id.statusDetail).toBe('pwdAccountLockedTime=2026-11-26T23:30:00.000Z');
    expect(ok(e, openldap, { lockoutDurationMs: 15 * 60_000 }).status).toBe('active');
    expect(ok(e, openldap, { lockoutDurationMs: 60 * 60_000 }).status).toBe('locked');
    // unreadable or repeated: still locked (fail closed)
    expect(ok(openldapEntry({ pwdAccountLockedTime: 'yesterday' }), openldap).status).toBe('locked');
    expect(ok(openldapEntry({ pwdAccountLockedTime: ['20261126233000Z', '20261126233500Z'] }), openldap).status).toBe('locked');
  });

  it('pwdEndTime in the past: expired', () => {
    expect(ok(openldapEntry({ pwdEndTime: '20261101000000Z' }), openldap).status).toBe('expired');
    expect(ok(openldapEntry({ pwdEndTime: '20271101000000Z' }), openldap).status).toBe('active');
  });

  it('department from the nearest ou above the entry, skipping generic containers', () => {
    const id = ok(openldapEntry({ dn: 'uid=binh.tt,ou=People,ou=Văn phòng Sở,ou=Sở Tài chính,dc=tinh,dc=gov,dc=vn' }), openldap);
    expect(id.organization.department).toBe('Văn phòng Sở');
    expect(id.organization.organization).toBeUndefined();
    const plain = ok(openldapEntry({ dn: 'uid=binh.tt,ou=people,dc=tinh,dc=gov,dc=vn' }), openldap);
    expect(plain.organization).toEqual({});
    // the ou attribute wins over the DN
    expect(ok(openldapEntry({ ou: ['Phòng Một', 'Phòng Hai'] }), openldap).organization.department).toBe('Phòng Một');
  });

  it('givenName/sn that disagree with the full name are kept as written, no middle name', () => {
    const id = ok(openldapEntry({ sn: 'Trần Thị', givenName: 'Bình', cn: 'Trần Thị Bình' }), openldap);
    expect(id).toMatchObject({ familyName: 'Trần Thị', givenName: 'Bình', middleName: null, displayName: 'Trần Thị Bình' });
    // only one of them: the rest from the full name when it agrees
    expect(ok(openldapEntry({ sn: undefined }), openldap)).toMatchObject({ familyName: 'Trần', middleName: 'Thị', givenName: 'Bình' });
    // no names at all: split the full name
    expect(ok(openldapEntry({ sn: [], givenName: [], cn: 'Hoàng Thị Thu Hà' }), openldap)).toMatchObject({ familyName: 'Hoàng', middleName: 'Thị Thu', givenName: 'Hà' });
  });

  it('no full name: composed from sn and givenName, Vietnamese order', () => {
    expect(ok(openldapEntry({ cn: undefined }), openldap).displayName).toBe('Trần Bình');
  });

  it('ranged memberOf values (attr;range=0-*) are read', () => {
    const id = ok(openldapEntry({ memberOf: undefined, 'memberOf;range=0-*': ['cn=G1,dc=x', 'cn=G0,dc=x'] }), openldap);
    expect(id.groups).toEqual(['G0', 'G1']);
  });
});

describe('Active Directory entries', () => {
  it('maps a complete entry', () => {
    expect(ok(adEntry(), ad)).toEqual({
      externalId: GUID_TEXT,
      dn: 'CN=Nguyễn Văn An,OU=Phòng Hành chính,OU=Users,OU=Sở Nội vụ,DC=tinh,DC=local',
      login: 'annv',
      email: 'annv@tinh.gov.vn',
      aliases: [],
      displayName: 'Nguyễn Văn An',
      givenName: 'An',
      familyName: 'Nguyễn',
      middleName: 'Văn',
      phoneNumber: '0236 3822 789',
      status: 'active',
      organization: { department: 'Phòng Hành chính', organization: 'UBND tỉnh', employeeNumber: 'NV-00123' },
      groups: ['GG-SoNoiVu', 'VPN Users'],
      groupDns: ['CN=GG-SoNoiVu,OU=Groups,DC=tinh,DC=local', 'CN=VPN Users,OU=Groups,DC=tinh,DC=local'],
      modifiedAt: new Date('2026-11-25T10:10:10Z'),
      passwordChanged: '133761456000000000', // FILETIME
      passwordChangedAt: new Date('2024-11-15T12:00:00Z'),
    });
  });

  it('objectGUID: mixed-endian bytes to canonical UUID text', () => {
    expect(objectGuidToUuid(GUID_BYTES)).toBe(GUID_TEXT);
    // the same by the documented layout: Data1 u32 LE, Data2 u16 LE, Data3 u16 LE, Data4 8 bytes as is
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    const layout = `${hex(GUID_BYTES.readUInt32LE(0), 8)}-${hex(GUID_BYTES.readUInt16LE(4), 4)}-${hex(GUID_BYTES.readUInt16LE(6), 4)}-${GUID_BYTES.subarray(8, 10).toString('hex')}-${GUID_BYTES.subarray(10).toString('hex')}`;
    expect(objectGuidToUuid(GUID_BYTES)).toBe(layout);
    expect(uuidToObjectGuid(GUID_TEXT)).toEqual(GUID_BYTES);
    expect(uuidToObjectGuid(GUID_TEXT.toUpperCase())).toEqual(GUID_BYTES);
    expect(uuidToObjectGuid('not-a-uuid')).toBeNull();
    expect(objectGuidToUuid(Buffer.alloc(15))).toBeNull();
    expect(objectGuidToUuid(Buffer.alloc(17))).toBeNull();
    expect(objectGuidToUuid('x' as unknown as Buffer)).toBeNull();
  });

  it('an objectGUID lookup must carry the bytes: a Buffer-valued EqualityFilter, not \\XX in a string filter', () => {
    const bytes = uuidToObjectGuid(GUID_TEXT) as Buffer;
    const good = new asn1.BerWriter();
    new EqualityFilter({ attribute: 'objectGUID', value: bytes }).write(good);
    expect(good.buffer.subarray(good.buffer.length - 16)).toEqual(GUID_BYTES);
    const escaped = [...GUID_BYTES].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    const bad = new asn1.BerWriter();
    FilterParser.parseString(`(objectGUID=${escaped})`).write(bad);
    // ldapts decodes each \XX to one character and writes UTF-8: 0x9c goes out as c2 9c
    expect(bad.buffer.includes(GUID_BYTES)).toBe(false);
  });

  it('objectGUID in other shapes', () => {
    // a GUID whose bytes are all ASCII may reach us decoded as text: the bytes are recovered
    const ascii = Buffer.from('0123456789abcdef', 'latin1');
    expect(ok(adEntry({ objectGUID: ascii.toString('utf8') }), ad).externalId).toBe(objectGuidToUuid(ascii));
    expect(ok(adEntry({ objectGUID: GUID_TEXT.toUpperCase() }), ad).externalId).toBe(GUID_TEXT);
    expect(ok(adEntry({ objectGUID: [GUID_BYTES] }), ad).externalId).toBe(GUID_TEXT);
    expect(err(adEntry({ objectGUID: Buffer.alloc(8) }), ad)).toBe('objectGUID is not 16 bytes');
    expect(err(adEntry({ objectGUID: [GUID_BYTES, Buffer.alloc(16)] }), ad)).toBe('several values in objectGUID');
    expect(err(adEntry({ objectGUID: undefined }), ad)).toBe('missing objectGUID');
  });

  it.each([
    ['512', 'active', undefined],
    ['66048', 'active', undefined], // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
    ['514', 'disabled', 'userAccountControl=514 (ACCOUNTDISABLE)'],
    ['66050', 'disabled', 'userAccountControl=66050 (ACCOUNTDISABLE)'],
    ['528', 'locked', 'userAccountControl LOCKOUT'],
    ['8389120', 'active', 'password expired (userAccountControl PASSWORD_EXPIRED)'],
  ])('userAccountControl=%s -> %s', (uac, status, detail) => {
    const id = ok(adEntry({ userAccountControl: uac }), ad);
    expect(id.status).toBe(status);
    expect(id.statusDetail).toBe(detail);
  });

  it('userAccountControl absent or unreadable fails closed', () => {
    expect(ok(adEntry({ userAccountControl: undefined }), ad).status).toBe('disabled');
    expect(ok(adEntry({ userAccountControl: 'abc' }), ad).status).toBe('disabled');
    expect(ok(adEntry({ userAccountControl: ['512', '514'] }), ad).status).toBe('disabled');
    expect(ok(adEntry({ userAccountControl: 512 }), ad).status).toBe('active');
  });

  it('msDS-User-Account-Control-Computed decides the lock when present (AD applies the lockout duration)', () => {
    expect(ok(adEntry({ 'msDS-User-Account-Control-Computed': '16' }), ad)).toMatchObject({ status: 'locked', statusDetail: 'msDS-User-Account-Control-Computed LOCKOUT' });
    expect(ok(adEntry({ 'msDS-User-Account-Control-Computed': '0' }), ad).status).toBe('active');
    // lockoutTime stays set after the lock is over, until the next logon: the computed value wins
    expect(ok(adEntry({ 'msDS-User-Account-Control-Computed': '0', lockoutTime: fileTime(new Date('2026-11-26T23:50:00Z')) }), ad).status).toBe('active');
    expect(ok(adEntry({ 'msDS-User-Account-Control-Computed': '8388608' }), ad)).toMatchObject({ status: 'active', statusDetail: 'password expired (userAccountControl PASSWORD_EXPIRED)' });
    // unreadable computed value: back to lockoutTime
    expect(ok(adEntry({ 'msDS-User-Account-Control-Computed': 'x', lockoutTime: fileTime(new Date('2026-11-26T23:50:00Z')) }), ad).status).toBe('locked');
  });

  it('without the computed value: lockoutTime > 0 -> locked (over after the lockout duration, when known)', () => {
    const lockedAt = new Date('2026-11-26T23:50:00Z');
    const e = adEntry({ lockoutTime: fileTime(lockedAt) });
    expect(ok(e, ad)).toMatchObject({ status: 'locked', statusDetail: 'lockoutTime=2026-11-26T23:50:00.000Z' });
    expect(ok(e, ad, { lockoutDurationMs: 5 * 60_000 }).status).toBe('active');
    expect(ok(e, ad, { lockoutDurationMs: 30 * 60_000 }).status).toBe('locked');
    expect(ok(adEntry({ lockoutTime: '0' }), ad).status).toBe('active');
  });

  it('accountExpires in the past -> expired; 0 and 0x7FFFFFFFFFFFFFFF never expire', () => {
    const past = ok(adEntry({ accountExpires: fileTime(new Date('2026-11-01T00:00:00Z')) }), ad);
    expect(past).toMatchObject({ status: 'expired', statusDetail: 'accountExpires=2026-11-01T00:00:00.000Z' });
    expect(ok(adEntry({ accountExpires: fileTime(new Date('2027-06-30T12:00:00Z')) }), ad).status).toBe('active');
    expect(ok(adEntry({ accountExpires: '0' }), ad).status).toBe('active');
    expect(ok(adEntry({ accountExpires: '9223372036854775807' }), ad).status).toBe('active');
    // disabled wins over expired, expired over locked
    expect(ok(adEntry({ userAccountControl: '514', accountExpires: fileTime(new Date('2020-01-01T00:00:00Z')) }), ad).status).toBe('disabled');
    expect(ok(adEntry({ lockoutTime: fileTime(NOW), accountExpires: fileTime(new Date('2020-01-01T00:00:00Z')) }), ad).status).toBe('expired');
  });

  it('department attribute wins over the DN', () => {
    expect(ok(adEntry({ department: 'Văn phòng' }), ad).organization.department).toBe('Văn phòng');
  });
});

describe('AD bind errors', () => {
  const msg = (code: string) => `80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data ${code}, v3839\u0000`;
  it.each([
    ['525', 'invalid_credentials'],
    ['52e', 'invalid_credentials'],
    ['530', 'disabled'],
    ['531', 'disabled'],
    ['532', 'password_expired'],
    ['533', 'disabled'],
    ['701', 'expired'],
    ['773', 'must_change_password'],
    ['775', 'locked'],
  ])('data %s -> %s', (code, reason) => {
    const r = adBindFailure(msg(code));
    expect(r.reason).toBe(reason);
    expect(r.detail).toContain(`data ${code}`);
  });

  it('codes are read without regard to case or leading zeros (Samba writes the same form)', () => {
    expect(adBindFailure(msg('52E')).reason).toBe('invalid_credentials');
    expect(adBindFailure(msg('00000775')).reason).toBe('locked');
    expect(adBindFailure('LDAP error 49 LDAP_INVALID_CREDENTIALS - <8009030C: LdapErr: DSID-0C0904DC, comment: AcceptSecurityContext error, data 533, v1db1>').reason).toBe('disabled');
  });

  it('unknown or absent code -> invalid_credentials with the raw code in the detail', () => {
    expect(adBindFailure(msg('534'))).toEqual({ reason: 'invalid_credentials', detail: 'AD bind refused, unknown data code 534' });
    expect(adBindFailure('Invalid Credentials')).toEqual({ reason: 'invalid_credentials', detail: 'AD bind refused without a data code' });
    expect(adBindFailure('')).toEqual({ reason: 'invalid_credentials', detail: 'AD bind refused without a data code' });
    expect(adBindFailure(undefined as unknown as string).reason).toBe('invalid_credentials');
    expect(adBindFailure('x'.repeat(100_000) + msg('775')).reason).toBe('invalid_credentials');
    expect(Object.keys(AD_BIND_CODES).sort()).toEqual(['525', '52e', '530', '531', '532', '533', '701', '773', '775']);
    // no prototype keys
    expect(adBindFailure('data constructor').reason).toBe('invalid_credentials');
  });
});

// ------------------------------------------------------------------------------------------------

describe('hostile values', () => {
  it('several values where one is required: error, unless they are the same', () => {
    expect(err(zimbraEntry({ uid: ['an.nv', 'an.nguyen'] }), zimbra)).toBe('several values in uid');
    expect(ok(zimbraEntry({ uid: ['an.nv', 'an.nv'] }), zimbra).login).toBe('an.nv');
    expect(err(zimbraEntry({ zimbraId: ['a', 'b'] }), zimbra)).toBe('several values in zimbraId');
  });

  it('several values where one is shown: the first', () => {
    const id = ok(zimbraEntry({ displayName: ['Nguyễn Văn An', 'An Nguyễn'], title: ['Trưởng phòng', 'Chuyên viên'] }), zimbra);
    expect(id.displayName).toBe('Nguyễn Văn An');
    expect(id.organization.title).toBe('Trưởng phòng');
  });

  it('Buffers: valid UTF-8 decoded, invalid UTF-8 skipped (or an error when required)', () => {
    const id = ok(zimbraEntry({ displayName: Buffer.from('Đỗ Thị Hoa', 'utf8'), title: Buffer.from([0xff, 0xfe, 0x41]) }), zimbra);
    expect(id.displayName).toBe('Đỗ Thị Hoa');
    expect(id.organization.title).toBeUndefined();
    // ldapts turns every value into a Buffer when one is not UTF-8: the good ones still count
    const mixed = ok(zimbraEntry({ displayName: [Buffer.from([0xc3, 0x28]), Buffer.from('Lý Thường Kiệt', 'utf8')] }), zimbra);
    expect(mixed.displayName).toBe('Lý Thường Kiệt');
    expect(err(zimbraEntry({ zimbraId: Buffer.from([0xed, 0xa0, 0x80]) }), zimbra)).toBe('invalid UTF-8 in zimbraId');
    expect(err(zimbraEntry({ uid: [Buffer.from([0x80])] }), zimbra)).toBe('invalid UTF-8 in uid');
    expect(ok(zimbraEntry({ uid: Buffer.from('An.NV') }), zimbra).login).toBe('an.nv');
  });

  it('a 100 kB cn is cut to 256 characters', () => {
    const id = ok(zimbraEntry({ displayName: undefined, cn: 'Nguyễn '.repeat(15_000) }), zimbra);
    expect(Array.from(id.displayName).length).toBeLessThanOrEqual(256);
    expect(id.displayName.startsWith('Nguyễn Nguyễn')).toBe(true);
    expect(id.familyName).toBe('Nguyễn');
    const title = ok(zimbraEntry({ title: 'x'.repeat(100_000) }), zimbra).organization.title as string;
    expect(title).toHaveLength(256);
  });

  it('control and format characters are dropped from text; whitespace collapsed', () => {
    const id = ok(zimbraEntry({ displayName: '  Nguyễn\u0000 Văn\u001b[31m\r\n An\u202e\u200b  ' }), zimbra);
    expect(id.displayName).toBe('Nguyễn Văn[31m An');
    expect(ok(zimbraEntry({ ou: '\u0000\u0007' }), zimbra).organization.department).toBeUndefined();
  });

  it('NFD text comes out NFC', () => {
    const id = ok(zimbraEntry({ displayName: 'Nguyễn Văn Ánh'.normalize('NFD'), uid: 'ánh.nv'.normalize('NFD') }), zimbra);
    expect(id.displayName).toBe('Nguyễn Văn Ánh');
    expect(id.givenName).toBe('Ánh');
    expect(id.login).toBe('ánh.nv');
  });

  it('identifiers with control characters or too long are errors', () => {
    expect(err(zimbraEntry({ uid: 'an\u0000nv' }), zimbra)).toMatch(/^unusable uid/);
    expect(err(zimbraEntry({ uid: 'an\nnv' }), zimbra)).toMatch(/^unusable uid/);
    expect(err(zimbraEntry({ zimbraId: 'x'.repeat(300) }), zimbra)).toMatch(/^unusable zimbraId/);
    expect(err(zimbraEntry({ uid: 'a\ud800' }), zimbra)).toBe('invalid UTF-8 in uid');
  });

  it('values of the wrong type are ignored (numbers are read as text)', () => {
    const id = ok(zimbraEntry({ displayName: { toString: () => 'Hacker' }, title: 42, ou: null, company: [undefined, {}, 'Sở Y tế'], mobile: true, telephoneNumber: undefined }), zimbra);
    expect(id.displayName).toBe('an.nv');
    expect(id.organization).toEqual({ title: '42', organization: 'Sở Y tế' });
    expect(id.phoneNumber).toBeNull();
    expect(err(zimbraEntry({ zimbraId: { a: 1 } }), zimbra)).toBe('missing zimbraId');
  });

  it('invalid addresses are null, not errors', () => {
    for (const bad of ['not-an-email', 'a@b', 'ánh@tinh.gov.vn', 'a@@tinh.gov.vn', 'a b@tinh.gov.vn', '.a@tinh.gov.vn', `${'a'.repeat(65)}@tinh.gov.vn`, `a@${'b'.repeat(250)}.vn`, 'a@-x.vn', '\u0000a@tinh.gov.vn']) {
      const id = ok(zimbraEntry({ zimbraMailDeliveryAddress: bad, mail: [], zimbraMailAlias: [] }), zimbra);
      expect(id.email).toBeNull();
      expect(id.aliases).toEqual([]);
    }
  });

  it('a broken or absent dn, or not an entry at all', () => {
    expect(map({ ...zimbraEntry(), dn: 42 as unknown as string }, zimbra)).toEqual({ ok: false, dn: '', error: 'missing dn' });
    expect(map({ ...zimbraEntry(), dn: '' }, zimbra)).toMatchObject({ ok: false, error: 'missing dn' });
    expect(map({ ...zimbraEntry(), dn: 'uid=a\r\n,dc=x' }, zimbra)).toMatchObject({ ok: false, error: 'unusable dn' });
    expect(map(null as unknown as RawEntry, zimbra)).toEqual({ ok: false, dn: '', error: 'not an entry' });
    // an unparseable DN is only a missing department
    expect(ok(openldapEntry({ dn: 'garbage' }), openldap).organization.department).toBeUndefined();
  });

  it('many groups are bounded, and the list stays sorted and unique', () => {
    const memberOf = Array.from({ length: 5000 }, (_, i) => `cn=g${String(i % 1500).padStart(4, '0')},ou=groups,dc=x`);
    const id = ok(openldapEntry({ memberOf }), openldap);
    expect(id.groups.length).toBeLessThanOrEqual(1000);
    expect(id.groups).toEqual([...new Set(id.groups)].sort());
    expect(id.groupDns.length).toBe(id.groups.length);
  });

  it('never throws', () => {
    const weird: unknown[] = [Symbol('x'), () => 1, new Map(), Number.NaN, -0, 10n ** 30n, new Date(0), [[['nested']]]];
    for (const v of weird) {
      for (const key of ['zimbraId', 'uid', 'displayName', 'memberOf', 'zimbraAccountStatus', 'modifyTimestamp']) {
        expect(() => map(zimbraEntry({ [key]: v }), zimbra)).not.toThrow();
      }
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('parseGeneralizedTime', () => {
  it.each([
    ['20261127010203Z', '2026-11-27T01:02:03.000Z'],
    ['20261127010203.0Z', '2026-11-27T01:02:03.000Z'],
    ['20261127010203.123456Z', '2026-11-27T01:02:03.123Z'],
    ['20261127010203,5Z', '2026-11-27T01:02:03.500Z'],
    ['202611270102Z', '2026-11-27T01:02:00.000Z'],
    ['2026112701Z', '2026-11-27T01:00:00.000Z'],
    ['202611270102.5Z', '2026-11-27T01:02:30.000Z'],
    ['2026112701.25Z', '2026-11-27T01:15:00.000Z'],
    ['20261127080203+0700', '2026-11-27T01:02:03.000Z'],
    ['20261126200203-05', '2026-11-27T01:02:03.000Z'],
    ['20240229000000Z', '2024-02-29T00:00:00.000Z'],
    ['20161231235960Z', '2017-01-01T00:00:00.000Z'],
  ])('%s -> %s', (s, iso) => {
    expect(parseGeneralizedTime(s)?.toISOString()).toBe(iso);
  });

  it.each(['', '20261127010203', '2026-11-27T01:02:03Z', '20261327010203Z', '20260230000000Z', '20250229000000Z', '20261127240000Z', '20261127016003Z', '20261127010203+2400', '20261127010203.Z', 'x20261127010203Z', '2026112701020Z', '1'.repeat(100), undefined, 20261127010203])('rejects %j', (s) => {
    expect(parseGeneralizedTime(s)).toBeNull();
  });
});

describe('fileTimeToDate', () => {
  it('converts FILETIME strings', () => {
    expect(fileTimeToDate('116444736000000000')?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(fileTimeToDate('134116992000000000')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(fileTimeToDate(134116992000000000n)?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(fileTimeToDate('1')?.toISOString()).toBe('1601-01-01T00:00:00.000Z');
  });

  it('0, never and garbage give null', () => {
    for (const v of ['0', '9223372036854775807', '18446744073709551615', '-1', 'abc', '', '1e18', '12.5', undefined, null, {}]) {
      expect(fileTimeToDate(v)).toBeNull();
    }
  });
});

describe('parseDn', () => {
  it('splits RDNs and unescapes values', () => {
    expect(parseDn('uid=a,ou=people,dc=x')).toEqual([[{ type: 'uid', value: 'a' }], [{ type: 'ou', value: 'people' }], [{ type: 'dc', value: 'x' }]]);
    expect(parseDn('cn=Nguyễn\\, Văn An,ou=x')?.[0]).toEqual([{ type: 'cn', value: 'Nguyễn, Văn An' }]);
    expect(parseDn('cn=a\\2Cb,dc=x')?.[0]).toEqual([{ type: 'cn', value: 'a,b' }]);
    expect(parseDn('ou=Ph\\C3\\B2ng,dc=x')?.[0]).toEqual([{ type: 'ou', value: 'Phòng' }]);
    expect(parseDn('cn=\\E1\\BB\\87 x\\E1\\BB\\87')?.[0]?.[0]?.value).toBe('ệ xệ');
    expect(parseDn('cn=a\\+b\\=c\\"d\\<e\\>f\\;g\\\\h\\#i')?.[0]?.[0]?.value).toBe('a+b=c"d<e>f;g\\h#i');
  });

  it('multi-valued RDNs', () => {
    expect(parseDn('cn=An+employeeNumber=12,ou=x')?.[0]).toEqual([{ type: 'cn', value: 'An' }, { type: 'employeeNumber', value: '12' }]);
  });

  it('spaces: around separators ignored, escaped ones kept', () => {
    expect(parseDn(' cn = spaced value , dc = x ')).toEqual([[{ type: 'cn', value: 'spaced value' }], [{ type: 'dc', value: 'x' }]]);
    expect(parseDn('cn=\\ lead\\ ,dc=x')?.[0]?.[0]?.value).toBe(' lead ');
    expect(parseDn('cn=\\20x\\20')?.[0]?.[0]?.value).toBe(' x ');
  });

  it('hex values, quoted values, semicolons, OIDs, the empty DN', () => {
    expect(parseDn('cn=#0c03616263,dc=x')?.[0]?.[0]?.value).toBe('abc');
    expect(parseDn('2.5.4.3=#0403414243')?.[0]).toEqual([{ type: '2.5.4.3', value: 'ABC' }]);
    expect(parseDn('cn=#0101ff')?.[0]?.[0]?.value).toBe('#0101ff');
    expect(parseDn('cn=#0c')?.[0]?.[0]?.value).toBe('#0c'); // not BER: kept as written
    expect(parseDn('cn="Nguyễn, An",dc=x')?.[0]?.[0]?.value).toBe('Nguyễn, An');
    expect(parseDn('cn=a;dc=b')).toHaveLength(2);
    expect(parseDn('')).toEqual([]);
    expect(parseDn('CN=a')?.[0]?.[0]?.type).toBe('CN');
  });

  it.each(['cn', 'cn=a,', '=a', ',cn=a', 'cn=a,,dc=x', 'cn=a\\', 'cn=a\\zz', 'cn=\\C3', 'cn=\\C3x', 'cn=\\FF', 'c n=a', 'cn="open', 'cn="a"b', 'cn=#', 'cn=#0c0', 'cn=a\u0000', 'cn=\ud800'])('rejects %j', (dn) => {
    expect(parseDn(dn)).toBeNull();
  });

  it('rejects non-strings and huge DNs', () => {
    expect(parseDn(undefined as unknown as string)).toBeNull();
    expect(parseDn(`cn=${'x'.repeat(10_000)}`)).toBeNull();
  });
});

describe('value helpers', () => {
  it('normalizePhone', () => {
    expect(normalizePhone(' 0912 345 678 ')).toBe('0912 345 678');
    expect(normalizePhone('+84 (0) 912-345-678')).toBe('+84 0 912 345 678');
    expect(normalizePhone('0236.3822.789')).toBe('0236 3822 789');
    expect(normalizePhone('ĐT: 0912345678 (nhà riêng)')).toBe('0912345678');
    expect(normalizePhone('0912 345 678 / 0987 654 321')).toBe('0912 345 678');
    expect(normalizePhone('０９１２３４５６７８')).toBe('0912345678');
    // a "+" inside the number ends it
    expect(normalizePhone('0912+345678')).toBeNull();
    for (const bad of ['', 'không có', '12345', '1'.repeat(16), 'máy lẻ 123', undefined, 912345678]) expect(normalizePhone(bad)).toBeNull();
  });

  it('normalizeEmail', () => {
    expect(normalizeEmail('  An.NV@Tinh.Gov.VN ')).toBe('an.nv@tinh.gov.vn');
    expect(normalizeEmail("o'neil+tag@x-y.vn")).toBe("o'neil+tag@x-y.vn");
    expect(normalizeEmail('a@xn--tnh-xxx.vn')).toBe('a@xn--tnh-xxx.vn');
    expect(normalizeEmail('a..b@x.vn')).toBeNull();
    expect(normalizeEmail('a@localhost')).toBeNull();
    expect(normalizeEmail(42)).toBeNull();
  });

  it('cleanText', () => {
    expect(cleanText('  a\t\tb \n c  ')).toBe('a b c');
    expect(cleanText('ệ'.repeat(300), 10)).toBe('ệ'.repeat(10));
    expect(cleanText('😀'.repeat(300), 3)).toBe('😀😀😀');
    expect(cleanText('a\ud800b')).toBe('a\ufffdb');
  });
});
