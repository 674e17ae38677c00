/**
 * DN comparison (src/domain/dn.ts): normalizeDn and sameDn, as used to compare group DNs
 * an operator writes (ADMIN_GROUPS) with the memberOf values a directory sends. Two spellings of
 * one DN must compare equal; anything else, and anything that is not a DN, must not.
 */
import { describe, expect, it, test } from '@jest/globals';
import fc from 'fast-check';
import { normalizeDn, parseDn, sameDn } from '../src/domain/dn.js';

/** Every UTF-8 byte of the value as \XX (upper or lower case hex digits). */
function hexEscaped(v: string, lower = false): string {
  return [...Buffer.from(v, 'utf8')].map((b) => `\\${b.toString(16).padStart(2, '0')[lower ? 'toLowerCase' : 'toUpperCase']()}`).join('');
}

describe('normalizeDn', () => {
  it('lower-cases attribute types and values, and drops the spaces around separators', () => {
    expect(normalizeDn('CN=Admins,OU=Groups,DC=Tinh,DC=Gov,DC=VN')).toBe('cn=admins,ou=groups,dc=tinh,dc=gov,dc=vn');
    expect(normalizeDn(' cn = Admins , ou = Groups ; dc = x ')).toBe('cn=admins,ou=groups,dc=x');
    expect(normalizeDn('cn=An + employeeNumber = 12 ,ou=x')).toBe('cn=an+employeenumber=12,ou=x');
  });

  it('keeps numeric OIDs as written', () => {
    expect(normalizeDn('2.5.4.3=Admins,DC=x')).toBe('2.5.4.3=admins,dc=x');
    expect(sameDn('2.5.4.3=Admins,dc=x', 'cn=admins,dc=x')).toBe(false);
  });

  it('gives the empty DN for the empty string', () => {
    expect(normalizeDn('')).toBe('');
    expect(normalizeDn('   ')).toBe('');
    expect(sameDn('', ' ')).toBe(true);
  });

  it('escapes values again the one RFC 4514 way', () => {
    expect(normalizeDn('cn=Nguyễn\\2C Văn An,ou=x')).toBe('cn=nguyễn\\, văn an,ou=x');
    expect(normalizeDn('cn="a\\"b<c>d;e\\\\f+g",dc=x')).toBe('cn=a\\"b\\<c\\>d\\;e\\\\f\\+g,dc=x');
    expect(normalizeDn('cn=\\20a\\20,dc=x')).toBe('cn=\\ a\\ ,dc=x');
    expect(normalizeDn('cn=\\ ,dc=x')).toBe('cn=\\ ,dc=x');
    expect(normalizeDn('cn=\\ \\ ,dc=x')).toBe('cn=\\ \\ ,dc=x');
    expect(normalizeDn('cn=\\#1,dc=x')).toBe('cn=\\#1,dc=x');
    expect(normalizeDn('cn=a#1=b,dc=x')).toBe('cn=a#1=b,dc=x');
    expect(normalizeDn('cn=a\\00b')).toBe('cn=a\\00b');
    expect(normalizeDn('cn=')).toBe('cn=');
  });

  it('is idempotent', () => {
    for (const dn of ['CN=Nguyễn\\, Văn An+UID=An,OU=Phòng\\20Tổ chức;DC=x', 'cn=\\ a\\ ', 'cn=#0C0161', 'cn=\\#0C0161', 'cn="a,b"', 'cn=a\\00b']) {
      const n = normalizeDn(dn);
      expect(n).not.toBeNull();
      expect(normalizeDn(n as string)).toBe(n);
    }
  });
});

describe('sameDn', () => {
  const admins = 'cn=Quản trị SSO,ou=Nhóm,dc=tinh,dc=gov,dc=vn';

  it('matches a memberOf value however the directory spells it', () => {
    expect(sameDn(admins, 'CN=Quản trị SSO,OU=Nhóm,DC=tinh,DC=gov,DC=vn')).toBe(true);
    expect(sameDn(admins, 'cn=QUẢN TRỊ SSO,ou=NHÓM,dc=TINH,dc=GOV,dc=VN')).toBe(true);
    expect(sameDn(admins, `cn=${hexEscaped('Quản trị SSO')},ou=${hexEscaped('Nhóm', true)},dc=tinh,dc=gov,dc=vn`)).toBe(true);
    expect(sameDn(admins, 'cn=Qu\\E1\\BA\\A3n tr\\E1\\BB\\8B SSO,ou=Nh\\c3\\b3m,dc=tinh,dc=gov,dc=vn')).toBe(true);
    expect(sameDn(admins, admins.normalize('NFD'))).toBe(true);
    expect(sameDn(admins, ' cn = Quản trị SSO ; ou = Nhóm ; dc = tinh , dc = gov , dc = vn ')).toBe(true);
  });

  it('folds the case of Vietnamese letters', () => {
    expect(sameDn('cn=ĐẶNG THỊ HÀ', 'cn=đặng thị hà')).toBe(true);
    expect(sameDn('cn=Ưng Ơn', 'cn=ưng ơn')).toBe(true);
    expect(sameDn('cn=Đặng', 'cn=Dặng')).toBe(false);
    expect(sameDn('cn=Hà', 'cn=Ha')).toBe(false);
  });

  it('reads escaped and quoted commas as part of the value', () => {
    expect(sameDn('cn=Nguyễn\\, Văn An,ou=x', 'cn=Nguyễn\\2C Văn An,ou=x')).toBe(true);
    expect(sameDn('cn=Nguyễn\\, Văn An,ou=x', 'cn=Nguyễn\\2c Văn An,ou=x')).toBe(true);
    expect(sameDn('cn=Nguyễn\\, Văn An,ou=x', 'cn="Nguyễn, Văn An",ou=x')).toBe(true);
    expect(sameDn('cn=Nguyễn\\, Văn An,ou=x', 'cn=Nguyễn,cn=Văn An,ou=x')).toBe(false);
    // an escaped separator does not make a DN name another entry
    expect(sameDn('cn=admins,ou=groups,dc=x', 'cn=admins\\,ou\\=groups,dc=x')).toBe(false);
    expect(sameDn('cn=admins,ou=groups,dc=x', 'cn=admins\\2Cou=groups,dc=x')).toBe(false);
  });

  it('compares multi-valued RDNs whatever the order of their AVAs', () => {
    expect(sameDn('cn=An+employeeNumber=12,ou=x', 'employeeNumber=12 + CN=an,ou=x')).toBe(true);
    expect(sameDn('cn=An+employeeNumber=12,ou=x', 'cn=An,employeeNumber=12,ou=x')).toBe(false);
    expect(sameDn('cn=a+sn=b,dc=x', 'cn=a\\+sn=b,dc=x')).toBe(false);
    expect(sameDn('cn=a+cn=b', 'cn=b+cn=a')).toBe(true);
    expect(sameDn('cn=a+cn=a', 'cn=a')).toBe(false);
  });

  it('keeps escaped spaces at the ends of a value, drops unescaped ones', () => {
    expect(sameDn('cn=admins\\ ,ou=x', 'cn=admins\\20,ou=x')).toBe(true);
    expect(sameDn('cn=admins ,ou=x', 'cn=admins,ou=x')).toBe(true);
    expect(sameDn('cn=admins\\ ,ou=x', 'cn=admins,ou=x')).toBe(false);
    expect(sameDn('cn=\\ admins,ou=x', 'cn=admins,ou=x')).toBe(false);
    expect(sameDn('cn=" admins",ou=x', 'cn=\\ admins,ou=x')).toBe(true);
    expect(sameDn('cn=Phòng  Tổ chức', 'cn=Phòng Tổ chức')).toBe(false);
  });

  it('keeps hex values as hex', () => {
    expect(sameDn('cn=#0C0561646D696E,dc=x', 'CN=#0c0561646d696e,dc=x')).toBe(true);
    expect(normalizeDn('cn=#0C0561646D696E,dc=x')).toBe('cn=#0c0561646d696e,dc=x');
    expect(sameDn('cn=#0C0561646D696E,dc=x', 'cn=admin,dc=x')).toBe(false);
    expect(sameDn('cn=#0C0561646D696E,dc=x', 'cn=\\#0C0561646D696E,dc=x')).toBe(false);
    expect(sameDn('cn=#0101ff', 'cn=#0101FF')).toBe(true);
  });

  it('treats = inside a value as text', () => {
    expect(sameDn('cn=a=b,dc=x', 'cn=a\\=b,dc=x')).toBe(true);
    expect(sameDn('cn=a=b,dc=x', 'cn=a\\3Db,dc=x')).toBe(true);
  });

  it('says no for what is not a DN, even to itself', () => {
    const broken = [
      'cn=a,', ',cn=a', 'cn', '=a', 'cn=a\\', 'cn=\\zz', 'cn=\\ff', 'cn=\\C3', 'cn=\\C3\\28', 'cn="open', 'cn="a"b',
      'cn=a\u0000b', 'cn=\uD800', 'c n=a', '1.=a', 'cn=#', 'cn=#0', 'cn=#zz', 'cn=a,,dc=x', 'cn=a++sn=b', `cn=${'x'.repeat(9000)}`,
    ];
    for (const dn of broken) {
      expect([dn, normalizeDn(dn)]).toEqual([dn, null]);
      expect(sameDn(dn, dn)).toBe(false);
    }
    expect(normalizeDn(undefined as unknown as string)).toBeNull();
    expect(normalizeDn({ toString: () => 'cn=a' } as unknown as string)).toBeNull();
    expect(sameDn(undefined as unknown as string, undefined as unknown as string)).toBe(false);
    expect(sameDn('cn=a', undefined as unknown as string)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: a DN built from parts, written in many ways

/** Letters whose upper and lower case map back to each other, specials, spaces, Vietnamese. */
const VALUE_CHARS = fc.constantFrom(...[...'aAbZ09 #=+,;<>"\\\u0000\u00e0\u1ec7\u1ec6\u0110\u0111\u01b0\u01af\u00f3\u00d3-._/😀'], 'ệ'.normalize('NFD'));
const TYPES = fc.constantFrom('cn', 'ou', 'o', 'dc', 'uid', 'employeeNumber', '2.5.4.3', 'x-Attr');
type Parts = Array<Array<[string, string]>>;
const partsArb: fc.Arbitrary<Parts> = fc.array(fc.array(fc.tuple(TYPES, fc.string({ unit: VALUE_CHARS, maxLength: 8 })), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 });

function minimalEscape(v: string): string {
  let out = '';
  for (let k = 0; k < v.length; k += 1) {
    const c = v[k] as string;
    if (c === '\0') out += '\\00';
    else if ('\\"+,;<>'.includes(c) || (c === ' ' && (k === 0 || k === v.length - 1)) || (c === '#' && k === 0)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** How one value may be written. */
const spellings: Array<(v: string) => string> = [
  minimalEscape,
  (v) => hexEscaped(v),
  (v) => hexEscaped(v, true),
  (v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\0/g, '\\00')}"`,
  (v) => minimalEscape(v.toUpperCase()),
  (v) => minimalEscape(v.normalize('NFD')),
];

function write(parts: Parts, pick: (n: number) => number): string {
  const sp = () => ' '.repeat(pick(3));
  return parts
    .map((rdn) => {
      const avas = rdn.map(([t, v]) => `${sp()}${pick(2) ? t.toUpperCase() : t}${sp()}=${sp()}${(spellings[pick(spellings.length)] as (v: string) => string)(v)}${sp()}`);
      if (pick(2)) avas.reverse();
      return avas.join('+');
    })
    .join(pick(2) ? ',' : ';');
}

/** What the parts mean: types and values folded, AVAs of an RDN sorted. */
function meaning(parts: Parts): string {
  return JSON.stringify(parts.map((rdn) => rdn.map(([t, v]) => JSON.stringify([t.toLowerCase(), v.normalize('NFC').toLowerCase().normalize('NFC')])).sort()));
}

/** The same parts, a little changed. */
const mutated = (parts: Parts): fc.Arbitrary<Parts> =>
  fc.constantFrom<Parts>(
    parts,
    parts.map((rdn, i) => (i === 0 ? rdn.map(([t, v], j): [string, string] => (j === 0 ? [t, `${v} `] : [t, v])) : rdn)),
    parts.map((rdn, i) => (i === 0 ? rdn.map(([t, v], j): [string, string] => (j === 0 ? [t, `${v}x`] : [t, v])) : rdn)),
    parts.flat().map((ava) => [ava]),
    [parts.flat()],
    parts.slice(1),
  );

test('any two spellings of one DN compare equal, and normalise to a DN that parses', () => {
  fc.assert(
    fc.property(partsArb, fc.infiniteStream(fc.nat()), fc.infiniteStream(fc.nat()), (parts, r1, r2) => {
      const a = write(parts, (n) => (r1.next().value as number) % n);
      const b = write(parts, (n) => (r2.next().value as number) % n);
      const na = normalizeDn(a);
      expect(na).not.toBeNull();
      expect(normalizeDn(b)).toBe(na);
      expect(parseDn(na as string)).not.toBeNull();
      expect(normalizeDn(na as string)).toBe(na);
    }),
    { numRuns: 2000 },
  );
});

test('two DNs compare equal exactly when their parts mean the same', () => {
  fc.assert(
    fc.property(
      partsArb.chain((p) => fc.tuple(fc.constant(p), mutated(p))),
      fc.infiniteStream(fc.nat()),
      ([a, b], r) => {
        const pick = (n: number) => (r.next().value as number) % n;
        expect(sameDn(write(a, pick), write(b, pick))).toBe(meaning(a) === meaning(b));
      },
    ),
    { numRuns: 2000 },
  );
});

test('hostile strings: normalizeDn never throws, and what it gives is a fixed point', () => {
  const DN_CHARS = fc.constantFrom(...'cnCNou=,;+\\ "#0aF9\u0000\uD800\u00e9\n'.split(''), '\\2C', '\\C3\\A9', '\\ff', '\\E1\\BB', '#0C01');
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: DN_CHARS, maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })), (s) => {
      const n = normalizeDn(s);
      expect(n === null ? parseDn(s) : normalizeDn(n)).toBe(n);
      expect(sameDn(s, s)).toBe(n !== null);
    }),
    { numRuns: 5000 },
  );
});
