/** The access policy's decision (domain/access-policy.ts) and how a policy is checked and stored (clients/access.ts). */
import { describe, expect, it } from '@jest/globals';
import { admits, cleanPolicy, foldName, isOpenPolicy, OPEN_POLICY, parseStoredList, policyProblems, UNREADABLE_LIST_VALUE, POLICY_LIMITS, type AccessPolicy } from '../src/domain/access-policy.js';
import { AccessPolicyError, checkedPolicy, policyColumns, policyOf } from '../src/clients/access.js';

const BASE = 'dc=tinh,dc=gov,dc=vn';
const KE_TOAN = `cn=ke-toan,ou=groups,${BASE}`;
const policy = (p: Partial<AccessPolicy>): AccessPolicy => ({ groups: [], departments: [], organizations: [], ...p });

describe('admits', () => {
  it('an empty policy admits everyone, a person with nothing too', () => {
    expect(isOpenPolicy(OPEN_POLICY)).toBe(true);
    expect(admits(OPEN_POLICY, { groupDns: [] })).toBe(true);
  });

  it('compares groups as DNs: another spelling matches, a look-alike elsewhere in the tree does not', () => {
    const p = policy({ groups: ['CN=Ke-Toan, OU=Groups, DC=tinh,DC=gov,DC=vn'] });
    expect(admits(p, { groupDns: [KE_TOAN] })).toBe(true);
    expect(admits(p, { groupDns: [`cn=ke-toan,ou=people,${BASE}`] })).toBe(false);
    expect(admits(p, { groupDns: [] })).toBe(false);
  });

  it('compares Vietnamese group names in DNs after NFC and case folding', () => {
    const composed = `cn=Lãnh đạo Sở,ou=groups,${BASE}`;
    const decomposed = composed.normalize('NFD').toUpperCase().replace('OU=GROUPS', 'ou=groups').replace('CN=', 'cn=').replace('DC=TINH,DC=GOV,DC=VN', BASE);
    expect(admits(policy({ groups: [decomposed] }), { groupDns: [composed] })).toBe(true);
  });

  it('a listed value that is not a DN matches nothing, not even itself', () => {
    expect(admits(policy({ groups: ['not a dn'] }), { groupDns: ['not a dn'] })).toBe(false);
  });

  it('compares department and organisation names after NFC, trimming and case folding', () => {
    const p = policy({ departments: ['Phòng Kế hoạch'], organizations: ['Sở Y tế'] });
    expect(admits(p, { groupDns: [], department: '  phòng  kế HOẠCH '.normalize('NFD') })).toBe(true);
    expect(admits(p, { groupDns: [], organization: 'SỞ Y TẾ' })).toBe(true);
    expect(admits(p, { groupDns: [], department: 'Phòng Tài chính', organization: 'Sở Tài chính' })).toBe(false);
    expect(admits(p, { groupDns: [], department: '', organization: null })).toBe(false);
    expect(foldName(' Sở  Y tế ')).toBe('sở y tế');
  });

  it('any match admits', () => {
    const p = policy({ groups: [KE_TOAN], departments: ['Văn phòng'], organizations: ['Sở Y tế'] });
    expect(admits(p, { groupDns: [], organization: 'Sở Y tế' })).toBe(true);
    expect(admits(p, { groupDns: [KE_TOAN], organization: 'Sở Nội vụ' })).toBe(true);
    expect(admits(p, { groupDns: [], department: 'Văn phòng' })).toBe(true);
    expect(admits(p, { groupDns: [`cn=x,${BASE}`], department: 'Khác', organization: 'Khác' })).toBe(false);
  });
});

describe('checking and storing a policy', () => {
  it('refuses a group that is not a DN, control characters, empty values, too many and too long values', () => {
    const kinds = (p: Partial<AccessPolicy>) => policyProblems(policy(p)).map((x) => `${x.field}:${x.kind}`);
    expect(kinds({ groups: ['ke-toan'] })).toEqual(['groups:not_dn']);
    expect(kinds({ groups: [''] })).toEqual(['groups:empty']);
    expect(kinds({ departments: ['a\nb'] })).toEqual(['departments:control']);
    expect(kinds({ organizations: ['x'.repeat(POLICY_LIMITS.name + 1)] })).toEqual(['organizations:too_long']);
    expect(kinds({ departments: Array.from({ length: POLICY_LIMITS.entries + 1 }, (_, i) => `P${i}`) })).toEqual(['departments:too_many']);
    expect(() => checkedPolicy(policy({ groups: ['ke-toan'] }))).toThrow(AccessPolicyError);
    expect(() => checkedPolicy(policy({ groups: ['ke-toan'] }))).toThrow(/--allow-group: "ke-toan" is not a DN/);
  });

  it('trims values and drops duplicates as compared; round-trips through its columns', () => {
    const p = checkedPolicy(policy({ groups: [` ${KE_TOAN} `, 'CN=KE-TOAN,ou=groups,dc=tinh,dc=gov,dc=vn'], departments: ['Văn phòng', 'văn  PHÒNG'] }));
    expect(p).toEqual({ groups: [KE_TOAN], departments: ['Văn phòng'], organizations: [] });
    expect(policyOf(policyColumns(p))).toEqual(p);
    expect(cleanPolicy(OPEN_POLICY)).toEqual(OPEN_POLICY);
  });

  it('reads a missing stored list as empty, and a malformed one as admitting nobody', () => {
    expect(policyOf({})).toEqual(OPEN_POLICY);
    expect(parseStoredList('[1,"a"]')).toEqual(['a']);
    for (const bad of ['{', '{"a":1}', '"x"']) {
      const policy = { ...OPEN_POLICY, departments: parseStoredList(bad) };
      expect(policy.departments).toEqual([UNREADABLE_LIST_VALUE]);
      expect(admits(policy, { groupDns: [KE_TOAN], department: 'Văn phòng', organization: 'UBND tỉnh' })).toBe(false);
    }
  });
});
