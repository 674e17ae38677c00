/**
 * Property tests of the LDAP filter escaping (src/directory/ldap/filter.ts), the one place where
 * what a person types becomes part of a filter:
 *   - for any string, eq(attr, s) parses (ldapts FilterParser, as it is sent) back to an equality
 *     on exactly s, and encodes to the same BER as an equality built from s directly;
 *   - against a real slapd, a search with the login filter of an arbitrary input never returns an
 *     entry whose login or addresses are not equal to that input.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import asn1 from 'asn1';
import fc from 'fast-check';
import { Client, EqualityFilter, FilterParser, type Entry } from 'ldapts';
import { and, eq, escapeFilterValue, LdapFilterError, loginFilter, normalizeLoginInput } from '../src/directory/ldap/filter.js';
import { resolvePreset } from '../src/directory/ldap/presets.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { zimbraPeople as P } from './fixtures/ldap/zimbra.ldif.js';
import { collectUnhandled } from './helpers/hostile.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Characters that matter to a filter, to logins, and to Unicode handling. */
const HOSTILE = fc.constantFrom(
  '*', '(', ')', '\\', '\u0000', '&', '|', '!', '=', '~', '>', '<', ':', '@', '.', ' ', '\t', '\n', '#', ',', '+', '"', ';',
  'k', 'h', 'a', 'i', 'n', 't', 'm', 'l', 'K', 'A', 'á', 'ị', 'Đ', 'ư', '\u0301', '\u200b', '\u202e', '\uFEFF', '😀', '\uD800', '\uDC00',
  'uid', 'khaintm', 'tinh.gov.vn', '\\2a', '\\28', '\\5c', '\\00', '*)(uid=*', ')(|(uid=*',
);
const hostileString = fc.oneof(
  fc.string({ unit: HOSTILE, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ maxLength: 60 }),
);

function ber(f: { write(w: asn1.BerWriter): void }): string {
  const w = new asn1.BerWriter();
  f.write(w);
  return w.buffer.toString('hex');
}

const unhandled = collectUnhandled();
afterAll(() => unhandled.stop());

describe('escaping', () => {
  test('for any string, the escaped equality parses back to exactly that string (or the string is refused as ill-formed Unicode)', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        if (LONE_SURROGATE.test(s)) {
          expect(() => eq('uid', s)).toThrow(LdapFilterError);
          return;
        }
        const filter = eq('uid', s);
        const parsed = FilterParser.parseString(filter);
        expect(parsed).toBeInstanceOf(EqualityFilter);
        expect((parsed as EqualityFilter).attribute).toBe('uid');
        expect(String((parsed as EqualityFilter).value)).toBe(s);
        // what goes on the wire: the same bytes as an equality made from the value itself
        expect(ber(parsed)).toBe(ber(new EqualityFilter({ attribute: 'uid', value: s })));
        // and it stays one equality inside a conjunction
        const both = FilterParser.parseString(and('(objectClass=zimbraAccount)', filter));
        expect(both.toString()).toBe(FilterParser.parseString(`(&(objectClass=zimbraAccount)${filter})`).toString());
      }),
      { numRuns: 2000 },
    );
  });

  test('escaping leaves no special character unescaped and is injective', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        fc.pre(!LONE_SURROGATE.test(a) && !LONE_SURROGATE.test(b));
        const ea = escapeFilterValue(a);
        expect(ea).not.toMatch(/[*()\u0000]|\\(?![0-9a-f]{2})/);
        if (a !== b) expect(ea).not.toBe(escapeFilterValue(b));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('against slapd', () => {
  let slapd: Slapd;
  let client: Client;
  const preset = resolvePreset('zimbra');
  const mailDomains = ['tinh.gov.vn'];
  const compared = [...new Set([...preset.loginAttributes, ...preset.mailAttributes])];

  beforeAll(async () => {
    slapd = await startSlapd({ fixture: 'zimbra' });
    client = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 5000 });
    await client.bind(slapd.bindDn, slapd.bindPassword);
  });
  afterAll(async () => {
    await client?.unbind().catch(() => undefined);
    await slapd?.stop();
  });

  /** LDAP caseIgnoreMatch, as slapd compares uid and mail: case and runs of spaces do not count. */
  const fold = (s: string) => s.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();

  async function search(input: string): Promise<Entry[]> {
    const filter = loginFilter(input, { loginAttributes: preset.loginAttributes, mailAttributes: preset.mailAttributes, mailDomains });
    if (filter === null) return [];
    const { searchEntries } = await client.search(slapd.baseDn, { scope: 'sub', filter: and(preset.userFilter, filter), attributes: compared, sizeLimit: 50 });
    return searchEntries;
  }

  /** What an entry may be found by for this input: the login itself, and local@ one of our domains. */
  function acceptable(input: string): string[] {
    const login = normalizeLoginInput(input)!;
    const at = login.lastIndexOf('@');
    const out = [login];
    if (at > 0 && mailDomains.includes(login.slice(at + 1).trim().toLowerCase())) out.push(login.slice(0, at).trim());
    return out.map(fold);
  }

  function entryValues(e: Entry): string[] {
    return compared.flatMap((a) => {
      const v = e[a];
      return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => fold(String(x)));
    });
  }

  test('the real logins, addresses and aliases are found (the search works)', async () => {
    for (const input of [P.khai.login, 'KHAINTM', 'khaintm@tinh.gov.vn', 'giamdoc.snv@tinh.gov.vn', ` ${P.lan.login} `]) {
      expect((await search(input)).length).toBe(1);
    }
  });

  test('an arbitrary login never matches an entry it is not equal to', async () => {
    const logins = fc.oneof(
      hostileString,
      // real logins with filter syntax spliced in: the likeliest way to match someone else
      fc.tuple(fc.constantFrom(P.khai.login, P.lan.login, 'khaintm@tinh.gov.vn', 'giamdoc.snv', 'tinh.gov.vn'), fc.constantFrom('*', ')(uid=*', '*)(|(uid=*', '\\2a', '(', ')', '\u0000', '*@tinh.gov.vn', '@tinh.gov.vn'), fc.boolean()).map(([l, x, front]) => (front ? x + l : l + x)),
      fc.constantFrom('*', '**', '*@*', '*@tinh.gov.vn', ')(uid=*', '(|(uid=*))', '\\2a', 'k*', '*ntm', '(objectClass=*)'),
    );
    await fc.assert(
      fc.asyncProperty(logins, async (input) => {
        const found = await search(input);
        if (found.length === 0) return;
        const ok = acceptable(input);
        for (const e of found) expect({ input, dn: e.dn, equal: entryValues(e).some((v) => ok.includes(v)) }).toEqual({ input, dn: e.dn, equal: true });
      }),
      { numRuns: 400 },
    );
  });
});

test('no unhandled rejection or uncaught exception', () => {
  expect(unhandled.seen).toEqual([]);
});
