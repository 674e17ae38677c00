import { describe, expect, it } from '@jest/globals';
import asn1 from 'asn1';
import { AndFilter, EqualityFilter, type Filter, FilterParser, OrFilter, PresenceFilter, GreaterThanEqualsFilter, NotFilter } from 'ldapts';
import {
  and,
  assertAttributeName,
  eq,
  escapeFilterValue,
  fillFilterTemplate,
  gte,
  isValidAttributeName,
  isValidFilter,
  LdapFilterError,
  loginFilter,
  normalizeLoginInput,
  not,
  or,
  presence,
} from '../src/directory/ldap/filter.js';

/** The BER ldapts would send for a filter string. */
function ber(filter: string): Buffer {
  const w = new asn1.BerWriter();
  FilterParser.parseString(filter).write(w);
  return w.buffer;
}

/** The value an equality filter carries once ldapts has parsed the string. */
function parsedEquality(filter: string): { attribute: string; value: string } {
  const f = FilterParser.parseString(filter);
  expect(f).toBeInstanceOf(EqualityFilter);
  const e = f as EqualityFilter;
  return { attribute: e.attribute, value: String(e.value) };
}

/** Every equality leaf of a parsed filter, as attribute=value pairs. */
function leaves(f: Filter): string[] {
  if (f instanceof AndFilter || f instanceof OrFilter) return f.filters.flatMap(leaves);
  if (f instanceof EqualityFilter) return [`${f.attribute}=${String(f.value)}`];
  return [f.toString()];
}

const HOSTILE = [
  '*',
  ')(uid=*',
  '*)(|(objectClass=*',
  'admin)(&(1=1',
  '\\',
  '\\00',
  '\\2a',
  'a\u0000b',
  '\u0000',
  'x\r\ny',
  'tab\there',
  '\u007f',
  '(',
  ')',
  'a=b',
  '>=',
  '~=',
  ':dn:=x',
  'Nguyễn Văn Ánh',
  'Đặng Thuỳ Dương'.normalize('NFD'),
  'đ@tỉnh.việt.nam',
  '日本語',
  '😀 emoji',
  '\u0085\u009f C1 controls',
  '',
  ' leading and trailing ',
];

describe('escapeFilterValue', () => {
  it('escapes the RFC 4515 specials and ASCII controls as \\XX', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('(')).toBe('\\28');
    expect(escapeFilterValue(')')).toBe('\\29');
    expect(escapeFilterValue('\\')).toBe('\\5c');
    expect(escapeFilterValue('\u0000')).toBe('\\00');
    expect(escapeFilterValue(')(uid=*')).toBe('\\29\\28uid=\\2a');
    expect(escapeFilterValue('\\00')).toBe('\\5c00');
    expect(escapeFilterValue('a\r\n\t\u007fb')).toBe('a\\0d\\0a\\09\\7fb');
    expect(escapeFilterValue('plain.user-01@tinh.gov.vn')).toBe('plain.user-01@tinh.gov.vn');
  });

  it('leaves non-ASCII characters as they are (ldapts would double-encode \\XX of UTF-8 bytes)', () => {
    expect(escapeFilterValue('Nguyễn Văn Ánh')).toBe('Nguyễn Văn Ánh');
    expect(escapeFilterValue('😀')).toBe('😀');
    // why: ldapts's parser turns each \XX into one UTF-16 code unit, then writes UTF-8
    const broken = FilterParser.parseString('(cn=\\c3\\a1)') as EqualityFilter;
    expect(Buffer.from(String(broken.value), 'utf8')).not.toEqual(Buffer.from('á', 'utf8'));
  });

  it('refuses ill-formed UTF-16 and non-strings', () => {
    expect(() => escapeFilterValue('a\ud800b')).toThrow(LdapFilterError);
    expect(() => escapeFilterValue('\udc00')).toThrow(LdapFilterError);
    expect(() => escapeFilterValue(undefined as unknown as string)).toThrow(LdapFilterError);
    expect(escapeFilterValue('\ud83d\ude00')).toBe('😀');
  });

  it('handles 10 kB strings', () => {
    const big = '*'.repeat(10_240);
    expect(escapeFilterValue(big)).toBe('\\2a'.repeat(10_240));
    const text = 'Nguyễn '.repeat(1500);
    expect(escapeFilterValue(text)).toBe(text);
    const f = eq('cn', big);
    expect(parsedEquality(f).value).toBe(big);
  });

  it.each(HOSTILE)('round-trips through ldapts exactly: %j', (value) => {
    const filter = eq('uid', value);
    expect(isValidFilter(filter)).toBe(true);
    const parsed = parsedEquality(filter);
    expect(parsed.attribute).toBe('uid');
    expect(parsed.value).toBe(value);
    // and the octets on the wire are the value's UTF-8
    const wire = ber(filter);
    const expected = Buffer.from(value, 'utf8');
    expect(wire.subarray(wire.length - expected.length)).toEqual(expected);
    expect(wire.includes(Buffer.from(value, 'utf8'))).toBe(true);
  });
});

describe('filter builders', () => {
  it('build the expected strings', () => {
    expect(eq('uid', 'an.nv')).toBe('(uid=an.nv)');
    expect(gte('modifyTimestamp', '20261127010203Z')).toBe('(modifyTimestamp>=20261127010203Z)');
    expect(presence('mail')).toBe('(mail=*)');
    expect(and('(a=1)', '(b=2)')).toBe('(&(a=1)(b=2))');
    expect(or('(a=1)', '(b=2)', '(c=3)')).toBe('(|(a=1)(b=2)(c=3))');
    expect(and('(a=1)')).toBe('(a=1)');
    expect(not('(a=1)')).toBe('(!(a=1))');
  });

  it('parse with ldapts into the intended structure', () => {
    const f = FilterParser.parseString(and('(objectClass=zimbraAccount)', or(eq('uid', 'x*'), presence('mail')), gte('modifyTimestamp', '20260101000000Z')));
    expect(f).toBeInstanceOf(AndFilter);
    const [a, b, c] = (f as AndFilter).filters;
    expect(a).toBeInstanceOf(EqualityFilter);
    expect(b).toBeInstanceOf(OrFilter);
    expect((b as OrFilter).filters[0]).toBeInstanceOf(EqualityFilter);
    expect(String(((b as OrFilter).filters[0] as EqualityFilter).value)).toBe('x*');
    expect((b as OrFilter).filters[1]).toBeInstanceOf(PresenceFilter);
    expect(c).toBeInstanceOf(GreaterThanEqualsFilter);
    expect(FilterParser.parseString(not('(a=1)'))).toBeInstanceOf(NotFilter);
  });

  it('refuse to combine what is not a filter', () => {
    expect(() => and()).toThrow(LdapFilterError);
    expect(() => or()).toThrow(LdapFilterError);
    expect(() => and('(a=1)', 'uid=x')).toThrow(LdapFilterError);
    expect(() => and('(a=1)', '(uid=x)(cn=y)')).toThrow(LdapFilterError);
    expect(() => or('(a=1)', '(uid=x))(')).toThrow(LdapFilterError);
    expect(() => not('a')).toThrow(LdapFilterError);
  });

  it('validate attribute names', () => {
    for (const good of ['uid', 'sAMAccountName', 'msDS-User-Account-Control-Computed', 'x1']) {
      expect(isValidAttributeName(good)).toBe(true);
      expect(assertAttributeName(good)).toBe(good);
    }
    for (const bad of ['', '1uid', 'uid=x', 'u id', 'uid)', 'cn;binary', '2.5.4.3', 'uid\u0000', '-x', 'ư', 'a'.repeat(200), 42, null, undefined]) {
      expect(isValidAttributeName(bad)).toBe(false);
      expect(() => assertAttributeName(bad)).toThrow(LdapFilterError);
    }
    expect(() => eq('uid)(cn=*', 'x')).toThrow(LdapFilterError);
    expect(() => gte('a b', 'x')).toThrow(LdapFilterError);
    expect(() => presence('*')).toThrow(LdapFilterError);
  });
});

describe('isValidFilter', () => {
  const valid = [
    '(objectClass=zimbraAccount)',
    '(&(objectCategory=person)(objectClass=user))',
    '(!(zimbraIsSystemAccount=TRUE))',
    '(&(objectClass=groupOfNames)(member=uid=a\\2cb,ou=people,dc=x))',
    '(userAccountControl:1.2.840.113556.1.4.803:=2)',
    '(!(userAccountControl:1.2.840.113556.1.4.803:=2))',
    '(cn:dn:=Sở Nội vụ)',
    '(:dn:2.5.13.5:=x)',
    '(cn:=x)',
    '(cn=*)',
    '(cn=Nguy*n*)',
    '(cn=)',
    '(mail~=an)',
    '(uSNChanged>=12345)',
    '(whenChanged<=20260101000000.0Z)',
    '(|(a=1)(&(b=2)(!(c=3))))',
    '(cn=\\28x\\29)',
  ];
  const invalid = [
    '',
    'objectClass=user',
    '(objectClass=user',
    'objectClass=user)',
    '((objectClass=user))',
    '(objectClass=user))',
    '(a=1)(b=2)',
    '(&)',
    '(|)',
    '(!)',
    '(=x)',
    '(cn=a(b)',
    '(cn=a\\zz)',
    '(cn=a\\2)',
    '(cn>=a*)',
    '(cn;binary=x)',
    '(2.5.4.3=x)',
    '(cn=x\u0000)',
    '(cn=x\ny)',
    '(:=x)',
    '(:dn:=x)',
    '(cn=\ud800)',
    ' (cn=x)',
    '(cn=x) ',
    `(${'('.repeat(100)}`,
    `${'(&'.repeat(40)}(a=1)${')'.repeat(40)}`,
  ];

  it.each(valid)('accepts %j (and ldapts parses it)', (f) => {
    expect(isValidFilter(f)).toBe(true);
    expect(() => FilterParser.parseString(f)).not.toThrow();
  });

  it.each(invalid)('rejects %j', (f) => {
    expect(isValidFilter(f)).toBe(false);
  });

  it('rejects non-strings and huge strings', () => {
    expect(isValidFilter(undefined)).toBe(false);
    expect(isValidFilter(null)).toBe(false);
    expect(isValidFilter(['(a=1)'])).toBe(false);
    expect(isValidFilter(`(cn=${'x'.repeat(20_000)})`)).toBe(false);
  });
});

describe('fillFilterTemplate', () => {
  it('escapes substituted values', () => {
    const dn = 'uid=an,ou=Phòng Tổ chức\\2C Cán bộ,ou=people,dc=tinh,dc=gov,dc=vn';
    const f = fillFilterTemplate('(&(objectClass=groupOfNames)(member={dn}))', { dn });
    expect(f).toBe('(&(objectClass=groupOfNames)(member=uid=an,ou=Phòng Tổ chức\\5c2C Cán bộ,ou=people,dc=tinh,dc=gov,dc=vn))');
    const parsed = FilterParser.parseString(f) as AndFilter;
    expect(String((parsed.filters[1] as EqualityFilter).value)).toBe(dn);
    expect(fillFilterTemplate('(member={dn})', { dn: '*)(cn=*' })).toBe('(member=\\2a\\29\\28cn=\\2a)');
  });

  it('refuses unknown placeholders and broken templates', () => {
    expect(() => fillFilterTemplate('(member={dn})', {})).toThrow(LdapFilterError);
    expect(() => fillFilterTemplate('(member={user})', { dn: 'x' })).toThrow(LdapFilterError);
    expect(() => fillFilterTemplate('(member={dn}', { dn: 'x' })).toThrow(LdapFilterError);
    expect(() => fillFilterTemplate('(member={toString})', { dn: 'x' })).toThrow(LdapFilterError);
  });
});

describe('normalizeLoginInput', () => {
  it('NFC-normalises and trims', () => {
    expect(normalizeLoginInput('  an.nv  ')).toBe('an.nv');
    expect(normalizeLoginInput('\u00a0an.nv\u3000')).toBe('an.nv');
    expect(normalizeLoginInput('Ánh'.normalize('NFD'))).toBe('Ánh');
    expect(normalizeLoginInput('AN.NV')).toBe('AN.NV');
  });

  it('refuses what can never be a login', () => {
    for (const bad of ['', '   ', 'a\u0000b', '\u0000', 'a\nb', 'a\tb', 'a\u0007', 'a\u200bb', 'a\u202eb', 'a\u2028b', 'a\ud800', 'x'.repeat(255), 'x'.repeat(100_000), 42, null, undefined, {}]) {
      expect(normalizeLoginInput(bad)).toBeNull();
    }
    expect(normalizeLoginInput('x'.repeat(254))).toBe('x'.repeat(254));
    // 254 characters, more UTF-16 units / UTF-8 bytes
    expect(normalizeLoginInput('ệ'.repeat(254))).toBe('ệ'.repeat(254));
    expect(normalizeLoginInput('ệ'.normalize('NFD').repeat(254))).toBe('ệ'.repeat(254));
  });
});

describe('loginFilter', () => {
  const zimbra = { loginAttributes: ['uid'], mailAttributes: ['zimbraMailDeliveryAddress', 'mail', 'zimbraMailAlias'], mailDomains: ['tinh.gov.vn', 'SO-NOIVU.tinh.gov.vn'] };
  const ad = { loginAttributes: ['sAMAccountName', 'userPrincipalName'], mailAttributes: ['mail'], mailDomains: ['tinh.gov.vn'] };

  it('a bare login matches the login attributes', () => {
    expect(loginFilter('an.nv', zimbra)).toBe('(uid=an.nv)');
    expect(loginFilter('  an.nv ', zimbra)).toBe('(uid=an.nv)');
    expect(loginFilter('an.nv', ad)).toBe('(|(sAMAccountName=an.nv)(userPrincipalName=an.nv))');
  });

  it('an address in a province domain also matches the login attributes with the local part', () => {
    const f = loginFilter('an.nv@tinh.gov.vn', zimbra) as string;
    expect(f).toBe('(|(zimbraMailDeliveryAddress=an.nv@tinh.gov.vn)(mail=an.nv@tinh.gov.vn)(zimbraMailAlias=an.nv@tinh.gov.vn)(uid=an.nv@tinh.gov.vn)(uid=an.nv))');
    expect(leaves(FilterParser.parseString(f))).toEqual([
      'zimbraMailDeliveryAddress=an.nv@tinh.gov.vn', 'mail=an.nv@tinh.gov.vn', 'zimbraMailAlias=an.nv@tinh.gov.vn', 'uid=an.nv@tinh.gov.vn', 'uid=an.nv',
    ]);
    // domains compare without case; the configured list may be written in any case
    expect(loginFilter('An.NV@So-NoiVu.Tinh.Gov.VN', zimbra)).toContain('(uid=An.NV)');
  });

  it('an address elsewhere matches the mail attributes (and UPN-style login attributes) only', () => {
    const f = loginFilter('an.nv@gmail.com', zimbra) as string;
    expect(leaves(FilterParser.parseString(f))).toEqual([
      'zimbraMailDeliveryAddress=an.nv@gmail.com', 'mail=an.nv@gmail.com', 'zimbraMailAlias=an.nv@gmail.com', 'uid=an.nv@gmail.com',
    ]);
    expect(f).not.toContain('(uid=an.nv)');
    const upn = loginFilter('an.nv@tinh.local', ad) as string;
    expect(leaves(FilterParser.parseString(upn))).toEqual(['mail=an.nv@tinh.local', 'sAMAccountName=an.nv@tinh.local', 'userPrincipalName=an.nv@tinh.local']);
  });

  it('escapes hostile input', () => {
    const f = loginFilter('*)(uid=*', zimbra) as string;
    expect(f).toBe('(uid=\\2a\\29\\28uid=\\2a)');
    expect(parsedEquality(f).value).toBe('*)(uid=*');
    const g = loginFilter('*)(|(uid=*@tinh.gov.vn', zimbra) as string;
    expect(isValidFilter(g)).toBe(true);
    for (const leaf of leaves(FilterParser.parseString(g))) expect(leaf).toMatch(/^(zimbraMailDeliveryAddress|mail|zimbraMailAlias|uid)=\*\)\(\|\(uid=\*(@tinh\.gov\.vn)?$/);
    const h = loginFilter('a\\2a@tinh.gov.vn', zimbra) as string;
    expect(leaves(FilterParser.parseString(h))).toContain('uid=a\\2a');
  });

  it('keeps Vietnamese letters intact, NFC', () => {
    const f = loginFilter('Ánh.nguyễn'.normalize('NFD'), zimbra) as string;
    expect(f).toBe('(uid=Ánh.nguyễn)');
    expect(ber(f).includes(Buffer.from('Ánh.nguyễn', 'utf8'))).toBe(true);
  });

  it('returns null for input that can never be a login', () => {
    for (const bad of ['', '   ', 'an\u0000', '\u0000', 'a\r\nb', 'x'.repeat(255), '@tinh.gov.vn', 'an.nv@', '@']) {
      expect(loginFilter(bad, zimbra)).toBeNull();
    }
  });

  it('throws on configuration errors', () => {
    expect(() => loginFilter('an', { ...zimbra, loginAttributes: [] })).toThrow(LdapFilterError);
    expect(() => loginFilter('an', { ...zimbra, loginAttributes: ['uid)(x=*'] })).toThrow(LdapFilterError);
    expect(() => loginFilter('an@x.vn', { ...zimbra, mailAttributes: ['mail;binary'] })).toThrow(LdapFilterError);
  });

  it('deduplicates attributes that appear in both lists', () => {
    const f = loginFilter('a@b.vn', { loginAttributes: ['mail', 'uid'], mailAttributes: ['MAIL'], mailDomains: [] });
    expect(f).toBe('(|(MAIL=a@b.vn)(uid=a@b.vn))');
  });
});
