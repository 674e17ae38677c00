/**
 * Who may use an application (issue 17, item 7): its access policy, and the decision. Pure.
 *
 * A policy lists directory groups (by DN), departments and organisations. A person matching any
 * one of them is admitted; a policy listing nothing admits everyone. Groups are compared as DNs
 * (normalizeDn: "CN=X, OU=Groups" and "cn=x,ou=groups" are one group; a look-alike group of the
 * same name elsewhere in the tree is another); department and organisation names after NFC,
 * trimming, collapsing inner spaces and case folding ("Sở Y tế" and "  sở y TẾ" are one).
 */
import { normalizeDn } from './dn.js';

/** An application's access policy, as stored and edited. */
export interface AccessPolicy {
  /** Directory groups by DN, as the administrator wrote them. */
  groups: string[];
  /** Department names (the account's `department`, from the directory). */
  departments: string[];
  /** Organisation (agency) names (the account's `organization`). */
  organizations: string[];
}

/** What the decision needs of a person: current groups, department and organisation. */
export interface AccessPerson {
  groupDns: readonly string[];
  department?: string | null | undefined;
  organization?: string | null | undefined;
}

/** Bounds on a policy (every entry point checks them: CLI, console, storage reads). */
export const POLICY_LIMITS = { entries: 50, dn: 1024, name: 200 } as const;

/** The policy that admits everyone. */
export const OPEN_POLICY: AccessPolicy = Object.freeze({ groups: [], departments: [], organizations: [] }) as AccessPolicy;

/** Does the policy list nothing (so it admits everyone)? */
export function isOpenPolicy(p: AccessPolicy): boolean {
  return p.groups.length === 0 && p.departments.length === 0 && p.organizations.length === 0;
}

/** A department or organisation name as compared: NFC, trimmed, inner spaces collapsed, case folded. */
export function foldName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase().normalize('NFC');
}

/** Is the person admitted by the policy? Any match admits; an open policy admits everyone. */
export function admits(policy: AccessPolicy, person: AccessPerson): boolean {
  if (isOpenPolicy(policy)) return true;
  if (policy.groups.length && person.groupDns.length) {
    const mine = new Set(person.groupDns.map(normalizeDn).filter((d): d is string => d !== null));
    // a listed value that is not a DN matches nothing (normalizeDn: null)
    if (policy.groups.some((g) => { const n = normalizeDn(g); return n !== null && mine.has(n); })) return true;
  }
  if (nameMatches(policy.departments, person.department)) return true;
  return nameMatches(policy.organizations, person.organization);
}

function nameMatches(listed: readonly string[], value: string | null | undefined): boolean {
  if (!listed.length || !value || !value.trim()) return false;
  const v = foldName(value);
  return listed.some((n) => foldName(n) === v);
}

/** Every problem with a policy, in the operator's words (English; the console maps them). Empty: fine. */
export function policyProblems(p: AccessPolicy): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  for (const [field, list] of [['groups', p.groups], ['departments', p.departments], ['organizations', p.organizations]] as const) {
    if (list.length > POLICY_LIMITS.entries) out.push({ field, kind: 'too_many', value: String(list.length) });
    for (const v of list) {
      const max = field === 'groups' ? POLICY_LIMITS.dn : POLICY_LIMITS.name;
      if (!v.trim()) out.push({ field, kind: 'empty', value: '' });
      else if (v.length > max) out.push({ field, kind: 'too_long', value: v.slice(0, 60) });
      else if (/[\u0000-\u001f\u007f]/u.test(v)) out.push({ field, kind: 'control', value: v.slice(0, 60) });
      else if (field === 'groups' && !isGroupDn(v)) out.push({ field, kind: 'not_dn', value: v.slice(0, 60) });
    }
  }
  return out;
}

/** A DN with at least one RDN (the empty DN names no group). */
function isGroupDn(v: string): boolean {
  const n = normalizeDn(v);
  return n !== null && n !== '';
}

export interface PolicyProblem {
  field: 'groups' | 'departments' | 'organizations';
  kind: 'too_many' | 'empty' | 'too_long' | 'control' | 'not_dn';
  /** The value concerned (cut short), or the count for too_many. */
  value: string;
}

/** A problem as the CLI says it. */
export function policyProblemText(p: PolicyProblem): string {
  const opt = { groups: '--allow-group', departments: '--allow-department', organizations: '--allow-organization' }[p.field];
  switch (p.kind) {
    case 'too_many': return `${opt}: at most ${POLICY_LIMITS.entries} values (${p.value} given)`;
    case 'empty': return `${opt}: an empty value`;
    case 'too_long': return `${opt}: "${p.value}…" is too long (at most ${p.field === 'groups' ? POLICY_LIMITS.dn : POLICY_LIMITS.name} characters)`;
    case 'control': return `${opt}: "${p.value}" holds a line break or control character`;
    case 'not_dn': return `${opt}: "${p.value}" is not a DN (e.g. cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn)`;
  }
}

/** The policy cleaned for storage: values trimmed, duplicates (as compared) dropped, order kept. */
export function cleanPolicy(p: AccessPolicy): AccessPolicy {
  const uniq = (list: readonly string[], key: (v: string) => string) => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const raw of list) {
      const v = raw.normalize('NFC').trim();
      const k = key(v);
      if (!v || seen.has(k)) continue;
      seen.add(k);
      out.push(v);
    }
    return out;
  };
  return {
    groups: uniq(p.groups, (v) => normalizeDn(v) ?? v),
    departments: uniq(p.departments, foldName),
    organizations: uniq(p.organizations, foldName),
  };
}

/**
 * A value no person's group, department or organisation can be (it holds a NUL): what an
 * unreadable stored list reads as, so that it admits nobody rather than everybody.
 */
export const UNREADABLE_LIST_VALUE = '\u0000unreadable';

/**
 * A stored list (JSON text) read back; values out of bounds are dropped. A list that is not a
 * JSON array of strings (only the service writes these columns) fails closed: it reads as
 * [UNREADABLE_LIST_VALUE], which matches nobody.
 */
export function parseStoredList(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    if (!Array.isArray(v)) return [UNREADABLE_LIST_VALUE];
    return v.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= POLICY_LIMITS.dn).slice(0, POLICY_LIMITS.entries);
  } catch {
    return [UNREADABLE_LIST_VALUE];
  }
}
